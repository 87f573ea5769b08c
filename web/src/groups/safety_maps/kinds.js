// The method's two sides (../shared/DOMAIN.md §4): a place is 入りやすい and/or 見えにくい
// (with the common details), or a safe place; a few kinds draw the walk itself. Exactly the
// server's kinds and details; there is deliberately no kind for a person or a past crime.
import { symbolOf, symbolSvg } from "../../common/symbols.js";
import { fromSvg } from "../../common/dom.js";
import { t } from "../../common/i18n.js";

export const DANGER_KINDS = ["easy_to_enter", "hard_to_see", "easy_to_enter_hard_to_see"];
export const DANGER_DETAILS = [
  "high_wall",
  "quiet_road",
  "dark_road",
  "blind_park",
  "gap_between_houses",
  "graffiti_litter",
  "abandoned_bicycles",
  "vacant_house",
  "other",
];
// A safe place's detail decides its kind: the 子どもを守る家 has a symbol of its own.
export const SAFE_DETAILS = {
  child_safe_house: "safe_haven",
  police_box: "help_place",
  convenience_store: "help_place",
  school: "help_place",
  shop: "help_place",
  hospital: "help_place",
  aed: "help_place",
};
export const WALK_KINDS = ["school_route", "lone_stretch", "note"];
export const ALL_KINDS = [...DANGER_KINDS, "safe_haven", "help_place", ...WALK_KINDS];

export function sideOf(kind) {
  if (DANGER_KINDS.includes(kind)) return "danger";
  if (kind === "safe_haven" || kind === "help_place") return "safe";
  return "walk";
}

export function kindLabel(kind) {
  return t(`sm.kind_${kind}`);
}

export function detailLabel(detail) {
  return detail ? t(`sm.detail_${detail}`) : "";
}

/** The kind and its detail as one phrase: 見えにくい（高い塀・生け垣）. */
export function kindText(props) {
  const kind = kindLabel(props.kind);
  const detail = props.detail ? detailLabel(props.detail) : "";
  // こども110番の家 is both a kind and a detail: said once.
  return detail && detail !== kind ? t("sm.kind_with_detail", { kind, detail }) : kind;
}

export function symbolFor(kind) {
  return symbolOf("safety_map_feature", kind);
}

export function symbolNode(kind, size = 22) {
  return fromSvg(symbolSvg(symbolFor(kind), size));
}
