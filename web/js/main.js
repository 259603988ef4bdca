// The page's entry: sign-in, the menu for the signed-in role, and the
// views behind `#/…` addresses (hash routing, so the server serves one
// page). Staff and admins start on the map, inspectors on their lists.

import * as api from "./api.js";
import * as session from "./session.js";
import { h, field, show, announce } from "./dom.js";
import { moment } from "./format.js";
import { showSignals } from "./signals.js";
import { showLists, showList } from "./inspections.js";
import { showDossier } from "./dossier.js";
import { showAudit } from "./audit.js";

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const who = document.getElementById("who");
let expiryTimer = null;
// Focus moves to a view's heading when the user goes to it, not on the
// first load, where the skip link stays the first stop of the keyboard.
let isFirstView = true;

function focusHeading() {
  if (isFirstView) {
    isFirstView = false;
    return;
  }
  main.querySelector("h1")?.focus({ preventScroll: true });
}

const VIEWS = [
  { path: "kaart", title: "Kaart en signalen", roles: ["staff", "admin"], show: (u, p) => showSignals(main, u, p) },
  { path: "lijsten", title: "Looplijsten", roles: ["staff", "admin", "inspector"], show: (u) => showLists(main, u) },
  { path: "lijst", title: "Looplijst", roles: ["staff", "admin", "inspector"], hidden: true, show: (u, p, id) => showList(main, u, id) },
  { path: "adres", title: "Dossier", roles: ["staff", "admin", "inspector"], hidden: true, show: (u, p, id) => showDossier(main, u, id) },
  { path: "audit", title: "Auditlog", roles: ["admin"], show: (u, p) => showAudit(main, u, p) },
];

function home(user) {
  return user.role === "inspector" ? "#/lijsten" : "#/kaart";
}

/** The sign-in page, with `message` saying why it is shown. */
function showSignIn(message, isError = true) {
  nav.hidden = true;
  who.hidden = true;
  document.title = "Inloggen · Woonregister";
  const input = h("textarea", { name: "token", rows: "4", required: true, autocomplete: "off", spellcheck: "false" });
  const feedback = h("p", { class: isError ? "message error" : "message", role: "alert", id: "signin-message" }, message || "");
  const submit = h("button", { type: "submit" }, "Inloggen");
  const form = h("form", { id: "signin-form", novalidate: true },
    field("token", "Token", input, "Het token dat u van de beheerder kreeg (woonregister token issue)."),
    h("div", { class: "actions" }, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const token = input.value.trim();
    const refusal = session.refusal(token);
    if (refusal) {
      feedback.className = "message error";
      feedback.textContent = refusal;
      input.focus();
      return;
    }
    submit.disabled = true;
    try {
      await api.call("/inspection-lists?pageSize=1", { tokenOverride: token });
    } catch (error) {
      feedback.className = "message error";
      feedback.textContent = error.status === 401 ? session.Refusal.REJECTED
        : error.status === 403 ? session.Refusal.AGENCY
          : "De server is niet bereikbaar. Probeer het zo opnieuw.";
      submit.disabled = false;
      input.focus();
      return;
    }
    session.store(token);
    const target = home(session.current());
    if (location.hash === target) route();
    else location.hash = target;
  });
  show(main,
    h("div", { class: "signin" },
      h("h1", { tabindex: "-1" }, "Inloggen"),
      h("p", {}, "Voor inspecteurs, medewerkers en beheerders van de gemeente. Het token blijft alleen in dit tabblad bewaard en verdwijnt bij uitloggen of als u het tabblad sluit."),
      feedback,
      form));
  focusHeading();
}

function endSession(message) {
  clearTimeout(expiryTimer);
  session.clear();
  history.replaceState(null, "", location.pathname);
  showSignIn(message, message !== session.Refusal.SIGNED_OUT);
}

function renderChrome(user) {
  const current = location.hash.split(/[/?]/)[1] || "";
  show(nav, h("ul", {}, VIEWS.filter((v) => !v.hidden && v.roles.includes(user.role)).map((v) =>
    h("li", {}, h("a", { href: `#/${v.path}`, "aria-current": v.path === current ? "page" : null }, v.title)))));
  nav.hidden = false;
  show(document.getElementById("who-name"), `${user.subject} (${session.ROLES[user.role]})`,
    user.expiresAt ? h("span", { class: "expiry" }, `, geldig tot ${moment(user.expiresAt.toISOString())}`) : null);
  who.hidden = false;
  clearTimeout(expiryTimer);
  if (user.expiresAt) {
    const left = user.expiresAt.getTime() - Date.now();
    if (left < 2 ** 31) expiryTimer = setTimeout(() => endSession(session.Refusal.ENDED), Math.max(0, left));
  }
}

async function route() {
  const token = session.token();
  if (!token) return showSignIn("");
  const refusal = session.refusal(token);
  if (refusal) return endSession(refusal === session.Refusal.EXPIRED ? session.Refusal.ENDED : refusal);
  const user = session.current();
  if (!location.hash.startsWith("#/")) {
    history.replaceState(null, "", home(user));
  }
  const [pathPart, queryPart = ""] = location.hash.slice(2).split("?");
  const [path, id] = pathPart.split("/");
  const view = VIEWS.find((v) => v.path === path && v.roles.includes(user.role));
  renderChrome(user);
  if (!view) {
    history.replaceState(null, "", home(user));
    return route();
  }
  document.title = `${view.title} · Woonregister`;
  show(main, h("p", { class: "loading" }, "Bezig met laden…"));
  try {
    await view.show(user, new URLSearchParams(queryPart), id);
    focusHeading();
  } catch (error) {
    if (error instanceof api.ApiError && error.status === 401) return;
    show(main, h("h1", { tabindex: "-1" }, view.title),
      h("p", { class: "message error", role: "alert" }, error instanceof api.ApiError ? error.explain() : `Er ging iets mis: ${error.message}`));
  }
}

api.onUnauthorised(() => endSession(session.Refusal.ENDED));
document.getElementById("sign-out").addEventListener("click", () => {
  endSession(session.Refusal.SIGNED_OUT);
  announce(session.Refusal.SIGNED_OUT);
});
document.getElementById("skip-link").addEventListener("click", (event) => {
  event.preventDefault();
  (main.querySelector("h1") || main).focus();
});
window.addEventListener("hashchange", route);
route();
