// The confirm screen: everything entered, each part with a button back to its step, and
// the server's refusal (if it refused) above it, in words, with focus on it.
import { h } from "../common/dom.js";
import { formatNumber, t } from "../common/i18n.js";
import { categoryNameNode, symbolOf } from "./category.js";
import { go } from "./flow.js";
import { coordsText, placeWordsNode } from "./point.js";
import { thumbnails } from "./photos.js";
import { category, state } from "./state.js";
import { submit } from "./submit.js";
import { backButton, heading, problemText } from "./ui.js";

function confirmView() {
  const d = state.draft;
  const cat = category();
  const c = d.contact;
  const contactWords = [c.name, c.email, c.phone].map((v) => v.trim()).filter(Boolean);
  const row = (key, value, step, label) =>
    h(
      "div",
      { class: "summary-row" },
      h("dt", {}, t(key)),
      h("dd", {}, value),
      h(
        "dd",
        { class: "change" },
        h(
          "button",
          { type: "button", "aria-label": t("confirm.change_label", { what: t(label || key) }), onclick: () => go(step) },
          t("confirm.change"),
        ),
      ),
    );
  const error = state.submitError;
  return h(
    "div",
    { class: "step confirm" },
    ...heading("confirm", "confirm.title"),
    h("p", {}, t("confirm.intro")),
    error
      ? h(
          "div",
          { class: "notice error submit-error", id: "submit-error", role: "alert", tabindex: "-1" },
          h("p", {}, h("strong", {}, t("confirm.refused"))),
          h("p", {}, problemText(error)),
        )
      : null,
    h(
      "dl",
      { class: "summary" },
      row(
        "confirm.category",
        cat ? [h("span", { class: "choice-symbol", html: symbolOf(cat) }), " ", categoryNameNode(cat)] : "",
        "category",
      ),
      row("confirm.place", [placeWordsNode(), h("br"), h("span", { class: "meta" }, d.point ? coordsText(d.point) : "")], "place"),
      row(
        "confirm.photos",
        d.photos.length
          ? [t("confirm.photo_count", { n: formatNumber(d.photos.length), count: d.photos.length }), thumbnails({ removable: false })]
          : t("confirm.no_photos"),
        "details",
      ),
      row("confirm.description", h("span", { class: "pre" }, d.description), "details", "confirm.description"),
      row(
        "confirm.contact",
        contactWords.length
          ? [
              ...contactWords.flatMap((word, i) => (i ? [h("br"), word] : [word])),
              c.notify ? [h("br"), t("confirm.notify")] : null,
            ]
          : t("confirm.no_contact"),
        "contact",
      ),
      row("confirm.consent", t(d.consent ? "confirm.consent_yes" : "confirm.consent_no"), "contact", "confirm.consent"),
    ),
    navigator.onLine ? null : h("p", { class: "notice" }, t("confirm.offline")),
    h(
      "div",
      { class: "step-nav" },
      backButton(),
      h(
        "button",
        {
          type: "button",
          class: "primary next",
          id: "submit",
          onclick: submit,
          "aria-disabled": state.sending ? "true" : null,
        },
        t(state.sending ? "confirm.sending" : "confirm.submit"),
      ),
    ),
    h("p", { class: "status-line", role: "status", id: "send-status" }, state.sending ? t("confirm.sending") : ""),
  );
}

export const confirmScreen = { view: confirmView };
