// Planning a walking list (staff): date, inspector, buurten, capacity and
// minimum score go to POST /inspection-lists; the new list then opens as
// its route. Also the list's downloads (CSV, GeoJSON) and sending it to
// the inspector by e-mail.

import * as api from "./api.js";
import { h, field, announce, download } from "./dom.js";
import { today, distance, count } from "./format.js";

/** The form that plans a list; `buurten` are the populated buurt features. */
export function planningForm(buurten) {
  const message = h("p", { class: "message error", role: "alert", id: "plan-message" });
  const date = h("input", { type: "date", name: "date", required: true, value: today(1) });
  const inspector = h("input", { type: "text", name: "inspector", required: true, autocomplete: "off", spellcheck: "false" });
  const capacity = h("input", { type: "number", name: "capacity", required: true, min: "1", max: "50", value: "8", inputmode: "numeric" });
  const minScore = h("input", { type: "number", name: "minScore", min: "0", max: "100", value: "20", inputmode: "numeric" });
  const boxes = buurten.map((f) => {
    const id = `plan-buurt-${f.properties.code}`;
    return h("div", { class: "check" },
      h("input", { type: "checkbox", id, name: "buurt", value: f.properties.code }),
      h("label", { for: id }, `${f.properties.name} (${f.properties.openSignals})`));
  });
  const submit = h("button", { type: "submit" }, "Looplijst plannen");
  const form = h("form", { id: "plan-form", novalidate: true },
    h("div", { class: "row" },
      field("plan-date", "Datum", date),
      field("plan-inspector", "Inspecteur", inspector, "De gebruikersnaam van de inspecteur, zoals op het token"),
      field("plan-capacity", "Aantal bezoeken", capacity, "1 tot en met 50"),
      field("plan-min-score", "Minimale risicoscore", minScore, "Leeg laten: alle adressen met signalen")),
    h("fieldset", {},
      h("legend", {}, "Buurten ", h("span", { class: "hint" }, "Geen keuze: alle buurten. Tussen haakjes: open signalen.")),
      h("div", { class: "buurten", tabindex: "0", role: "group", "aria-label": "Buurten om te kiezen" }, boxes)),
    message,
    h("div", { class: "actions" }, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.textContent = "";
    const missing = [];
    if (!date.value) missing.push("kies een datum");
    if (!inspector.value.trim()) missing.push("vul de inspecteur in");
    if (!capacity.value) missing.push("vul het aantal bezoeken in");
    if (missing.length) {
      message.textContent = `Nog niet compleet: ${missing.join(", ")}.`;
      return;
    }
    const body = {
      date: date.value,
      inspector: inspector.value.trim(),
      capacity: Number(capacity.value),
    };
    if (minScore.value !== "") body.minScore = Number(minScore.value);
    const chosen = boxes.map((b) => b.querySelector("input")).filter((i) => i.checked).map((i) => i.value);
    if (chosen.length) body.neighbourhoods = chosen;
    submit.disabled = true;
    try {
      const list = await api.call("/inspection-lists", { method: "POST", body });
      announce(`Looplijst gepland: ${count(list.items.length, "bezoek", "bezoeken")}, ${distance(list.totalDistanceM)}.`);
      location.hash = `#/lijst/${list.id}`;
    } catch (error) {
      message.textContent = error instanceof api.ApiError ? error.explain() : "De lijst kon niet worden gepland.";
    } finally {
      submit.disabled = false;
    }
  });
  return [h("h2", { id: "plan-heading" }, "Looplijst plannen"), form];
}

/** Buttons that download the list as CSV and as GeoJSON. */
export function downloads(list) {
  const fetchAs = async (accept, extension) => {
    try {
      const blob = await api.call(`/inspection-lists/${list.id}`, { accept, as: "blob" });
      download(blob, `looplijst-${list.id}-${list.date}.${extension}`);
      announce(`De looplijst is gedownload als ${extension.toUpperCase()}.`);
    } catch (error) {
      announce(error instanceof api.ApiError ? error.explain() : "Downloaden is mislukt.");
    }
  };
  return h("div", { class: "actions" },
    h("button", { type: "button", id: "download-csv", onclick: () => fetchAs("text/csv", "csv") }, "Download CSV"),
    h("button", { type: "button", id: "download-geojson", onclick: () => fetchAs("application/geo+json", "geojson") }, "Download GeoJSON"));
}

/** The form that sends the list (CSV attached) to an e-mail address. */
export function mailingForm(list) {
  const to = h("input", { type: "email", name: "to", required: true, autocomplete: "email" });
  const message = h("p", { class: "message", role: "status", id: "mail-message" });
  const submit = h("button", { type: "submit" }, "Verstuur naar de inspecteur");
  const form = h("form", { id: "mail-form", novalidate: true },
    field("mail-to", "E-mailadres van de inspecteur", to),
    message,
    h("div", { class: "actions" }, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.className = "message";
    if (!to.value.includes("@")) {
      message.className = "message error";
      message.textContent = "Vul een e-mailadres in, bijvoorbeeld naam@vlaardingen.nl.";
      return;
    }
    submit.disabled = true;
    try {
      await api.call(`/inspection-lists/${list.id}/mailings`, { method: "POST", body: { to: to.value.trim() } });
      message.className = "message ok";
      message.textContent = `De looplijst gaat per e-mail naar ${to.value.trim()} (met de CSV als bijlage).`;
    } catch (error) {
      message.className = "message error";
      message.textContent = error instanceof api.ApiError ? error.explain() : "Versturen is mislukt.";
    } finally {
      submit.disabled = false;
    }
  });
  return [h("h2", { id: "mail-heading" }, "Versturen"), form];
}
