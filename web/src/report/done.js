// After the confirm screen: "kept on this device" (sent without a connection; turns into
// the receipt by itself once drafts.js gets it through) and the receipt with the reference
// number and the tracking link.
import { h } from "../common/dom.js";
import { t, tx } from "../common/i18n.js";
import { categoryLabelNode } from "./category.js";
import { sendNow } from "./drafts.js";
import { go } from "./flow.js";
import { discardDraft, state } from "./state.js";

function queuedView() {
  const draft = state.queuedDraft;
  return h(
    "div",
    { class: "step queued" },
    h("h1", { tabindex: "-1", id: "page-heading" }, t("queued.title")),
    h("p", { class: "notice" }, t("queued.body")),
    draft ? h("p", {}, tx("queued.what", { what: categoryLabelNode(draft.category) })) : null,
    h("p", { class: "status-line", id: "queued-status" }, t(navigator.onLine ? "queued.trying" : "queued.waiting")),
    h(
      "div",
      { class: "step-nav" },
      h("button", { type: "button", onclick: sendNow }, t("queued.retry")),
      h("button", { type: "button", onclick: () => go("start") }, t("queued.to_start")),
    ),
  );
}

function doneView() {
  const r = state.result;
  return h(
    "div",
    { class: "step done" },
    h("h1", { tabindex: "-1", id: "page-heading" }, t("done.title")),
    h(
      "p",
      { class: "reference" },
      h("span", {}, t("done.reference")),
      h("strong", { class: "public-id" }, r.public_id),
    ),
    h("p", {}, h("a", { href: relative(r.tracking_url), class: "button primary", id: "tracking-link" }, t("done.track"))),
    h("p", { class: "notice" }, t("done.keep")),
    r.notify ? h("p", {}, t("done.notify")) : null,
    h(
      "div",
      { class: "step-nav" },
      h(
        "button",
        {
          type: "button",
          onclick: () => {
            discardDraft();
            go("category");
          },
        },
        t("done.another"),
      ),
      h("a", { href: "/", class: "button" }, t("done.to_map")),
    ),
  );
}

export const queuedScreen = { view: queuedView };
export const doneScreen = { view: doneView };

/** A link within the site is relative: it works at whatever address the page was reached. */
function relative(url) {
  const parsed = new URL(url, location.href);
  return parsed.origin === location.origin ? parsed.pathname + parsed.search : url;
}
