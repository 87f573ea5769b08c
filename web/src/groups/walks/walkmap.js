// The walk's map: the city's own tiles and style (as the safety-map editor has them) under
// the route so far, drawn one line per part so a gap stays a gap. Without the server's style
// (offline after a reload) or without the basemap, the map is a plain background with the
// route on it: still a picture of where the walk went.
import * as maplibregl from "maplibre-gl";
import "maplibre-gl/dist/maplibre-gl.css";
import workerUrl from "maplibre-gl/dist/maplibre-gl-worker.mjs?url";
import { api } from "../../common/api.js";
import { LOCAL_IDEOGRAPHS, WHOLE_TILES, watchBasemap } from "../../common/basemap.js";
import { buildStyle, provideImages } from "../../map/style.js";

maplibregl.setWorkerUrl(workerUrl);
// The map's worker is fetched by a Worker, which resource timing does not list: named here
// so the offline cache (offline.js) holds it too.
export const MAP_WORKER = workerUrl;

const ROUTE = "walk-route";
const DOTS = "walk-dots";
const HERE = "walk-here";
const REFERENCE = new Set(["district", "safety_map_feature"]);
const YAIZU = [138.3187, 34.8669];
const empty = () => ({ type: "FeatureCollection", features: [] });

function plainStyle() {
  return {
    version: 8,
    sources: {},
    layers: [{ id: "background", type: "background", paint: { "background-color": "#f4f3ef" } }],
    center: YAIZU,
    zoom: 15,
  };
}

async function cityStyle() {
  if (!navigator.onLine) throw new Error("offline");
  const [serverStyle, { layers }] = await Promise.all([api.get("/tiles/style.json"), api.get("/api/layers")]);
  const published = new Set(serverStyle.metadata?.["machimap:layers"] || []);
  const shown = layers.filter((l) => published.has(l.id));
  return buildStyle(serverStyle, {
    layers: shown,
    enabled: new Set(shown.filter((l) => REFERENCE.has(l.id)).map((l) => l.id)),
    basemap: "pale",
    clustered: false,
  });
}

function routeLayers() {
  return [
    {
      id: `${ROUTE}-casing`,
      type: "line",
      source: ROUTE,
      layout: { "line-cap": "round", "line-join": "round" },
      paint: { "line-color": "#ffffff", "line-width": 9 },
    },
    {
      id: `${ROUTE}-line`,
      type: "line",
      source: ROUTE,
      layout: { "line-cap": "round", "line-join": "round" },
      paint: { "line-color": "#005a9c", "line-width": 5 },
    },
    {
      id: `${DOTS}-circle`,
      type: "circle",
      source: DOTS,
      paint: { "circle-radius": 5, "circle-color": "#005a9c", "circle-stroke-color": "#ffffff", "circle-stroke-width": 2 },
    },
    {
      id: `${HERE}-circle`,
      type: "circle",
      source: HERE,
      paint: {
        "circle-radius": 9,
        "circle-color": "#ffbf47",
        "circle-stroke-color": "#1a1a1a",
        "circle-stroke-width": 3,
      },
    },
  ];
}

export class WalkMap {
  constructor(container, { label, onBasemapFailed }) {
    this.container = container;
    this.label = label;
    this.onBasemapFailed = onBasemapFailed;
    this.map = null;
    this.pending = null;
    this.followed = false;
  }

  async start() {
    if (!navigator.onLine) {
      // A Worker's own script request does not always pass through the page's service
      // worker: offline, the map's worker is made from the copy the page itself can fetch.
      try {
        const script = await (await fetch(workerUrl)).blob();
        maplibregl.setWorkerUrl(URL.createObjectURL(new Blob([script], { type: "text/javascript" })));
      } catch {
        // No copy: the map fails to start and says so; recording goes on.
      }
    }
    let style;
    try {
      style = await cityStyle();
    } catch {
      style = plainStyle(); // offline: the route on a plain background
      this.plain = true;
    }
    style.sources[ROUTE] = { type: "geojson", data: empty() };
    style.sources[DOTS] = { type: "geojson", data: empty() };
    style.sources[HERE] = { type: "geojson", data: empty() };
    style.layers.push(...routeLayers());
    this.map = new maplibregl.Map({
      container: this.container,
      style,
      center: style.center || YAIZU,
      zoom: 16,
      attributionControl: false,
      localIdeographFontFamily: LOCAL_IDEOGRAPHS,
      ...WHOLE_TILES,
      locale: { "Map.Title": this.label },
      maxZoom: 19,
      dragRotate: false,
      pitchWithRotate: false,
      touchPitch: false,
    });
    this.map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
    if (!this.plain) {
      this.map.addControl(new maplibregl.AttributionControl({ compact: true }), "bottom-right");
      provideImages(this.map);
      watchBasemap(this.map, null);
    }
    this.map.addControl(new maplibregl.ScaleControl(), "bottom-left");
    await new Promise((resolve) => this.map.once("load", resolve));
    // On a phone the credits start folded (the ⓘ button opens them): the route comes first.
    const credits = this.container.querySelector(".maplibregl-ctrl-attrib");
    credits?.classList.remove("maplibregl-compact-show");
    credits?.removeAttribute("open");
    if (this.pending) this.show(...this.pending);
  }

  /** The parts so far ([[lon, lat], …] each) and where the walker is now. */
  show(parts, here) {
    if (!this.map?.getSource(ROUTE)) {
      this.pending = [parts, here];
      return;
    }
    const lines = parts.filter((p) => p.length >= 2);
    const dots = parts.filter((p) => p.length === 1).map((p) => p[0]);
    this.map.getSource(ROUTE).setData({
      type: "FeatureCollection",
      features: lines.length
        ? [{ type: "Feature", properties: {}, geometry: { type: "MultiLineString", coordinates: lines } }]
        : [],
    });
    this.map.getSource(DOTS).setData({
      type: "FeatureCollection",
      features: dots.map((c) => ({ type: "Feature", properties: {}, geometry: { type: "Point", coordinates: c } })),
    });
    this.map.getSource(HERE).setData(
      here
        ? { type: "FeatureCollection", features: [{ type: "Feature", properties: {}, geometry: { type: "Point", coordinates: here } }] }
        : empty(),
    );
    if (here) {
      // The first fix brings the map to the walker; later ones only when they walk off it.
      const off = !this.map.getBounds().contains(here);
      if (!this.followed) this.map.jumpTo({ center: here, zoom: 17 });
      else if (off) this.map.easeTo({ center: here });
      this.followed = true;
    }
  }
}
