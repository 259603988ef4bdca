// The signal rules in plain Dutch: a short name per rule and a sentence
// from the numbers each finding measured. `names` maps KvK numbers to
// organisation names where the caller knows them (the dossier does).

import { date, number, count } from "./format.js";

/** Dutch names of the rules, in the order the filter offers them. */
export const RULES = Object.freeze({
  "overcrowding-floor-area": "Te weinig woonoppervlak per persoon",
  "overcrowding-bedrooms": "Te veel bewoners per slaapkamer",
  "unrelated-adults": "Te veel niet-verwante volwassenen",
  "non-residential-use": "Bewoning zonder woonfunctie",
  "agency-is-landlord": "Uitzendbureau is ook verhuurder",
  "coupled-contracts": "Huur en werk in één contract",
  "wage-deduction-uncertified": "Huur ingehouden op loon zonder certificaat",
  "uncertified-agency": "Niet-gecertificeerd uitzendbureau",
  "employer-concentration": "Veel bewoners bij één werkgever",
  "high-turnover": "Veel wisselende bewoners",
  "undeclared-occupants": "Meer bewoners aangetroffen dan gemeld",
  "declared-not-registered": "Gemeld maar niet ingeschreven",
  "registered-elsewhere": "Gemeld maar elders ingeschreven",
});

/** The rule's Dutch name (its code when it is new to the page). */
export function ruleName(rule) {
  return RULES[rule] || rule;
}

/** Dutch words for a severity. */
export function severityName(severity) {
  return { high: "hoog", medium: "middel", low: "laag" }[severity] || severity;
}

const USAGE = { residential: "wonen", lodging: "logies", industrial: "industrie", office: "kantoor", retail: "winkel", other: "overig" };

/** Dutch words for a BAG usage purpose. */
export function usageName(purpose) {
  return USAGE[purpose] || purpose;
}

function org(kvk, names) {
  if (!kvk) return "een organisatie";
  const name = names?.get(kvk);
  return name ? `${name} (KvK ${kvk})` : `de organisatie met KvK ${kvk}`;
}

function countedFrom(m) {
  const c = m.countedFrom;
  if (!c) return "";
  return ` Geteld: ${number(c.registered, 0)} ingeschreven in de BRP, ${number(c.declared, 0)} gemeld door een werkgever, samen ${count(c.combined, "persoon", "personen")} (ieder één keer).`;
}

/** One or two sentences in Dutch saying what a finding measured. */
export function explain(rule, evidence, names) {
  const m = evidence?.measured || {};
  const t = evidence?.threshold || {};
  switch (rule) {
    case "overcrowding-floor-area":
      return `${count(m.occupants, "bewoner", "bewoners")} op ${number(m.floorAreaM2)} m², dat is ${number(m.m2PerOccupant)} m² per persoon; de norm is minstens ${number(t.minM2PerOccupant)} m² per persoon.${countedFrom(m)}`;
    case "overcrowding-bedrooms":
      return `${count(m.occupants, "bewoner", "bewoners")} in ${count(m.bedrooms, "slaapkamer", "slaapkamers")}; de norm is hoogstens ${number(t.maxOccupantsPerBedroom, 0)} per slaapkamer.${countedFrom(m)}`;
    case "unrelated-adults":
      return `${count(m.adults, "volwassene", "volwassenen")} in ${count(m.households, "huishouden", "huishoudens")}; hoogstens ${number(t.maxUnrelatedAdults, 0)} volwassenen die geen huishouden vormen.`;
    case "non-residential-use":
      return `${count(m.occupants, "persoon woont", "personen wonen")} in een gebouw met gebruiksdoel ‘${usageName(m.usagePurpose)}’; wonen mag alleen bij gebruiksdoel wonen of logies.`;
    case "agency-is-landlord":
      return `${count(m.occupantsLinked, "bewoner werkt", "bewoners werken")} voor ${org(m.employerKvkNumber, names)}, die ook de verhuurder is${m.sharedGroupKvkNumber ? ` (via hetzelfde concern, KvK ${m.sharedGroupKvkNumber})` : ""}.`;
    case "coupled-contracts":
      return `Bij ${number(m.coupledDeclarations, 0)} van de ${count(m.declarations, "lopende melding", "lopende meldingen")} zit de huur in het arbeidscontract; een apart huurcontract is verplicht.`;
    case "wage-deduction-uncertified":
      return `In ${count(m.declarationsWithDeduction, "melding", "meldingen")} wordt de huur op het loon ingehouden, terwijl de huisvester ${org(m.providerKvkNumber, names)} niet gecertificeerd is.`;
    case "uncertified-agency":
      return `${count(m.occupantsAffected, "bewoner werkt", "bewoners werken")} voor het niet-gecertificeerde uitzendbureau ${org(m.agencyKvkNumber, names)}.`;
    case "employer-concentration":
      return `${count(m.occupantsWithEmployer, "bewoner werkt", "bewoners werken")} voor dezelfde werkgever, ${org(m.employerKvkNumber, names)}; vanaf ${number(t.minOccupantsWithOneEmployer, 0)} is dat een afhankelijkheidspatroon.`;
    case "high-turnover":
      return `${count(m.moveIns, "nieuwe bewoner", "nieuwe bewoners")} in de laatste ${number(m.windowDays, 0)} dagen; vanaf ${number(t.minMoveIns, 0)} is dat veel wisseling.`;
    case "undeclared-occupants":
      return `Bij de inspectie van ${date(m.visitedOn)} zijn ${count(m.personsFound, "persoon", "personen")} aangetroffen; het register kende er ${number(t.declared, 0)}.`;
    case "declared-not-registered":
      return `${count(m.declaredNotRegistered, "gemelde bewoner woont", "gemelde bewoners wonen")} hier langer dan ${number(t.registrationGraceDays, 0)} dagen (de eerste sinds ${date(m.earliestDeclaredSince)}) zonder inschrijving op dit adres in de BRP.`;
    case "registered-elsewhere":
      return `${number(m.registeredElsewhere, 0)} van de ${count(m.declared, "gemelde bewoner staat", "gemelde bewoners staan")} in de BRP op een ander adres ingeschreven.`;
    default:
      return evidence?.summary || "";
  }
}
