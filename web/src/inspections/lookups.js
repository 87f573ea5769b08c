// The lists the inspection views choose from. The kinds are also kept on the device, so the
// field form still opens its choices where the connection has gone.
import { api, once } from "../common/api.js";
import { pick } from "../common/i18n.js";

const KINDS_COPY = "machimap.inspectionKinds";

export function kinds() {
  return once("inspection-kinds", async () => {
    try {
      const { kinds: list } = await api.get("/api/inspections/kinds");
      try {
        localStorage.setItem(KINDS_COPY, JSON.stringify(list));
      } catch {
        // Not kept on this device; the list is read again next time.
      }
      return list;
    } catch (error) {
      let kept = null;
      try {
        kept = JSON.parse(localStorage.getItem(KINDS_COPY));
      } catch {
        kept = null;
      }
      if (Array.isArray(kept)) return kept;
      throw error;
    }
  });
}

export function kindName(kind) {
  return kind ? pick({ ja: kind.name_ja, en: kind.name_en || kind.name_ja }) : "";
}

export function partName(part) {
  return pick({ ja: part.ja, en: part.en || part.ja });
}

/** The city's date today (the staff are in the city), as YYYY-MM-DD. */
export function today() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

export function sheetHash(id) {
  return `#/inspections/${encodeURIComponent(id)}`;
}

/** The form's address; `name` (optional, beyond the contract's three) saves the form asking
 * the server what the subject is called, which it cannot do offline. */
export function formHash(subjectLayer, subjectId, kind, name) {
  const params = new URLSearchParams({ subject_layer: subjectLayer, subject_id: String(subjectId) });
  if (kind) params.set("kind", kind);
  if (name) params.set("name", name);
  return `#/inspections/new?${params}`;
}
