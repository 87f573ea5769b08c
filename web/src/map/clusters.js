// Below a zoom (the server's map_cluster_below_zoom) the city's points come as counted
// clusters: the server counts them per 64 px cell of each tile, per layer and kind (MVT
// layer "clusters", ?clusters=true), and the map adds up the counts of what it shows. So
// a phone draws a few dozen clusters at city zoom instead of 1,500 symbols, the tiles are
// a twentieth of the size, and a cluster never counts a hidden kind. Server-side, not
// MapLibre's GeoJSON clustering: that would need every point sent to every phone first.
import { displayScale } from "../common/display.js";
import { layerKinds } from "./format.js";

export const CLUSTERS = "mm-clusters";
const SOURCE_LAYER = "clusters";

/** The sum of the cluster counts of the layers and kinds shown. */
export function clusterTotal(layers, enabled, kinds) {
  const terms = [];
  for (const layer of layers) {
    if (!enabled.has(layer.id)) continue;
    const all = layerKinds(layer);
    if (all.length) {
      for (const kind of kinds.get(layer.id) || []) {
        terms.push(["coalesce", ["get", `${layer.id}.${kind}`], 0]);
      }
    } else {
      terms.push(["coalesce", ["get", layer.id], 0]);
    }
  }
  return ["+", 0, 0, ...terms];
}

/** A one-member cluster is drawn as its own symbol: the image of its one kind. */
function singleImage(layers, enabled, kinds, imageOf) {
  const cases = ["case"];
  for (const layer of layers) {
    if (!enabled.has(layer.id)) continue;
    const all = layerKinds(layer);
    const shown = all.length ? [...(kinds.get(layer.id) || [])] : [null];
    for (const kind of shown) {
      const key = kind === null ? layer.id : `${layer.id}.${kind}`;
      cases.push([">", ["coalesce", ["get", key], 0], 0], imageOf(layer, kind));
    }
  }
  cases.push("");
  return cases.length > 2 ? cases : "";
}

function radius(total, scale) {
  return ["step", total, 13 * scale, 10, 16 * scale, 50, 20 * scale, 200, 24 * scale];
}

/** The three style layers that draw the clusters (count badges and lone symbols). */
export function clusterLayers({ layers, enabled, kinds, below, font, imageOf }) {
  const total = clusterTotal(layers, enabled, kinds);
  const scale = displayScale();
  const base = { source: "machimap", "source-layer": SOURCE_LAYER, maxzoom: below };
  return [
    {
      id: `${CLUSTERS}-circle`,
      type: "circle",
      ...base,
      filter: [">", total, 1],
      paint: {
        "circle-radius": radius(total, scale),
        "circle-color": "#ffffff",
        "circle-stroke-color": "#1a1a1a",
        "circle-stroke-width": 2.5,
      },
    },
    {
      id: `${CLUSTERS}-count`,
      type: "symbol",
      ...base,
      filter: [">", total, 1],
      layout: {
        "text-field": ["to-string", total],
        "text-font": font,
        "text-size": 14 * scale,
        "text-allow-overlap": true,
        "text-ignore-placement": true,
      },
      paint: { "text-color": "#1a1a1a" },
    },
    {
      id: `${CLUSTERS}-one`,
      type: "symbol",
      ...base,
      filter: ["==", total, 1],
      layout: {
        "icon-image": singleImage(layers, enabled, kinds, imageOf),
        "icon-size": 0.8 * scale,
        "icon-allow-overlap": true,
        "icon-ignore-placement": true,
      },
    },
  ];
}

/** Brings the clusters in line with the layers and kinds shown (and the text size). */
export function updateClusters(map, { layers, enabled, kinds, imageOf }) {
  if (!map.getLayer(`${CLUSTERS}-circle`)) return;
  const total = clusterTotal(layers, enabled, kinds);
  const scale = displayScale();
  map.setFilter(`${CLUSTERS}-circle`, [">", total, 1]);
  map.setPaintProperty(`${CLUSTERS}-circle`, "circle-radius", radius(total, scale));
  map.setFilter(`${CLUSTERS}-count`, [">", total, 1]);
  map.setLayoutProperty(`${CLUSTERS}-count`, "text-field", ["to-string", total]);
  map.setLayoutProperty(`${CLUSTERS}-count`, "text-size", 14 * scale);
  map.setFilter(`${CLUSTERS}-one`, ["==", total, 1]);
  map.setLayoutProperty(`${CLUSTERS}-one`, "icon-image", singleImage(layers, enabled, kinds, imageOf));
  map.setLayoutProperty(`${CLUSTERS}-one`, "icon-size", 0.8 * scale);
}

/** The tile URLs of the map's source, clustered or every point (a disaster's few sites). */
export function clusteredTiles(tiles, clustered) {
  return tiles.map((url) => {
    const plain = url.replace(/[?&]clusters=true$/, "");
    return clustered ? `${plain}${plain.includes("?") ? "&" : "?"}clusters=true` : plain;
  });
}
