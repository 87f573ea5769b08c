// 文字の大きさ・色: text size (standard, large 125%, extra large 150%) and a high-contrast
// scheme, chosen from a small control in the header, remembered on this device and carried
// by links (?text=large&contrast=high). The choice is applied to <html> as soon as this
// module runs (each page loads it before its own script), so the page is laid out once in
// the chosen size. CSS does the rest: base.css sets the root font size, so everything in
// rem grows, and the browser's own text zoom still works on top.
import { h } from "./dom.js";
import { formatDate, onLanguageChange, t } from "./i18n.js";

export const TEXT_SIZES = { standard: 1, large: 1.25, xl: 1.5 };
export const CONTRASTS = ["standard", "high"];
const STORE_KEY = "machimap.display";
const listeners = new Set();

function stored() {
  try {
    return JSON.parse(localStorage.getItem(STORE_KEY) || "{}") || {};
  } catch {
    // Storage disabled or unreadable: the standard display, and links still carry a choice.
    return {};
  }
}

function valid(choice) {
  return {
    text: Object.hasOwn(TEXT_SIZES, choice.text) ? choice.text : "standard",
    contrast: CONTRASTS.includes(choice.contrast) ? choice.contrast : "standard",
  };
}

function remember(choice) {
  try {
    localStorage.setItem(STORE_KEY, JSON.stringify(choice));
  } catch {
    // Not remembered on this device; the URL can still carry it.
  }
}

function initialChoice() {
  const params = new URLSearchParams(location.search);
  const fromLink = {};
  if (Object.hasOwn(TEXT_SIZES, params.get("text"))) fromLink.text = params.get("text");
  if (CONTRASTS.includes(params.get("contrast"))) fromLink.contrast = params.get("contrast");
  const choice = valid({ ...stored(), ...fromLink });
  // A link's choice becomes the device's, as ?lang= does: the next page keeps it.
  if (Object.keys(fromLink).length) remember(choice);
  return choice;
}

let current = initialChoice();

function apply() {
  const root = document.documentElement;
  root.dataset.text = current.text;
  root.dataset.contrast = current.contrast;
}
apply();

/** How much larger than standard the text is: 1, 1.25 or 1.5 (the map's symbols follow it). */
export function displayScale() {
  return TEXT_SIZES[current.text];
}

/** The current choice: { text, contrast, scale }. */
export function displayChoice() {
  return { ...current, scale: displayScale() };
}

/** listener({ text, contrast, scale }) after every change of the display setting. */
export function onDisplayChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function setDisplay(next) {
  const choice = valid({ ...current, ...next });
  if (choice.text === current.text && choice.contrast === current.contrast) return;
  current = choice;
  remember(choice);
  // A link that carried the old choice would bring it back on reload; keep it in step.
  const url = new URL(location.href);
  let changed = false;
  for (const key of ["text", "contrast"]) {
    if (url.searchParams.has(key)) {
      url.searchParams.set(key, choice[key]);
      changed = true;
    }
  }
  if (changed) history.replaceState(history.state, "", url);
  apply();
  syncControl();
  for (const listener of listeners) listener(displayChoice());
}

// The header control: a disclosure button and, below it, two groups of radio buttons.
// Static strings carry data-i18n so the page's language switch relabels them.
let control = null;

function radioGroup(name, legendKey, options) {
  return h(
    "fieldset",
    { class: "display-group" },
    h("legend", { "data-i18n": legendKey }, t(legendKey)),
    options.map(([value, key]) => {
      const id = `display-${name}-${value}`;
      return h(
        "div",
        { class: "display-option" },
        h("input", {
          type: "radio",
          name: `display-${name}`,
          id,
          value,
          checked: current[name] === value,
          onchange: (event) => event.target.checked && setDisplay({ [name]: value }),
        }),
        h("label", { for: id, "data-i18n": key }, t(key)),
      );
    }),
  );
}

function setOpen(open, { focus = false } = {}) {
  control.button.setAttribute("aria-expanded", String(open));
  control.panel.hidden = !open;
  if (open && focus) control.panel.querySelector("input:checked")?.focus();
  if (!open && focus) control.button.focus();
}

function syncControl() {
  if (!control) return;
  for (const input of control.panel.querySelectorAll("input[type=radio]")) {
    const name = input.name.replace("display-", "");
    input.checked = current[name] === input.value;
  }
}

function buildControl(root) {
  const button = h(
    "button",
    {
      type: "button",
      class: "display-toggle",
      "aria-expanded": "false",
      "aria-controls": "display-panel",
      "data-i18n": "display.button",
    },
    t("display.button"),
  );
  const panel = h(
    "div",
    { class: "display-panel", id: "display-panel", hidden: true },
    radioGroup("text", "display.text", [
      ["standard", "display.text_standard"],
      ["large", "display.text_large"],
      ["xl", "display.text_xl"],
    ]),
    radioGroup("contrast", "display.contrast", [
      ["standard", "display.contrast_standard"],
      ["high", "display.contrast_high"],
    ]),
    h(
      "button",
      { type: "button", class: "display-done", "data-i18n": "display.done" },
      t("display.done"),
    ),
  );
  control = { button, panel };
  button.addEventListener("click", () =>
    setOpen(button.getAttribute("aria-expanded") !== "true", { focus: true }),
  );
  panel.querySelector(".display-done").addEventListener("click", () =>
    setOpen(false, { focus: true }),
  );
  root.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !panel.hidden) {
      event.stopPropagation();
      setOpen(false, { focus: true });
    }
  });
  // Closes when focus or a click goes elsewhere, so it never covers the page unasked.
  root.addEventListener("focusout", (event) => {
    if (!panel.hidden && event.relatedTarget && !root.contains(event.relatedTarget)) {
      setOpen(false);
    }
  });
  document.addEventListener("pointerdown", (event) => {
    if (!panel.hidden && !root.contains(event.target)) setOpen(false);
  });
  root.replaceChildren(button, panel);
}

// Printing (the map page): the date the map was printed, under the page's title. Filled
// now and again just before printing, so a page left open overnight prints today's date.
let printDate = null;

function fillPrintDate() {
  if (!printDate) return;
  const date = formatDate(new Date(), { dateStyle: "long" });
  printDate.textContent = t("display.printed", { date });
}

function buildPrintHeading() {
  const heading = document.querySelector("main.map-page > h1");
  if (!heading) return;
  printDate = h("p", { class: "print-date", id: "print-date" });
  heading.after(printDate);
  fillPrintDate();
  addEventListener("beforeprint", fillPrintDate);
  matchMedia("print").addEventListener("change", (event) => event.matches && fillPrintDate());
}

function start() {
  const root = document.querySelector("[data-display-setting]");
  if (root) buildControl(root);
  buildPrintHeading();
  onLanguageChange(fillPrintDate);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
