// A point in words, for every page that shows a chosen point (the report flow, the map):
// 「焼津三丁目付近、大富地域交流センターから北へ約120 m」. The server says which town and
// which named place (GET /api/places/describe); the sentence is built here in the page's
// language, with the Japanese names marked lang="ja" inside other languages so a voice
// reads them as Japanese.
import { api } from "./api.js";
import { h } from "./dom.js";
import { formatNumber, lang, t } from "./i18n.js";

/** {town: {name, name_kana} | null, place: {name, kind, distance_m, direction} | null}
 * for a point ({lng, lat} as MapLibre gives it, or {lon, lat}). */
export function describePoint(lngLat, { signal } = {}) {
  const lon = lngLat.lon ?? lngLat.lng;
  const params = new URLSearchParams({ lon: lon.toFixed(6), lat: lngLat.lat.toFixed(6) });
  return api.get(`/api/places/describe?${params}`, { signal });
}

function name(text) {
  return lang() === "ja" ? text : h("span", { lang: "ja" }, text);
}

// Fills a message's {placeholders} with nodes: t() works on strings, so the names go in as
// markers and come out as spans.
function fill(key, params, names) {
  const marked = { ...params };
  for (const key of Object.keys(names)) marked[key] = `\u0000${key}\u0000`;
  return t(key, marked)
    .split("\u0000")
    .map((part, i) => (i % 2 ? name(names[part]) : part))
    .filter((part) => part !== "");
}

/** The description as nodes and text ([] when there is nothing to say): pass the array to
 * h() as children; `.join("")` of textContent is what a live region reads. */
export function placeSentence(description) {
  const town = description?.town;
  const place = description?.place;
  const parts = [];
  if (town) parts.push(...fill("where.town", {}, { town: town.name }));
  if (place) {
    if (parts.length) parts.push(t("where.joiner"));
    const alone = parts.length ? "" : "_alone";
    if (place.direction) {
      parts.push(
        ...fill(
          `where.place${alone}`,
          { m: formatNumber(place.distance_m), dir: t(`where.dir.${place.direction}`) },
          { place: place.name },
        ),
      );
    } else {
      parts.push(...fill(`where.at${alone}`, {}, { place: place.name }));
    }
  }
  return parts;
}

/** The same sentence as plain text (a live region, a title). */
export function placeSentenceText(description) {
  return placeSentence(description)
    .map((part) => (typeof part === "string" ? part : part.textContent))
    .join("");
}
