// The queue's map: the server's style with 地理院タイル, the city's other layers hidden
// except the district lines and names (for orientation), and the queue drawn as category symbols that
// differ in shape and colour. One map is kept for the visit, so it stays where the person
// left it between the queue and a report; the list beside it says the same in words.
import * as maplibregl from "maplibre-gl";
import "maplibre-gl/dist/maplibre-gl.css";
import workerUrl from "maplibre-gl/dist/maplibre-gl-worker.mjs?url";
import { BACKDROP_OPTIONS, districtsStyle } from "../common/backdrop.js";
import { BASEMAP_KINDS, chosenOrigin, setBasemap, watchBasemap } from "../common/basemap.js";
import { lang, t } from "../common/i18n.js";
import { symbolImage } from "../common/symbols.js";
import { field, h, select } from "../common/dom.js";

maplibregl.setWorkerUrl(workerUrl);

const SOURCE = "queue";
const EMPTY = { type: "FeatureCollection", features: [] };

// The map of this visit (a promise, so two renders at once never make two maps).
let pending = null;

function locale() {
  return {
    "NavigationControl.ZoomIn": t("qmap.zoom_in"),
    "NavigationControl.ZoomOut": t("qmap.zoom_out"),
    "NavigationControl.ResetBearing": t("qmap.reset_bearing"),
    "AttributionControl.ToggleAttribution": t("qmap.attribution"),
    "Map.Title": t("qmap.title"),
  };
}

async function create(slot, categories) {
  const canvas = h("div", { class: "queue-map-canvas" });
  const notice = h("p", { class: "notice map-notice", role: "status", hidden: true });
  const basemapSelect = select(
    "basemap",
    BASEMAP_KINDS.map((kind) => [kind, t(`basemap.${kind}`)]),
    "pale",
  );
  const wrapper = h(
    "div",
    { class: "queue-map" },
    canvas,
    notice,
    field(t("basemap.label"), basemapSelect, { className: "field inline" }),
  );
  // MapLibre measures its container: it must be in the document before the map exists.
  slot.append(wrapper);
  let style;
  try {
    style = await districtsStyle();
  } catch (error) {
    wrapper.remove();
    throw error;
  }
  const map = new maplibregl.Map({
    container: canvas,
    style,
    locale: locale(),
    ...BACKDROP_OPTIONS,
    cooperativeGestures: false,
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  watchBasemap(map, notice);
  basemapSelect.addEventListener("change", () =>
    setBasemap(map, chosenOrigin(style), basemapSelect.value),
  );
  const view = {
    wrapper,
    map,
    language: lang(),
    loaded: null,
    fitted: null,
    onPick: null,
    camera: null,
  };
  view.loaded = new Promise((resolve) => {
    map.on("load", () => {
      for (const category of categories) {
        const { image, pixelRatio } = symbolImage(category.symbol);
        map.addImage(`cat-${category.code}`, image, { pixelRatio });
      }
      map.addSource(SOURCE, { type: "geojson", data: EMPTY });
      map.addLayer({
        id: SOURCE,
        type: "symbol",
        source: SOURCE,
        layout: {
          "icon-image": ["concat", "cat-", ["get", "category"]],
          "icon-allow-overlap": true,
          "icon-ignore-placement": true,
        },
      });
      map.on("click", SOURCE, (event) => {
        const feature = event.features?.[0];
        if (feature && view.onPick) view.onPick(feature.properties.public_id);
      });
      map.on("mouseenter", SOURCE, () => {
        map.getCanvas().style.cursor = "pointer";
      });
      map.on("mouseleave", SOURCE, () => {
        map.getCanvas().style.cursor = "";
      });
      resolve();
    });
  });
  // Where the person left the map: detached from the page (while a report is open) the
  // map shrinks to nothing, which would lose its place.
  map.on("moveend", () => {
    if (canvas.clientWidth > 0 && canvas.clientHeight > 0) {
      view.camera = { center: map.getCenter(), zoom: map.getZoom() };
    }
  });
  return view;
}

/** Puts the queue map into slot (creating it on first use, or again after a change of
 * language, since MapLibre's own control labels are fixed when it is made). */
export async function showMap(slot, categories, onPick) {
  let view = null;
  if (pending) {
    try {
      view = await pending;
    } catch {
      pending = null; // the last attempt failed (the style could not be read): try again
    }
  }
  if (view && view.language !== lang()) {
    view.map.remove();
    view.wrapper.remove();
    pending = null;
  }
  if (!pending) pending = create(slot, categories);
  try {
    view = await pending;
  } catch (error) {
    pending = null;
    throw error;
  }
  view.onPick = onPick;
  if (view.wrapper.parentNode !== slot) slot.append(view.wrapper);
  view.map.resize();
  if (view.camera) view.map.jumpTo(view.camera);
  return view;
}

function bounds(features) {
  const b = new maplibregl.LngLatBounds();
  // Reports are mostly points; a few are lines or areas: every position counts.
  const walk = (c) => (typeof c[0] === "number" ? b.extend(c) : c.forEach(walk));
  for (const f of features) if (f.geometry?.coordinates) walk(f.geometry.coordinates);
  return b.isEmpty() ? null : b;
}

/** Draws the queue's page of reports; the view moves to them when the filters change. */
export async function showQueue(view, collection, key) {
  await view.loaded;
  const points = collection.features.filter((f) => f.geometry);
  view.map.getSource(SOURCE).setData({ type: "FeatureCollection", features: points });
  if (view.fitted === key) return;
  view.fitted = key;
  const box = bounds(points);
  if (box) view.map.fitBounds(box, { padding: 40, maxZoom: 16, duration: 0 });
}
