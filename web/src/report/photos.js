// The photos of a report: choosing them (from the library or the camera), the list with a
// remove button each, and where they were taken. Step 3 is where they belong; step 2 has a
// picker of its own for choosing the place by a photo, and the confirm screen shows them.
import { api } from "../common/api.js";
import { h } from "../common/dom.js";
import { formatNumber, t } from "../common/i18n.js";
import { announce, render, root } from "./flow.js";
import { lookupWhere } from "./point.js";
import { limits, state } from "./state.js";

let photoSeq = 0;

/** A photo of the draft: the Blob and a URL to show it by (revoked when it is removed). */
export function keptPhoto(blob, name, type) {
  const id = ++photoSeq;
  return { id, blob, name: name || `photo-${id}.jpg`, type, url: URL.createObjectURL(blob) };
}

export function photoPicker(prefix, withCamera = true) {
  const d = state.draft;
  const full = d.photos.length >= limits().photos;
  const input = (id, extra) =>
    h("input", {
      type: "file",
      id,
      class: "file-input",
      accept: "image/*",
      disabled: full,
      onchange: (event) => {
        addPhotos([...event.target.files]);
        event.target.value = "";
      },
      ...extra,
    });
  return h(
    "div",
    { class: "photo-picker" },
    h(
      "span",
      { class: "file-control" },
      input(`${prefix}-pick`, { multiple: true }),
      h("label", { for: `${prefix}-pick`, class: "button" }, t("photos.choose")),
    ),
    withCamera
      ? h(
          "span",
          { class: "file-control" },
          input(`${prefix}-camera`, { capture: "environment" }),
          h("label", { for: `${prefix}-camera`, class: "button" }, t("photos.camera")),
        )
      : null,
  );
}

export function photoStatusLine() {
  const s = state.photoStatus;
  return h(
    "p",
    { class: s?.error ? "photo-status notice error" : "photo-status status-line", role: "status" },
    s ? t(s.key, s.params) : "",
  );
}

export function thumbnails({ removable = true } = {}) {
  const photos = state.draft.photos;
  if (!photos.length) return null;
  return h(
    "ul",
    { class: "thumbs", "aria-label": t("photos.list") },
    photos.map((photo, i) =>
      h(
        "li",
        {},
        h("img", { src: photo.url, alt: t("photos.alt", { n: i + 1 }), width: "96", height: "96" }),
        removable
          ? h(
              "button",
              {
                type: "button",
                class: "remove",
                "aria-label": t("photos.remove_label", { n: i + 1 }),
                onclick: () => removePhoto(photo.id, i),
              },
              t("photos.remove"),
            )
          : null,
      ),
    ),
  );
}

function isImage(file) {
  return file.type.startsWith("image/") || /\.(jpe?g|png|webp|heic|heif)$/i.test(file.name);
}

function addPhotos(files) {
  const d = state.draft;
  const { photos: most, photo_bytes: biggest } = limits();
  let added = 0;
  let problem = null;
  for (const file of files) {
    if (d.photos.length >= most) {
      problem = { key: "photos.too_many", params: { n: most } };
      break;
    }
    if (!isImage(file)) {
      problem = { key: "photos.not_image", params: { name: file.name } };
      continue;
    }
    if (file.size > biggest) {
      const mb = formatNumber(biggest / 1024 / 1024, { maximumFractionDigits: 1 });
      problem = { key: "photos.too_big", params: { name: file.name, mb } };
      continue;
    }
    const photo = keptPhoto(file, file.name, file.type);
    d.photos.push(photo);
    added += 1;
    if (!d.photoSuggestion) findPhotoPlace(photo);
  }
  state.photoStatus = problem
    ? { ...problem, error: true }
    : { key: "photos.added", params: { n: formatNumber(d.photos.length) } };
  if (added || problem) refreshPhotos();
}

function removePhoto(id, index) {
  const d = state.draft;
  const photo = d.photos.find((p) => p.id === id);
  if (!photo) return;
  URL.revokeObjectURL(photo.url);
  d.photos = d.photos.filter((p) => p.id !== id);
  if (d.photoSuggestion?.photoId === id) {
    d.photoSuggestion = null;
    for (const other of d.photos) {
      findPhotoPlace(other);
      break;
    }
  }
  state.photoStatus = { key: "photos.removed", params: { n: formatNumber(d.photos.length) } };
  refreshPhotos();
  // Focus stays in the list: on the photo that took this one's place, else the pickers.
  const buttons = root.querySelectorAll(".thumbs .remove");
  (buttons[Math.min(index, buttons.length - 1)] || root.querySelector(".file-input"))?.focus();
}

/** Re-renders the current step, keeping focus (the photo pickers and list live in it). */
function refreshPhotos() {
  if (state.screen === "details" || state.screen === "place") render({ focus: false });
}

/** Asks the server where `photo` was taken (its Exif); the first photo that says becomes a
 * suggestion for step 2, never the place by itself: the person chooses. */
async function findPhotoPlace(photo) {
  const form = new FormData();
  form.append("photo", photo.blob, photo.name);
  try {
    const found = await api.post("/api/reports/photo-location", { form });
    const d = state.draft;
    if (!d.photos.some((p) => p.id === photo.id) || d.photoSuggestion) return;
    if (!found?.found) {
      if (state.screen === "place") {
        state.photoStatus = { key: "photo_place.none", error: false };
        render({ focus: false });
      }
      return;
    }
    d.photoSuggestion = { lat: found.lat, lon: found.lon, photoId: photo.id, where: null };
    const suggestion = d.photoSuggestion;
    announce(t("photo_place.found"));
    refreshPhotos();
    suggestion.where = await lookupWhere(suggestion);
    if (d.photoSuggestion === suggestion) refreshPhotos();
  } catch {
    // No suggestion: the person places the pin themselves.
  }
}
