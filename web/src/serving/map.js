// The small map of an /ogc page: a collection's extent and first features, a page of
// features, or one feature, over 地理院タイル when they load and on a plain background when
// they do not. The server hands everything over in one JSON data block (the CSP allows no
// inline script): the extent, the features (or a GeoJSON URL to fetch them from), the
// basemap origin and the URL pattern of a feature's page.
import * as maplibregl from "maplibre-gl";
import "maplibre-gl/dist/maplibre-gl.css";
// MapLibre 6 starts its worker from a URL; Vite emits the worker as a fingerprinted asset.
import workerUrl from "maplibre-gl/dist/maplibre-gl-worker.mjs?url";
import {
  BASEMAP_LAYER,
  BASEMAP_SOURCE,
  GSI_ATTRIBUTION,
  basemapTiles,
  watchBasemap,
} from "../common/basemap.js";

maplibregl.setWorkerUrl(workerUrl);

const FEATURES = "ogc-features";
const EXTENT = "ogc-extent";
// Drawn in the site's accent colour; the extent dashed so it does not read as a feature.
const ACCENT = "#005a9c";
const AREA = ["match", ["geometry-type"], ["Polygon", "MultiPolygon"], true, false];
const LINE = ["match", ["geometry-type"], ["LineString", "MultiLineString"], true, false];
const POINT = ["match", ["geometry-type"], ["Point", "MultiPoint"], true, false];
const FEATURE_LAYERS = ["ogc-area", "ogc-outline", "ogc-line", "ogc-point"];

/** The bounding box [w, s, e, n] of every coordinate in a GeoJSON value, or null. */
export function boundsOf(geojson) {
  const box = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = (coords) => {
    if (typeof coords[0] === "number") {
      box[0] = Math.min(box[0], coords[0]);
      box[1] = Math.min(box[1], coords[1]);
      box[2] = Math.max(box[2], coords[0]);
      box[3] = Math.max(box[3], coords[1]);
    } else for (const c of coords) visit(c);
  };
  const geometries = (g) =>
    g.type === "GeometryCollection" ? g.geometries.flatMap(geometries) : [g];
  for (const feature of geojson.features) {
    if (feature.geometry) for (const g of geometries(feature.geometry)) visit(g.coordinates);
  }
  return box[0] <= box[2] ? box : null;
}

function extentPolygon([w, s, e, n]) {
  return {
    type: "FeatureCollection",
    features: [
      {
        type: "Feature",
        properties: {},
        geometry: {
          type: "Polygon",
          coordinates: [
            [
              [w, s],
              [e, s],
              [e, n],
              [w, n],
              [w, s],
            ],
          ],
        },
      },
    ],
  };
}

const EMPTY = { type: "FeatureCollection", features: [] };

function style(data) {
  const sources = {
    [FEATURES]: { type: "geojson", data: EMPTY },
    [EXTENT]: { type: "geojson", data: data.extent ? extentPolygon(data.extent) : EMPTY },
  };
  const layers = [{ id: "background", type: "background", paint: { "background-color": "#f4f3ef" } }];
  if (data.basemap) {
    sources[BASEMAP_SOURCE] = {
      type: "raster",
      tiles: [basemapTiles(data.basemap, "pale")],
      tileSize: 256,
      maxzoom: 18,
      attribution: GSI_ATTRIBUTION,
    };
    layers.push({ id: BASEMAP_LAYER, type: "raster", source: BASEMAP_SOURCE });
  }
  layers.push(
    {
      id: "ogc-extent",
      type: "line",
      source: EXTENT,
      paint: { "line-color": "#555b61", "line-width": 1.5, "line-dasharray": [3, 2] },
    },
    {
      id: "ogc-area",
      type: "fill",
      source: FEATURES,
      filter: AREA,
      paint: { "fill-color": ACCENT, "fill-opacity": 0.18 },
    },
    {
      id: "ogc-outline",
      type: "line",
      source: FEATURES,
      filter: AREA,
      paint: { "line-color": ACCENT, "line-width": 1.5 },
    },
    {
      id: "ogc-line",
      type: "line",
      source: FEATURES,
      filter: LINE,
      paint: { "line-color": ACCENT, "line-width": 3 },
    },
    {
      id: "ogc-point",
      type: "circle",
      source: FEATURES,
      filter: POINT,
      paint: {
        "circle-color": ACCENT,
        "circle-radius": 6,
        "circle-stroke-color": "#ffffff",
        "circle-stroke-width": 2,
      },
    },
  );
  return { version: 8, sources, layers };
}

async function features(data) {
  if (data.features) return data.features;
  if (!data.url) return EMPTY;
  const response = await fetch(data.url, { headers: { Accept: "application/geo+json" } });
  if (!response.ok) throw new Error(`${data.url}: ${response.status}`);
  return response.json();
}

/** Counts the features drawn (not their tiles' pieces): what the browser tests read. */
function renderedCount(map) {
  const ids = new Set();
  for (const f of map.queryRenderedFeatures({ layers: FEATURE_LAYERS })) ids.add(f.id ?? f);
  return ids.size;
}

/** Starts the map in `container` from `data`; `say` shows a message under it. */
export function startMap(container, data, { locale, say, messages }) {
  let map;
  try {
    map = new maplibregl.Map({
      container,
      style: style(data),
      bounds: data.extent ?? undefined,
      fitBoundsOptions: { padding: 24, maxZoom: 16 },
      attributionControl: { compact: true },
      locale,
      maxZoom: 19,
      // On a page that scrolls, one finger (or the wheel) scrolls the page, not the map.
      cooperativeGestures: true,
      dragRotate: false,
      pitchWithRotate: false,
      touchPitch: false,
    });
  } catch {
    container.dataset.state = "no-webgl";
    say(messages["ogc.no_webgl"]);
    return null;
  }
  map.touchZoomRotate.disableRotation();
  map.keyboard.disableRotation();
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  if (data.basemap) watchBasemap(map, null);

  // A click on a feature opens its page (the table has the same links for keyboards).
  if (data.item) {
    for (const layer of FEATURE_LAYERS) {
      map.on("click", layer, (event) => {
        const id = event.features?.[0]?.id;
        if (id !== undefined) location.assign(data.item.replace("{id}", encodeURIComponent(id)));
      });
      map.on("mouseenter", layer, () => map.getCanvas().classList.add("is-pointing"));
      map.on("mouseleave", layer, () => map.getCanvas().classList.remove("is-pointing"));
    }
  }

  map.on("load", async () => {
    let geojson;
    try {
      geojson = await features(data);
    } catch (error) {
      console.warn(error);
      container.dataset.state = "failed";
      say(messages["ogc.load_failed"]);
      return;
    }
    map.getSource(FEATURES).setData(geojson);
    const bounds = boundsOf(geojson) ?? data.extent;
    if (bounds) map.fitBounds(bounds, { padding: 24, maxZoom: 16, animate: false });
    if (!boundsOf(geojson) && !data.extent) say(messages["ogc.nothing"]);
    map.once("idle", () => {
      container.dataset.renderedFeatures = String(renderedCount(map));
      container.dataset.state = "ready";
    });
  });
  // watchBasemap hides the raster after a few failed tiles; say so once it has.
  let told = false;
  map.on("idle", () => {
    if (told || !data.basemap || map.getLayoutProperty(BASEMAP_LAYER, "visibility") !== "none")
      return;
    told = true;
    say(messages["ogc.basemap_unavailable"]);
  });
  return map;
}
