// The places as a numbered list: the accessible way through the map (as on the public map),
// and the editor's handles on each place. Buttons appear only where the answer says the
// caller may use them (properties.can_edit), so nobody is offered what the server refuses.
import { h } from "../../common/dom.js";
import { formatDateTime, t, tx } from "../../common/i18n.js";
import { canEdit, canPublish, features, state } from "./state.js";
import { kindText, symbolNode } from "./kinds.js";

function photoList(feature, actions) {
  const photos = feature.properties.photos ?? [];
  if (!photos.length) return null;
  const n = feature.properties.number;
  return h(
    "ul",
    { class: "sm-photos" },
    photos.map((photo, index) =>
      h(
        "li",
        {},
        h(
          "a",
          { href: photo.url, target: "_blank", rel: "noopener" },
          h("img", {
            src: photo.thumbnail_url || photo.url,
            alt: t("sm.photo_alt", { n, index: index + 1, kind: kindText(feature.properties) }),
            width: 96,
            height: 72,
            loading: "lazy",
          }),
        ),
        state.mode === "editor" && !photo.released
          ? h("span", { class: "sm-badge warn" }, tx("sm.photo_unreleased"))
          : null,
        state.mode === "editor" && photo.released && photo.blurred
          ? h("span", { class: "sm-badge" }, tx("sm.photo_blurred"))
          : null,
        canPublish()
          ? h(
              "button",
              { type: "button", onclick: () => actions.review(feature.id, photo.id) },
              photo.released ? t("sm.photo_review_again") : t("sm.photo_review"),
            )
          : null,
      ),
    ),
  );
}

function item(feature, actions) {
  const p = feature.properties;
  const selected = state.selected === feature.id;
  const heading = h(
    "h3",
    { class: "sm-place-heading" },
    symbolNode(p.kind),
    h("span", { class: "sm-number" }, tx("sm.number", { n: p.number })),
    " ",
    h("span", {}, kindText(p)),
  );
  const meta = [];
  if (p.author?.name) meta.push(t("sm.author", { name: p.author.name }));
  if (state.mode === "editor" && p.updated_at) meta.push(t("sm.updated", { when: formatDateTime(p.updated_at) }));
  const buttons = [];
  if (state.mode === "editor") {
    buttons.push(h("button", { type: "button", onclick: () => actions.select(feature.id) }, tx("sm.show_on_map")));
    if (canEdit(feature)) {
      buttons.push(
        h("button", { type: "button", onclick: () => actions.edit(feature.id) }, tx("sm.edit")),
        h("button", { type: "button", onclick: () => actions.move(feature.id) }, tx("sm.move")),
        h("button", { type: "button", class: "danger", onclick: () => actions.remove(feature.id) }, tx("sm.delete")),
      );
    }
    buttons.push(h("button", { type: "button", onclick: () => actions.history(feature.id) }, tx("sm.history")));
  } else {
    buttons.push(h("button", { type: "button", onclick: () => actions.select(feature.id) }, tx("sm.show_on_map")));
  }
  return h(
    "li",
    { class: `sm-place${selected ? " is-selected" : ""}`, id: `place-${feature.id}`, dataset: { id: feature.id, number: p.number } },
    heading,
    p.title ? h("p", { class: "sm-place-title", lang: "ja" }, p.title) : null,
    p.note ? h("p", { class: "sm-place-note", lang: "ja" }, p.note) : null,
    photoList(feature, actions),
    meta.length ? h("p", { class: "hint" }, meta.join("　")) : null,
    h("div", { class: "sm-place-buttons" }, buttons),
  );
}

export function renderList(listEl, statusEl, actions) {
  const all = [...features()].sort((a, b) => a.properties.number - b.properties.number);
  statusEl.textContent = all.length ? t("sm.list_count", { count: all.length }) : t("sm.list_empty");
  listEl.replaceChildren(...all.map((f) => item(f, actions)));
}
