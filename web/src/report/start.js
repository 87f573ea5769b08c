// The start screen: what the flow is for (and that it is no emergency line), the button to
// begin or go on, the drafts kept on this device and the reports sent from it.
import { h } from "../common/dom.js";
import { formatDateTime, t, tx } from "../common/i18n.js";
import { excerpt } from "../common/text.js";
import { categoryLabelNode } from "./category.js";
import { draftsSection, refreshDrafts } from "./drafts.js";
import { go, render, root } from "./flow.js";
import { listsReady, loadLists } from "./lists.js";
import { discardDraft, state } from "./state.js";
import * as storage from "./storage.js";

function startView() {
  const d = state.draft;
  const started = Boolean(d.category || d.description || d.photos.length);
  const section = h(
    "section",
    { class: "start" },
    h("h1", { tabindex: "-1", id: "page-heading" }, tx("start.title")),
    state.notices.length
      ? h(
          "div",
          { class: "notice ok", role: "status" },
          state.notices.map((n) => h("p", {}, t(n.key, n.params))),
        )
      : null,
    h("p", {}, tx("start.intro")),
    h("p", { class: "notice emergency" }, tx("start.emergency")),
    state.listsFailed && !listsReady()
      ? h(
          "div",
          { class: "notice error", role: "alert" },
          h(
            "p",
            {},
            t(state.categories.length ? "start.vocabulary_failed" : "start.categories_failed"),
          ),
          h("button", { type: "button", onclick: () => loadLists(true) }, t("start.retry")),
        )
      : null,
    h(
      "div",
      { class: "start-actions" },
      h(
        "button",
        {
          type: "button",
          class: "primary big",
          id: "start-button",
          disabled: !listsReady(),
          onclick: () => go("category"),
        },
        t(started ? "start.continue" : "start.begin"),
      ),
      started
        ? h("button", { type: "button", onclick: startOver }, t("start.start_over"))
        : null,
    ),
    draftsSection(),
    myReportsSection(),
  );
  return section;
}

function startOver() {
  discardDraft();
  render({ focus: false });
  root.querySelector(".start-actions .primary")?.focus();
}

function myReportsSection() {
  const mine = storage.myReports();
  if (!mine.length) return null;
  return h(
    "section",
    { class: "mine", "aria-labelledby": "mine-heading" },
    h("h2", { id: "mine-heading" }, t("mine.title")),
    h("p", {}, t("mine.intro")),
    h(
      "ul",
      { class: "cards" },
      mine.map((r) =>
        h(
          "li",
          { class: "card" },
          h(
            "p",
            { class: "card-title" },
            r.kind === "support" ? t("mine.supported") : t("mine.reference"),
            " ",
            h("strong", { class: "public-id" }, r.public_id),
          ),
          h(
            "p",
            { class: "meta" },
            categoryLabelNode(r.category),
            r.at ? ` · ${formatDateTime(r.at)}` : "",
          ),
          r.description ? h("p", { class: "excerpt" }, excerpt(r.description)) : null,
          h(
            "p",
            {},
            h(
              "a",
              {
                href: r.tracking_url,
                "aria-label": t("mine.track_label", { id: r.public_id }),
              },
              t("mine.track"),
            ),
          ),
        ),
      ),
    ),
  );
}

export const startScreen = { view: startView, shown: refreshDrafts };
