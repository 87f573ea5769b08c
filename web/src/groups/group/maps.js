// A group's 地域安全マップ: the published ones for everyone (to their public page), the
// drafts too for members (to the editor), and for members a form to start a new map of an
// area, which then opens in the editor.
import { api } from "../../common/api.js";
import { field, h, select } from "../../common/dom.js";
import { formatDate, formatNumber, t } from "../../common/i18n.js";
import { areas } from "../lookups.js";

function mapItem(map, groupId, member) {
  const links = [];
  if (map.is_published) {
    links.push(h("a", { href: `/safety-maps/${map.id}` }, t("groups.map_public_page")));
  }
  if (member) {
    const editor = `/groups/${groupId}/maps/${map.id}`;
    links.push(h("a", { href: editor, class: "button" }, t("groups.map_edit")));
  }
  const date = formatDate(map.published_at);
  const published = () =>
    h("span", { class: "badge published" }, t("groups.map_published", { date }));
  return h(
    "li",
    { class: "map-item" },
    h("h3", { lang: "ja" }, map.title),
    h(
      "p",
      { class: "map-state" },
      map.is_published ? published() : h("span", { class: "badge draft" }, t("groups.map_draft")),
      " ",
      map.feature_count != null
        ? t("groups.map_places", { count: map.feature_count, n: formatNumber(map.feature_count) })
        : "",
    ),
    map.description ? h("p", { lang: "ja" }, map.description) : null,
    links.length ? h("p", { class: "map-links" }, links) : null,
  );
}

function createForm(group, area) {
  const title = h("input", { name: "title", required: true, maxlength: 200, autocomplete: "off" });
  const description = h("textarea", { name: "description", rows: 3 });
  const district = select("district_id", [["", t("groups.map_area_group")]], "");
  const alert = h("div", { class: "form-alert", role: "alert" });
  const button = h("button", { type: "submit", class: "primary" }, t("groups.map_create_submit"));
  // The areas arrive after the form is shown; the group's own area is chosen first.
  areas()
    .then((list) => {
      for (const a of list) {
        const option = h("option", { value: String(a.id), lang: "ja" }, a.name);
        if (area && a.id === Number(area.id)) option.selected = true;
        district.append(option);
      }
    })
    .catch(() => {});
  const form = h(
    "form",
    { class: "map-create" },
    field(t("groups.map_title"), title, { hint: t("groups.map_title_hint") }),
    field(t("groups.map_description"), description),
    field(t("groups.map_area"), district, { hint: t("groups.map_area_hint") }),
    alert,
    h("div", { class: "actions" }, button),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    alert.textContent = "";
    alert.classList.remove("notice", "error");
    button.disabled = true;
    const body = { title: title.value.trim() };
    if (description.value.trim()) body.description = description.value.trim();
    if (district.value) body.district_id = Number(district.value);
    try {
      const made = await api.post(`/api/groups/${group.id}/safety-maps`, { json: body });
      location.assign(`/groups/${group.id}/maps/${made.id}`);
    } catch (error) {
      alert.textContent = error.message;
      alert.classList.add("notice", "error");
      button.disabled = false;
    }
  });
  return form;
}

export function mapsSection({ group, maps, member, area }) {
  const shown = member ? maps : maps.filter((m) => m.is_published);
  return h(
    "section",
    { class: "group-section", "aria-labelledby": "maps-heading" },
    h("h2", { id: "maps-heading" }, t("groups.maps_heading")),
    shown.length
      ? h("ul", { class: "map-list" }, shown.map((m) => mapItem(m, group.id, member)))
      : h("p", {}, t(member ? "groups.maps_none_member" : "groups.maps_none")),
    member
      ? h(
          "details",
          { class: "map-create-box" },
          h("summary", {}, t("groups.map_create")),
          h("p", { class: "hint" }, t("groups.map_create_intro")),
          createForm(group, area),
        )
      : null,
  );
}
