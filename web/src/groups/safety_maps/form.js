// The place form: which side of the method, the kind and its detail, a short title and
// note, photos. Only places can be chosen; the sentence beside the choice says why there is
// no way to mark a person or a past crime.
import { field, h, uid } from "../../common/dom.js";
import { t, tx } from "../../common/i18n.js";
import { DANGER_DETAILS, DANGER_KINDS, SAFE_DETAILS, WALK_KINDS, detailLabel, kindLabel, sideOf, symbolNode } from "./kinds.js";

const TITLE_MAX = 200;
const NOTE_MAX = 2000;

function radios(name, options, chosen, onChange) {
  return options.map(([value, text, kind]) => {
    const id = uid("r");
    return h(
      "div",
      { class: "sm-choice" },
      h("input", {
        type: "radio",
        name,
        id,
        value,
        checked: value === chosen,
        onchange: () => onChange(value),
      }),
      h("label", { for: id }, kind ? symbolNode(kind, 20) : null, " ", text),
    );
  });
}

/** The form for a new place (draft.id absent) or a change; onSave gets the values. */
export function placeForm(draft, { onSave, onCancel, existingPhotos = null }) {
  // The choices are written to the draft as they are made (see the language switch below).
  const values = new Proxy(
    { side: draft.side || sideOf(draft.kind || "hard_to_see"), kind: draft.kind || null, detail: draft.detail || null },
    {
      set(target, key, value) {
        target[key] = value;
        draft[key] = value;
        return true;
      },
    },
  );
  const error = h("p", { class: "notice error", role: "alert", hidden: true });
  const kindArea = h("div", { class: "sm-kind-area" });

  function renderKinds() {
    const parts = [];
    if (values.side === "danger") {
      if (!DANGER_KINDS.includes(values.kind)) values.kind = null;
      parts.push(
        h(
          "fieldset",
          { class: "sm-fieldset" },
          h("legend", {}, tx("sm.form_danger_kind")),
          radios("kind", DANGER_KINDS.map((k) => [k, kindLabel(k), k]), values.kind, (v) => (values.kind = v)),
        ),
      );
      const select = h(
        "select",
        { name: "detail", onchange: (e) => (values.detail = e.target.value || null) },
        h("option", { value: "" }, t("sm.form_detail_none")),
        DANGER_DETAILS.map((d) => h("option", { value: d, selected: d === values.detail }, detailLabel(d))),
      );
      if (!DANGER_DETAILS.includes(values.detail)) values.detail = null;
      parts.push(field(t("sm.form_detail"), select, { hint: t("sm.form_detail_hint") }));
    } else if (values.side === "safe") {
      if (!(values.detail in SAFE_DETAILS)) values.detail = null;
      parts.push(
        h(
          "fieldset",
          { class: "sm-fieldset" },
          h("legend", {}, tx("sm.form_safe_kind")),
          radios(
            "detail",
            Object.entries(SAFE_DETAILS).map(([d, k]) => [d, detailLabel(d), k]),
            values.detail,
            (v) => {
              values.detail = v;
              values.kind = SAFE_DETAILS[v];
            },
          ),
        ),
      );
    } else {
      values.detail = null;
      if (!WALK_KINDS.includes(values.kind)) values.kind = null;
      parts.push(
        h(
          "fieldset",
          { class: "sm-fieldset" },
          h("legend", {}, tx("sm.form_walk_kind")),
          radios("kind", WALK_KINDS.map((k) => [k, kindLabel(k), k]), values.kind, (v) => (values.kind = v)),
        ),
      );
    }
    kindArea.replaceChildren(...parts);
  }

  const sides = h(
    "fieldset",
    { class: "sm-fieldset sm-sides" },
    h("legend", {}, tx("sm.form_side")),
    radios(
      "side",
      [
        ["danger", t("sm.side_danger"), "easy_to_enter_hard_to_see"],
        ["safe", t("sm.side_safe"), "safe_haven"],
        ["walk", t("sm.side_walk"), "school_route"],
      ],
      values.side,
      (v) => {
        values.side = v;
        renderKinds();
      },
    ),
  );
  renderKinds();

  const title = h("input", { type: "text", name: "title", maxlength: TITLE_MAX, value: draft.title || "", autocomplete: "off" });
  const note = h("textarea", { name: "note", rows: 3, maxlength: NOTE_MAX }, draft.note || "");
  // Kept across a language switch (a rebuilt form would lose the chosen files).
  const photos =
    draft.photoInput ??
    h("input", { type: "file", name: "photos", accept: "image/jpeg,image/png,image/webp,image/heic", multiple: true, capture: "environment" });
  photos.removeAttribute("aria-describedby");
  draft.photoInput = photos;
  // What is typed is the draft's at once, so a language switch rebuilds the form unchanged.
  title.addEventListener("input", () => (draft.title = title.value));
  note.addEventListener("input", () => (draft.note = note.value));

  const form = h(
    "form",
    {
      class: "sm-form",
      novalidate: true,
      onsubmit: (event) => {
        event.preventDefault();
        const problem = !values.kind
          ? t("sm.form_need_kind")
          : values.detail === "other" && !title.value.trim()
            ? t("sm.form_need_title")
            : null;
        if (problem) {
          error.textContent = problem;
          error.hidden = false;
          return;
        }
        error.hidden = true;
        onSave({
          kind: values.kind,
          detail: values.detail,
          title: title.value.trim() || null,
          note: note.value.trim() || null,
          files: [...photos.files],
        });
      },
    },
    h("h2", { id: "form-heading", tabindex: -1 }, draft.id ? t("sm.form_edit_heading", { n: draft.number }) : t("sm.form_new_heading")),
    // Where someone would look for "a person" or "a crime": the method's reason, once.
    h("p", { class: "notice sm-places-not-people" }, tx("sm.places_not_people")),
    sides,
    kindArea,
    field(t("sm.form_title"), title, { hint: t("sm.form_title_hint") }),
    field(t("sm.form_note"), note, { hint: t("sm.form_note_hint") }),
    existingPhotos,
    field(t("sm.form_photos"), photos, { hint: t("sm.form_photos_hint") }),
    error,
    h(
      "div",
      { class: "sm-form-buttons" },
      h("button", { type: "submit", class: "primary" }, tx("sm.save")),
      h("button", { type: "button", onclick: onCancel }, tx("sm.cancel")),
    ),
  );
  return form;
}
