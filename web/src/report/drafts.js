// Reports kept on this device (IndexedDB, via storage.js) because they could not be sent:
// listed on the start screen, sent by themselves when the connection returns (or on the
// next visit), opened again at the confirm screen when the server refused one.
import { ApiError, NetworkError } from "../common/api.js";
import { h } from "../common/dom.js";
import { formatDateTime, formatNumber, t } from "../common/i18n.js";
import { excerpt } from "../common/text.js";
import { categoryLabelNode } from "./category.js";
import { announce, go, render, root } from "./flow.js";
import { keptPhoto } from "./photos.js";
import { discardDraft, state } from "./state.js";
import * as storage from "./storage.js";
import { rememberSent, send, sent, showSubmitError } from "./submit.js";
import { problemText } from "./ui.js";

let syncing = null;

/** Keeps a draft that could not be sent, and says so on a screen of its own. */
export async function keepOnDevice(draft) {
  try {
    await storage.saveDraft(draft);
  } catch {
    showSubmitError(new NetworkError());
    return;
  }
  state.queuedKey = draft.key;
  state.queuedDraft = draft;
  discardDraft();
  go("queued", { push: false });
  syncDrafts(); // the connection may already be back
}

export async function refreshDrafts() {
  state.drafts = await storage.loadDrafts();
  if (state.screen === "start") render({ focus: false });
}

/** Sends every waiting draft (in the order kept), each with its own idempotency key, so a
 * draft that did reach the server before the connection broke is answered, not doubled. */
export function syncDrafts() {
  if (syncing) return syncing;
  syncing = (async () => {
    if (!navigator.onLine) return;
    for (const draft of await storage.loadDrafts()) {
      if (draft.error) continue; // refused: waits for the person to correct it
      try {
        const result = await send(draft);
        await storage.deleteDraft(draft.key);
        draftSent(draft, result);
      } catch (error) {
        if (error instanceof NetworkError) break;
        if (error instanceof ApiError && error.status < 500 && error.status !== 429) {
          draft.error = { status: error.status, problem: error.problem, message: error.message };
          await storage.saveDraft(draft).catch(() => {});
          draftRefused(draft);
        }
      }
    }
  })().finally(() => {
    syncing = null;
    refreshDrafts();
  });
  return syncing;
}

/** Says on the "kept" screen (if it is the one shown) what the kept report is waiting for. */
export function queuedStatus(key) {
  const line = root.querySelector("#queued-status");
  if (line) line.textContent = t(key);
}

/** "Send now": without a connection there is nothing to try, and the person is told so. */
export function sendNow() {
  if (!navigator.onLine) {
    announce(t("drafts.still_offline"));
    queuedStatus("drafts.still_offline");
    return;
  }
  syncDrafts();
}

function draftSent(draft, result) {
  if (state.screen === "queued" && state.queuedKey === draft.key) {
    state.queuedKey = null;
    state.queuedDraft = null;
    sent(draft, result);
    return;
  }
  rememberSent(draft, result);
  state.notices.push({ key: "start.draft_sent", params: { id: result.public_id } });
  announce(t("start.draft_sent", { id: result.public_id }));
}

function draftRefused(draft) {
  if (state.screen === "queued" && state.queuedKey === draft.key) {
    openDraft(draft);
    return;
  }
  announce(t("drafts.refused", { reason: problemText(draft.error) }));
}

/** Opens a kept draft at the confirm screen, to correct it or send it by hand. */
function openDraft(stored) {
  discardDraft();
  const d = state.draft;
  Object.assign(d, {
    key: stored.key,
    category: stored.category,
    point: stored.point,
    source: stored.source,
    accuracy: stored.accuracy,
    place: stored.place,
    where: stored.where ?? null,
    description: stored.description || "",
    contact: { name: "", email: "", phone: "", notify: false, ...stored.contact },
    consent: Boolean(stored.consent),
    photos: (stored.photos || []).map((p) => keptPhoto(p.blob, p.name, p.type)),
  });
  state.queuedKey = null;
  state.queuedDraft = null;
  go("confirm");
  if (stored.error) {
    showSubmitError(
      Object.assign(new ApiError(stored.error.status, stored.error.problem), {
        message: stored.error.message,
      }),
    );
  }
}

async function removeDraft(draft) {
  if (!window.confirm(t("drafts.delete_confirm"))) return;
  await storage.deleteDraft(draft.key);
  await refreshDrafts();
  root.querySelector(".start h1")?.focus();
}

/** The start screen's list of kept drafts, each to send now, open or delete. */
export function draftsSection() {
  if (!state.drafts.length) return null;
  return h(
    "section",
    { class: "drafts", "aria-labelledby": "drafts-heading" },
    h("h2", { id: "drafts-heading" }, t("drafts.title", { n: formatNumber(state.drafts.length) })),
    h("p", {}, t("drafts.intro")),
    h(
      "ul",
      { class: "cards" },
      state.drafts.map((draft) =>
        h(
          "li",
          { class: "card" },
          h("p", { class: "card-title" }, categoryLabelNode(draft.category)),
          h("p", { class: "excerpt" }, excerpt(draft.description)),
          h(
            "p",
            { class: "meta" },
            t("drafts.saved_at", { at: formatDateTime(new Date(draft.savedAt)) }),
            " · ",
            t("drafts.photos", {
              n: formatNumber(draft.photos?.length || 0),
              count: draft.photos?.length || 0,
            }),
          ),
          draft.error
            ? h("p", { class: "field-error" }, t("drafts.refused", { reason: problemText(draft.error) }))
            : h("p", { class: "meta" }, t(navigator.onLine ? "drafts.pending" : "drafts.waiting")),
          h(
            "div",
            { class: "card-actions" },
            draft.error
              ? null
              : h(
                  "button",
                  {
                    type: "button",
                    onclick: sendNow,
                    "aria-label": t("drafts.send_now_label", { what: excerpt(draft.description, 20) }),
                  },
                  t("drafts.send_now"),
                ),
            h(
              "button",
              {
                type: "button",
                onclick: () => openDraft(draft),
                "aria-label": t("drafts.open_label", { what: excerpt(draft.description, 20) }),
              },
              t("drafts.open"),
            ),
            h(
              "button",
              {
                type: "button",
                class: "danger",
                onclick: () => removeDraft(draft),
                "aria-label": t("drafts.delete_label", { what: excerpt(draft.description, 20) }),
              },
              t("drafts.delete"),
            ),
          ),
        ),
      ),
    ),
  );
}
