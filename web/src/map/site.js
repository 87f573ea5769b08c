// One place, its roles: a city lists one building in several datasets (大富地域交流センター is
// a 住民センター, a 指定避難所, a 土のうステーション and an AED site). The database gives such
// records one site_id (migration 0012); the map, list and details show them as one place.
import { api } from "../common/api.js";
import { lang } from "../common/i18n.js";
import { SYMBOLS } from "../common/symbols.js";
import { valueLabel } from "./format.js";

const SHELTERING = new Set(["shelter", "evacuation_site", "tsunami_evacuation_building"]);

/** Kinds in the symbol table's order: what a resident needs first comes first. */
export function kindRank(layerId, kind) {
  const order = Object.keys(SYMBOLS.layers[layerId]?.values || {});
  const index = order.indexOf(kind);
  return index < 0 ? order.length : index;
}

/** The site's records, most important role first (the record itself when it has no site). */
export async function siteRecords(layer, feature, { signal } = {}) {
  const site = feature?.properties?.site_id;
  if (site == null || !layer.properties.some((p) => p.name === "site_id")) return [feature];
  const params = new URLSearchParams({
    filter: `site_id = ${Number(site)}`,
    "filter-lang": "cql2-text",
    limit: "50",
  });
  const page = await api.get(`/api/layers/${layer.id}/features?${params}`, { signal });
  const records = page.features.length ? page.features : [feature];
  return records.sort(
    (a, b) => kindRank(layer.id, a.properties.kind) - kindRank(layer.id, b.properties.kind),
  );
}

/** 「住民センター・指定避難所（洪水・高潮）・AED」: each role, with the disasters a shelter is
 * designated for. */
export function rolesText(layerId, records) {
  const sep = lang() === "ja" ? "・" : ", ";
  const seen = new Set();
  const roles = [];
  for (const { properties: p } of records) {
    if (!p.kind || seen.has(p.kind)) continue;
    seen.add(p.kind);
    let role = valueLabel(layerId, "kind", p.kind);
    const disasters = SHELTERING.has(p.kind) ? p.disaster_types || [] : [];
    if (disasters.length) {
      const names = disasters.map((d) => valueLabel(layerId, "disaster_types", d));
      role += lang() === "ja" ? `（${names.join("・")}）` : ` (${names.join(", ")})`;
    }
    roles.push(role);
  }
  return roles.join(sep);
}

/** One feature standing for the site: the first record's, each empty property filled from
 * the others, and list properties joined. */
export function mergedSite(records) {
  const [lead, ...rest] = records;
  const props = { ...lead.properties };
  for (const { properties: other } of rest) {
    for (const [key, value] of Object.entries(other)) {
      if (Array.isArray(value) && Array.isArray(props[key])) {
        props[key] = [...new Set([...props[key], ...value])];
      } else if (props[key] == null || props[key] === "") {
        props[key] = value;
      }
    }
  }
  return { ...lead, properties: props };
}
