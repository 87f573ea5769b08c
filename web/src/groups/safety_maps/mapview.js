// The map of a safety map: the city's own tiles and style as reference (districts, school
// districts, facilities and the other published maps' places, as on the public map) and
// this map's places drawn on top with the one symbol table, each with its number.
// Drawing (points, lines, areas), moving and the keyboard crosshair live here too: a
// person who cannot tap moves the map with the arrow keys and presses Enter.
import * as maplibregl from "maplibre-gl";
import "maplibre-gl/dist/maplibre-gl.css";
import workerUrl from "maplibre-gl/dist/maplibre-gl-worker.mjs?url";
import { api } from "../../common/api.js";
import { LOCAL_IDEOGRAPHS, WHOLE_TILES, watchBasemap } from "../../common/basemap.js";
import { symbolImage } from "../../common/symbols.js";
import { t } from "../../common/i18n.js";
import { buildStyle, geometryBounds, provideImages } from "../../map/style.js";
import { ALL_KINDS, symbolFor } from "./kinds.js";

maplibregl.setWorkerUrl(workerUrl);

const REFERENCE = new Set(["district", "school_district", "facility", "safety_map_feature"]);
const PLACES = "sm-places";
const MARKERS = "sm-markers";
const DRAFT = "sm-draft";
const CLICKABLE = [`${MARKERS}-symbol`, `${PLACES}-line`, `${PLACES}-fill`];
const empty = () => ({ type: "FeatureCollection", features: [] });

function kindColor() {
  const match = ["match", ["get", "kind"]];
  for (const kind of ALL_KINDS) match.push(kind, symbolFor(kind).color);
  match.push("#000000");
  return match;
}

/** Where a place's symbol and number stand: the point, a line's middle vertex, an area's
 * mean vertex (good enough for the small areas of a walk). */
export function anchorOf(geometry) {
  if (!geometry) return null;
  if (geometry.type === "Point") return geometry.coordinates;
  if (geometry.type === "LineString") return geometry.coordinates[Math.floor(geometry.coordinates.length / 2)];
  if (geometry.type === "Polygon") {
    const ring = geometry.coordinates[0].slice(0, -1);
    const sum = ring.reduce((a, c) => [a[0] + c[0], a[1] + c[1]], [0, 0]);
    return [sum[0] / ring.length, sum[1] / ring.length];
  }
  const box = geometryBounds(geometry);
  return box ? [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2] : null;
}

/** Every coordinate of a geometry moved by [dLng, dLat]. */
export function shifted(geometry, [dx, dy]) {
  const walk = (c) => (typeof c[0] === "number" ? [c[0] + dx, c[1] + dy] : c.map(walk));
  return { ...geometry, coordinates: walk(geometry.coordinates) };
}

/** A drawing in progress as the geometry it will be, or null while it is too short. */
export function drawnGeometry(drawing) {
  const c = drawing?.coords ?? [];
  if (drawing?.type === "Point") return c.length ? { type: "Point", coordinates: c[0] } : null;
  if (drawing?.type === "LineString") return c.length >= 2 ? { type: "LineString", coordinates: c } : null;
  if (drawing?.type === "Polygon")
    return c.length >= 3 ? { type: "Polygon", coordinates: [[...c, c[0]]] } : null;
  return null;
}

function placeLayers(font) {
  return [
    {
      id: `${PLACES}-fill`,
      type: "fill",
      source: PLACES,
      filter: ["==", ["geometry-type"], "Polygon"],
      paint: { "fill-color": kindColor(), "fill-opacity": 0.25 },
    },
    {
      id: `${PLACES}-casing`,
      type: "line",
      source: PLACES,
      filter: ["!=", ["geometry-type"], "Point"],
      paint: {
        "line-color": ["case", ["boolean", ["get", "selected"], false], "#1a1a1a", "#ffffff"],
        "line-width": ["case", ["boolean", ["get", "selected"], false], 9, 6],
      },
    },
    {
      id: `${PLACES}-line`,
      type: "line",
      source: PLACES,
      filter: ["!=", ["geometry-type"], "Point"],
      paint: { "line-color": kindColor(), "line-width": 3.5 },
    },
    {
      id: `${MARKERS}-selected`,
      type: "circle",
      source: MARKERS,
      filter: ["boolean", ["get", "selected"], false],
      paint: {
        "circle-radius": 20,
        "circle-color": "rgba(255, 191, 71, 0.35)",
        "circle-stroke-color": "#1a1a1a",
        "circle-stroke-width": 3,
      },
    },
    {
      id: `${MARKERS}-symbol`,
      type: "symbol",
      source: MARKERS,
      layout: {
        "icon-image": ["concat", "sm-kind-", ["get", "kind"]],
        "icon-allow-overlap": true,
        "icon-ignore-placement": true,
        "text-field": ["to-string", ["get", "number"]],
        "text-font": font,
        "text-size": 14,
        "text-anchor": "left",
        "text-offset": [0.9, -0.8],
        "text-allow-overlap": true,
        "text-ignore-placement": true,
      },
      paint: { "text-color": "#1a1a1a", "text-halo-color": "#ffffff", "text-halo-width": 2.5 },
    },
    {
      id: `${DRAFT}-line`,
      type: "line",
      source: DRAFT,
      filter: ["!=", ["geometry-type"], "Point"],
      paint: { "line-color": "#1a1a1a", "line-width": 3, "line-dasharray": [2, 1] },
    },
    {
      id: `${DRAFT}-point`,
      type: "circle",
      source: DRAFT,
      filter: ["==", ["geometry-type"], "Point"],
      paint: {
        "circle-radius": 7,
        "circle-color": "#ffbf47",
        "circle-stroke-color": "#1a1a1a",
        "circle-stroke-width": 2.5,
      },
    },
  ];
}

export class PlaceMap {
  constructor(container, { mapId, onSelect, onTap, onDrag, mapLabel }) {
    this.container = container;
    this.mapId = mapId;
    this.onSelect = onSelect;
    this.onTap = onTap; // a tap while drawing: [lng, lat]
    this.onDrag = onDrag; // a drag while moving: [dLng, dLat]
    this.mapLabel = mapLabel;
    this.map = null;
    this.ready = null;
    this.drawingActive = false;
    this.movingActive = false;
  }

  async start(bbox) {
    const [serverStyle, { layers }] = await Promise.all([
      api.get("/tiles/style.json"),
      api.get("/api/layers"),
    ]);
    const published = new Set(serverStyle.metadata?.["machimap:layers"] || []);
    const shown = layers.filter((l) => published.has(l.id));
    // This map's own places come from the map's answer (drafts too), never twice.
    const notThisMap = ["!=", ["to-number", ["get", "safety_map_id"], -1], this.mapId];
    const style = buildStyle(serverStyle, {
      layers: shown,
      enabled: new Set(shown.filter((l) => REFERENCE.has(l.id)).map((l) => l.id)),
      basemap: "pale",
      extra: new Map([["safety_map_feature", notThisMap]]),
      clustered: false,
    });
    // The reference is drawn paler, so this map's own places stand out.
    for (const layer of style.layers) {
      if (layer.type === "symbol" && layer.source?.startsWith("machimap") && layer.layout?.["icon-image"])
        layer.paint = { ...layer.paint, "icon-opacity": 0.55 };
    }
    const font = style.layers.find((l) => l.layout?.["text-font"])?.layout["text-font"] ?? [];
    style.sources[PLACES] = { type: "geojson", data: empty() };
    style.sources[MARKERS] = { type: "geojson", data: empty() };
    style.sources[DRAFT] = { type: "geojson", data: empty() };
    style.layers.push(...placeLayers(font));
    const bounds = bbox && bbox.every(Number.isFinite) ? [[bbox[0], bbox[1]], [bbox[2], bbox[3]]] : null;
    this.map = new maplibregl.Map({
      container: this.container,
      style,
      attributionControl: false,
      localIdeographFontFamily: LOCAL_IDEOGRAPHS,
      ...WHOLE_TILES,
      locale: { "Map.Title": this.mapLabel },
      maxZoom: 19,
      dragRotate: false,
      pitchWithRotate: false,
      touchPitch: false,
      ...(bounds
        ? { bounds, fitBoundsOptions: { padding: 40, maxZoom: 17 } }
        : { center: style.center, zoom: Math.max(style.zoom ?? 13, 13) }),
    });
    this.map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
    this.map.addControl(new maplibregl.AttributionControl({ compact: true }), "bottom-right");
    this.map.addControl(new maplibregl.ScaleControl(), "bottom-left");
    provideImages(this.map);
    watchBasemap(this.map, null);
    for (const kind of ALL_KINDS) {
      const { image, pixelRatio } = symbolImage(symbolFor(kind), 26);
      this.map.addImage(`sm-kind-${kind}`, image, { pixelRatio });
    }
    this.wire();
    this.ready = new Promise((resolve) => this.map.once("load", resolve));
    await this.ready;
  }

  wire() {
    const map = this.map;
    map.on("click", (event) => {
      if (this.movingActive) return;
      if (this.drawingActive) {
        this.onTap([event.lngLat.lng, event.lngLat.lat]);
        return;
      }
      const hit = map.queryRenderedFeatures(event.point, { layers: CLICKABLE })[0];
      if (hit) this.onSelect(Number(hit.properties.id), { fromMap: true });
    });
    for (const layer of CLICKABLE) {
      map.on("mouseenter", layer, () => (map.getCanvas().style.cursor = "pointer"));
      map.on("mouseleave", layer, () => (map.getCanvas().style.cursor = ""));
    }
    // Moving a place: a drag anywhere on the map carries it along (the map itself stays).
    let last = null;
    const down = (event) => {
      if (!this.movingActive) return;
      event.preventDefault();
      last = event.lngLat;
    };
    const move = (event) => {
      if (!this.movingActive || !last) return;
      const delta = [event.lngLat.lng - last.lng, event.lngLat.lat - last.lat];
      last = event.lngLat;
      this.onDrag(delta);
    };
    const up = () => (last = null);
    map.on("mousedown", down);
    map.on("touchstart", down);
    map.on("mousemove", move);
    map.on("touchmove", move);
    map.on("mouseup", up);
    map.on("touchend", up);
    // The keyboard's tap: Enter on the focused map puts a point at the crosshair.
    map.getCanvas().addEventListener("keydown", (event) => {
      if (event.key === "Enter" && this.drawingActive) {
        event.preventDefault();
        this.onTap(this.centre());
      }
    });
  }

  centre() {
    const c = this.map.getCenter();
    return [c.lng, c.lat];
  }

  /** A nudge of a few screen pixels, as [dLng, dLat] at the map's centre. */
  nudge(dxPixels, dyPixels) {
    const c = this.map.project(this.map.getCenter());
    const to = this.map.unproject([c.x + dxPixels, c.y + dyPixels]);
    const from = this.map.getCenter();
    return [to.lng - from.lng, to.lat - from.lat];
  }

  setPlaces(features, selected) {
    if (!this.map) return;
    const places = [];
    const markers = [];
    for (const f of features) {
      const props = { id: f.id, kind: f.properties.kind, number: f.properties.number, selected: f.id === selected };
      if (f.geometry.type !== "Point") places.push({ type: "Feature", geometry: f.geometry, properties: props });
      const at = anchorOf(f.geometry);
      if (at) markers.push({ type: "Feature", geometry: { type: "Point", coordinates: at }, properties: props });
    }
    this.map.getSource(PLACES).setData({ type: "FeatureCollection", features: places });
    this.map.getSource(MARKERS).setData({ type: "FeatureCollection", features: markers });
  }

  /** The drawing in progress or the place being moved: its line and vertices. */
  setDraft(geometry, vertices = []) {
    if (!this.map) return;
    const out = vertices.map((c) => ({ type: "Feature", geometry: { type: "Point", coordinates: c }, properties: {} }));
    if (geometry && geometry.type !== "Point") out.unshift({ type: "Feature", geometry, properties: {} });
    if (geometry?.type === "Point") out.push({ type: "Feature", geometry, properties: {} });
    this.map.getSource(DRAFT).setData({ type: "FeatureCollection", features: out });
  }

  setDrawing(active) {
    this.drawingActive = active;
    this.map?.getCanvas().classList.toggle("is-drawing", active);
  }

  setMoving(active) {
    this.movingActive = active;
    if (!this.map) return;
    if (active) this.map.dragPan.disable();
    else this.map.dragPan.enable();
  }

  show(geometry) {
    const box = geometryBounds(geometry);
    if (!box || !this.map) return;
    if (box[0] === box[2] && box[1] === box[3])
      this.map.easeTo({ center: [box[0], box[1]], zoom: Math.max(this.map.getZoom(), 16) });
    else this.map.fitBounds([[box[0], box[1]], [box[2], box[3]]], { padding: 60, maxZoom: 17 });
  }

  /** The whole map's places in view ([w, s, e, n]). */
  showBox(bbox) {
    if (!this.map || !bbox || !bbox.every(Number.isFinite)) return;
    this.map.fitBounds([[bbox[0], bbox[1]], [bbox[2], bbox[3]]], { padding: 40, maxZoom: 17 });
  }

  focus() {
    this.map?.getCanvas().focus();
  }
}

export function mapHint(drawing) {
  if (!drawing) return "";
  return t(`sm.draw_hint_${drawing.type}`);
}
