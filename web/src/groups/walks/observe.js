// 「気づいたこと」: a note and photos at the walker's place, optionally about the nearest
// feature (offered by distance when online) and, ticked 「市に知らせる」, sent on to the city
// as a report with a category from the report flow's own list. Kept on the device with the
// walk (photos as Blobs, its own Idempotency-Key) and sent after the patrol.
import { api } from "../../common/api.js";
import { field, h, select, uid } from "../../common/dom.js";
import { formatNumber, pick, t } from "../../common/i18n.js";
import { keepCopy, keptCopy } from "../../report/storage.js";

const MAX_PHOTOS = 5;
const NOTE_MAX = 2000;

/** The report categories: fresh when online (and kept for next time, as the report flow
 * keeps them), else the copy kept on this device. */
export async function categories() {
  try {
    if (!navigator.onLine) throw new Error("offline");
    const list = (await api.get("/api/report-categories")).filter((c) => c.active !== false);
    keepCopy("categories", list);
    return list;
  } catch {
    const kept = keptCopy("categories");
    return Array.isArray(kept) ? kept : [];
  }
}

async function nearby(groupId, here) {
  if (!here || !navigator.onLine) return [];
  try {
    const [lon, lat] = here;
    const answer = await api.get(`/api/groups/${groupId}/nearby?lon=${lon}&lat=${lat}&radius=100`);
    return answer.features || [];
  } catch {
    return []; // not offered: the observation is kept at its place all the same
  }
}

export function observationForm({ groupId, here, onKeep, onCancel }) {
  const place = here();
  const note = h("textarea", { name: "note", rows: 3, required: true, maxlength: NOTE_MAX });
  const photos = h("input", { type: "file", name: "photo", accept: "image/*", capture: "environment", multiple: true });
  const about = select("about", [["", t("walk.obs_about_none")]], "");
  const aboutField = field(t("walk.obs_about_label"), about, { hint: t("walk.obs_about_hint") });
  aboutField.hidden = true;
  const tell = h("input", { type: "checkbox", name: "tell_city", id: uid("tell") });
  const category = select("report_category", [["", t("walk.obs_category_choose")]], "");
  const consent = h("input", { type: "checkbox", name: "consent", id: uid("consent") });
  const reportBox = h(
    "div",
    { class: "walk-report-box", hidden: true },
    field(t("walk.obs_category"), category),
    h("div", { class: "check" }, consent, h("label", { for: consent.id }, t("walk.obs_consent"))),
  );
  tell.addEventListener("change", () => {
    reportBox.hidden = !tell.checked;
    category.required = tell.checked;
  });
  const alert = h("div", { class: "form-alert", role: "alert" });
  const found = new Map();
  categories().then((list) => {
    for (const c of list) category.append(h("option", { value: c.code }, pick({ ja: c.name_ja, en: c.name_en })));
  });
  nearby(groupId, place).then((features) => {
    for (const f of features) {
      const value = `${f.layer}:${f.id}`;
      found.set(value, f);
      about.append(
        h("option", { value }, t("walk.obs_about_option", { what: f.title || f.kind || "", m: formatNumber(Math.round(f.distance_m)) })),
      );
    }
    aboutField.hidden = features.length === 0;
  });
  const form = h(
    "form",
    { class: "walk-obs-form", "aria-labelledby": "obs-heading" },
    h("h3", { id: "obs-heading", tabindex: "-1" }, t("walk.obs_form_heading")),
    h("p", { class: "hint" }, place ? t("walk.obs_here") : t("walk.obs_no_place")),
    field(t("walk.obs_note"), note),
    field(t("walk.obs_photo"), photos, { hint: t("walk.obs_photo_hint", { n: formatNumber(MAX_PHOTOS) }) }),
    aboutField,
    h("div", { class: "check" }, tell, h("label", { for: tell.id }, t("walk.obs_tell_city"))),
    reportBox,
    alert,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary walk-button" }, t("walk.obs_keep")),
      h("button", { type: "button", class: "walk-button", onclick: onCancel }, t("walk.obs_cancel")),
    ),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    alert.replaceChildren();
    const files = [...photos.files];
    const problems = [];
    if (!note.value.trim()) problems.push(t("walk.obs_note_needed"));
    if (files.length > MAX_PHOTOS) problems.push(t("walk.obs_too_many", { n: formatNumber(MAX_PHOTOS) }));
    if (tell.checked && !category.value) problems.push(t("walk.obs_category_needed"));
    if (problems.length) {
      alert.append(h("p", { class: "notice error" }, problems.join(" ")));
      return;
    }
    const at = here() ?? place;
    const subject = found.get(about.value);
    onKeep({
      key: crypto.randomUUID(),
      note: note.value.trim(),
      lon: at ? at[0] : null,
      lat: at ? at[1] : null,
      observed_at: new Date().toISOString(),
      subject: subject ? { layer: subject.layer, id: subject.id, title: subject.title || subject.kind || "" } : null,
      photos: files.map((file) => ({ blob: file, name: file.name, type: file.type })),
      report: tell.checked ? { category: category.value, consent: consent.checked } : null,
      result: null,
      error: null,
    });
  });
  return form;
}
