// The outcome of a visit (inspectors): result, persons and bedrooms found,
// notes, sent to POST /inspections/{id}/outcome. The address's signals are
// re-evaluated by the API; the dossier shows the change.

import * as api from "./api.js";
import { h, field } from "./dom.js";

const RESULTS = [
  ["no-violation", "Geen overtreding"],
  ["violation", "Overtreding"],
  ["no-access", "Geen toegang"],
];

/** The form for `inspection`; `done(signalsBefore)` re-renders and returns a summary. */
export function outcomeForm(inspection, done, signalsBefore) {
  const message = h("p", { class: "message error", role: "alert", id: "outcome-message" });
  const persons = h("input", { type: "number", name: "personsFound", min: "0", max: "1000", inputmode: "numeric" });
  const bedrooms = h("input", { type: "number", name: "bedroomsFound", min: "0", max: "500", inputmode: "numeric" });
  const notes = h("textarea", { name: "notes", maxlength: "2000", rows: "3" });
  const radios = RESULTS.map(([value, label]) => {
    const id = `outcome-result-${value}`;
    return h("span", { class: "check" }, h("input", { type: "radio", name: "result", id, value, required: true }), h("label", { for: id }, label));
  });
  const submit = h("button", { type: "submit" }, "Uitkomst opslaan");
  const form = h("form", { id: "outcome-form", novalidate: true },
    h("fieldset", {}, h("legend", {}, "Resultaat"), h("div", { class: "choices" }, radios)),
    h("div", { class: "row" },
      field("outcome-persons", "Aangetroffen personen", persons),
      field("outcome-bedrooms", "Aangetroffen slaapkamers", bedrooms)),
    field("outcome-notes", "Notities", notes, "Eén regel platte tekst; regeleinden worden spaties"),
    message,
    h("div", { class: "actions" }, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.textContent = "";
    const result = form.querySelector("input[name=result]:checked")?.value;
    if (!result) {
      message.textContent = "Kies een resultaat: geen overtreding, overtreding of geen toegang.";
      form.querySelector("input[name=result]").focus();
      return;
    }
    const body = { visitedAt: new Date().toISOString().replace(/\.\d+Z$/, "Z"), result };
    if (persons.value !== "") body.personsFound = Number(persons.value);
    if (bedrooms.value !== "") body.bedroomsFound = Number(bedrooms.value);
    const text = notes.value.replace(/\s+/g, " ").trim();
    if (text) body.notes = text;
    submit.disabled = true;
    try {
      await api.call(`/inspections/${inspection.id}/outcome`, { method: "POST", body });
      await done(signalsBefore);
      // The summary of the change gets the focus, so it is read out.
      document.getElementById("signal-changes")?.focus();
    } catch (error) {
      message.textContent = error instanceof api.ApiError ? error.explain() : "De uitkomst kon niet worden opgeslagen.";
      submit.disabled = false;
    }
  });
  return [
    h("h2", { id: "outcome-heading" }, "Uitkomst van het bezoek"),
    h("p", { class: "hint" }, `Bezoek ${inspection.order} van de looplijst; het tijdstip is nu.`),
    form,
  ];
}
