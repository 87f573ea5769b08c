// Every change is kept: a place's versions (or the whole map's, newest first) with who and
// when, "restore this version", and the deleted places with "restore".
import { api } from "../../common/api.js";
import { h } from "../../common/dom.js";
import { formatDateTime, t, tx } from "../../common/i18n.js";
import { kindText } from "./kinds.js";
import { featurePath, mapPath } from "./state.js";

const PAGE = 100;

export async function loadHistory(featureId) {
  const path = featureId ? `${featurePath(featureId)}/history` : `${mapPath()}/history`;
  const page = await api.get(`${path}?limit=${PAGE}`);
  return page.versions ?? [];
}

function who(v) {
  return v.changed_by?.name || t("sm.history_someone");
}

function entry(v, { restorable, onRestore, numberOf }) {
  const n = numberOf ? numberOf(v.feature_id) : null;
  return h(
    "li",
    { class: "sm-version-item" },
    h(
      "p",
      { class: "sm-version-line" },
      h("strong", {}, tx(`sm.change_${v.change}`)),
      " ",
      numberOf ? (n ? t("sm.number", { n }) : t("sm.history_deleted_place")) + " " : "",
      t("sm.history_by", { name: who(v), when: formatDateTime(v.changed_at), version: v.version }),
    ),
    h("p", {}, kindText(v), v.title ? h("span", { lang: "ja" }, `　${v.title}`) : ""),
    v.note ? h("p", { class: "sm-place-note", lang: "ja" }, v.note) : null,
    restorable
      ? h(
          "button",
          { type: "button", onclick: () => onRestore(v) },
          t("sm.restore_version", { version: v.version }),
        )
      : null,
  );
}

/** One place's history: every version but the current one can be restored. */
export function placeHistory(versions, { title, canRestore, onRestore, onClose }) {
  const newest = Math.max(...versions.map((v) => v.version));
  return [
    h("h2", { id: "history-heading", tabindex: -1 }, title),
    versions.length
      ? h(
          "ol",
          { class: "sm-version-list" },
          versions.map((v) =>
            entry(v, {
              restorable: canRestore && (v.version !== newest || v.deleted) && v.change !== "deleted",
              onRestore,
            }),
          ),
        )
      : h("p", {}, tx("sm.history_empty")),
    h("button", { type: "button", onclick: onClose }, tx("sm.close")),
  ];
}

/** The whole map's changes, and its deleted places each with the version to bring back. */
export function mapHistory(versions, { canRestore, onRestore, onClose, numberOf }) {
  const deleted = new Map();
  for (const v of versions) {
    if (!v.deleted || v.change === "deleted" || deleted.has(v.feature_id)) continue;
    deleted.set(v.feature_id, v); // newest first: the content it had before it was deleted
  }
  return [
    h("h2", { id: "history-heading", tabindex: -1 }, tx("sm.map_history")),
    h("h3", { id: "deleted-heading" }, tx("sm.deleted_places")),
    deleted.size
      ? h(
          "ul",
          { class: "sm-version-list sm-deleted", "aria-labelledby": "deleted-heading" },
          [...deleted.values()].map((v) =>
            h(
              "li",
              { class: "sm-version-item" },
              h("p", {}, kindText(v), v.title ? h("span", { lang: "ja" }, `　${v.title}`) : ""),
              v.note ? h("p", { class: "sm-place-note", lang: "ja" }, v.note) : null,
              canRestore(v)
                ? h("button", { type: "button", onclick: () => onRestore(v) }, tx("sm.restore_place"))
                : null,
            ),
          ),
        )
      : h("p", {}, tx("sm.deleted_none")),
    h("h3", {}, tx("sm.changes")),
    versions.length
      ? h("ol", { class: "sm-version-list" }, versions.map((v) => entry(v, { restorable: false, numberOf })))
      : h("p", {}, tx("sm.history_empty")),
    h("button", { type: "button", onclick: onClose }, tx("sm.close")),
  ];
}
