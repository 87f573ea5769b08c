// What the group pages look up once per visit: the signed-in account and the city's areas
// (自治会 areas, the level groups and maps are drawn for).
import { api, once, whoAmI } from "../common/api.js";
import { h } from "../common/dom.js";
import { dataName, formatNumber, t, tOr } from "../common/i18n.js";

export const GROUP_KINDS = [
  "neighbourhood_association",
  "pta",
  "crime_prevention_volunteer",
  "community_council",
  "disaster_prevention",
  "school_class",
  "other",
];

export function kindName(kind) {
  return tOr(`groups.kind.${kind}`, kind);
}

export const account = { current: undefined };

/** The caller's account (null for the public), asked again after signing in or out. */
export async function refreshAccount() {
  account.current = await whoAmI();
  return account.current;
}

export function areas() {
  return once("areas", async () => {
    const body = await api.get(
      "/ogc/collections/district/items?level=area&properties=name,name_en&limit=200",
    );
    return body.features
      .map((f) => ({ id: Number(f.id), name: f.properties.name, name_en: f.properties.name_en }))
      .sort((a, b) => a.name.localeCompare(b.name, "ja"));
  });
}

const named = new Map();

/** A district's name by id: from the areas list, else its own item (a finer district). */
export async function districtName(id) {
  if (id == null) return null;
  const area = (await areas().catch(() => [])).find((d) => d.id === Number(id));
  if (area) return area;
  if (!named.has(id)) {
    named.set(
      id,
      api
        .get(`/ogc/collections/district/items/${id}`)
        .then((f) => ({ id, name: f.properties.name, name_en: f.properties.name_en }))
        .catch(() => null),
    );
  }
  return named.get(id);
}

/** The area's name as the page shows it: English where the data has it on the English
 * page, else the Japanese name marked lang="ja". */
export function areaLabel(district) {
  if (!district) return t("groups.area_none");
  return dataName({ ja: district.name, en: district.name_en });
}

/** What the directory and a group's page say of a group: kind, area, how many members. */
export function groupFacts(group, area) {
  const count = group.member_count;
  return h(
    "dl",
    { class: "group-facts" },
    h("dt", {}, t("groups.kind")),
    h("dd", {}, kindName(group.kind)),
    h("dt", {}, t("groups.area")),
    h("dd", {}, areaLabel(area)),
    h("dt", {}, t("groups.members")),
    h("dd", {}, t("groups.member_count", { count, n: formatNumber(count) })),
  );
}

/** The group's own words (Japanese, as written). */
export function groupDescription(group) {
  if (!group.description) return null;
  return h("p", { class: "group-description", lang: "ja" }, group.description);
}
