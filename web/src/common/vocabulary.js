// What the report pages need to know as the server enforces it (GET /api/reports/vocabulary):
// the statuses in order, each open or closed, with its name; the kinds a hazard made from a
// report can have; the photo and text limits. Pages read it, once per visit, instead of
// keeping copies that would drift from the server's.
import { api, once } from "./api.js";
import { pick, tOr } from "./i18n.js";

/** {statuses: [{code, open, reopenable, name_ja, name_en}], hazard_kinds: [code],
 * limits: {photos, photo_bytes, photo_pixels, text, contact_name, contact_email, ...}} */
export function vocabulary() {
  return once("vocabulary", () => api.get("/api/reports/vocabulary"));
}

/** A status's name: the catalogue's (status.CODE), else the server's own. */
export function statusName(code, statuses = []) {
  const known = statuses.find((s) => s.code === code);
  return tOr(`status.${code}`, known ? pick({ ja: known.name_ja, en: known.name_en }) : code);
}
