// The lists the filters and forms choose from, fetched once per visit.
import { api, once } from "../common/api.js";
import { pick } from "../common/i18n.js";
import { symbolFor } from "../common/symbols.js";

/** Report categories (also the inactive ones: old reports still carry them), each with the
 * symbol the map and the list draw. */
export function categories() {
  return once("categories", async () => {
    const list = await api.get("/api/report-categories?include_inactive=true");
    return list.map((c, index) => ({ ...c, symbol: symbolFor(c.icon, index) }));
  });
}

export async function categoryByCode(code) {
  return (await categories()).find((c) => c.code === code);
}

export function categoryName(category) {
  return category ? pick({ ja: category.name_ja, en: category.name_en }) : "";
}

export function departments() {
  return once("departments", async () => (await api.get("/api/departments")).departments);
}

export function departmentName(department) {
  if (!department) return "";
  return pick({ ja: department.name, en: department.name_en || department.name });
}

/** The city's 自治会 areas: the queue's district filter also matches the neighbourhoods
 * inside the chosen area. Only names are needed, but OGC items always carry geometry, so
 * this asks for the coarsest level. */
export function districts() {
  return once("districts", async () => {
    const body = await api.get(
      "/ogc/collections/district/items?level=area&properties=name,name_en&limit=200",
    );
    return body.features
      .map((f) => ({ id: f.id, name: f.properties.name, name_en: f.properties.name_en }))
      .sort((a, b) => a.name.localeCompare(b.name, "ja"));
  });
}

export function districtName(district) {
  if (!district) return "";
  return pick({ ja: district.name, en: district.name_en || district.name });
}
