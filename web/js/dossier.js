// An address's dossier, as an inspector reads it before and during a
// visit: the address, its signals with their evidence in plain Dutch, the
// occupants by household, the landlords and how they link to the
// employers, declarations, earlier inspections and nearby signals. Laid
// out as lists, not wide tables, so that it reads on a 360 px phone.

import * as api from "./api.js";
import { h, show } from "./dom.js";
import { address, postcode, date, moment, number, count, distance } from "./format.js";
import { ruleName, severityName, explain, usageName } from "./evidence.js";
import { resultName } from "./inspections.js";
import { outcomeForm } from "./outcome.js";
import { buurtNames } from "./map.js";

const SOURCES = { registered: "ingeschreven (BRP)", declared: "gemeld door werkgever", inspection: "aangetroffen bij inspectie" };
const LANDLORD_ROLES = { owner: "eigenaar", lessor: "verhuurder", manager: "beheerder" };

/** KvK number → name, from everything in the dossier that names one. */
function organisationNames(d) {
  const names = new Map();
  const note = (o) => { if (o?.kvkNumber) names.set(o.kvkNumber, o.name); };
  d.occupants.forEach((o) => (o.employers || [o.employer]).forEach(note));
  d.landlords.forEach((l) => { note(l.organisation); l.employerLinks.forEach((e) => note(e.employer)); });
  d.declarations.forEach((x) => note(x.agency));
  return names;
}

function signalCard(signal, names, mark) {
  return h("li", { class: `card signal ${signal.severity}` },
    h("h3", {}, ruleName(signal.rule), " ",
      h("span", { class: `badge ${signal.severity}` }, `ernst ${severityName(signal.severity)}`), " ",
      mark ? h("span", { class: "badge new" }, mark) : null),
    h("p", {}, explain(signal.rule, signal.evidence, names)),
    h("p", { class: "hint" }, `Score ${number(signal.score, 0)} · gezien sinds ${moment(signal.firstSeenAt)}`));
}

function occupantsSection(d) {
  const byId = new Map(d.occupants.map((o) => [o.personId, o]));
  const groups = d.households.length ? d.households : [{ household: null, personIds: d.occupants.map((o) => o.personId) }];
  const c = d.occupantCounts;
  return [
    h("h2", { id: "occupants-heading" }, "Bewoners per huishouden"),
    h("p", {}, `${count(c.combined, "bewoner", "bewoners")}: ${number(c.registered, 0)} ingeschreven in de BRP, ${number(c.declared, 0)} gemeld door een werkgever (wie allebei is, telt één keer).`),
    groups.map((g, i) => h("div", { class: "card" },
      h("h3", {}, g.household ? `Huishouden ‘${g.household}’` : (groups.length > 1 ? `Zonder opgegeven huishouden (${i + 1})` : "Zonder opgegeven huishouden")),
      h("ul", {}, g.personIds.map((id) => byId.get(id)).filter(Boolean).map((o) => h("li", {},
        h("strong", {}, `${o.givenNames} ${o.familyName}`),
        `, ${number(o.age, 0)} jaar (geboren ${date(o.dateOfBirth)})`,
        o.employer ? `; werkt bij ${o.employer.name}` : "; geen werkgever bekend",
        `; woont hier sinds ${date(o.since)}; ${o.sources.map((s) => SOURCES[s] || s).join(", ")}.`))))),
  ];
}

function landlordsSection(d) {
  const seen = new Map();
  for (const l of d.landlords) {
    const key = `${l.organisation.organisationId}/${l.role}`;
    const known = seen.get(key);
    if (!known || l.startDate < known.startDate) seen.set(key, { ...l, employerLinks: [...(known?.employerLinks || []), ...l.employerLinks] });
  }
  const landlords = [...seen.values()];
  return [
    h("h2", { id: "landlords-heading" }, "Verhuurders en werkgevers"),
    landlords.length ? h("ul", { class: "cards" }, landlords.map((l) => h("li", { class: "card" },
      h("h3", {}, `${l.organisation.name} (KvK ${l.organisation.kvkNumber})`),
      h("p", {}, `${LANDLORD_ROLES[l.role] || l.role} sinds ${date(l.startDate)}${l.endDate ? ` tot ${date(l.endDate)}` : ""}`),
      l.employerLinks.length
        ? h("p", {}, h("strong", {}, "Verbonden met werkgever: "), l.employerLinks.map((e) =>
          e.link === "same-group"
            ? `${e.employer.name} (zelfde concern, KvK ${e.groupKvkNumber})`
            : `${e.employer.name} (dezelfde organisatie)`).join("; "))
        : h("p", {}, "Geen band met de werkgevers van de bewoners bekend.")))) : h("p", {}, "Geen verhuurder bekend."),
  ];
}

function declarationsSection(d) {
  return [
    h("h2", { id: "declarations-heading" }, "Meldingen van werkgevers"),
    d.declarations.length ? h("ul", {}, d.declarations.map((x) => h("li", {},
      `${x.givenNames} ${x.familyName}: gemeld door ${x.agency.name}, vanaf ${date(x.startDate)}${x.endDate ? ` tot ${date(x.endDate)}` : ""}`,
      x.rentDeductedFromWages ? "; huur ingehouden op loon" : "",
      x.separateRentalContract ? "; apart huurcontract" : "; huur in het arbeidscontract",
      x.status !== "accepted" ? ` (${x.status === "withdrawn" ? "ingetrokken" : x.status})` : ""))) : h("p", {}, "Geen meldingen."),
  ];
}

function inspectionsSection(d) {
  const visited = d.inspections.filter((i) => i.visitedAt);
  return [
    h("h2", { id: "inspections-heading" }, "Eerdere inspecties"),
    visited.length ? h("ul", {}, visited.map((i) => h("li", {},
      `${moment(i.visitedAt)}: ${resultName(i.result)}`,
      i.personsFound !== null ? `, ${count(i.personsFound, "persoon", "personen")} aangetroffen` : "",
      i.bedroomsFound !== null ? `, ${count(i.bedroomsFound, "slaapkamer", "slaapkamers")}` : "",
      i.notes ? `. Notitie: ${i.notes}` : "",
      i.recordedBy ? ` (${i.recordedBy})` : ""))) : h("p", {}, "Dit adres is nog niet eerder bezocht."),
  ];
}

function nearbySection(d) {
  const byAddress = new Map();
  for (const n of d.nearbySignals) {
    const list = byAddress.get(n.address.id) || { address: n.address, rules: [] };
    list.rules.push(ruleName(n.signal.rule));
    byAddress.set(n.address.id, list);
  }
  return [
    h("h2", { id: "nearby-heading" }, "Signalen in de buurt (binnen 250 m)"),
    byAddress.size ? h("ul", {}, [...byAddress.values()].map((n) => h("li", {},
      h("a", { href: `#/adres/${n.address.id}` }, address(n.address)), `: ${n.rules.join(", ")}`))) : h("p", {}, "Geen open signalen in de buurt."),
  ];
}

/** Shows the dossier of address `id`; `changes` marks new and closed signals. */
export async function showDossier(main, user, id, changes = null) {
  const d = await api.call(`/addresses/${encodeURIComponent(id)}/dossier`);
  const names = organisationNames(d);
  const a = d.address;
  const open = d.signals.filter((s) => s.status === "open");
  const openVisit = d.inspections.find((i) => !i.visitedAt);
  const mayRecord = user.role === "inspector" || user.role === "admin";
  const changed = changes ? h("div", { class: "message ok", id: "signal-changes", tabindex: "-1" },
    h("p", {}, changes.summary)) : null;
  show(main,
    h("h1", { tabindex: "-1" }, `${address(a)}, ${postcode(a.postcode)} ${a.city}`),
    h("p", { class: "summary-line" }, `Risicoscore ${number(d.riskScore, 0)} · ${count(open.length, "open signaal", "open signalen")} · ${count(d.occupantCounts.combined, "bewoner", "bewoners")}`),
    changed,
    h("dl", { class: "facts" },
      h("dt", {}, "Gebruiksdoel"), h("dd", {}, usageName(a.usagePurpose)),
      h("dt", {}, "Oppervlakte"), h("dd", {}, `${number(a.floorAreaM2)} m²`),
      h("dt", {}, "Slaapkamers"), h("dd", {}, a.bedrooms === null ? "onbekend" : number(a.bedrooms, 0)),
      h("dt", {}, "Buurt"), h("dd", {}, buurtNames.has(a.neighbourhoodCode)
        ? `${buurtNames.get(a.neighbourhoodCode)} (${a.neighbourhoodCode})` : a.neighbourhoodCode || "—")),
    h("div", { class: "dossier-grid" },
      h("section", { "aria-labelledby": "signals-heading" },
        h("h2", { id: "signals-heading" }, "Signalen"),
        open.length ? h("ul", { class: "cards", id: "dossier-signals" }, open.map((s) => signalCard(s, names, changes?.added.has(s.rule) ? "nieuw" : null)))
          : h("p", { id: "dossier-signals" }, "Geen open signalen."),
        changes?.closed.length ? h("p", {}, `Vervallen na het bezoek: ${changes.closed.map(ruleName).join(", ")}.`) : null),
      openVisit && mayRecord ? h("section", { "aria-labelledby": "outcome-heading" },
        outcomeForm(openVisit, async (before) => {
          const after = await showDossierChanges(main, user, id, before);
          return after;
        }, open)) : null,
      h("section", { "aria-labelledby": "occupants-heading" }, occupantsSection(d)),
      h("section", { "aria-labelledby": "landlords-heading" }, landlordsSection(d)),
      h("section", { "aria-labelledby": "declarations-heading" }, declarationsSection(d)),
      h("section", { "aria-labelledby": "inspections-heading" }, inspectionsSection(d)),
      h("section", { "aria-labelledby": "nearby-heading" }, nearbySection(d))),
    h("p", {}, openVisit?.inspectionListId
      ? h("a", { href: `#/lijst/${openVisit.inspectionListId}` }, "Terug naar de looplijst")
      : h("a", { href: user.role === "inspector" ? "#/lijsten" : "#/kaart" }, user.role === "inspector" ? "Terug naar de looplijsten" : "Terug naar de kaart")));
  return d;
}

async function showDossierChanges(main, user, id, beforeSignals) {
  const before = new Set(beforeSignals.map((s) => s.rule));
  const peek = await api.call(`/addresses/${encodeURIComponent(id)}/signals`);
  const nowOpen = peek.signals.filter((s) => s.status === "open").map((s) => s.rule);
  const after = new Set(nowOpen);
  const added = new Set([...after].filter((r) => !before.has(r)));
  const closed = [...before].filter((r) => !after.has(r));
  const parts = [`Uitkomst opgeslagen; de signalen van dit adres zijn opnieuw beoordeeld: ${count(after.size, "open signaal", "open signalen")} (was ${number(before.size, 0)}).`];
  if (added.size) parts.push(`Nieuw: ${[...added].map(ruleName).join(", ")}.`);
  if (closed.length) parts.push(`Vervallen: ${closed.map(ruleName).join(", ")}.`);
  const summary = parts.join(" ");
  await showDossier(main, user, id, { added, closed, summary });
  return summary;
}
