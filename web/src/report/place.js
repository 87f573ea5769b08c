// Step 2: where the problem is. Four ways to say it, each enough alone: a pin on the map,
// the phone's position, the place a photo was taken (its Exif, read by the server), or a
// name found in the place search (search.js). point.js keeps the choice and says it in words.
import { h } from "../common/dom.js";
import { t } from "../common/i18n.js";
import { root } from "./flow.js";
import { photoPicker, photoStatusLine } from "./photos.js";
import { chosenPlaceBox, mountMap, pinAtCentre, setPoint, suggestionBox } from "./point.js";
import { searchSection } from "./search.js";
import { state } from "./state.js";
import { fieldError, heading, stepNav } from "./ui.js";

function placeStep() {
  const error = fieldError("place");
  const status = state.placeStatus;
  return h(
    "div",
    { class: "step" },
    ...heading("place", "place.title"),
    chosenPlaceBox(),
    error,
    h("p", { class: "hint", id: "map-hint" }, t("place.map_hint")),
    h("div", { class: "map-slot" }),
    h(
      "div",
      { class: "place-actions" },
      h(
        "button",
        { type: "button", id: "pin-centre", onclick: pinAtCentre },
        t("place.pin_centre"),
      ),
      h("button", { type: "button", id: "use-gps", onclick: useGps }, t("place.use_gps")),
    ),
    h(
      "p",
      {
        id: "place-status",
        class: status?.error ? "notice error" : status ? "notice" : "status-line",
        role: "status",
      },
      status ? t(status.key) : "",
    ),
    suggestionBox(),
    photoForPlace(),
    searchSection(),
    stepNav(),
  );
}

function useGps() {
  if (!("geolocation" in navigator)) {
    setPlaceStatus("place.gps_unsupported", true);
    return;
  }
  setPlaceStatus("place.gps_finding", false);
  navigator.geolocation.getCurrentPosition(
    (position) => {
      setPlaceStatus(null);
      setPoint(
        { lat: position.coords.latitude, lon: position.coords.longitude },
        "gps",
        { accuracy: position.coords.accuracy },
      );
    },
    (failure) => {
      setPlaceStatus(failure.code === 1 ? "place.gps_denied" : "place.gps_failed", true);
    },
    { enableHighAccuracy: true, timeout: 20_000, maximumAge: 60_000 },
  );
}

function setPlaceStatus(key, error = false) {
  state.placeStatus = key ? { key, error } : null;
  const line = root.querySelector("#place-status");
  if (!line) return;
  line.className = key ? (error ? "notice error" : "notice") : "status-line";
  line.textContent = key ? t(key) : "";
}

function photoForPlace() {
  return h(
    "details",
    {
      class: "photo-for-place",
      open: Boolean(state.photoPlaceOpen),
      ontoggle: (event) => {
        state.photoPlaceOpen = event.currentTarget.open;
      },
    },
    h("summary", {}, t("photo_place.summary")),
    h("p", {}, t("photo_place.intro")),
    photoPicker("place-photo", false),
    photoStatusLine(),
  );
}

function validate() {
  return state.draft.point ? {} : { place: "place.required" };
}

export const placeScreen = { view: placeStep, validate, rendered: mountMap };
