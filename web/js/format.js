// Dutch formatting: dates as "1 december 2026", numbers with a decimal
// comma, distances in m or km, addresses and postcodes as written in NL.

const LOCALE = "nl-NL";
const dayFormat = new Intl.DateTimeFormat(LOCALE, { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
const weekdayFormat = new Intl.DateTimeFormat(LOCALE, { weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
const momentFormat = new Intl.DateTimeFormat(LOCALE, {
  day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit", timeZone: "Europe/Amsterdam",
});

function utcDay(iso) {
  const [y, m, d] = iso.slice(0, 10).split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

/** `2026-12-01` → `1 december 2026`. */
export function date(iso) {
  return iso ? dayFormat.format(utcDay(iso)) : "—";
}

/** `2026-12-01` → `dinsdag 1 december 2026`. */
export function dayWithWeekday(iso) {
  return iso ? weekdayFormat.format(utcDay(iso)) : "—";
}

/** An RFC 3339 timestamp in Dutch time: `1 december 2026 om 10:15`. */
export function moment(iso) {
  return iso ? momentFormat.format(new Date(iso)) : "—";
}

/** A number with a decimal comma and at most `digits` decimals. */
export function number(value, digits = 1) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return "—";
  return new Intl.NumberFormat(LOCALE, { maximumFractionDigits: digits }).format(value);
}

/** Metres as `850 m` or `2,4 km`. */
export function distance(metres) {
  if (metres === null || metres === undefined) return "—";
  return metres < 1000 ? `${number(Math.round(metres), 0)} m` : `${number(metres / 1000, 1)} km`;
}

/** `3131AB` → `3131 AB`. */
export function postcode(code) {
  return code && code.length === 6 ? `${code.slice(0, 4)} ${code.slice(4)}` : code || "";
}

/** Street and house number as on an envelope: `Molenweg 2A-1`. */
export function address(a) {
  const letter = a.houseLetter || "";
  const addition = a.houseNumberAddition ? `-${a.houseNumberAddition}` : "";
  return `${a.street} ${a.houseNumber}${letter}${addition}`;
}

/** Today in the browser's time zone as `YYYY-MM-DD`. */
export function today(offsetDays = 0) {
  const d = new Date();
  d.setDate(d.getDate() + offsetDays);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The day after `iso` (`YYYY-MM-DD`). */
export function nextDay(iso) {
  const d = utcDay(iso);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** A count with the right Dutch noun: `1 signaal`, `3 signalen`. */
export function count(n, one, many) {
  return `${number(n, 0)} ${n === 1 ? one : many}`;
}
