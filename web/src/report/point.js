// The place chosen for the report, however it was chosen (step 2: the map, the phone's
// position, a photo's place or the place search), and the same place in words: how it was
// chosen, the district, the coordinates. The map itself (placemap.js) loads only when the
// step is first shown; it shows the point and lets the pin be moved.
import { api } from "../common/api.js";
import { h } from "../common/dom.js";
import { dataName, formatNumber, pick, t, tx } from "../common/i18n.js";
import { announce, root } from "./flow.js";
import { onDiscard, state } from "./state.js";

// 町丁目 say where a place is; 自治会 names (「大富第19自主防災会」) do not, so they are skipped.
const DISTRICT_DEPTH = { block: 2, area: 1 };

let placeMap = null;
let mapLoading = null;
let districtTimer = null;

onDiscard(() => placeMap?.clear());

export function coordsText(point) {
  return t("place.coords", {
    lat: formatNumber(point.lat, { maximumFractionDigits: 5, minimumFractionDigits: 5 }),
    lon: formatNumber(point.lon, { maximumFractionDigits: 5, minimumFractionDigits: 5 }),
  });
}

function districtName(district) {
  return district ? pick({ ja: district.ja, en: district.en }) : "";
}

/** A place found by the search ({name, name_en}) by its name in the page's language. */
export function placeName(place) {
  return place ? pick({ ja: place.name, en: place.name_en }) : "";
}

/** placeName as an element (lang="ja" where the name is Japanese, with its reading). */
export function placeNameNode(place) {
  return place ? dataName({ ja: place.name, en: place.name_en }, place.name_kana) : "";
}

function districtNameNode(district) {
  return district ? dataName({ ja: district.ja, en: district.en }, district.kana) : "";
}

/** placeWords as elements, names from the data marked as such. */
export function placeWordsNode(d = state.draft) {
  if (!d.point) return tx("place.none");
  let how;
  if (d.source === "address") how = tx("place.by_address", { name: placeNameNode(d.place) });
  else if (d.source === "gps")
    how = d.accuracy
      ? tx("place.by_gps_accuracy", { m: formatNumber(Math.round(d.accuracy)) })
      : tx("place.by_gps");
  else if (d.source === "photo") how = tx("place.by_photo");
  else how = tx("place.by_pin");
  const out = document.createDocumentFragment();
  out.append(how);
  if (d.district) out.append(" — ", tx("place.near", { name: districtNameNode(d.district) }));
  return out;
}

/** The chosen place in words: how it was chosen, the district, the coordinates. */
export function placeWords(d = state.draft) {
  if (!d.point) return t("place.none");
  let how;
  if (d.source === "address") how = t("place.by_address", { name: placeName(d.place) });
  else if (d.source === "gps")
    how = d.accuracy
      ? t("place.by_gps_accuracy", { m: formatNumber(Math.round(d.accuracy)) })
      : t("place.by_gps");
  else if (d.source === "photo") how = t("place.by_photo");
  else how = t("place.by_pin");
  const near = d.district ? t("place.near", { name: districtName(d.district) }) : "";
  return near ? `${how} — ${near}` : how;
}

export async function mountMap() {
  const slot = root.querySelector(".map-slot");
  if (!slot) return;
  try {
    mapLoading ??= import("./placemap.js");
    const { PlaceMap } = await mapLoading;
    placeMap ??= new PlaceMap((point) => setPoint(point, "pin"));
    // The step may have been left or re-rendered while the module loaded.
    if (slot.isConnected) await placeMap.mount(slot, state.draft.point);
  } catch {
    mapLoading = null;
    slot.append(h("p", { class: "notice error" }, t("place.map_unavailable")));
  }
}

export function pinAtCentre() {
  placeMap?.pinAtCentre();
}

/** The map's own words (the pin's label) follow a language switch. */
export function relabelMap() {
  placeMap?.relabel();
}

export function setPoint(point, source, { accuracy = null, place = null } = {}) {
  const d = state.draft;
  d.point = { lat: point.lat, lon: point.lon };
  d.source = source;
  d.accuracy = accuracy;
  d.place = place;
  d.district = null;
  state.nearby = null;
  if (state.errors.place) delete state.errors.place;
  if (source !== "pin") placeMap?.show(d.point);
  updatePlaceWords();
  // Once the pin rests (dragging or the arrow keys move it many times in a row).
  clearTimeout(districtTimer);
  districtTimer = setTimeout(async () => {
    const district = await lookupDistrict(point);
    if (d.point && d.point.lat === point.lat && d.point.lon === point.lon) {
      d.district = district;
      updatePlaceWords({ quiet: true });
    }
  }, 300);
}

function updatePlaceWords({ quiet = false } = {}) {
  const box = root.querySelector("#chosen-place");
  if (box) box.replaceWith(chosenPlaceBox());
  const suggestion = root.querySelector(".suggestion");
  if (suggestion) suggestion.replaceWith(suggestionBox() || h("div", { hidden: true }));
  for (const error of root.querySelectorAll("#error-place")) error.remove();
  if (!quiet) announce(`${t("place.chosen")} ${placeWords()}`);
}

export function chosenPlaceBox() {
  const d = state.draft;
  return h(
    "div",
    { id: "chosen-place", class: d.point ? "chosen-place set" : "chosen-place" },
    h("p", {}, h("strong", {}, tx("place.chosen")), " ", placeWordsNode()),
    d.point ? h("p", { class: "meta" }, coordsText(d.point)) : null,
  );
}

export async function lookupDistrict(point) {
  const e = 0.00001;
  const bbox = [point.lon - e, point.lat - e, point.lon + e, point.lat + e]
    .map((v) => v.toFixed(6))
    .join(",");
  try {
    const found = await api.get(`/ogc/collections/district/items?bbox=${bbox}&limit=20`);
    let best = null;
    for (const feature of found.features || []) {
      const p = feature.properties || {};
      const depth = DISTRICT_DEPTH[p.level] ?? 0;
      if (depth > 0 && p.name && (!best || depth > best.depth)) best = { depth, p };
    }
    return best
      ? { ja: best.p.name, en: best.p.name_en || best.p.name, kana: best.p.name_kana }
      : null;
  } catch {
    return null; // the words are a help; the coordinates still say where
  }
}

/** Offers the place a photo was taken (on step 2 and with the photos), or says it is used. */
export function suggestionBox() {
  const d = state.draft;
  const s = d.photoSuggestion;
  if (!s) return null;
  const using =
    d.source === "photo" && d.point && d.point.lat === s.lat && d.point.lon === s.lon;
  return h(
    "div",
    { class: "suggestion notice", role: "group", "aria-labelledby": "suggestion-text" },
    h(
      "p",
      { id: "suggestion-text" },
      using ? t("photo_place.using") : t("photo_place.found"),
      s.district ? [" ", tx("place.near", { name: districtNameNode(s.district) })] : "",
    ),
    using
      ? null
      : h(
          "button",
          { type: "button", class: "primary", id: "use-photo-place", onclick: usePhotoPlace },
          t("photo_place.use"),
        ),
  );
}

function usePhotoPlace() {
  const s = state.draft.photoSuggestion;
  if (!s) return;
  setPoint({ lat: s.lat, lon: s.lon }, "photo");
  root.querySelector(".suggestion p")?.setAttribute("tabindex", "-1");
  root.querySelector(".suggestion p")?.focus();
}
