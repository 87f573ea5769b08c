// The map's area (its 地区 or 自治会): what "starting points" fill from the city's data and
// what the poster shows. Names come from the city's district layer, once per visit.
import { api, once } from "../../common/api.js";
import { h } from "../../common/dom.js";
import { pick, t, tx } from "../../common/i18n.js";

const LEVELS = ["area", "neighbourhood"];

function districts() {
  return once("safety-map-districts", async () => {
    const lists = await Promise.all(
      LEVELS.map((level) =>
        api.get(`/ogc/collections/district/items?level=${level}&properties=name,name_en&limit=500`),
      ),
    );
    return LEVELS.map((level, i) => ({
      level,
      items: lists[i].features
        .map((f) => ({ id: f.id, name: { ja: f.properties.name, en: f.properties.name_en || f.properties.name } }))
        .sort((a, b) => a.name.ja.localeCompare(b.name.ja, "ja")),
    }));
  });
}

/** The area chooser: a disclosure, filled when opened; onChoose(districtId) saves it. */
export function areaChooser(current, { onChoose }) {
  const select = h("select", { id: "map-area" });
  const status = h("p", { class: "hint", role: "status" });
  const box = h(
    "details",
    { class: "sm-area" },
    h("summary", {}, tx("sm.area")),
    h("label", { for: "map-area" }, tx("sm.area_label")),
    select,
    h("button", { type: "button", onclick: () => select.value && onChoose(Number(select.value)) }, tx("sm.area_set")),
    status,
  );
  box.addEventListener("toggle", async () => {
    if (!box.open || select.options.length) return;
    status.textContent = t("sm.loading");
    try {
      const groups = await districts();
      select.replaceChildren(
        h("option", { value: "" }, t("sm.area_none")),
        ...groups.map((g) =>
          h(
            "optgroup",
            { label: t(`sm.area_level_${g.level}`) },
            g.items.map((d) => h("option", { value: d.id, selected: d.id === current, lang: "ja" }, pick(d.name))),
          ),
        ),
      );
      status.textContent = "";
    } catch (error) {
      status.textContent = error.message;
    }
  });
  return box;
}
