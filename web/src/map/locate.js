// "Show my location" as a map control of our own rather than MapLibre's GeolocateControl,
// so a refused permission becomes a sentence in the page's language (in the status region)
// instead of a disabled button and a console message.
import { t } from "../common/i18n.js";
import { ME, circlePolygon } from "./style.js";

const ICON =
  '<svg width="22" height="22" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><circle cx="12" cy="12" r="4" fill="currentColor"/><circle cx="12" cy="12" r="8" fill="none" stroke="currentColor" stroke-width="2"/><path d="M12 1v4M12 19v4M1 12h4M19 12h4" stroke="currentColor" stroke-width="2"/></svg>';

export class LocateControl {
  constructor(say, onFound = () => {}) {
    this.say = say; // (message, {error}) => void
    this.onFound = onFound; // ([lng, lat]) => void: where the person is
  }

  onAdd(map) {
    this.map = map;
    this.container = document.createElement("div");
    this.container.className = "maplibregl-ctrl maplibregl-ctrl-group";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "locate-button";
    button.innerHTML = ICON;
    button.setAttribute("aria-label", t("locate.button"));
    button.title = t("locate.button");
    button.addEventListener("click", () => this.locate());
    this.button = button;
    this.container.append(button);
    return this.container;
  }

  onRemove() {
    this.container.remove();
    this.map = undefined;
  }

  locate() {
    if (!("geolocation" in navigator)) {
      this.say(t("locate.unsupported"), { error: true });
      return;
    }
    this.button.setAttribute("aria-busy", "true");
    this.say(t("locate.searching"));
    navigator.geolocation.getCurrentPosition(
      (position) => this.found(position),
      (error) => {
        this.button.removeAttribute("aria-busy");
        const denied = error.code === error.PERMISSION_DENIED;
        this.say(t(denied ? "locate.denied" : "locate.unavailable"), { error: true });
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  }

  found(position) {
    this.button.removeAttribute("aria-busy");
    const map = this.map;
    if (!map) return;
    const { longitude, latitude, accuracy } = position.coords;
    const here = [longitude, latitude];
    map.getSource(ME)?.setData({
      type: "FeatureCollection",
      features: [
        { type: "Feature", geometry: circlePolygon(here, accuracy || 0), properties: {} },
        { type: "Feature", geometry: { type: "Point", coordinates: here }, properties: {} },
      ],
    });
    const animate = !matchMedia("(prefers-reduced-motion: reduce)").matches;
    map.easeTo({ center: here, zoom: Math.max(map.getZoom(), 16), animate });
    this.say(t("locate.found", { accuracy: Math.round(accuracy || 0) }));
    this.onFound(here);
  }
}
