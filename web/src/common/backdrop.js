// The staff maps' backdrop: the city's own style with its layers hidden but the district
// lines (for orientation) over the pale basemap, which the page says when it cannot be
// reached. The triage queue and the due board draw their own
// features on it.
import { api } from "./api.js";
import { LOCAL_IDEOGRAPHS, WHOLE_TILES, watchBasemap, withBasemap } from "./basemap.js";

const KEPT = (layer) => layer.id.startsWith("district-");

/** The city's style (GET /tiles/style.json) showing only the basemap and the districts. */
export async function districtsStyle() {
  const style = withBasemap(await api.get("/tiles/style.json"), "pale");
  for (const layer of style.layers) {
    if (layer.source && layer.source !== "basemap" && !KEPT(layer)) {
      layer.layout = { ...(layer.layout || {}), visibility: "none" };
    }
  }
  return style;
}

/** The map options every staff map shares. */
export const BACKDROP_OPTIONS = {
  attributionControl: { compact: true },
  localIdeographFontFamily: LOCAL_IDEOGRAPHS,
  ...WHOLE_TILES,
  maxZoom: 19,
};

/** A loaded map on the backdrop in `canvas`, its basemap state told in `notice`. */
export async function backdropMap(maplibregl, canvas, notice) {
  const map = new maplibregl.Map({ container: canvas, style: await districtsStyle(), ...BACKDROP_OPTIONS });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  watchBasemap(map, notice);
  await new Promise((resolve) => map.on("load", resolve));
  return map;
}
