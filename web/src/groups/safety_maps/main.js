// A group's safety map: the editor at /groups/{gid}/maps/{mid} (members add, move and
// delete places, leaders review photos and publish) and the public page at
// /safety-maps/{mid} (a published map, read-only). One page: the API's answer says what the
// caller may do, and only that is offered.
import "../../common/base.css";
import "./safety-map.css";
import { api, problemMessage, whoAmI } from "../../common/api.js";
import { h } from "../../common/dom.js";
import { signInForm } from "../../common/signin.js";
import { addMessages, formatDate, initLanguage, onLanguageChange, t, tx } from "../../common/i18n.js";
import messages from "../../messages/safety-map.js";
import { areaChooser } from "./area.js";
import { blurTool } from "./blur.js";
import { conflictPanel } from "./conflict.js";
import { placeForm } from "./form.js";
import { loadHistory, mapHistory, placeHistory } from "./history.js";
import { kindText } from "./kinds.js";
import { renderList } from "./list.js";
import { PlaceMap, drawnGeometry, mapHint, shifted } from "./mapview.js";
import {
  canEdit,
  canEditMap,
  canPublish,
  featureById,
  featurePath,
  features,
  ifMatch,
  mapPath,
  photoPath,
  state,
} from "./state.js";

addMessages(messages);
initLanguage();

const $ = (id) => document.getElementById(id);
const els = {
  title: $("map-title"),
  meta: $("map-meta"),
  status: $("map-status"),
  alert: $("map-alert"),
  actions: $("map-actions"),
  drawBar: $("draw-bar"),
  crosshair: $("crosshair"),
  hint: $("map-hint"),
  editor: $("editor"),
  list: $("place-list"),
  listStatus: $("list-status"),
  history: $("history"),
};
let me = null;
const SIGN_IN_KEYS = {
  email: "sm.signin_email",
  password: "sm.signin_password",
  submit: "sm.signin_submit",
  failed: "sm.signin_failed",
};
let placeMap = null;
// What the editor section shows, rebuilt on a language switch: () => [nodes].
let editorView = null;
let historyView = null;

function say(text) {
  els.status.textContent = text;
}

/** A problem said where it is seen: at the top of the page, scrolled to and focused. */
function showAlert(...texts) {
  const notice = h("p", { class: "notice error", tabindex: -1 }, texts.filter(Boolean).join(" "));
  els.alert.replaceChildren(notice);
  notice.focus();
}

function alertError(error) {
  showAlert(error?.problem ? problemMessage(error.problem) : error?.message || t("sm.error"));
}

function clearAlert() {
  els.alert.replaceChildren();
}

// --- what is shown ------------------------------------------------------------------------

function showEditor(view, focus) {
  editorView = view;
  els.editor.hidden = !view;
  els.editor.replaceChildren(...(view ? view() : []));
  if (view && focus) els.editor.querySelector(focus)?.focus();
}

function showHistory(view, focus) {
  historyView = view;
  els.history.hidden = !view;
  els.history.replaceChildren(...(view ? view() : []));
  if (view && focus) els.history.querySelector(focus)?.focus();
}

function renderHead() {
  const m = state.map;
  if (!m) return;
  els.title.textContent = m.title;
  els.title.lang = "ja"; // the group's own words, read as Japanese on every page
  els.title.removeAttribute("data-i18n");
  document.title = `${m.title} — ${t("sm.title")}`;
  const parts = [];
  if (m.group?.name) parts.push(h("span", { lang: "ja" }, m.group.name));
  if (m.is_published && m.published_at) parts.push(t("sm.published_on", { date: formatDate(m.published_at) }));
  else if (state.mode === "editor") parts.push(h("span", { class: "sm-badge warn" }, tx("sm.draft_map")));
  els.meta.replaceChildren(...parts.flatMap((p, i) => (i ? ["　", p] : [p])));
  if (m.description) els.meta.append(h("span", { class: "sm-description", lang: "ja" }, m.description));
}

function printLinks() {
  const link = (paper, orientation) =>
    h(
      "a",
      {
        class: "button",
        href: `${mapPath()}/print.pdf?paper=${paper}&orientation=${orientation}`,
        target: "_blank",
        rel: "noopener",
      },
      t(`sm.print_${paper}_${orientation}`),
    );
  return h(
    "details",
    { class: "sm-print" },
    h("summary", {}, tx("sm.print")),
    h(
      "div",
      { class: "sm-print-links" },
      link("A4", "portrait"),
      link("A4", "landscape"),
      link("A3", "portrait"),
      link("A3", "landscape"),
    ),
    h("p", { class: "hint" }, tx("sm.print_hint")),
  );
}

function unreleasedPhotos() {
  return features().flatMap((f) => (f.properties.photos ?? []).filter((p) => !p.released));
}

function renderActions() {
  const parts = [];
  if (state.mode === "editor" && state.map) {
    const row = [];
    if (canEditMap()) row.push(h("button", { type: "button", onclick: openMapHistory }, tx("sm.map_history")));
    if (canPublish()) {
      row.push(h("button", { type: "button", onclick: addStartingPoints }, tx("sm.starting_points")));
      row.push(
        state.map.is_published
          ? h("button", { type: "button", onclick: unpublish }, tx("sm.unpublish"))
          : h("button", { type: "button", class: "primary", onclick: publish }, tx("sm.publish")),
      );
    }
    if (state.map.is_published) row.push(h("a", { class: "button", href: `/safety-maps/${state.mapId}` }, tx("sm.public_page")));
    if (state.groupId) row.push(h("a", { class: "button", href: `/groups/${state.groupId}` }, tx("sm.back_to_group")));
    parts.push(h("div", { class: "sm-action-row" }, row));
    if (canPublish()) parts.push(areaChooser(state.map.district_id, { onChoose: setArea }));
    if (canPublish()) {
      const waiting = unreleasedPhotos().length;
      parts.push(
        h(
          "p",
          { class: `notice${waiting ? "" : " ok"} sm-review` },
          waiting ? t("sm.review_waiting", { count: waiting }) : t("sm.review_clear"),
        ),
      );
    }
  }
  if (state.map) parts.push(printLinks());
  els.actions.replaceChildren(...parts);
}

function renderDrawBar() {
  const bar = els.drawBar;
  const editing = state.mode === "editor" && canEditMap();
  bar.hidden = !editing;
  els.crosshair.hidden = !(state.drawing || state.moving);
  els.hint.textContent = state.drawing
    ? mapHint(state.drawing)
    : state.moving
      ? t("sm.move_hint")
      : "";
  if (!editing) return;
  if (state.drawing) {
    const d = state.drawing;
    const many = d.type !== "Point";
    bar.replaceChildren(...[
      h("p", { class: "sm-draw-status", role: "status" }, tx(`sm.drawing_${d.type}`, { count: d.coords.length })),
      h("button", { type: "button", class: "primary", onclick: () => tap(placeMap.centre()) }, tx("sm.add_at_centre")),
      many ? h("button", { type: "button", onclick: undoVertex, disabled: !d.coords.length }, tx("sm.undo_point")) : null,
      many ? h("button", { type: "button", onclick: finishDrawing }, tx("sm.finish")) : null,
      h("button", { type: "button", onclick: cancelDrawing }, tx("sm.cancel")),
    ].filter(Boolean));
    return;
  }
  if (state.moving) {
    const nudge = (dx, dy, key) =>
      h("button", { type: "button", "aria-label": t(`sm.nudge_${key}`), onclick: () => moveBy(placeMap.nudge(dx, dy)) }, tx(`sm.arrow_${key}`));
    bar.replaceChildren(
      h("p", { class: "sm-draw-status", role: "status" }, tx("sm.moving", { n: featureById(state.moving.id)?.properties.number ?? "" })),
      h("div", { class: "sm-nudge" }, nudge(0, -10, "up"), nudge(0, 10, "down"), nudge(-10, 0, "left"), nudge(10, 0, "right")),
      h("button", { type: "button", class: "primary", onclick: saveMove }, tx("sm.save_position")),
      h("button", { type: "button", onclick: cancelMove }, tx("sm.cancel")),
    );
    return;
  }
  bar.replaceChildren(
    h("p", { class: "sm-draw-status", id: "add-label" }, tx("sm.add_label")),
    h("button", { type: "button", class: "primary", onclick: () => startDrawing("Point") }, tx("sm.add_point")),
    h("button", { type: "button", onclick: () => startDrawing("LineString") }, tx("sm.add_line")),
    h("button", { type: "button", onclick: () => startDrawing("Polygon") }, tx("sm.add_area")),
  );
}

const listActions = {
  select: (id) => select(id, { show: true }),
  edit: (id) => editPlace(id),
  move: (id) => startMove(id),
  remove: (id) => removePlace(id),
  history: (id) => openPlaceHistory(id),
  review: (fid, pid) => reviewPhoto(fid, pid),
};

function render() {
  renderHead();
  renderActions();
  renderDrawBar();
  renderList(els.list, els.listStatus, listActions);
  placeMap?.setPlaces(features(), state.selected);
  refreshDraft();
}

function refreshDraft() {
  if (!placeMap?.map) return;
  if (state.drawing) {
    placeMap.setDraft(drawnGeometry(state.drawing), state.drawing.coords);
  } else if (state.moving) {
    placeMap.setDraft(state.moving.geometry);
  } else if (state.draft?.geometry && !state.draft.id) {
    placeMap.setDraft(state.draft.geometry);
  } else placeMap.setDraft(null);
}

function select(id, { show = false, fromMap = false } = {}) {
  state.selected = id;
  const f = featureById(id);
  placeMap?.setPlaces(features(), id);
  for (const li of els.list.querySelectorAll(".sm-place"))
    li.classList.toggle("is-selected", Number(li.dataset.id) === id);
  if (!f) return;
  if (show) placeMap?.show(f.geometry);
  say(t("sm.selected", { n: f.properties.number, kind: kindText(f.properties) }));
  if (fromMap) {
    const li = document.getElementById(`place-${id}`);
    li?.scrollIntoView({ block: "nearest" });
    li?.querySelector("button")?.focus({ preventScroll: true });
  }
}

// --- loading ------------------------------------------------------------------------------

async function load() {
  try {
    state.map = await api.get(mapPath());
    state.loadError = null;
  } catch (error) {
    state.map = null;
    state.loadError = error;
  }
  // The group's name for a map answer that does not carry it.
  if (state.map && !state.map.group && state.map.group_id) {
    try {
      state.map.group = await api.get(`/api/groups/${state.map.group_id}`);
    } catch {
      // The map reads without its group's name.
    }
  }
}

function renderLoadError() {
  const error = state.loadError;
  // Whoever may not read it (anonymous 401, others 403/404) hears the same: not published.
  const notPublished = state.mode === "public" && [401, 403, 404].includes(error?.status);
  els.title.dataset.i18n = notPublished ? "sm.not_published_heading" : "sm.heading";
  els.title.replaceChildren(tx(els.title.dataset.i18n));
  const text = notPublished
    ? t("sm.not_published")
    : error?.status === 401 || (state.mode === "editor" && !me)
      ? t("sm.sign_in_needed")
      : problemMessage(error?.problem ?? {}) || error?.message || t("sm.error");
  // A member following the editor's link signed out signs in here and comes back to it.
  const signIn =
    state.mode === "editor" && !me
      ? signInForm({ keys: SIGN_IN_KEYS, onSignedIn: () => location.reload() })
      : null;
  els.alert.replaceChildren(h("p", { class: "notice error" }, text));
  // Beside the alert, not in it: the form has an alert of its own.
  document.getElementById("map-next")?.remove();
  els.alert.after(
    h(
      "div",
      { id: "map-next" },
      signIn,
      h("p", {}, h("a", { class: "button", href: "/" }, tx("sm.to_public_map"))),
    ),
  );
  els.listStatus.textContent = "";
  els.drawBar.hidden = true;
  document.querySelector(".sm-body-grid").hidden = true;
}

async function reload({ keepEditor = false } = {}) {
  await load();
  if (!state.map) {
    renderLoadError();
    return;
  }
  if (!keepEditor) showEditor(null);
  render();
}

// --- adding a place -----------------------------------------------------------------------

function startDrawing(type) {
  clearAlert();
  showEditor(null);
  state.draft = null;
  state.drawing = { type, coords: [] };
  placeMap.setDrawing(true);
  render();
  say(mapHint(state.drawing));
}

function tap(coord) {
  if (!state.drawing) return;
  state.drawing.coords.push(coord);
  if (state.drawing.type === "Point") {
    finishDrawing();
    return;
  }
  renderDrawBar();
  refreshDraft();
  say(t(`sm.drawing_${state.drawing.type}`, { count: state.drawing.coords.length }));
}

function undoVertex() {
  state.drawing?.coords.pop();
  renderDrawBar();
  refreshDraft();
}

function cancelDrawing() {
  state.drawing = null;
  state.draft = null;
  placeMap.setDrawing(false);
  showEditor(null);
  render();
  say(t("sm.cancelled"));
}

function finishDrawing() {
  const geometry = drawnGeometry(state.drawing);
  if (!geometry) {
    say(t(`sm.need_points_${state.drawing.type}`));
    return;
  }
  state.drawing = null;
  placeMap.setDrawing(false);
  state.draft = { geometry };
  render();
  openForm();
}

function openForm() {
  const draft = state.draft;
  showEditor(() => {
    const existing = draft.id ? existingPhotos(draft.id) : null;
    return [placeForm(draft, { onSave: (values) => savePlace(draft, values), onCancel: closeForm, existingPhotos: existing })];
  }, "#form-heading");
}

function closeForm() {
  state.draft = null;
  showEditor(null);
  refreshDraft();
}

function existingPhotos(id) {
  const f = featureById(id);
  const photos = f?.properties.photos ?? [];
  if (!photos.length) return null;
  return h(
    "div",
    { class: "sm-existing-photos" },
    h("p", { class: "sm-label" }, tx("sm.form_current_photos")),
    h(
      "ul",
      { class: "sm-photos" },
      photos.map((photo, index) =>
        h(
          "li",
          {},
          h("img", {
            src: photo.thumbnail_url || photo.url,
            alt: t("sm.photo_alt", { n: f.properties.number, index: index + 1, kind: kindText(f.properties) }),
            width: 96,
            height: 72,
          }),
          h("button", { type: "button", onclick: () => removePhoto(photo.id) }, tx("sm.photo_delete", { index: index + 1 })),
        ),
      ),
    ),
  );
}

async function uploadPhotos(id, files) {
  const form = new FormData();
  for (const file of files) form.append("photo", file);
  await api.post(`${featurePath(id)}/photos`, { form });
}

async function savePlace(draft, values) {
  clearAlert();
  const properties = { kind: values.kind, detail: values.detail, title: values.title, note: values.note };
  say(t("sm.saving"));
  try {
    let id = draft.id;
    if (!id) {
      const created = await api.post(`${mapPath()}/features`, {
        json: { type: "Feature", geometry: draft.geometry, properties },
      });
      id = created.id;
    } else {
      const saved = await patchPlace(id, draft.version, { properties }, { ...properties, geometry: null }, values.files);
      if (!saved) return;
    }
    // The place is saved; a photo the server refuses is said after the list shows it.
    let photoError = null;
    if (values.files.length) {
      say(t("sm.uploading", { count: values.files.length }));
      await uploadPhotos(id, values.files).catch((error) => (photoError = error));
    }
    state.draft = null;
    state.selected = id;
    await reload();
    select(id);
    say(t("sm.saved", { n: featureById(id)?.properties.number ?? "" }));
    document.getElementById(`place-${id}`)?.querySelector("button")?.focus();
    if (photoError) alertError(photoError);
  } catch (error) {
    say("");
    alertError(error);
  }
}

/** PATCH with the version the person started from. A 412 opens the conflict panel (with
 * what they tried), a 403 says whose place it is; true when saved. */
async function patchPlace(id, version, body, mine, files = []) {
  try {
    await api.patch(featurePath(id), { json: body, headers: ifMatch(version) });
    return true;
  } catch (error) {
    if (error.status === 412 && error.problem?.current) {
      say("");
      showConflict(id, body, mine, error.problem.current, files);
      return false;
    }
    if (error.status === 403) {
      // The answer changed under the person (their role, say): what they may do now is shown.
      state.draft = null;
      state.moving = null;
      placeMap.setMoving(false);
      await reload();
      say("");
      showAlert(t("sm.not_yours"));
      return false;
    }
    throw error;
  }
}

function showConflict(id, body, mine, current, files) {
  say(t("sm.conflict_heading"));
  const geometryMine = body.geometry ?? null;
  showEditor(
    () => [
      conflictPanel({ ...mine, geometry: geometryMine }, current, {
        onKeepMine: async () => {
          clearAlert();
          try {
            const saved = await patchPlace(id, current.properties.version, body, mine, files);
            if (!saved) return;
            if (files.length) await uploadPhotos(id, files);
            state.draft = null;
            state.moving = null;
            placeMap.setMoving(false);
            await reload();
            select(id);
            say(t("sm.kept_mine"));
          } catch (error) {
            alertError(error);
          }
        },
        onTakeTheirs: async () => {
          state.draft = null;
          state.moving = null;
          placeMap.setMoving(false);
          await reload();
          select(id);
          say(t("sm.took_theirs"));
        },
      }),
    ],
    "#conflict-heading",
  );
}

// --- changing, moving and deleting --------------------------------------------------------

function editPlace(id) {
  const f = featureById(id);
  if (!f || !canEdit(f)) return;
  clearAlert();
  const p = f.properties;
  state.draft = { id, version: p.version, number: p.number, kind: p.kind, detail: p.detail, title: p.title, note: p.note };
  select(id);
  openForm();
}

function startMove(id) {
  const f = featureById(id);
  if (!f || !canEdit(f)) return;
  clearAlert();
  showEditor(null);
  state.moving = { id, version: f.properties.version, geometry: f.geometry };
  placeMap.setMoving(true);
  select(id, { show: true });
  render();
  els.drawBar.querySelector("button")?.focus();
  say(t("sm.move_hint"));
}

function moveBy(delta) {
  if (!state.moving) return;
  state.moving.geometry = shifted(state.moving.geometry, delta);
  refreshDraft();
}

function cancelMove() {
  state.moving = null;
  placeMap.setMoving(false);
  render();
}

async function saveMove() {
  const moving = state.moving;
  const f = featureById(moving.id);
  const p = f.properties;
  const mine = { kind: p.kind, detail: p.detail, title: p.title, note: p.note };
  try {
    const saved = await patchPlace(moving.id, moving.version, { geometry: moving.geometry }, mine);
    if (!saved) return;
    state.moving = null;
    placeMap.setMoving(false);
    await reload();
    select(moving.id);
    say(t("sm.moved", { n: p.number }));
  } catch (error) {
    alertError(error);
  }
}

async function removePlace(id) {
  const f = featureById(id);
  if (!f || !canEdit(f)) return;
  if (!confirm(t("sm.delete_confirm", { n: f.properties.number }))) return;
  clearAlert();
  try {
    await api.delete(featurePath(id), { headers: ifMatch(f.properties.version) });
    state.selected = null;
    await reload();
    say(t("sm.deleted", { n: f.properties.number }));
    els.listStatus.focus?.();
  } catch (error) {
    if (error.status === 412) {
      await reload();
      showAlert(t("sm.delete_conflict"));
    } else alertError(error);
  }
}

async function removePhoto(photoId) {
  try {
    await api.delete(photoPath(photoId));
    const draft = state.draft;
    await reload({ keepEditor: true });
    if (draft) {
      state.draft = draft;
      openForm();
    }
    say(t("sm.photo_deleted"));
  } catch (error) {
    alertError(error);
  }
}

// --- history ------------------------------------------------------------------------------

async function openPlaceHistory(id) {
  const f = featureById(id);
  try {
    const versions = await loadHistory(id);
    showHistory(
      () =>
        placeHistory(versions, {
          title: t("sm.place_history", { n: f?.properties.number ?? "" }),
          canRestore: canEdit(f),
          onRestore: (v) => restore(v),
          onClose: () => showHistory(null),
        }),
      "#history-heading",
    );
  } catch (error) {
    alertError(error);
  }
}

async function openMapHistory() {
  try {
    const versions = await loadHistory(null);
    const addedBy = new Map(versions.filter((v) => v.change === "added").map((v) => [v.feature_id, v.changed_by?.id]));
    showHistory(
      () =>
        mapHistory(versions, {
          canRestore: (v) => canPublish() || (me && addedBy.get(v.feature_id) === me.id),
          onRestore: (v) => restore(v),
          onClose: () => showHistory(null),
          numberOf: (fid) => featureById(fid)?.properties.number ?? null,
        }),
      "#history-heading",
    );
  } catch (error) {
    alertError(error);
  }
}

async function restore(v) {
  clearAlert();
  try {
    await api.post(`${featurePath(v.feature_id)}/restore`, { json: { version: v.version } });
    showHistory(null);
    await reload();
    select(v.feature_id, { show: true });
    say(t("sm.restored", { n: featureById(v.feature_id)?.properties.number ?? "" }));
    document.getElementById(`place-${v.feature_id}`)?.querySelector("button")?.focus();
  } catch (error) {
    alertError(error);
  }
}

// --- the leader's tools -------------------------------------------------------------------

function reviewPhoto(featureId, photoId) {
  const f = featureById(featureId);
  const photo = f?.properties.photos.find((p) => p.id === photoId);
  if (!photo) return;
  select(featureId);
  showEditor(
    () => [
      blurTool(photo, {
        onRelease: async (body) => {
          try {
            await api.post(`${photoPath(photoId)}/release`, { json: body });
            await reload();
            say(t("sm.photo_released"));
          } catch (error) {
            alertError(error);
          }
        },
        onWithhold: async () => {
          try {
            await api.post(`${photoPath(photoId)}/withhold`);
            await reload();
            say(t("sm.photo_withheld"));
          } catch (error) {
            alertError(error);
          }
        },
        onClose: () => showEditor(null),
      }),
    ],
    "#blur-heading",
  );
}

async function setArea(districtId) {
  clearAlert();
  try {
    await api.patch(mapPath(), { json: { district_id: districtId } });
    await reload();
    say(t("sm.area_saved"));
  } catch (error) {
    alertError(error);
  }
}

async function addStartingPoints() {
  clearAlert();
  say(t("sm.starting_points_adding"));
  try {
    const result = await api.post(`${mapPath()}/starting-points`, {
      json: { sources: ["child_safe_house", "police_box", "aed"] },
    });
    await reload();
    if (result.added) placeMap.showBox(state.map.bbox);
    say(t("sm.starting_points_done", { added: result.added, skipped: result.skipped }));
  } catch (error) {
    say("");
    alertError(error);
  }
}

async function publish() {
  const waiting = unreleasedPhotos().length;
  if (waiting && !confirm(t("sm.publish_confirm_photos", { count: waiting }))) return;
  try {
    await api.post(`${mapPath()}/publish`);
    await reload();
    say(t("sm.published"));
  } catch (error) {
    alertError(error);
  }
}

async function unpublish() {
  try {
    await api.post(`${mapPath()}/unpublish`);
    await reload();
    say(t("sm.unpublished"));
  } catch (error) {
    alertError(error);
  }
}

// --- start --------------------------------------------------------------------------------

onLanguageChange(() => {
  if (!state.map) {
    if (state.loadError) renderLoadError();
    return;
  }
  render();
  if (editorView) showEditor(editorView);
  if (historyView) showHistory(historyView);
});

async function start() {
  document.body.classList.add(`sm-mode-${state.mode}`);
  if (!Number.isFinite(state.mapId)) {
    state.loadError = { status: 404 };
    renderLoadError();
    return;
  }
  say(t("sm.loading"));
  if (state.mode === "editor") me = await whoAmI().catch(() => null);
  await load();
  if (!state.map) {
    renderLoadError();
    say("");
    return;
  }
  placeMap = new PlaceMap($("map"), {
    mapId: state.mapId,
    mapLabel: t("sm.map_label"),
    onSelect: (id, options) => select(id, options),
    onTap: tap,
    onDrag: moveBy,
  });
  render();
  try {
    await placeMap.start(state.map.bbox);
  } catch {
    els.hint.textContent = t("sm.map_failed");
  }
  render();
  say("");
  // For scripts and tests, as on the public map.
  window.machimap = { map: placeMap.map };
}

start();
