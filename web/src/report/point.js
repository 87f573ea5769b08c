// The place chosen for the report, however it was chosen (step 2: the map, the phone's
// position, a photo's place or the place search), and the same place in words: how it was
// chosen, its 町丁目 and nearest named place (common/places.js), the coordinates. The map itself (placemap.js) loads only when the
// step is first shown; it shows the point and lets the pin be moved.
import { api } from "../common/api.js";
import { h } from "../common/dom.js";
import { dataName, formatNumber, pick, t, tx } from "../common/i18n.js";
import { describePoint, placeSentence } from "../common/places.js";
import { announce, root } from "./flow.js";
import { onDiscard, state } from "./state.js";

let placeMap = null;
let mapLoading = null;
let whereTimer = null;
let whereLookup = null;

onDiscard(() => placeMap?.clear());

export function coordsText(point) {
  return t("place.coords", {
    lat: formatNumber(point.lat, { maximumFractionDigits: 5, minimumFractionDigits: 5 }),
    lon: formatNumber(point.lon, { maximumFractionDigits: 5, minimumFractionDigits: 5 }),
  });
}

/** A place found by the search ({name, name_en}) by its name in the page's language. */
export function placeName(place) {
  return place ? pick({ ja: place.name, en: place.name_en }) : "";
}

/** placeName as an element (lang="ja" where the name is Japanese, with its reading). */
export function placeNameNode(place) {
  return place ? dataName({ ja: place.name, en: place.name_en }, place.name_kana) : "";
}

/** placeWords as elements: how the place was chosen (with readings in やさしい日本語), then
 * its 町丁目 and nearest named place once the lookup has answered. */
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
  const where = d.where ? placeSentence(d.where) : [];
  if (where.length) out.append(" — ", ...where);
  return out;
}

/** The chosen place in words (nodes, for h()): how it was chosen, then its 町丁目 and the
 * nearest named place once the lookup has answered. */
export function placeWords(d = state.draft) {
  if (!d.point) return [t("place.none")];
  let how;
  if (d.source === "address") how = t("place.by_address", { name: placeName(d.place) });
  else if (d.source === "gps")
    how = d.accuracy
      ? t("place.by_gps_accuracy", { m: formatNumber(Math.round(d.accuracy)) })
      : t("place.by_gps");
  else if (d.source === "photo") how = t("place.by_photo");
  else how = t("place.by_pin");
  const where = d.where ? placeSentence(d.where) : [];
  return where.length ? [how, " — ", ...where] : [how];
}

function placeWordsText(d = state.draft) {
  return placeWords(d)
    .map((part) => (typeof part === "string" ? part : part.textContent))
    .join("");
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
  d.where = null;
  state.nearby = null;
  if (state.errors.place) delete state.errors.place;
  if (source !== "pin") placeMap?.show(d.point);
  updatePlaceWords({ quiet: true });
  // The words come once the lookup answers; meanwhile the live region says it is looking.
  announce(`${t("place.chosen")} ${placeWordsText()} — ${t("where.looking")}`);
  // Once the pin rests (dragging or the arrow keys move it many times in a row).
  clearTimeout(whereTimer);
  whereLookup?.abort();
  whereTimer = setTimeout(async () => {
    const lookup = new AbortController();
    whereLookup = lookup;
    const where = await lookupWhere(point, lookup.signal);
    if (lookup.signal.aborted) return;
    if (d.point && d.point.lat === point.lat && d.point.lon === point.lon) {
      d.where = where;
      updatePlaceWords();
    }
  }, 300);
}

function updatePlaceWords({ quiet = false } = {}) {
  const box = root.querySelector("#chosen-place");
  if (box) box.replaceWith(chosenPlaceBox());
  const suggestion = root.querySelector(".suggestion");
  if (suggestion) suggestion.replaceWith(suggestionBox() || h("div", { hidden: true }));
  for (const error of root.querySelectorAll("#error-place")) error.remove();
  if (!quiet) announce(`${t("place.chosen")} ${placeWordsText()}`);
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

/** The town and nearest named place of a point, or null (the words are a help; the
 * coordinates still say where). */
export async function lookupWhere(point, signal) {
  try {
    const where = await describePoint(point, { signal });
    return where && (where.town || where.place) ? where : null;
  } catch {
    return null;
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
      s.where ? [" ", ...placeSentence(s.where)] : null,
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
