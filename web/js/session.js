// The signed-in user: the token lives in sessionStorage only (this tab,
// until sign-out or the tab closes; never a cookie, never the URL). The
// role, subject and expiry are read from the token's payload to choose the
// view; the API decides what the token may really do.

const KEY = "woonregister.token";

/** Why a token cannot be used on this page. */
export const Refusal = Object.freeze({
  MALFORMED: "Dit is geen geldig token. Plak het hele token dat u van de beheerder kreeg.",
  EXPIRED: "Dit token is verlopen. Vraag de beheerder om een nieuw token.",
  AGENCY: "Deze pagina is voor medewerkers van de gemeente. Met een token van een uitzendbureau kunt u hier niet inloggen; uitzendbureaus melden via de API.",
  REJECTED: "Dit token wordt niet (meer) geaccepteerd: het is verlopen of ingetrokken. Vraag de beheerder om een nieuw token.",
  ENDED: "Uw sessie is beëindigd: het token is verlopen of ingetrokken. Log opnieuw in met een geldig token.",
  SIGNED_OUT: "U bent uitgelogd.",
});

/** The roles the page has a view for, with their Dutch names. */
export const ROLES = Object.freeze({ admin: "beheerder", staff: "medewerker", inspector: "inspecteur" });

function base64UrlJson(part) {
  const base64 = part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "=");
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** The claims of a JWT, or null when it is not one. */
export function claims(token) {
  const parts = token.trim().split(".");
  if (parts.length !== 3) return null;
  try {
    const payload = base64UrlJson(parts[1]);
    return typeof payload.role === "string" && typeof payload.sub === "string" ? payload : null;
  } catch {
    return null;
  }
}

/** Why `token` cannot be used here, or null when the page can try it. */
export function refusal(token) {
  const c = claims(token);
  if (!c) return Refusal.MALFORMED;
  if (typeof c.exp === "number" && c.exp * 1000 <= Date.now()) return Refusal.EXPIRED;
  if (c.role === "agency") return Refusal.AGENCY;
  if (!(c.role in ROLES)) return Refusal.MALFORMED;
  return null;
}

/** The stored token, or null. */
export function token() {
  return sessionStorage.getItem(KEY);
}

/** The signed-in user `{token, role, subject, expiresAt}`, or null. */
export function current() {
  const t = token();
  if (!t || refusal(t)) return null;
  const c = claims(t);
  return { token: t, role: c.role, subject: c.sub, expiresAt: c.exp ? new Date(c.exp * 1000) : null };
}

/** Keeps `t` for this tab. */
export function store(t) {
  sessionStorage.setItem(KEY, t.trim());
}

/** Forgets the token. */
export function clear() {
  sessionStorage.removeItem(KEY);
}
