// The server's style (GET /tiles/style.json) made into the public map's: the switchable
// GSI basemap, point layers drawn as shape + colour symbols (reports by category) instead
// of plain circles, each layer's visibility, and the selection and "you are here" overlays.
// The server's name labels ("<layer>-label…", drawn with machimap's own glyphs) are kept as
// they are and switch with their layer.
import { withBasemap } from "../common/basemap.js";
import { t } from "../common/i18n.js";
import { SYMBOLS, symbolImage } from "../common/symbols.js";
import { displayScale } from "../common/display.js";
import { symbolField } from "../common/symbols.js";
import { clusterLayers, clusteredTiles } from "./clusters.js";
import { categories, layerKinds, layerSymbol } from "./format.js";

export const SELECTION = "mm-selection";
// A facility an inspection closed (使用禁止) carries a no-entry mark and the word beside its
// symbol, so a closed swing is told apart at a glance, in greyscale too.
const CLOSED = ["==", ["get", "use_status"], "closed"];
const CLOSED_IMAGE = "mm-mark-closed";
export const ME = "mm-me";
const REPORT_SIZE = 24;
const LAYER_SIZE = 24;

/** Symbol images by id, added to the map when the style first asks for them. */
const images = new Map();

function imageId(layerId, key = "") {
  return `mm-symbol-${layerId}${key === "" ? "" : `-${key}`}`;
}

/** The image a one-member cluster of a layer's kind is drawn with (see iconImage). */
export function imageOf(layer, kind) {
  return kind == null ? imageId(layer.id) : imageId(layer.id, kind);
}

function iconImage(layer) {
  const fallback = imageId(layer.id);
  images.set(fallback, { symbol: layerSymbol(layer), size: LAYER_SIZE });
  const kinds = layerKinds(layer);
  if (kinds.length) {
    const match = ["match", ["to-string", ["get", symbolField(layer.id)]]];
    for (const { value, symbol } of kinds) {
      const id = imageId(layer.id, value);
      images.set(id, { symbol, size: LAYER_SIZE });
      match.push(value, id);
    }
    match.push(fallback);
    return match;
  }
  if (layer.id !== "report" || categories.size === 0) return fallback;
  const match = ["match", ["to-number", ["get", "category_id"], -1]];
  for (const category of categories.values()) {
    const id = imageId("report", category.id);
    images.set(id, { symbol: category.symbol, size: REPORT_SIZE });
    match.push(category.id, id);
  }
  match.push(fallback);
  return match;
}

/** Draws a symbol image when the style first asks for it (MapLibre 6's image resolver). */
export function provideImages(map) {
  map.setMissingStyleImageResolver((id) => {
    const wanted = images.get(id);
    if (!wanted || map.hasImage(id)) return;
    const { image, pixelRatio } = symbolImage(wanted.symbol, wanted.size);
    map.addImage(id, image, { pixelRatio });
  });
}

/** Whether a style layer writes names (the server's "<layer>-label…" symbol layers). */
export function isLabel(styleLayerId) {
  return /-label(-|$)/.test(styleLayerId);
}

/** The style layer ids drawing a registry layer (all named "<layer>-<kind>"). */
export function styleLayerIds(style, layerId) {
  return style.layers.filter((l) => l.id.startsWith(`${layerId}-`)).map((l) => l.id);
}

/** Within a layer of kinds, the kinds a resident needs first are drawn on top: of one
 * place's stacked records (a 住民センター that is a 指定避難所) the shelter is what shows. */
function kindSortKey(layer) {
  const kinds = layerKinds(layer);
  if (!kinds.length) return null;
  const match = ["match", ["to-string", ["get", symbolField(layer.id)]]];
  kinds.forEach(({ value }, index) => match.push(value, kinds.length - index));
  match.push(0);
  return match;
}

/** Symbols grow with the zoom and with the reader's text size (文字サイズ): a zoom curve is
 * only allowed at the top of the expression, so the size is in its stops. */
export function iconSize(scale = 1) {
  return ["interpolate", ["linear"], ["zoom"], 10, 0.55 * scale, 13, 0.8 * scale, 15, scale];
}

function symbolLayer(circle, layer) {
  const sortKey = circle.layout?.["circle-sort-key"] ?? kindSortKey(layer);
  return {
    id: `${layer.id}-symbol`,
    type: "symbol",
    source: circle.source,
    "source-layer": circle["source-layer"],
    ...(circle.filter ? { filter: circle.filter } : {}),
    layout: {
      "icon-image": iconImage(layer),
      // Every feature is drawn: hiding colliding ones would hide reports from residents.
      // Names may still be written over an icon; their halo keeps both readable.
      "icon-allow-overlap": true,
      "icon-ignore-placement": true,
      "icon-size": iconSize(displayScale()),
      ...(sortKey ? { "symbol-sort-key": sortKey } : {}),
    },
  };
}

/** The mark over closed facilities: a style layer of the facility layer's own (its id
 * starts "facility-"), so it shows, hides and filters with that layer. */
function closedLayer(drawn, font) {
  images.set(CLOSED_IMAGE, { symbol: SYMBOLS.marks.closed, size: 18 });
  const own = drawn.metadata?.["machimap:filter"] ?? null;
  const words = font.length
    ? {
        "text-field": t("map.closed_mark"),
        "text-font": font,
        "text-size": 12 * displayScale(),
        // Right of the symbol: its name is written below it, the mark sits at its top left.
        "text-anchor": "left",
        "text-offset": [1.2, 0],
        "text-allow-overlap": true,
        "text-ignore-placement": true,
      }
    : {};
  return {
    id: "facility-closed",
    type: "symbol",
    source: drawn.source,
    "source-layer": drawn["source-layer"],
    filter: drawn.filter ? ["all", drawn.filter, CLOSED] : CLOSED,
    metadata: { "machimap:filter": own ? ["all", own, CLOSED] : CLOSED },
    layout: {
      visibility: drawn.layout.visibility,
      "icon-image": CLOSED_IMAGE,
      "icon-size": iconSize(displayScale()),
      "icon-offset": [-14, -14],
      "icon-allow-overlap": true,
      "icon-ignore-placement": true,
      ...words,
    },
    paint: { "text-color": "#a63d00", "text-halo-color": "#ffffff", "text-halo-width": 2 },
  };
}

/** The closed mark's word in the page's language, after a language switch. */
export function relabelClosed(map) {
  if (map.getLayer("facility-closed")?.getLayoutProperty("text-field") !== undefined) {
    map.setLayoutProperty("facility-closed", "text-field", t("map.closed_mark"));
  }
}

/** The filter showing only a layer's chosen kinds, joined to a style layer's own. */
export function withKinds(baseFilter, layer, shown) {
  if (!shown) return baseFilter ?? null;
  const only = ["in", ["to-string", ["get", symbolField(layer.id)]], ["literal", [...shown]]];
  return baseFilter ? ["all", baseFilter, only] : only;
}

export function buildStyle(
  serverStyle,
  { layers, enabled, basemap, kinds = new Map(), extra = new Map(), clustered = true },
) {
  const byId = new Map(layers.map((l) => [l.id, l]));
  const style = withBasemap(serverStyle, basemap);
  style.layers = style.layers.map((styleLayer) => {
    const layer = byId.get(styleLayer["source-layer"]);
    // "machimap" and "machimap-labels" (the district tiles the area names are placed from).
    if (!layer || !styleLayer.source?.startsWith("machimap")) return styleLayer;
    const drawn = styleLayer.type === "circle" ? symbolLayer(styleLayer, layer) : styleLayer;
    const more = extra.get(layer.id);
    const own = more ? (drawn.filter ? ["all", drawn.filter, more] : more) : drawn.filter;
    const filter = withKinds(own, layer, kinds.get(layer.id));
    return {
      ...drawn,
      ...(filter ? { filter } : {}),
      // The layer's own filter, which the kinds chosen later are joined to.
      metadata: { ...drawn.metadata, "machimap:filter": drawn.filter ?? null },
      layout: { ...drawn.layout, visibility: enabled.has(layer.id) ? "visible" : "none" },
    };
  });
  const facilities = style.layers.find((l) => l.id === "facility-symbol");
  const font = style.layers.find((l) => l.layout?.["text-font"])?.layout["text-font"] ?? [];
  // Below the cluster zoom the points come counted (./clusters.js); a disaster's map shows
  // its few sites one by one.
  const below = serverStyle.metadata?.["machimap:cluster_below_zoom"] ?? 0;
  if (below > 0 && style.sources.machimap?.tiles) {
    style.sources.machimap = {
      ...style.sources.machimap,
      tiles: clusteredTiles(style.sources.machimap.tiles, clustered),
    };
    const font = style.layers.find((l) => l.layout?.["text-font"])?.layout["text-font"] ?? [];
    style.layers.push(...clusterLayers({ layers, enabled, kinds, below, font, imageOf }));
  }
  style.sources[SELECTION] = { type: "geojson", data: empty() };
  style.sources[ME] = { type: "geojson", data: empty() };
  const polygon = ["in", ["geometry-type"], ["literal", ["Polygon", "MultiPolygon"]]];
  const point = ["in", ["geometry-type"], ["literal", ["Point", "MultiPoint"]]];
  style.layers.push(
    {
      id: `${SELECTION}-fill`,
      type: "fill",
      source: SELECTION,
      filter: polygon,
      paint: { "fill-color": "#ffbf47", "fill-opacity": 0.25 },
    },
    {
      id: `${SELECTION}-casing`,
      type: "line",
      source: SELECTION,
      filter: ["!", point],
      paint: { "line-color": "#1a1a1a", "line-width": 6 },
    },
    {
      id: `${SELECTION}-line`,
      type: "line",
      source: SELECTION,
      filter: ["!", point],
      paint: { "line-color": "#ffbf47", "line-width": 3 },
    },
    {
      id: `${SELECTION}-point`,
      type: "circle",
      source: SELECTION,
      filter: point,
      paint: {
        "circle-radius": 16,
        "circle-color": "rgba(255, 191, 71, 0.25)",
        "circle-stroke-color": "#1a1a1a",
        "circle-stroke-width": 3,
      },
    },
    {
      id: `${ME}-accuracy`,
      type: "fill",
      source: ME,
      filter: polygon,
      paint: { "fill-color": "#005a9c", "fill-opacity": 0.15 },
    },
    {
      id: `${ME}-point`,
      type: "circle",
      source: ME,
      filter: point,
      paint: {
        "circle-radius": 8,
        "circle-color": "#005a9c",
        "circle-stroke-color": "#ffffff",
        "circle-stroke-width": 3,
      },
    },
  );
  // Last, over the selection ring too: a closed place stays marked while it is open here.
  if (facilities) style.layers.push(closedLayer(facilities, font));
  return style;
}

export function empty() {
  return { type: "FeatureCollection", features: [] };
}

/** [west, south, east, north] of a GeoJSON geometry. */
export function geometryBounds(geometry) {
  const box = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (coords) => {
    if (typeof coords[0] === "number") {
      box[0] = Math.min(box[0], coords[0]);
      box[1] = Math.min(box[1], coords[1]);
      box[2] = Math.max(box[2], coords[0]);
      box[3] = Math.max(box[3], coords[1]);
      return;
    }
    for (const c of coords) walk(c);
  };
  if (geometry?.type === "GeometryCollection") {
    for (const g of geometry.geometries) walk(g.coordinates);
  } else if (geometry?.coordinates) walk(geometry.coordinates);
  return Number.isFinite(box[0]) ? box : null;
}

/** A circle of radius metres around [lng, lat], as a GeoJSON polygon (the GPS accuracy). */
export function circlePolygon([lng, lat], metres, steps = 48) {
  const dLat = metres / 111_320;
  const dLng = metres / (111_320 * Math.cos((lat * Math.PI) / 180));
  const ring = Array.from({ length: steps + 1 }, (_, i) => {
    const a = (i / steps) * 2 * Math.PI;
    return [lng + dLng * Math.cos(a), lat + dLat * Math.sin(a)];
  });
  return { type: "Polygon", coordinates: [ring] };
}
