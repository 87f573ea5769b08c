// The register's coded values as the staff read them, and the choices its forms offer.
import { t, tOr } from "../../common/i18n.js";

export const KINDS = [
  "community_center",
  "kominkan",
  "school",
  "library",
  "childcare",
  "city_hall",
  "branch_office",
  "shelter",
  "welfare",
  "culture",
  "sports",
  "fire_station",
  "health_center",
  "public_housing",
  "park",
  "public_toilet",
  "play_equipment",
  "other",
];
export const STRUCTURES = ["rc", "src", "steel", "wood", "light_steel", "block", "other"];
export const SEISMIC = ["pre_1981", "post_1981", "retrofitted", "unknown"];
export const GRADES = ["A", "B", "C", "D"];
export const COST_CATEGORIES = [
  "civic_culture",
  "social_education",
  "sports_recreation",
  "industry",
  "school_education",
  "childcare",
  "health_welfare",
  "medical",
  "administration",
  "public_housing",
  "park",
  "supply_treatment",
  "other",
];
export const OWNERS = ["city", "neighbourhood", "other_public", "private"];
export const SORTS = ["facility", "-built_year", "built_year", "-floor_area", "grade", "next_due", "district"];

/** A code's words, or the code itself when the catalogue has none (a kind added later). */
export function label(prefix, code) {
  if (code === null || code === undefined || code === "") return t("reg.none");
  return tOr(`reg.${prefix}.${code}`, String(code));
}
