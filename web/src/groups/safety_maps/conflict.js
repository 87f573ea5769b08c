// Two people changed the same place: the server refused the second save (412) and sent the
// place as it is now. Both versions stay on screen until the person chooses; keeping theirs
// or mine is one button, and nothing typed is lost on the way.
import { h } from "../../common/dom.js";
import { formatDateTime, t, tx } from "../../common/i18n.js";
import { kindText } from "./kinds.js";

function version(heading, props, moved) {
  const rows = [
    [t("sm.conflict_kind"), kindText(props)],
    [t("sm.form_title"), props.title || t("sm.empty_value")],
    [t("sm.form_note"), props.note || t("sm.empty_value")],
  ];
  if (moved !== undefined) rows.push([t("sm.conflict_place"), moved ? t("sm.conflict_moved") : t("sm.conflict_same_place")]);
  return h(
    "section",
    { class: "sm-version" },
    h("h3", {}, heading),
    h("dl", {}, rows.map(([k, v]) => [h("dt", {}, k), h("dd", { lang: k === t("sm.conflict_kind") ? null : "ja" }, v)])),
  );
}

/** mine: the values the person tried to save; current: the place as the server has it. */
export function conflictPanel(mine, current, { onKeepMine, onTakeTheirs }) {
  const theirs = current.properties;
  const moved = mine.geometry ? JSON.stringify(mine.geometry) !== JSON.stringify(current.geometry) : undefined;
  return h(
    "div",
    { class: "sm-conflict", role: "alert" },
    h("h2", { id: "conflict-heading", tabindex: -1 }, tx("sm.conflict_heading")),
    h(
      "p",
      {},
      t("sm.conflict_text", { when: formatDateTime(theirs.updated_at), version: theirs.version }),
    ),
    h(
      "div",
      { class: "sm-versions" },
      version(t("sm.conflict_theirs"), theirs),
      version(t("sm.conflict_mine"), mine, moved),
    ),
    h(
      "div",
      { class: "sm-form-buttons" },
      h("button", { type: "button", class: "primary", onclick: onKeepMine }, tx("sm.conflict_keep_mine")),
      h("button", { type: "button", onclick: onTakeTheirs }, tx("sm.conflict_take_theirs")),
    ),
    h("p", { class: "hint" }, tx("sm.conflict_hint")),
  );
}
