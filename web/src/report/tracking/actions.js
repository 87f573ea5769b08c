// What the caller may do here, as the API's `actions` says (the policy decides, not the
// page): the reporter adds photos and says 「まだ直っていない」 after a fix; others say
// 「わたしも困っています」. Each answer (or the API's refusal, in words) is shown under its
// action, and focus moves to it because the form it came from is drawn anew.
import { api } from "../../common/api.js";
import { h, uid } from "../../common/dom.js";
import { formatNumber, t } from "../../common/i18n.js";
import { deviceId } from "../storage.js";
import { reportPath, state, tokenHeaders } from "./state.js";

let redraw = () => {};

/** main.js's render, called after each change. */
export function onChange(render) {
  redraw = render;
}

async function run(action, send, done) {
  state.busy = action;
  state.outcome = null;
  redraw();
  try {
    done(await send());
  } catch (error) {
    state.outcome = { action, error };
  }
  state.busy = null;
  redraw({ focusOutcome: true });
}

function outcome(action) {
  const o = state.outcome;
  if (!o || o.action !== action) return null;
  const text = o.error ? o.error.message : t(o.key, o.params);
  return h(
    "p",
    {
      class: o.error ? "notice error outcome" : "notice ok outcome",
      role: o.error ? "alert" : "status",
      tabindex: "-1",
    },
    text,
  );
}

function addPhotos() {
  const inputId = "add-photo";
  const hintId = uid("hint");
  const busy = state.busy === "photos";
  const input = h("input", {
    type: "file",
    id: inputId,
    class: "file-input",
    name: "photos",
    accept: "image/*",
    multiple: true,
    "aria-describedby": `${hintId} ${inputId}-chosen`,
    disabled: busy,
    onchange: (event) => {
      state.chosen = [...event.target.files];
      if (state.outcome?.action === "photos") state.outcome = null;
      redraw({ focus: `#${inputId}` });
    },
  });
  const chosen = state.chosen;
  return h(
    "section",
    { class: "tracking-action", "aria-labelledby": `${inputId}-heading` },
    h("h3", { id: `${inputId}-heading` }, t("tracking.add_photo")),
    h("p", { class: "hint", id: hintId }, t("tracking.add_photo_hint")),
    h(
      "form",
      {
        onsubmit: (event) => {
          event.preventDefault();
          if (!state.chosen.length) {
            state.outcome = { action: "photos", error: new Error(t("tracking.add_photo_none")) };
            redraw({ focusOutcome: true });
            return;
          }
          const files = state.chosen;
          const form = new FormData();
          for (const file of files) form.append("photos", file, file.name);
          run(
            "photos",
            () => api.post(reportPath("/photos"), { form, headers: tokenHeaders() }),
            (view) => {
              state.view = view;
              state.chosen = [];
              state.outcome = {
                action: "photos",
                key: "tracking.add_photo_done",
                params: { n: formatNumber(files.length), count: files.length },
              };
            },
          );
        },
      },
      h(
        "span",
        { class: "file-control" },
        input,
        h("label", { for: inputId, class: "button" }, t("tracking.add_photo_choose")),
      ),
      h(
        "p",
        { class: "meta", id: `${inputId}-chosen` },
        chosen.length
          ? t("tracking.add_photo_chosen", {
              n: formatNumber(chosen.length),
              count: chosen.length,
              names: chosen.map((f) => f.name).join(", "),
            })
          : t("tracking.add_photo_none"),
      ),
      h(
        "button",
        { type: "submit", class: "primary", disabled: busy },
        t(busy ? "tracking.add_photo_sending" : "tracking.add_photo_send"),
      ),
    ),
    outcome("photos"),
  );
}

function reopen() {
  const noteId = uid("note");
  const busy = state.busy === "reopen";
  const note = h("textarea", { id: noteId, name: "note", rows: 3, maxlength: 4000, disabled: busy });
  return h(
    "section",
    { class: "tracking-action", "aria-labelledby": `${noteId}-heading` },
    h("h3", { id: `${noteId}-heading` }, t("tracking.reopen")),
    h("p", { class: "hint" }, t("tracking.reopen_hint")),
    h(
      "form",
      {
        onsubmit: (event) => {
          event.preventDefault();
          const text = note.value.trim();
          run(
            "reopen",
            () =>
              api.post(reportPath("/reopen"), {
                json: text ? { note: text } : {},
                headers: tokenHeaders(),
              }),
            (view) => {
              state.view = view;
              state.outcome = { action: "reopen", key: "tracking.reopen_done" };
            },
          );
        },
      },
      h("label", { for: noteId }, t("tracking.reopen_note")),
      note,
      h(
        "button",
        { type: "submit", class: "primary", disabled: busy },
        t(busy ? "tracking.reopen_sending" : "tracking.reopen_send"),
      ),
    ),
    outcome("reopen"),
  );
}

// An action's answer may take the action away (a reopened report is no longer fixed; the
// last photo fills the report), so its message outlives the form it came from.
function answered(action) {
  return state.outcome?.action === action
    ? h("section", { class: "tracking-action" }, outcome(action))
    : null;
}

function support() {
  const busy = state.busy === "support";
  const hintId = uid("hint");
  return h(
    "section",
    { class: "tracking-action" },
    h("p", { class: "hint", id: hintId }, t("tracking.support_hint")),
    h(
      "button",
      {
        type: "button",
        class: "primary",
        disabled: busy,
        "aria-describedby": hintId,
        onclick: () =>
          run(
            "support",
            () =>
              api.post(reportPath("/support"), {
                headers: { ...tokenHeaders(), "X-Device-Id": deviceId() },
              }),
            (answer) => {
              state.view = { ...state.view, supporter_count: answer.supporter_count };
              state.outcome = {
                action: "support",
                key: answer.added ? "tracking.support_added" : "tracking.support_already",
              };
            },
          ),
      },
      t(busy ? "tracking.support_sending" : "tracking.support"),
    ),
    outcome("support"),
  );
}

/** The actions section, or nothing when the caller may do nothing here. */
export function actionsView(view) {
  const may = view.actions || {};
  const parts = [
    may.add_photos ? addPhotos() : answered("photos"),
    may.reopen ? reopen() : answered("reopen"),
    may.support ? support() : answered("support"),
  ].filter(Boolean);
  if (!parts.length) return null;
  return h(
    "section",
    { class: "tracking-actions", "aria-labelledby": "actions-heading" },
    h("h2", { id: "actions-heading" }, t("tracking.actions")),
    parts,
  );
}
