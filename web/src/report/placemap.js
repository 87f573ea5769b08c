// The small map of the place step: tap to put the pin, drag it to move it, or pan with the
// keyboard and put it at the centre. It shows only district lines and the public reports,
// so the pin stays the thing to look at. The map is made once and moved between renders
// (a language switch re-renders the step) so tiles are not fetched again.
import * as maplibregl from "maplibre-gl";
import "maplibre-gl/dist/maplibre-gl.css";
import workerUrl from "maplibre-gl/dist/maplibre-gl-worker.mjs?url";
import { api, NetworkError } from "../common/api.js";
import { LOCAL_IDEOGRAPHS, watchBasemap, withBasemap } from "../common/basemap.js";
import { t } from "../common/i18n.js";
import { h } from "../common/dom.js";

maplibregl.setWorkerUrl(workerUrl);

const KEPT_LAYERS = /^(background|basemap|district-line|report-circle)$/;
const CLOSE_ZOOM = 17;

function mapLocale() {
  return {
    "Map.Title": t("place.map_title"),
    "Marker.Title": t("place.marker"),
    "NavigationControl.ZoomIn": t("place.zoom_in"),
    "NavigationControl.ZoomOut": t("place.zoom_out"),
    "NavigationControl.ResetBearing": t("place.reset_bearing"),
    "AttributionControl.ToggleAttribution": t("place.attribution"),
  };
}

export class PlaceMap {
  /** onPick({lat, lon}) is called when the person puts or drags the pin. */
  constructor(onPick) {
    this.onPick = onPick;
    this.host = h("div", { class: "place-map" });
    this.notice = h("p", { class: "notice map-notice", role: "status", hidden: true });
    this.wrap = h("div", { class: "place-map-wrap" }, this.host, this.notice);
    this.map = null;
    this.marker = null;
    this.failed = false;
    this.pending = null;
  }

  /** Puts the map into slot (creating it the first time) showing point, if any. */
  async mount(slot, point) {
    slot.append(this.wrap);
    if (this.map) {
      this.map.resize();
      if (point) this.show(point, { move: false });
      return;
    }
    if (this.failed || this.creating) return;
    this.creating = true;
    try {
      const style = await api.get("/tiles/style.json");
      const kept = withBasemap(style, "pale");
      kept.layers = kept.layers.filter((layer) => KEPT_LAYERS.test(layer.id));
      const at = point || this.pending;
      this.map = new maplibregl.Map({
        container: this.host,
        style: kept,
        center: at ? [at.lon, at.lat] : style.center,
        zoom: at ? CLOSE_ZOOM : style.zoom,
        maxZoom: 19,
        attributionControl: { compact: true },
        localIdeographFontFamily: LOCAL_IDEOGRAPHS,
        locale: mapLocale(),
        dragRotate: false,
        pitchWithRotate: false,
        touchPitch: false,
      });
      this.map.touchZoomRotate.disableRotation();
      this.map.keyboard.disableRotation();
      this.map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
      watchBasemap(this.map, this.notice);
      this.map.on("click", (event) => this.pick(event.lngLat));
      this.map.once("load", () => this.host.setAttribute("data-ready", "true"));
      this.failed = false;
      this.notice.hidden = true;
      this.host.hidden = false;
      if (at) this.show(at, { move: false });
    } catch (error) {
      // Offline, or a browser without WebGL: the place search and GPS still work, so the
      // step says so instead of failing. Without a connection it is tried again next time.
      this.failed = !(error instanceof NetworkError);
      this.notice.textContent = t("place.map_unavailable");
      this.notice.hidden = false;
      this.host.hidden = true;
    } finally {
      this.creating = false;
    }
  }

  pick(lngLat) {
    const point = { lat: lngLat.lat, lon: lngLat.lng };
    this.show(point, { move: false });
    // A tap on the whole city is only roughly right: come closer so the pin can be dragged
    // to the exact spot.
    if (this.map.getZoom() < CLOSE_ZOOM - 2) {
      const reduce = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
      this.map.easeTo({ center: lngLat, zoom: CLOSE_ZOOM - 1, duration: reduce ? 0 : 600 });
    }
    this.onPick(point);
  }

  /** Puts the pin at the map's centre (for keyboard users, who pan with the arrow keys). */
  pinAtCentre() {
    if (!this.map) return;
    this.pick(this.map.getCenter());
  }

  nudge(event) {
    const step = event.shiftKey ? 40 : 8;
    const moves = { ArrowUp: [0, -step], ArrowDown: [0, step], ArrowLeft: [-step, 0], ArrowRight: [step, 0] };
    const move = moves[event.key];
    if (!move || !this.map) return;
    event.preventDefault();
    event.stopPropagation();
    const at = this.map.project(this.marker.getLngLat());
    const to = this.map.unproject([at.x + move[0], at.y + move[1]]);
    this.marker.setLngLat(to);
    this.onPick({ lat: to.lat, lon: to.lng });
  }

  /** Forgets the pin (a new report starts). */
  clear() {
    this.pending = null;
    this.marker?.remove();
    this.marker = null;
  }

  /** Names the map's controls in the language just chosen. */
  relabel() {
    if (this.failed) this.notice.textContent = t("place.map_unavailable");
    if (!this.map) return;
    const locale = mapLocale();
    const container = this.map.getContainer();
    const label = (selector, text) => {
      for (const el of container.querySelectorAll(selector)) {
        el.setAttribute("aria-label", text);
        el.setAttribute("title", text);
      }
    };
    container.querySelector(".maplibregl-canvas")?.setAttribute("aria-label", locale["Map.Title"]);
    label(".maplibregl-ctrl-zoom-in", locale["NavigationControl.ZoomIn"]);
    label(".maplibregl-ctrl-zoom-out", locale["NavigationControl.ZoomOut"]);
    label(".maplibregl-ctrl-attrib-button", locale["AttributionControl.ToggleAttribution"]);
    this.marker?.getElement().setAttribute("aria-label", locale["Marker.Title"]);
  }

  show(point, { move = true } = {}) {
    if (!this.map) {
      this.pending = point;
      return;
    }
    if (!this.marker) {
      this.marker = new maplibregl.Marker({ draggable: true, color: "#b00020" })
        .setLngLat([point.lon, point.lat])
        .addTo(this.map);
      this.marker.on("dragend", () => {
        const at = this.marker.getLngLat();
        this.onPick({ lat: at.lat, lon: at.lng });
      });
      // The pin is focusable (MapLibre makes a draggable marker a button): the arrow keys
      // move it, so it can be placed exactly without a mouse or a finger.
      this.marker.getElement().addEventListener("keydown", (event) => this.nudge(event));
    } else {
      this.marker.setLngLat([point.lon, point.lat]);
    }
    if (move) {
      this.map.jumpTo({ center: [point.lon, point.lat], zoom: Math.max(this.map.getZoom(), CLOSE_ZOOM) });
    }
  }
}
