// 地理院タイル as the background map. The server's style (/tiles/style.json) names the
// basemap origin it allows; the three GSI maps share it. When tiles cannot be fetched the
// raster is hidden and the map stays usable on a plain background with district lines and
// names.
import { t } from "./i18n.js";

/** Every map's `localIdeographFontFamily`: kana and kanji of the labels are drawn on the
 * device, never fetched as glyphs (a name's kanji would cost a range of 256 each). The face of
 * machimap's own glyphs first (the digits and Latin around them), then each platform's
 * Japanese gothic. */
/** Every map that writes district names: MapLibre 6 cuts a tile enlarged beyond its source's
 * maxzoom into pieces (up to 4 zooms below the map's maxZoom) and names an area once per piece;
 * the area names come from one enlarged tile holding the whole city (/tiles/style.json), which
 * must stay whole for each district to be named once. */
export const WHOLE_TILES = { zoomLevelsToOverscale: undefined };

export const LOCAL_IDEOGRAPHS =
  "BIZ UDPGothic, Hiragino Sans, Noto Sans CJK JP, Yu Gothic, Meiryo, IPAGothic, sans-serif";

export const BASEMAP_SOURCE = "basemap";
export const BASEMAP_LAYER = "basemap";
const KINDS = {
  pale: { path: "pale", ext: "png", maxzoom: 18 },
  std: { path: "std", ext: "png", maxzoom: 18 },
  photo: { path: "seamlessphoto", ext: "jpg", maxzoom: 18 },
};
export const BASEMAP_KINDS = [...Object.keys(KINDS), "none"];
export const GSI_ATTRIBUTION =
  '<a href="https://maps.gsi.go.jp/development/ichiran.html">地理院タイル</a>';

const ORIGIN_KEY = "machimap:basemap-origin";

/** The basemap origin a style made by withBasemap() uses. */
export function chosenOrigin(style) {
  return style.metadata?.[ORIGIN_KEY] ?? null;
}

/** The origin of the basemap the server allows, read from its style. */
export function basemapOrigin(style) {
  for (const source of Object.values(style.sources || {})) {
    if (source.type === "raster" && source.tiles?.length) return new URL(source.tiles[0]).origin;
  }
  return null;
}

export function basemapTiles(origin, kind) {
  const k = KINDS[kind] || KINDS.pale;
  return `${origin}/xyz/${k.path}/{z}/{x}/{y}.${k.ext}`;
}

/** Replaces the server style's raster layers with one switchable basemap source. */
export function withBasemap(style, kind = "pale") {
  const origin = basemapOrigin(style);
  const rasterIds = new Set(
    Object.entries(style.sources)
      .filter(([, s]) => s.type === "raster")
      .map(([id]) => id),
  );
  const sources = Object.fromEntries(
    Object.entries(style.sources).filter(([id]) => !rasterIds.has(id)),
  );
  const layers = style.layers.filter((l) => !rasterIds.has(l.source));
  if (origin) {
    sources[BASEMAP_SOURCE] = {
      type: "raster",
      tiles: [basemapTiles(origin, kind === "none" ? "pale" : kind)],
      tileSize: 256,
      maxzoom: KINDS[kind]?.maxzoom ?? 18,
      attribution: GSI_ATTRIBUTION,
    };
    const at = layers.findIndex((l) => l.type === "background") + 1;
    layers.splice(at, 0, {
      id: BASEMAP_LAYER,
      type: "raster",
      source: BASEMAP_SOURCE,
      layout: { visibility: kind === "none" ? "none" : "visible" },
    });
  }
  // The origin travels in the style's metadata, the one place MapLibre allows our own keys.
  return { ...style, sources, layers, metadata: { ...style.metadata, [ORIGIN_KEY]: origin } };
}

/** Switches the basemap in place (the overlay layers keep their state). */
export function setBasemap(map, origin, kind) {
  if (!origin || !map.getLayer(BASEMAP_LAYER)) return;
  if (kind === "none") {
    map.setLayoutProperty(BASEMAP_LAYER, "visibility", "none");
    return;
  }
  map.getSource(BASEMAP_SOURCE).setTiles([basemapTiles(origin, kind)]);
  map.setLayoutProperty(BASEMAP_LAYER, "visibility", "visible");
}

/** Watches basemap tile failures; after a few, hides the raster and shows notice. The
 * listener also keeps MapLibre from logging each failed tile as an error. */
export function watchBasemap(map, notice, { failures = 3 } = {}) {
  let failed = 0;
  let loaded = 0;
  map.on("error", (event) => {
    if (event.sourceId !== BASEMAP_SOURCE) {
      console.error(event.error);
      return;
    }
    failed += 1;
    if (failed >= failures && loaded === 0) {
      map.setLayoutProperty(BASEMAP_LAYER, "visibility", "none");
      if (notice) {
        notice.textContent = t("basemap.unavailable");
        notice.hidden = false;
      }
    }
  });
  map.on("sourcedata", (event) => {
    if (event.sourceId === BASEMAP_SOURCE && event.tile) loaded += 1;
  });
}
