// Elements are built with DOM calls, never from HTML strings, so text from reports (which
// residents wrote) can never become markup, and nothing needs a style attribute (CSP).
// The one exception, `html`, is for trusted markup made here (symbolSvg).

const SVG_NS = "http://www.w3.org/2000/svg";
let counter = 0;

/** A fresh id for label/aria wiring. */
export function uid(prefix = "s") {
  counter += 1;
  return `${prefix}-${counter}`;
}

function apply(el, attrs) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") el.setAttribute("class", value);
    else if (name === "text") el.textContent = value;
    else if (name.startsWith("on") && typeof value === "function")
      el.addEventListener(name.slice(2), value);
    else if (name === "html") el.innerHTML = value;
    else if (name === "dataset") Object.assign(el.dataset, value);
    // Live state (a field's value, checked, disabled) is a property, not the attribute.
    else if (name === "value" || (name in el && typeof value !== "string")) el[name] = value;
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, String(value));
  }
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/** h("button", {class: "primary", onclick: fn, "aria-label": "…"}, "text", child, …) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  apply(el, attrs);
  append(el, children);
  return el;
}

/** The same for SVG elements (charts). */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") el.textContent = value;
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

/** A trusted SVG string from src/common/symbols.js as a node. */
export function fromSvg(markup) {
  const template = document.createElement("template");
  template.innerHTML = markup;
  return template.content.firstElementChild;
}

/** A label and its control, wired by id; `hint` becomes aria-describedby text. */
export function field(labelText, control, { hint, className = "field" } = {}) {
  if (!control.id) control.id = uid("f");
  const parts = [h("label", { for: control.id }, labelText)];
  if (hint) {
    const hintId = uid("hint");
    control.setAttribute("aria-describedby", hintId);
    parts.push(h("p", { class: "hint", id: hintId }, hint));
  }
  parts.push(control);
  return h("div", { class: className }, parts);
}

/** A <select> from [value, text] pairs. */
export function select(name, options, value) {
  const el = h("select", { name });
  for (const [optionValue, text] of options) {
    const option = h("option", { value: optionValue }, text);
    if (String(optionValue) === String(value ?? "")) option.selected = true;
    el.append(option);
  }
  return el;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}
