// Step 3: photos (optional) and what is wrong (required), with a count of what is left.
import { h } from "../common/dom.js";
import { formatNumber, t } from "../common/i18n.js";
import { suggestionBox } from "./point.js";
import { photoPicker, photoStatusLine, thumbnails } from "./photos.js";
import { limits, state } from "./state.js";
import { describedBy, fieldError, heading, stepForm, stepNav } from "./ui.js";

function countText(text) {
  return t("details.count", { n: formatNumber(text.length), max: formatNumber(limits().text) });
}

function detailsStep() {
  const d = state.draft;
  const error = fieldError("description");
  const counter = h("p", { class: "counter", id: "description-count" }, countText(d.description));
  return stepForm(
    ...heading("details", "details.title"),
    h(
      "section",
      { class: "photos", "aria-labelledby": "photos-heading" },
      h("h2", { id: "photos-heading" }, t("photos.title")),
      h("p", { class: "hint" }, t("photos.hint", { n: limits().photos })),
      photoPicker("photo"),
      photoStatusLine(),
      thumbnails(),
      suggestionBox(),
    ),
    h(
      "div",
      { class: "field" },
      h(
        "label",
        { for: "description" },
        t("details.description"),
        h("span", { class: "required" }, t("details.required")),
      ),
      h("p", { class: "hint", id: "description-hint" }, t("details.description_hint")),
      error,
      h("textarea", {
        id: "description",
        name: "description",
        rows: "6",
        maxlength: String(limits().text),
        required: true,
        "aria-invalid": error ? "true" : null,
        "aria-describedby": describedBy(error && "error-description", "description-hint", "description-count"),
        value: d.description,
        oninput: (event) => {
          d.description = event.target.value;
          counter.textContent = countText(d.description);
        },
      }),
      counter,
    ),
    stepNav(),
  );
}

function validate() {
  const text = state.draft.description;
  if (!text.trim()) return { description: "details.description_required" };
  if (text.length > limits().text) return { description: "details.description_long" };
  return {};
}

export const detailsScreen = { view: detailsStep, validate };
