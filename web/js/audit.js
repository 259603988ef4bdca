// The audit log (admins): who did what to which record, when and why,
// filterable by actor and date, newest first, page by page.

import * as api from "./api.js";
import { h, field, show, announce } from "./dom.js";
import { moment, number, nextDay } from "./format.js";

const PAGE_SIZE = 50;

const ACTIONS = {
  "declaration.create": "melding gedaan",
  "declaration.replay": "melding herhaald",
  "declaration.read": "melding ingezien",
  "declaration.list": "meldingen opgevraagd",
  "declaration.update": "melding gewijzigd",
  "declaration.withdraw": "melding ingetrokken",
  "person.read": "persoon ingezien",
  "person.export": "persoonsgegevens geëxporteerd",
  "resident-extract.import": "BRP-uittreksel ingelezen",
  "dossier.read": "dossier ingezien",
  "inspection-list.create": "looplijst gepland",
  "inspection-list.read": "looplijst ingezien",
  "inspection-list.list": "looplijsten opgevraagd",
  "inspection-list.mail": "looplijst gemaild",
  "inspection.outcome": "uitkomst van bezoek vastgelegd",
  "retention.apply": "bewaartermijn toegepast",
};
const ROLE_NAMES = { admin: "beheerder", staff: "medewerker", inspector: "inspecteur", agency: "uitzendbureau" };

/** Shows the audit log with the filters in `params`. */
export async function showAudit(main, user, params) {
  const filters = {
    actor: params.get("actor") || "",
    from: params.get("from") || "",
    to: params.get("to") || "",
    page: Math.max(1, Number(params.get("page")) || 1),
  };
  const actor = h("input", { type: "text", name: "actor", value: filters.actor, autocomplete: "off", spellcheck: "false" });
  const from = h("input", { type: "date", name: "from", value: filters.from });
  const to = h("input", { type: "date", name: "to", value: filters.to });
  const form = h("form", { "aria-label": "Filter het auditlog" },
    h("div", { class: "row" },
      field("audit-actor", "Wie (gebruikersnaam)", actor),
      field("audit-from", "Vanaf datum", from),
      field("audit-to", "Tot en met datum", to),
      h("div", { class: "field" }, h("button", { type: "submit" }, "Filter toepassen"))));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = `#/audit${api.query({ actor: actor.value.trim(), from: from.value, to: to.value })}`;
  });
  const events = await api.call(`/audit-events${api.query({
    actor: filters.actor,
    from: filters.from,
    to: filters.to ? nextDay(filters.to) : "",
    page: filters.page,
    pageSize: PAGE_SIZE,
  })}`);
  const pages = Math.max(1, Math.ceil(events.total / PAGE_SIZE));
  const pageLink = (page, label) => h("a", { href: `#/audit${api.query({ actor: filters.actor, from: filters.from, to: filters.to, page })}` }, label);
  const summary = `${number(events.total, 0)} gebeurtenissen; pagina ${number(filters.page, 0)} van ${number(pages, 0)}.`;
  show(main,
    h("h1", { tabindex: "-1" }, "Auditlog"),
    h("p", { class: "lead" }, "Elke inzage en wijziging van persoonsgegevens, met wie, wanneer en waarom."),
    form,
    h("p", { id: "audit-count" }, summary),
    h("div", { class: "table-scroll tall", tabindex: "0", role: "region", "aria-labelledby": "audit-caption" },
      h("table", {},
        h("caption", { id: "audit-caption" }, "Auditgebeurtenissen, nieuwste eerst"),
        h("thead", {}, h("tr", {}, ["Wanneer", "Wie", "Rol", "Handeling", "Gegeven", "Doel", "Uitkomst"].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, events.items.map((e) => h("tr", {},
          h("td", {}, moment(e.at)), h("td", {}, e.actor), h("td", {}, ROLE_NAMES[e.role] || e.role),
          h("td", {}, ACTIONS[e.action] ? [ACTIONS[e.action], h("br"), h("code", {}, e.action)] : e.action),
          h("td", {}, e.resource), h("td", {}, e.purpose || "—"), h("td", {}, e.outcome === "success" ? "gelukt" : e.outcome)))))),
    h("nav", { class: "pager", "aria-label": "Pagina's van het auditlog" },
      filters.page > 1 ? pageLink(filters.page - 1, "Vorige pagina") : null,
      filters.page < pages ? pageLink(filters.page + 1, "Volgende pagina") : null));
  announce(summary);
}
