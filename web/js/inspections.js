// Walking lists: an inspector's lists for today and the coming days (staff
// see every planned list), and one list as its route on the map with the
// visits in order, each opening the address's dossier.

import * as api from "./api.js";
import { h, show } from "./dom.js";
import { address, postcode, date, dayWithWeekday, distance, number, count, today } from "./format.js";
import { ruleName } from "./evidence.js";
import { createMap, routeLayer, buurtLayer } from "./map.js";
import { downloads, mailingForm } from "./planning.js";

const RESULTS = { "no-violation": "geen overtreding", violation: "overtreding", "no-access": "geen toegang" };

/** Dutch words for a visit's result. */
export function resultName(result) {
  return RESULTS[result] || result;
}

/** The lists from today on, the inspector's own (the API sees to that). */
export async function showLists(main, user) {
  const isInspector = user.role === "inspector";
  const all = await api.call(`/inspection-lists${api.query({ pageSize: 500, inspector: isInspector ? user.subject : "" })}`);
  const from = today();
  const lists = all.items.filter((l) => l.date >= from).sort((a, b) => a.date.localeCompare(b.date) || a.id - b.id);
  const todays = lists.filter((l) => l.date === from);
  const later = lists.filter((l) => l.date > from);
  const card = (l) => h("li", { class: "card" },
    h("h3", {}, h("a", { href: `#/lijst/${l.id}` }, `Looplijst ${l.id}: ${dayWithWeekday(l.date)}`)),
    h("p", {}, `${count(l.visits, "bezoek", "bezoeken")} · ${distance(l.totalDistanceM)} lopen${isInspector ? "" : ` · inspecteur ${l.inspector}`}`));
  const group = (title, id, items, none) => [
    h("h2", { id }, title),
    items.length ? h("ul", { class: "cards", "aria-labelledby": id }, items.map(card)) : h("p", {}, none),
  ];
  show(main,
    h("h1", { tabindex: "-1" }, isInspector ? "Mijn looplijsten" : "Geplande looplijsten"),
    h("p", { class: "lead" }, `Vandaag is het ${date(from)}.`),
    group("Vandaag", "lists-today", todays, "Voor vandaag staat er geen looplijst."),
    group("Komende dagen", "lists-later", later, "Er zijn nog geen looplijsten voor de komende dagen."));
}

/** One list: the route on the map and the visits in order. */
export async function showList(main, user, id) {
  const [list, buurten] = await Promise.all([
    api.call(`/inspection-lists/${encodeURIComponent(id)}`),
    api.call("/neighbourhoods"),
  ]);
  const mapEl = h("div", { class: "map small", id: "route-map" });
  const done = list.items.filter((i) => i.visitedAt).length;
  const visits = h("ol", { class: "visits cards", "aria-label": "Bezoeken in volgorde van de route" },
    list.items.map((item) => h("li", { class: "card visit" },
      h("span", { class: "order", "aria-hidden": "true" }, String(item.order)),
      h("div", {},
        h("h3", {}, h("a", { href: `#/adres/${item.addressId}` }, `${item.order}. ${address(item)}`)),
        h("p", {}, `${postcode(item.postcode)} ${item.city} · risicoscore ${number(item.riskScore, 0)} · ${distance(item.legDistanceM)} vanaf ${item.order === 1 ? "het startpunt" : "het vorige adres"}`),
        h("p", {}, item.rules.map(ruleName).join(", ")),
        h("p", {}, `${count(item.occupantCount, "bewoner", "bewoners")}${item.landlord ? ` · verhuurder ${item.landlord}` : ""}`),
        item.visitedAt
          ? h("p", {}, h("span", { class: "badge done" }, `Bezocht: ${resultName(item.result)}`))
          : h("p", {}, h("span", { class: "badge" }, "Nog te bezoeken"))))));
  const mayMail = user.role === "staff" || user.role === "admin";
  show(main,
    h("h1", { tabindex: "-1" }, `Looplijst ${list.id}: ${dayWithWeekday(list.date)}`),
    h("p", { class: "lead", id: "route-summary" },
      `Inspecteur ${list.inspector} · ${count(list.items.length, "bezoek", "bezoeken")} (${number(done, 0)} gedaan) · totale afstand ${distance(list.totalDistanceM)}`),
    h("div", { class: "map-layout" },
      h("div", { class: "sticky" }, mapEl, h("p", { class: "hint" }, "S is het startpunt; de nummers zijn de volgorde van de bezoeken.")),
      h("section", { "aria-labelledby": "visits-heading" }, h("h2", { id: "visits-heading" }, "Bezoeken"), visits)),
    h("section", { "aria-labelledby": "download-heading" }, h("h2", { id: "download-heading" }, "Downloaden"), downloads(list)),
    mayMail ? h("section", { "aria-labelledby": "mail-heading" }, mailingForm(list)) : null);
  const map = createMap(mapEl, `Kaart met de route van looplijst ${list.id}`);
  buurtLayer(buurten, { isFaint: true }).addTo(map);
  const route = routeLayer(list).addTo(map);
  const fit = () => map.fitBounds(route.getBounds(), { padding: [30, 30], maxZoom: 17, animate: false });
  fit();
  // A phone turned on its side shows the whole route again.
  map.on("resize", fit);
}
