// The page's only way to the data: the public API under /api/v1, with the
// signed-in user's token as a bearer token. A 401 ends the session.

import * as session from "./session.js";

const BASE = "/api/v1";
let unauthorised = () => {};

/** What to do when the API no longer accepts the token. */
export function onUnauthorised(handler) {
  unauthorised = handler;
}

/** A refused request, with the problem+json body when there is one. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }

  /** The problem in Dutch words for the user, with each invalid field. */
  explain() {
    const fields = (this.problem.invalidParams || []).map((p) => `${p.name}: ${p.reason}`);
    const head = {
      400: "De invoer is niet goed",
      403: "U mag dit niet met uw rol",
      404: "Dit bestaat niet (meer)",
      409: "Dit botst met wat er al is",
      413: "Dit is te groot",
    }[this.status] || `De server gaf een fout (${this.status})`;
    return fields.length ? `${head}: ${fields.join("; ")}.` : `${head}. ${this.problem.detail || ""}`.trim();
  }
}

/** Calls the API; answers JSON, or a Blob when `as: "blob"`. */
export async function call(path, { method = "GET", body, accept = "application/json", as = "json", tokenOverride } = {}) {
  const headers = { Accept: accept };
  const t = tokenOverride || session.token();
  if (t) headers.Authorization = `Bearer ${t}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(`${BASE}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "omit",
    cache: "no-store",
  });
  if (!response.ok) {
    let problem = null;
    try { problem = await response.json(); } catch { problem = null; }
    if (response.status === 401 && !tokenOverride) unauthorised();
    throw new ApiError(response.status, problem);
  }
  if (as === "blob") return response.blob();
  if (response.status === 204) return null;
  return response.json();
}

/** A query string from an object, leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === null || value === undefined || value === "") continue;
    q.set(key, String(value));
  }
  const text = q.toString();
  return text ? `?${text}` : "";
}
