// Staff's view: the municipality on a map (buurten coloured by risk, the
// addresses with open signals as points sized by risk score, hotspots as
// outlines), filters, and a sortable table of the same addresses that
// follows the filter. The planning form sits under the map.

import * as api from "./api.js";
import { h, field, show, announce } from "./dom.js";
import { address, postcode, number, count } from "./format.js";
import { RULES, ruleName } from "./evidence.js";
import { createMap, buurtLayer, hotspotLayer, signalLayer, populatedBounds, RISK_CLASSES } from "./map.js";
import { planningForm } from "./planning.js";

const COLUMNS = [
  { key: "address", label: "Adres", value: (r) => r.addressText },
  { key: "buurt", label: "Buurt", value: (r) => r.buurtCode },
  { key: "score", label: "Score", value: (r) => r.riskScore, numeric: true },
  { key: "rules", label: "Signalen", value: (r) => r.rulesText },
];

/** Shows the map view in `main`; `params` are the filters from the URL. */
export async function showSignals(main, user, params) {
  const filters = {
    rule: params.get("rule") || "",
    minScore: params.get("minScore") || "",
    neighbourhood: params.get("buurt") || "",
  };
  const mapEl = h("div", { class: "map", id: "signal-map" });
  const tableHolder = h("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-labelledby": "signal-table-caption" });
  const countLine = h("p", { class: "lead", id: "signal-count" }, "De signalen worden geladen…");
  const ruleSelect = h("select", { name: "rule" }, h("option", { value: "" }, "Alle regels"),
    Object.entries(RULES).map(([code, name]) => h("option", { value: code, selected: code === filters.rule }, name)));
  const minScore = h("input", { type: "number", name: "minScore", min: "0", max: "100", step: "1", inputmode: "numeric", value: filters.minScore });
  const buurtSelect = h("select", { name: "buurt" }, h("option", { value: "" }, "Alle buurten"));
  const form = h("form", { class: "filters", "aria-label": "Filter de signalen" },
    h("div", { class: "row" },
      field("filter-rule", "Regel", ruleSelect),
      field("filter-min-score", "Minimale score per signaal", minScore),
      field("filter-buurt", "Buurt", buurtSelect),
      h("div", { class: "field" }, h("button", { type: "submit" }, "Filter toepassen"))));
  const planHolder = h("section", { "aria-labelledby": "plan-heading" });
  show(main,
    h("h1", { tabindex: "-1" }, "Signalen op de kaart"),
    form,
    countLine,
    h("div", { class: "map-layout" },
      h("div", {}, mapEl, legend()),
      h("section", { "aria-label": "Tabel van de signalen" }, tableHolder)),
    planHolder);

  const map = createMap(mapEl, "Kaart van de buurten en de adressen met open signalen");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const q = api.query({ rule: ruleSelect.value, minScore: minScore.value, buurt: buurtSelect.value });
    location.hash = `#/kaart${q}`;
  });
  // The points come first; the buurten (a heavier answer, asked for after
  // the points so as not to slow them down) are drawn under them when they
  // arrive, and then name the buurten in the table.
  const [signals, hotspots] = await Promise.all([
    api.call(`/signals${api.query({ rule: filters.rule, minScore: filters.minScore, neighbourhood: filters.neighbourhood })}`, { accept: "application/geo+json" }),
    api.call("/hotspots"),
  ]);
  performance.mark("signals-fetched");
  const buurtenLoaded = api.call("/neighbourhoods");
  hotspotLayer(hotspots).addTo(map);
  const points = signalLayer(signals.features).addTo(map);
  if (filters.neighbourhood && signals.features.length) map.fitBounds(L.featureGroup(points.getLayers()).getBounds(), { padding: [20, 20], animate: false });
  const names = new Map();
  const rows = signals.features.map((f) => {
    const p = f.properties;
    return {
      address: p.address,
      addressText: address(p.address),
      buurtCode: p.address.neighbourhoodCode,
      riskScore: p.riskScore,
      rules: p.signals.map((s) => ruleName(s.rule)),
      rulesText: p.signals.map((s) => ruleName(s.rule)).join(", "),
    };
  });
  const table = { holder: tableHolder, rows, names, sort: { key: "score", descending: true }, generation: 0 };
  const signalTotal = signals.features.reduce((n, f) => n + f.properties.signals.length, 0);
  countLine.textContent = `${count(rows.length, "adres", "adressen")} met ${count(signalTotal, "open signaal", "open signalen")}; ${count(hotspots.features.length, "hotspot", "hotspots")}.`;
  renderTable(table);
  // Marked once the frame with the points and the table has been painted.
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  performance.mark("signals-rendered");
  document.body.dataset.signalPoints = String(rows.length);
  delete document.body.dataset.buurtenLoaded;

  const buurten = await buurtenLoaded;
  delete document.body.dataset.buurtenLoaded;
  for (const f of buurten.features) names.set(f.properties.code, f.properties.name);
  const populated = buurten.features.filter((f) => f.properties.addresses > 0)
    .sort((a, b) => a.properties.name.localeCompare(b.properties.name, "nl"));
  for (const f of populated) {
    buurtSelect.append(h("option", { value: f.properties.code, selected: f.properties.code === filters.neighbourhood }, `${f.properties.name} (${f.properties.gemeenteName})`));
  }
  buurtLayer(buurten).addTo(map).bringToBack();
  const focus = populatedBounds(buurten);
  if (focus && !filters.neighbourhood) {
    const fit = () => map.fitBounds(focus, { padding: [10, 10], animate: false });
    fit();
    map.on("resize", fit);
  }
  renderTable(table);
  show(planHolder, planningForm(populated, user));
  document.body.dataset.buurtenLoaded = "true";
}

function legend() {
  return h("ul", { class: "legend", "aria-label": "Legenda" },
    RISK_CLASSES.map((c, i) => h("li", {}, h("span", { class: `swatch r${i}`, "aria-hidden": "true" }), `Buurt: ${c.label}`)),
    h("li", {}, h("span", { class: "swatch point", "aria-hidden": "true" }), "Adres met open signalen (groter = hogere score)"),
    h("li", {}, h("span", { class: "swatch hotspot", "aria-hidden": "true" }), "Hotspot"));
}

/** Rows drawn at once; the rest follow in chunks, so the first paint is quick. */
const FIRST_ROWS = 150;
const CHUNK_ROWS = 500;

function rowElement(r, names) {
  const tr = document.createElement("tr");
  tr.append(
    h("td", {}, h("a", { href: `#/adres/${r.address.id}` }, r.addressText), h("br"), postcode(r.address.postcode)),
    h("td", {}, names.get(r.buurtCode) || r.buurtCode || "—"),
    h("td", { class: "num" }, number(r.riskScore, 0)),
    h("td", { class: "rules" }, h("ul", {}, r.rules.map((name) => h("li", {}, name)))));
  return tr;
}

function renderTable(table) {
  const { holder, rows, names, sort } = table;
  table.generation += 1;
  const generation = table.generation;
  const column = COLUMNS.find((c) => c.key === sort.key);
  const value = (r) => (column.key === "buurt" ? names.get(r.buurtCode) || r.buurtCode || "" : column.value(r));
  const sorted = [...rows].sort((a, b) => {
    const x = value(a);
    const y = value(b);
    const order = column.numeric ? x - y : String(x).localeCompare(String(y), "nl", { numeric: true });
    return sort.descending ? -order : order;
  });
  const head = h("tr", {}, COLUMNS.map((c) => h("th", {
    scope: "col",
    class: c.numeric ? "num" : null,
    "aria-sort": c.key === sort.key ? (sort.descending ? "descending" : "ascending") : null,
  }, h("button", {
    type: "button",
    class: "sort",
    onclick: () => {
      table.sort = { key: c.key, descending: c.key === sort.key ? !sort.descending : !!c.numeric };
      renderTable(table);
      holder.querySelector(`th:nth-child(${COLUMNS.indexOf(c) + 1}) button`)?.focus();
      announce(`Gesorteerd op ${c.label.toLowerCase()}`);
    },
  }, c.label))));
  const body = document.createElement("tbody");
  const addRows = (from, to) => {
    const fragment = document.createDocumentFragment();
    for (const r of sorted.slice(from, to)) fragment.append(rowElement(r, names));
    body.append(fragment);
  };
  addRows(0, FIRST_ROWS);
  show(holder, h("table", { class: "signal-table" },
    h("colgroup", {}, h("col", { class: "c-address" }), h("col", { class: "c-buurt" }), h("col", { class: "c-score" }), h("col", { class: "c-rules" })),
    h("caption", { id: "signal-table-caption" }, `Adressen met open signalen (${number(rows.length, 0)}), sorteerbaar`),
    h("thead", {}, head), body));
  const more = (from) => {
    if (table.generation !== generation || from >= sorted.length) {
      if (table.generation === generation) holder.dataset.rows = String(sorted.length);
      return;
    }
    addRows(from, from + CHUNK_ROWS);
    setTimeout(() => more(from + CHUNK_ROWS), 0);
  };
  delete holder.dataset.rows;
  setTimeout(() => more(FIRST_ROWS), 0);
}
