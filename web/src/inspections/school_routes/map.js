// The sites on a map: the server's style with 地理院タイル, the city's own layers hidden but
// the district lines (for orientation), each site a numbered circle (a stretch of road also
// as its line), in vermillion while a measure is open and green once every one is settled.
import * as maplibregl from "maplibre-gl";
import "maplibre-gl/dist/maplibre-gl.css";
import workerUrl from "maplibre-gl/dist/maplibre-gl-worker.mjs?url";
import { api } from "../../common/api.js";
import { LOCAL_IDEOGRAPHS, WHOLE_TILES, watchBasemap, withBasemap } from "../../common/basemap.js";
import { h } from "../../common/dom.js";
import { t } from "../../common/i18n.js";
import "./school-routes.css";

maplibregl.setWorkerUrl(workerUrl);

const SOURCE = "school-route-sites";
const OPEN = "#d55e00";
const SETTLED = "#009e73";
const KEPT = (layer) => layer.id.startsWith("district-");

/** Whether every measure recorded for the site is done or decided against. */
export function settled(properties) {
  const statuses = Object.values(properties.measures)
    .map((m) => m.status)
    .filter(Boolean);
  return statuses.length > 0 && statuses.every((s) => s === "done" || s === "not_done");
}

function asMapData(collection) {
  return {
    type: "FeatureCollection",
    features: collection.features.map((f) => ({
      type: "Feature",
      id: f.id,
      geometry: f.geometry,
      properties: {
        id: f.id,
        number: f.properties.number,
        colour: settled(f.properties) ? SETTLED : OPEN,
        lon: f.properties.lon,
        lat: f.properties.lat,
      },
    })),
  };
}

function anchors(data) {
  return {
    type: "FeatureCollection",
    features: data.features.map((f) => ({
      type: "Feature",
      id: f.id,
      geometry: { type: "Point", coordinates: [f.properties.lon, f.properties.lat] },
      properties: f.properties,
    })),
  };
}

/** A map in `slot`; `onPick(id)` when a site is chosen, `onPlace(lon, lat)` elsewhere. */
export async function sitesMap(slot, { onPick, onPlace }) {
  const canvas = h("div", { class: "sr-map-canvas", role: "region", "aria-label": t("sr.map_title") });
  const notice = h("p", { class: "notice map-notice", role: "status", hidden: true });
  slot.append(canvas, notice);
  const style = withBasemap(await api.get("/tiles/style.json"), "pale");
  for (const layer of style.layers) {
    if (layer.source && layer.source !== "basemap" && !KEPT(layer)) {
      layer.layout = { ...(layer.layout || {}), visibility: "none" };
    }
  }
  const map = new maplibregl.Map({
    container: canvas,
    style,
    attributionControl: { compact: true },
    localIdeographFontFamily: LOCAL_IDEOGRAPHS,
    ...WHOLE_TILES,
    maxZoom: 19,
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  watchBasemap(map, notice);
  const loaded = new Promise((resolve) => map.on("load", resolve));
  await loaded;
  const empty = { type: "FeatureCollection", features: [] };
  map.addSource(SOURCE, { type: "geojson", data: empty });
  map.addSource(`${SOURCE}-points`, { type: "geojson", data: empty });
  map.addSource("sr-draft", { type: "geojson", data: empty });
  map.addLayer({
    id: `${SOURCE}-lines`,
    type: "line",
    source: SOURCE,
    filter: ["!=", ["geometry-type"], "Point"],
    paint: { "line-color": ["get", "colour"], "line-width": 5, "line-opacity": 0.85 },
  });
  map.addLayer({
    id: `${SOURCE}-circles`,
    type: "circle",
    source: `${SOURCE}-points`,
    paint: {
      "circle-radius": 11,
      "circle-color": ["get", "colour"],
      "circle-stroke-color": "#ffffff",
      "circle-stroke-width": 2,
    },
  });
  map.addLayer({
    id: `${SOURCE}-numbers`,
    type: "symbol",
    source: `${SOURCE}-points`,
    layout: {
      "text-field": ["get", "number"],
      "text-size": 12,
      "text-font": style.layers.find((l) => l.layout?.["text-font"])?.layout["text-font"] || [
        "BIZ UDPGothic Bold",
      ],
      "text-allow-overlap": true,
      "icon-allow-overlap": true,
    },
    // A halo of the circle's colour widens it into a pill for a longer number.
    paint: { "text-color": "#ffffff", "text-halo-color": ["get", "colour"], "text-halo-width": 4 },
  });
  map.addLayer({
    id: "sr-draft",
    type: "circle",
    source: "sr-draft",
    paint: {
      "circle-radius": 8,
      "circle-color": "#0072b2",
      "circle-stroke-color": "#ffffff",
      "circle-stroke-width": 2,
    },
  });
  map.on("click", (event) => {
    const hit = map.queryRenderedFeatures(event.point, {
      layers: [`${SOURCE}-circles`, `${SOURCE}-lines`],
    })[0];
    if (hit) onPick(hit.properties.id);
    else onPlace(event.lngLat.lng, event.lngLat.lat);
  });
  for (const layer of [`${SOURCE}-circles`, `${SOURCE}-lines`]) {
    map.on("mouseenter", layer, () => (map.getCanvas().style.cursor = "pointer"));
    map.on("mouseleave", layer, () => (map.getCanvas().style.cursor = ""));
  }
  return {
    map,
    show(collection) {
      const data = asMapData(collection);
      map.getSource(SOURCE).setData(data);
      map.getSource(`${SOURCE}-points`).setData(anchors(data));
      const box = new maplibregl.LngLatBounds();
      const walk = (c) => (typeof c[0] === "number" ? box.extend(c) : c.forEach(walk));
      for (const f of data.features) walk(f.geometry.coordinates);
      if (!box.isEmpty()) map.fitBounds(box, { padding: 50, maxZoom: 17, duration: 0 });
    },
    draft(lon, lat) {
      const features =
        Number.isFinite(lon) && Number.isFinite(lat)
          ? [{ type: "Feature", geometry: { type: "Point", coordinates: [lon, lat] }, properties: {} }]
          : [];
      map.getSource("sr-draft").setData({ type: "FeatureCollection", features });
    },
  };
}
