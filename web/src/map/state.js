// What a shared link restores: the view, the layers shown, the background and the open
// feature. Kept in the query string beside ?lang= (src/common/i18n.js writes that one), and
// replaced in place as the map moves so the back button is not filled with every pan.
import { BASEMAP_KINDS } from "../common/basemap.js";

const FEATURE = /^([a-z_]+)\/(\d{1,18})$/;
const KINDS = /^([a-z_]+):([a-z_.]*)$/;
const DISASTER = /^[a-z_]{1,20}$/;

export function readState(search = location.search) {
  const params = new URLSearchParams(search);
  const state = {
    view: null,
    layers: null,
    kinds: new Map(),
    disaster: null,
    basemap: "pale",
    feature: null,
  };
  const view = (params.get("map") || "").split("/").map(Number);
  if (
    view.length === 3 &&
    view.every(Number.isFinite) &&
    view[0] >= 0 &&
    view[0] <= 22 &&
    Math.abs(view[1]) <= 85 &&
    Math.abs(view[2]) <= 180
  ) {
    state.view = { zoom: view[0], center: [view[2], view[1]] };
  }
  // Present but empty means "no layers"; absent means the defaults.
  if (params.has("layers")) state.layers = params.get("layers").split(",").filter(Boolean);
  // kinds=facility:shelter.aed,hazard:underpass — the kinds shown of the layers named.
  for (const part of (params.get("kinds") || "").split(",")) {
    const match = KINDS.exec(part);
    if (match) state.kinds.set(match[1], new Set(match[2].split(".").filter(Boolean)));
  }
  if (DISASTER.test(params.get("disaster") || "")) state.disaster = params.get("disaster");
  if (BASEMAP_KINDS.includes(params.get("basemap"))) state.basemap = params.get("basemap");
  const feature = FEATURE.exec(params.get("feature") || "");
  if (feature) state.feature = { layer: feature[1], id: Number(feature[2]) };
  return state;
}

/** Writes the given parts (undefined: unchanged, null: removed) into the current URL. */
export function writeState({ map, layers, kinds, disaster, basemap, feature } = {}) {
  const url = new URL(location.href);
  const params = url.searchParams;
  if (map) {
    const { lng, lat } = map.getCenter();
    params.set("map", `${map.getZoom().toFixed(2)}/${lat.toFixed(5)}/${lng.toFixed(5)}`);
  }
  if (layers !== undefined) params.set("layers", layers.join(","));
  if (kinds !== undefined) {
    const parts = [...kinds].map(([layer, shown]) => `${layer}:${[...shown].join(".")}`);
    if (parts.length) params.set("kinds", parts.join(","));
    else params.delete("kinds");
  }
  if (disaster) params.set("disaster", disaster);
  else if (disaster !== undefined) params.delete("disaster");
  if (basemap !== undefined) params.set("basemap", basemap);
  if (feature === null) params.delete("feature");
  else if (feature) params.set("feature", `${feature.layer}/${feature.id}`);
  // Commas and slashes read better unescaped and are valid in a query.
  const query = params
    .toString()
    .replace(/%2C/gi, ",")
    .replace(/%2F/gi, "/")
    .replace(/%3A/gi, ":");
  const next = `${url.pathname}${query ? `?${query}` : ""}${url.hash}`;
  if (next !== `${location.pathname}${location.search}${location.hash}`) {
    history.replaceState(history.state, "", next);
  }
}
