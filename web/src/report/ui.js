// What every step is made of: the heading with its progress, the Back/Next row, the form
// that goes on with Enter, a field's error; and the server's refusal in words.
import { NetworkError, problemMessage } from "../common/api.js";
import { h } from "../common/dom.js";
import { t, tx } from "../common/i18n.js";
import { back, next } from "./flow.js";
import { STEPS, state } from "./state.js";

/** The server's refusal in the page's current language (ApiError keeps the problem). */
export function problemText(error) {
  if (!error) return "";
  if (error instanceof NetworkError || error.name === "NetworkError") return t("error.network");
  return (error.problem && problemMessage(error.problem)) || error.message || t("error.unexpected");
}

export function heading(screen, titleKey) {
  const at = STEPS.indexOf(screen);
  const numbered = at >= 0;
  const marker = numbered
    ? t("step.of", { n: at + 1, total: STEPS.length })
    : screen === "confirm"
      ? t("step.confirm")
      : null;
  const progress =
    numbered || screen === "confirm"
      ? h(
          "ol",
          { class: "progress", "aria-hidden": "true" },
          STEPS.map((step, i) =>
            h("li", {
              class:
                screen === "confirm" || i < at ? "done" : i === at ? "current" : "",
            }),
          ),
        )
      : null;
  return [
    progress,
    h(
      "h1",
      { tabindex: "-1", class: "step-heading", id: "page-heading" },
      marker ? h("span", { class: "step-of" }, marker) : null,
      h("span", { class: "step-title" }, tx(titleKey)),
    ),
  ];
}

export function backButton() {
  return h("button", { type: "button", class: "back", onclick: back }, t("common.back"));
}

export function stepNav({ nextKey = "common.next" } = {}) {
  return h(
    "div",
    { class: "step-nav" },
    backButton(),
    h("button", { type: "submit", class: "primary next", onclick: formless(next) }, t(nextKey)),
  );
}

/** A submit button outside a form does nothing by itself; inside one, the form's submit
 * handler runs instead (so Enter in a field also goes on). */
function formless(handler) {
  return (event) => {
    if (!event.currentTarget.form) handler();
  };
}

export function stepForm(...children) {
  return h(
    "form",
    {
      class: "step",
      novalidate: true,
      onsubmit: (event) => {
        event.preventDefault();
        next();
      },
    },
    ...children,
  );
}

export function fieldError(field) {
  const key = state.errors[field];
  if (!key) return null;
  return h("p", { class: "field-error", id: `error-${field}`, role: "alert", tabindex: "-1" }, t(key));
}

export function describedBy(...ids) {
  const list = ids.filter(Boolean);
  return list.length ? list.join(" ") : null;
}
