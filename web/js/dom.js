// Building the page's elements without HTML strings: every text goes in as
// a text node, so nothing from the API is ever parsed as markup. No
// attribute named `style` is ever set (the Content-Security-Policy forbids
// inline styles).

/** An element with attributes (`class`, `onclick`, any other) and children. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  add(el, children);
  return el;
}

/** Appends children (nodes, strings, numbers, arrays; null is skipped). */
export function add(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** A labelled form field: label, optional hint, the control. */
export function field(id, label, control, hint) {
  control.id = id;
  if (hint) control.setAttribute("aria-describedby", `${id}-hint`);
  return h("div", { class: "field" },
    h("label", { for: id }, label),
    hint ? h("span", { class: "hint", id: `${id}-hint` }, hint) : null,
    control);
}

/** Replaces what `el` holds. */
export function show(el, ...children) {
  el.replaceChildren();
  return add(el, children);
}

let statusTimer = null;

/** Says something in the live region (read out by screen readers). */
export function announce(text) {
  const status = document.getElementById("status");
  if (!status) return;
  status.textContent = "";
  clearTimeout(statusTimer);
  // A fresh text node after a tick is announced even when it repeats.
  setTimeout(() => { status.textContent = text; }, 50);
  statusTimer = setTimeout(() => { status.textContent = ""; }, 8000);
}

/** Saves a Blob under `filename` in the browser's downloads. */
export function download(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = h("a", { href: url, download: filename, class: "visually-hidden" }, filename);
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
