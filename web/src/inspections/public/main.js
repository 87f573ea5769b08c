// The public page of one inspection (/inspections/{id}): what the map's records link to.
// The date, kind and grades are public wherever the feature is (12条点検 results are public
// information); the findings, the notes per part and the photos only once the city released
// them. The API decides what this caller sees; this page shows what it is given.
import "../../common/base.css";
import "./inspection.css";
import { api } from "../../common/api.js";
import { h } from "../../common/dom.js";
import { addMessages, dataName, formatDate, initLanguage, onLanguageChange, t } from "../../common/i18n.js";
import messages from "../../messages/inspection.js";

addMessages(messages);
initLanguage();

const root = document.getElementById("inspection");
const id = location.pathname.split("/").filter(Boolean).pop();
const state = { view: null, error: null };

function date(value) {
  return value ? h("time", { datetime: value }, formatDate(value)) : t("ipage.none");
}

/** A grade with its words: the letter alone means nothing to most residents. */
function grade(letter) {
  return h("span", { class: `grade grade-${letter}` }, h("strong", {}, letter), " ", t(`ipage.grade_${letter}`));
}

function facts(view) {
  const row = (label, ...value) => [h("dt", {}, label), h("dd", {}, ...value)];
  const subject = view.subject || {};
  return h(
    "dl",
    { class: "inspection-facts" },
    row(t("ipage.subject"), subject.name || t("ipage.none")),
    row(t("ipage.kind"), dataName({ ja: view.kind.name_ja, en: view.kind.name_en })),
    row(t("ipage.date"), date(view.inspected_on)),
    row(t("ipage.overall"), grade(view.overall_grade)),
    view.hazard_level === null || view.hazard_level === undefined
      ? null
      : row(t("ipage.hazard"), t("ipage.hazard_level", { n: view.hazard_level })),
    row(t("ipage.next_due"), date(view.next_due)),
  );
}

function closedNotice(view) {
  if (view.subject?.use_status !== "closed") return null;
  return h("p", { class: "notice warning closed", role: "note" }, h("strong", {}, t("ipage.closed")), " ", t("ipage.closed_help"));
}

function partsTable(view) {
  if (!view.parts?.length) return null;
  return h(
    "section",
    { "aria-labelledby": "parts-heading" },
    h("h2", { id: "parts-heading" }, t("ipage.parts")),
    h(
      "table",
      { class: "inspection-parts" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("ipage.part")), h("th", { scope: "col" }, t("ipage.grade")), view.released ? h("th", { scope: "col" }, t("ipage.note")) : null)),
      h(
        "tbody",
        {},
        ...view.parts.map((p) =>
          h("tr", {}, h("th", { scope: "row" }, dataName({ ja: p.ja, en: p.en })), h("td", {}, grade(p.grade)), view.released ? h("td", {}, p.note || "") : null),
        ),
      ),
    ),
  );
}

function released(view) {
  if (!view.released) return h("p", { class: "withheld" }, t("ipage.withheld"));
  return [
    view.findings ? h("section", { "aria-labelledby": "findings-heading" }, h("h2", { id: "findings-heading" }, t("ipage.findings")), h("p", { class: "findings" }, view.findings)) : null,
    view.follow_up_action && view.follow_up_action !== "none"
      ? h("p", {}, h("strong", {}, t("ipage.follow_up")), " ", t(`ipage.follow_up_${view.follow_up_action}`), view.follow_up_due ? [" — ", t("ipage.by"), " ", date(view.follow_up_due)] : null)
      : null,
    view.photos?.length
      ? h(
          "section",
          { "aria-labelledby": "photos-heading" },
          h("h2", { id: "photos-heading" }, t("ipage.photos")),
          h("ul", { class: "inspection-photos" }, ...view.photos.map((p, i) => h("li", {}, h("a", { href: p.url }, h("img", { src: p.thumbnail_url || p.url, alt: t("ipage.photo_alt", { n: i + 1 }), loading: "lazy" }))))),
        )
      : null,
  ];
}

function render() {
  if (state.error) {
    const missing = state.error.status === 404;
    root.replaceChildren(
      h("p", { class: "notice error", role: "alert" }, missing ? t("ipage.not_found") : t("ipage.load_failed")),
      missing ? "" : h("p", {}, h("button", { type: "button", onclick: load }, t("ipage.retry"))),
    );
    return;
  }
  if (!state.view) {
    root.replaceChildren(h("p", { class: "status-line", role: "status" }, t("ipage.loading")));
    return;
  }
  const view = state.view;
  root.replaceChildren(...[closedNotice(view), facts(view), partsTable(view), released(view)].flat().filter(Boolean));
}

async function load() {
  state.error = null;
  state.view = null;
  render();
  try {
    state.view = await api.get(`/api/inspections/${encodeURIComponent(id)}`);
  } catch (error) {
    state.error = error;
  }
  render();
}

onLanguageChange(() => render());
load();
