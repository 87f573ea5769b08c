// The board's map: the city's style with its own layers hidden but the district lines (for
// orientation), each subject a circle in its status's colour (Okabe–Ito, told apart without
// colour too: the table beside it says the same in words). Selecting one opens its row.
import * as maplibregl from "maplibre-gl";
import "maplibre-gl/dist/maplibre-gl.css";
import workerUrl from "maplibre-gl/dist/maplibre-gl-worker.mjs?url";
import { backdropMap } from "../../common/backdrop.js";
import { h } from "../../common/dom.js";
import { t } from "../../common/i18n.js";

maplibregl.setWorkerUrl(workerUrl);

export const STATUS_COLOURS = {
  overdue: "#d55e00",
  due_soon: "#e69f00",
  never: "#cc79a7",
  ok: "#009e73",
};
const SOURCE = "inspections-due";

/** A map in `slot`: {show(collection)}; `onPick(properties)` when a subject is selected. */
export async function dueMap(slot, { onPick }) {
  const canvas = h("div", { class: "due-map-canvas", role: "region", "aria-label": t("insp.map_title") });
  const notice = h("p", { class: "notice map-notice", role: "status", hidden: true });
  slot.append(canvas, notice);
  const map = await backdropMap(maplibregl, canvas, notice);
  map.addSource(SOURCE, { type: "geojson", data: { type: "FeatureCollection", features: [] } });
  map.addLayer({
    id: SOURCE,
    type: "circle",
    source: SOURCE,
    paint: {
      "circle-radius": 7,
      "circle-color": [
        "match",
        ["get", "status"],
        ...Object.entries(STATUS_COLOURS).flat(),
        "#555555",
      ],
      "circle-stroke-color": "#ffffff",
      "circle-stroke-width": 2,
    },
  });
  map.on("click", SOURCE, (event) => {
    const hit = event.features?.[0];
    if (hit) onPick(hit.properties);
  });
  map.on("mouseenter", SOURCE, () => (map.getCanvas().style.cursor = "pointer"));
  map.on("mouseleave", SOURCE, () => (map.getCanvas().style.cursor = ""));
  return {
    map,
    show(collection) {
      // MapLibre keeps flat properties: the subject's layer and id are what a pick needs.
      const features = (collection.features || [])
        .filter((f) => f.geometry)
        .map((f) => ({
          type: "Feature",
          geometry: f.geometry,
          properties: {
            status: f.properties.status,
            layer: f.properties.subject?.layer,
            id: f.properties.subject?.id,
            kind: f.properties.kind?.code,
          },
        }));
      map.getSource(SOURCE).setData({ type: "FeatureCollection", features });
      canvas.dataset.markers = String(features.length);
      const box = new maplibregl.LngLatBounds();
      const walk = (c) => (typeof c[0] === "number" ? box.extend(c) : c.forEach(walk));
      for (const f of features) walk(f.geometry.coordinates);
      if (!box.isEmpty()) map.fitBounds(box, { padding: 40, maxZoom: 16, duration: 0 });
    },
  };
}
