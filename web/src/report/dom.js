// A small element builder: the report pages are built from the message catalogue and the
// person's own text, so nothing is ever inserted as HTML except the symbols' SVG markup.

/** h("button", {class: "primary", onclick: fn, "aria-label": "…"}, "text", child, …) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (name === "class") {
      el.className = value;
    } else if (name === "text") {
      el.textContent = value;
    } else if (name === "html") {
      el.innerHTML = value; // only for trusted markup built here (symbolSvg)
    } else if (name === "value" || (name in el && typeof value !== "string")) {
      el[name] = value; // properties such as checked, value, disabled
    } else if (value === true) {
      el.setAttribute(name, "");
    } else {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}
