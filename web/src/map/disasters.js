// 「災害の種類」 and 「近くの避難所」: choosing a disaster shows only the sites designated for
// it (the standard's 災害種別 flags the data carries; a 津波避難ビル is for tsunamis by what it
// is) with the hazards that belong to it, and the nearest of those sites can be listed from
// where the person is, a searched place or the middle of the map.
import { api } from "../common/api.js";
import { dataName, lang, t } from "../common/i18n.js";
import { symbolOf, symbolSvg } from "../common/symbols.js";
import { distanceText, valueLabel } from "./format.js";
import { kindRank } from "./site.js";

export const DISASTERS = ["flood", "tsunami", "earthquake", "landslide", "storm_surge", "large_fire"];
const SHELTERING = ["shelter", "evacuation_site"];
// The hazards a resident should see beside the sites when preparing for each disaster.
const HAZARDS_FOR = {
  flood: ["flood_history", "underpass"],
  storm_surge: ["flood_history"],
  landslide: ["landslide"],
  tsunami: [],
  earthquake: [],
  large_fire: [],
};
const DIRECTIONS = ["n", "ne", "e", "se", "s", "sw", "w", "nw"];

/** The facility kinds and hazard kinds shown for a disaster. */
export function disasterKinds(disaster) {
  const facility = disaster === "tsunami" ? [...SHELTERING, "tsunami_evacuation_building"] : SHELTERING;
  return { facility, hazard: HAZARDS_FOR[disaster] ?? [] };
}

/** The MapLibre filter keeping only facilities designated for the disaster (tiles carry
 * disaster_types as "flood,storm_surge"). */
export function designatedExpression(disaster) {
  const flagged = [
    "in",
    `,${disaster},`,
    ["concat", ",", ["coalesce", ["get", "disaster_types"], ""], ","],
  ];
  if (disaster !== "tsunami") return flagged;
  return ["any", flagged, ["==", ["get", "kind"], "tsunami_evacuation_building"]];
}

/** The same as a CQL2-JSON filter, for the list. */
export function designatedFilter(disaster) {
  const flagged = { op: "a_contains", args: [{ property: "disaster_types" }, [disaster]] };
  if (disaster !== "tsunami") return flagged;
  return {
    op: "or",
    args: [flagged, { op: "=", args: [{ property: "kind" }, "tsunami_evacuation_building"] }],
  };
}

export function renderDisasterChoice(select, current) {
  select.replaceChildren();
  const all = document.createElement("option");
  all.value = "";
  all.textContent = t("disaster.none");
  select.append(all);
  for (const disaster of DISASTERS) {
    const option = document.createElement("option");
    option.value = disaster;
    option.textContent = t(`disaster.${disaster}`);
    select.append(option);
  }
  select.value = current || "";
}

function direction(bearing) {
  return t(`where.dir.${DIRECTIONS[Math.round((((bearing % 360) + 360) % 360) / 45) % 8]}`);
}


/** Lists the nearest designated sites from a point; each opens its details on the map. */
export async function showNearest({ list, status, from, disaster, onOpen }) {
  status.textContent = t("nearest.searching");
  list.replaceChildren();
  const params = new URLSearchParams({
    lon: from.lngLat[0].toFixed(6),
    lat: from.lngLat[1].toFixed(6),
    limit: "5",
  });
  if (disaster) params.set("disaster", disaster);
  let found;
  try {
    found = await api.get(`/api/shelters/nearest?${params}`);
  } catch {
    status.textContent = t("nearest.error");
    return;
  }
  const count = found.features.length;
  status.textContent = count
    ? t(disaster ? "nearest.found_for" : "nearest.found", {
        count,
        from: t(`nearest.from_${from.kind}`),
        disaster: disaster ? t(`disaster.${disaster}`) : "",
      })
    : t("nearest.none");
  for (const feature of found.features) {
    const p = feature.properties;
    const roles = [...(p.roles || p.kinds)].sort((a, b) => kindRank("facility", a) - kindRank("facility", b));
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "feature-item";
    button.dataset.layer = "facility";
    button.dataset.id = String(feature.id);
    button.innerHTML = symbolSvg(symbolOf("facility", p.kinds[0]), 22);
    const name = document.createElement("span");
    name.className = "item-name";
    name.append(dataName({ ja: p.name, en: p.name_en }, p.name_kana));
    const where = document.createElement("span");
    where.className = "item-kind";
    where.textContent = t("nearest.where", {
      distance: distanceText(p.distance_m),
      direction: direction(p.bearing),
    });
    const what = document.createElement("span");
    what.className = "item-kind";
    what.textContent = roles
      .map((k) => valueLabel("facility", "kind", k))
      .join(lang() === "ja" ? "・" : ", ");
    button.append(name, where, what);
    button.addEventListener("click", () => onOpen(feature.id, button));
    li.append(button);
    list.append(li);
  }
}
