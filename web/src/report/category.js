// Step 1: what the report is about, from the categories the city offers (with a symbol that
// differs in shape and colour, and a note where a category is never shown in public).
import { h } from "../common/dom.js";
import { dataName, pick, t } from "../common/i18n.js";
import { symbolFor, symbolSvg } from "../common/symbols.js";
import { render } from "./flow.js";
import { category, state } from "./state.js";
import { fieldError, heading, stepForm, stepNav } from "./ui.js";

export function categoryName(cat) {
  return cat ? pick({ ja: cat.name_ja, en: cat.name_en }) : "";
}

/** The name as an element: Japanese data is marked lang="ja" on other languages' pages. */
export function categoryNameNode(cat) {
  return cat ? dataName({ ja: cat.name_ja, en: cat.name_en }) : "";
}

/** categoryLabelOf as an element. */
export function categoryLabelNode(code) {
  const cat = category(code);
  return cat ? categoryNameNode(cat) : code;
}

/** The category's name, or its code where the list (offline, no kept copy) lacks it. */
export function categoryLabelOf(code) {
  const cat = category(code);
  return cat ? categoryName(cat) : code;
}

export function symbolOf(cat) {
  const index = state.categories.indexOf(cat);
  return symbolSvg(symbolFor(cat.icon, Math.max(index, 0)), 28);
}

function categoryStep() {
  const d = state.draft;
  const error = fieldError("category");
  const fieldset = h(
    "fieldset",
    { class: "choices", "aria-describedby": error ? "error-category" : null },
    h("legend", {}, t("category.legend")),
    error,
    state.categories.map((cat) => {
      const id = `category-${cat.code}`;
      return h(
        "div",
        { class: "choice" },
        h("input", {
          type: "radio",
          name: "category",
          id,
          value: cat.code,
          checked: d.category === cat.code,
          "aria-invalid": error ? "true" : null,
          onchange: () => setCategory(cat.code),
        }),
        h(
          "label",
          { for: id },
          h("span", { class: "choice-symbol", html: symbolOf(cat) }),
          h(
            "span",
            { class: "choice-text" },
            h("span", { class: "choice-name" }, categoryNameNode(cat)),
            cat.sensitive ? h("span", { class: "choice-note" }, t("category.sensitive")) : null,
          ),
        ),
      );
    }),
  );
  return stepForm(...heading("category", "category.title"), fieldset, stepNav());
}

function setCategory(code) {
  if (state.draft.category !== code) state.nearby = null;
  state.draft.category = code;
  if (state.errors.category) {
    delete state.errors.category;
    render({ focus: false });
  }
}

function validate() {
  return category() ? {} : { category: "category.required" };
}

export const categoryScreen = { view: categoryStep, validate };
