// The report flow at /report, phone first: one step per screen (category, place, photos and
// description, reports already nearby, contact), a confirmation, then the reference number
// and tracking link. Everything entered lives in `state.draft`, so going back, a language
// switch or a refused submission never loses it. A report sent without a connection is
// kept in IndexedDB and sent, with the same idempotency key, when the connection returns.
import "../common/base.css";
import "./report.css";
import { api, ApiError, NetworkError } from "../common/api.js";
import {
  addMessages,
  formatDateTime,
  formatNumber,
  initLanguage,
  lang,
  onLanguageChange,
  t,
} from "../common/i18n.js";
import { symbolFor, symbolSvg } from "../common/symbols.js";
import messages from "../messages/report.js";
import { h } from "../common/dom.js";
import * as storage from "./storage.js";

addMessages(messages);
initLanguage();

const STEPS = ["category", "place", "details", "nearby", "contact"];
const SCREENS = new Set(["start", ...STEPS, "confirm", "queued", "done"]);
const MAX_PHOTOS = 5;
const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
const DESCRIPTION_MAX = 4000;
const NEARBY_RADIUS_M = 50;
const SEND_TIMEOUT_MS = 120_000;
// 町丁目 say where a place is; 自治会 names (「大富第19自主防災会」) do not, so they are skipped.
const DISTRICT_DEPTH = { block: 2, area: 1 };

const main = document.getElementById("main");
const root = h("div", { class: "report-app" });
const announcer = h("div", { class: "visually-hidden", "aria-live": "polite", role: "status" });
main.append(root, announcer);

let photoSeq = 0;

function newDraft() {
  return {
    key: crypto.randomUUID(),
    category: null,
    point: null, // {lat, lon}
    source: null, // gps | pin | photo | address
    accuracy: null,
    place: null, // the chosen place's {name, name_en, detail, kind} (address search)
    district: null, // {ja, en}: the finest district containing the point
    photos: [], // {id, blob, name, type, url}
    photoSuggestion: null, // {lat, lon, district}
    description: "",
    contact: { name: "", email: "", phone: "", notify: false },
    consent: false,
  };
}

const state = {
  screen: "start",
  draft: newDraft(),
  categories: [],
  categoriesFailed: false,
  errors: {}, // field → message key (client checks)
  submitError: null, // an ApiError from the server, shown on the confirm screen
  sending: false,
  result: null, // the server's answer to the last submission
  queuedKey: null, // the draft the "kept on this device" screen is waiting for
  nearby: null, // {for, status: loading|ok|error, items}
  supported: {}, // public_id → {count, added}
  search: { q: "", status: "", results: [] },
  placeStatus: null, // {key, error}
  photoStatus: null, // {key, params, error}
  drafts: [],
  notices: [], // {key, params}: drafts sent in the background
};

// --- helpers ------------------------------------------------------------------------------

function category(code = state.draft.category) {
  return state.categories.find((c) => c.code === code) || null;
}

function categoryName(cat) {
  if (!cat) return "";
  return lang() === "ja" ? cat.name_ja : cat.name_en || cat.name_ja;
}

function categoryLabelOf(code) {
  const cat = category(code);
  return cat ? categoryName(cat) : code;
}

function symbolOf(cat) {
  const index = state.categories.indexOf(cat);
  return symbolSvg(symbolFor(cat.icon, Math.max(index, 0)), 28);
}

/** The server's refusal in the page's current language (ApiError keeps the problem). */
function problemText(error) {
  if (!error) return "";
  if (error instanceof NetworkError || error.name === "NetworkError") return t("error.network");
  const problem = error.problem;
  if (problem) {
    const text =
      lang() === "ja"
        ? problem.detail_ja || problem.title_ja || problem.detail
        : problem.detail || problem.title;
    if (text) return text;
  }
  return error.message || t("error.unexpected");
}

function announce(text) {
  announcer.textContent = "";
  // A new text node after a tick, so the same message twice is still read out.
  setTimeout(() => {
    announcer.textContent = text;
  }, 50);
}

function coordsText(point) {
  return t("place.coords", {
    lat: formatNumber(point.lat, { maximumFractionDigits: 5, minimumFractionDigits: 5 }),
    lon: formatNumber(point.lon, { maximumFractionDigits: 5, minimumFractionDigits: 5 }),
  });
}

function districtName(district) {
  if (!district) return "";
  return lang() === "ja" ? district.ja : district.en || district.ja;
}

function placeName(place) {
  if (!place) return "";
  return lang() === "ja" ? place.name : place.name_en || place.name;
}

/** The chosen place in words: how it was chosen, the district, the coordinates. */
function placeWords(d = state.draft) {
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

// --- navigation ---------------------------------------------------------------------------

/** The first step whose input is missing before `screen` (so a history jump cannot skip). */
function firstMissing(screen) {
  const d = state.draft;
  const order = [...STEPS, "confirm"];
  const upto = order.indexOf(screen);
  if (upto < 0) return screen;
  const needs = {
    place: () => d.category,
    details: () => d.point,
    nearby: () => d.description.trim(),
  };
  for (let i = 1; i <= upto; i++) {
    const check = needs[order[i]];
    if (check && !check()) return order[i - 1];
  }
  return screen;
}

function go(screen, { push = true, focus = true } = {}) {
  if (!SCREENS.has(screen)) screen = "start";
  screen = firstMissing(screen);
  state.screen = screen;
  state.errors = {};
  if (screen !== "confirm") state.submitError = null;
  if (screen !== "start") state.notices = [];
  if (push) history.pushState({ screen }, "");
  else history.replaceState({ screen }, "");
  render({ focus });
  window.scrollTo(0, 0);
  if (screen === "nearby") loadNearby();
  if (screen === "start") refreshDrafts();
}

window.addEventListener("popstate", (event) => {
  let screen = event.state?.screen || "start";
  // After sending, Back never leads into the finished report's steps again.
  if (state.screen === "done" || state.screen === "queued") screen = "start";
  go(screen, { push: false });
});

function next() {
  const at = STEPS.indexOf(state.screen);
  const errors = validate(state.screen);
  if (Object.keys(errors).length) {
    state.errors = errors;
    render({ focus: false });
    const first = root.querySelector("[aria-invalid='true']");
    (first || root.querySelector(".field-error"))?.focus();
    return;
  }
  go(at >= 0 && at < STEPS.length - 1 ? STEPS[at + 1] : "confirm");
}

function back() {
  const at = STEPS.indexOf(state.screen);
  if (state.screen === "confirm") go(STEPS[STEPS.length - 1]);
  else if (at > 0) go(STEPS[at - 1]);
  else go("start");
}

function validate(screen) {
  const d = state.draft;
  const errors = {};
  if (screen === "category" && !category()) errors.category = "category.required";
  if (screen === "place" && !d.point) errors.place = "place.required";
  if (screen === "details") {
    if (!d.description.trim()) errors.description = "details.description_required";
    else if (d.description.length > DESCRIPTION_MAX) errors.description = "details.description_long";
  }
  if (screen === "contact") {
    const c = d.contact;
    if (c.email.trim() && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(c.email.trim()))
      errors.email = "contact.email_invalid";
    if (c.notify && !c.email.trim()) errors.email = "contact.notify_needs_email";
    if (c.phone.trim() && !/^[0-9+\-() ]{1,40}$/.test(c.phone.trim()))
      errors.phone = "contact.phone_invalid";
    if (c.name.length > 100) errors.name = "contact.name_long";
  }
  return errors;
}

// --- rendering ----------------------------------------------------------------------------

function render({ focus = false } = {}) {
  const screens = {
    start: startScreen,
    category: categoryStep,
    place: placeStep,
    details: detailsStep,
    nearby: nearbyStep,
    contact: contactStep,
    confirm: confirmScreen,
    queued: queuedScreen,
    done: doneScreen,
  };
  const active = document.activeElement;
  const keepId = !focus && root.contains(active) ? active.id : null;
  // A re-render while someone types (a photo's location arriving) keeps their caret.
  let selection = null;
  try {
    if (keepId && typeof active.selectionStart === "number")
      selection = [active.selectionStart, active.selectionEnd];
  } catch {
    // Inputs such as type=email have no selection.
  }
  root.replaceChildren(screens[state.screen]());
  root.dataset.screen = state.screen;
  if (state.screen === "place") mountMap();
  if (focus) root.querySelector("h1")?.focus();
  else if (keepId) {
    const again = document.getElementById(keepId);
    again?.focus();
    if (again && selection) {
      try {
        again.setSelectionRange(...selection);
      } catch {
        // Not a text field after all.
      }
    }
  }
}

function heading(screen, titleKey) {
  const at = STEPS.indexOf(screen);
  const numbered = at >= 0;
  const marker = numbered
    ? t("step.of", { n: at + 1, total: STEPS.length })
    : screen === "confirm"
      ? t("step.confirm")
      : null;
  const progress =
    numbered || screen === "confirm"
      ? h(
          "ol",
          { class: "progress", "aria-hidden": "true" },
          STEPS.map((step, i) =>
            h("li", {
              class:
                screen === "confirm" || i < at ? "done" : i === at ? "current" : "",
            }),
          ),
        )
      : null;
  return [
    progress,
    h(
      "h1",
      { tabindex: "-1", class: "step-heading", id: "page-heading" },
      marker ? h("span", { class: "step-of" }, marker) : null,
      h("span", { class: "step-title" }, t(titleKey)),
    ),
  ];
}

function stepNav({ nextKey = "common.next", onNext = next, backKey = "common.back" } = {}) {
  return h(
    "div",
    { class: "step-nav" },
    h("button", { type: "button", class: "back", onclick: back }, t(backKey)),
    h("button", { type: "submit", class: "primary next", onclick: formless(onNext) }, t(nextKey)),
  );
}

/** A submit button outside a form does nothing by itself; inside one, the form's submit
 * handler runs instead (so Enter in a field also goes on). */
function formless(handler) {
  return (event) => {
    if (!event.currentTarget.form) handler();
  };
}

function stepForm(...children) {
  return h(
    "form",
    {
      class: "step",
      novalidate: true,
      onsubmit: (event) => {
        event.preventDefault();
        next();
      },
    },
    ...children,
  );
}

function fieldError(field) {
  const key = state.errors[field];
  if (!key) return null;
  return h("p", { class: "field-error", id: `error-${field}`, role: "alert", tabindex: "-1" }, t(key));
}

function describedBy(...ids) {
  const list = ids.filter(Boolean);
  return list.length ? list.join(" ") : null;
}

// --- start --------------------------------------------------------------------------------

function startScreen() {
  const d = state.draft;
  const started = Boolean(d.category || d.description || d.photos.length);
  const section = h(
    "section",
    { class: "start" },
    h("h1", { tabindex: "-1", id: "page-heading" }, t("start.title")),
    state.notices.length
      ? h(
          "div",
          { class: "notice ok", role: "status" },
          state.notices.map((n) => h("p", {}, t(n.key, n.params))),
        )
      : null,
    h("p", {}, t("start.intro")),
    h("p", { class: "notice emergency" }, t("start.emergency")),
    state.categoriesFailed && !state.categories.length
      ? h(
          "div",
          { class: "notice error", role: "alert" },
          h("p", {}, t("start.categories_failed")),
          h("button", { type: "button", onclick: () => loadCategories(true) }, t("start.retry")),
        )
      : null,
    h(
      "div",
      { class: "start-actions" },
      h(
        "button",
        {
          type: "button",
          class: "primary big",
          id: "start-button",
          disabled: !state.categories.length,
          onclick: () => go("category"),
        },
        t(started ? "start.continue" : "start.begin"),
      ),
      started
        ? h("button", { type: "button", onclick: startOver }, t("start.start_over"))
        : null,
    ),
    draftsSection(),
    myReportsSection(),
  );
  return section;
}

function startOver() {
  discardDraft();
  render({ focus: false });
  root.querySelector(".start-actions .primary")?.focus();
}

function discardDraft() {
  for (const photo of state.draft.photos) URL.revokeObjectURL(photo.url);
  state.draft = newDraft();
  state.nearby = null;
  state.supported = {};
  state.search = { q: "", status: "", results: [] };
  state.placeStatus = null;
  state.photoStatus = null;
  state.submitError = null;
  placeMap?.clear();
}

function draftsSection() {
  if (!state.drafts.length) return null;
  return h(
    "section",
    { class: "drafts", "aria-labelledby": "drafts-heading" },
    h("h2", { id: "drafts-heading" }, t("drafts.title", { n: formatNumber(state.drafts.length) })),
    h("p", {}, t("drafts.intro")),
    h(
      "ul",
      { class: "cards" },
      state.drafts.map((draft) =>
        h(
          "li",
          { class: "card" },
          h("p", { class: "card-title" }, categoryLabelOf(draft.category)),
          h("p", { class: "excerpt" }, excerpt(draft.description)),
          h(
            "p",
            { class: "meta" },
            t("drafts.saved_at", { at: formatDateTime(new Date(draft.savedAt)) }),
            " · ",
            t("drafts.photos", { n: formatNumber(draft.photos?.length || 0) }),
          ),
          draft.error
            ? h("p", { class: "field-error" }, t("drafts.refused", { reason: problemText(draft.error) }))
            : h("p", { class: "meta" }, t(navigator.onLine ? "drafts.pending" : "drafts.waiting")),
          h(
            "div",
            { class: "card-actions" },
            draft.error
              ? null
              : h(
                  "button",
                  {
                    type: "button",
                    onclick: sendNow,
                    "aria-label": t("drafts.send_now_label", { what: excerpt(draft.description, 20) }),
                  },
                  t("drafts.send_now"),
                ),
            h(
              "button",
              {
                type: "button",
                onclick: () => openDraft(draft),
                "aria-label": t("drafts.open_label", { what: excerpt(draft.description, 20) }),
              },
              t("drafts.open"),
            ),
            h(
              "button",
              {
                type: "button",
                class: "danger",
                onclick: () => removeDraft(draft),
                "aria-label": t("drafts.delete_label", { what: excerpt(draft.description, 20) }),
              },
              t("drafts.delete"),
            ),
          ),
        ),
      ),
    ),
  );
}

function excerpt(text, length = 60) {
  const clean = (text || "").replace(/\s+/g, " ").trim();
  return clean.length > length ? `${clean.slice(0, length)}…` : clean;
}

function myReportsSection() {
  const mine = storage.myReports();
  if (!mine.length) return null;
  return h(
    "section",
    { class: "mine", "aria-labelledby": "mine-heading" },
    h("h2", { id: "mine-heading" }, t("mine.title")),
    h("p", {}, t("mine.intro")),
    h(
      "ul",
      { class: "cards" },
      mine.map((r) =>
        h(
          "li",
          { class: "card" },
          h(
            "p",
            { class: "card-title" },
            r.kind === "support" ? t("mine.supported") : t("mine.reference"),
            " ",
            h("strong", { class: "public-id" }, r.public_id),
          ),
          h(
            "p",
            { class: "meta" },
            categoryLabelOf(r.category),
            r.at ? ` · ${formatDateTime(r.at)}` : "",
          ),
          r.description ? h("p", { class: "excerpt" }, excerpt(r.description)) : null,
          h(
            "p",
            {},
            h(
              "a",
              {
                href: r.tracking_url,
                "aria-label": t("mine.track_label", { id: r.public_id }),
              },
              t("mine.track"),
            ),
          ),
        ),
      ),
    ),
  );
}

// --- step 1: category ---------------------------------------------------------------------

function categoryStep() {
  const d = state.draft;
  const error = fieldError("category");
  const fieldset = h(
    "fieldset",
    { class: "choices", "aria-describedby": error ? "error-category" : null },
    h("legend", {}, t("category.legend")),
    error,
    state.categories.map((cat) => {
      const id = `category-${cat.code}`;
      return h(
        "div",
        { class: "choice" },
        h("input", {
          type: "radio",
          name: "category",
          id,
          value: cat.code,
          checked: d.category === cat.code,
          "aria-invalid": error ? "true" : null,
          onchange: () => setCategory(cat.code),
        }),
        h(
          "label",
          { for: id },
          h("span", { class: "choice-symbol", html: symbolOf(cat) }),
          h(
            "span",
            { class: "choice-text" },
            h("span", { class: "choice-name" }, categoryName(cat)),
            cat.sensitive ? h("span", { class: "choice-note" }, t("category.sensitive")) : null,
          ),
        ),
      );
    }),
  );
  return stepForm(...heading("category", "category.title"), fieldset, stepNav());
}

function setCategory(code) {
  if (state.draft.category !== code) state.nearby = null;
  state.draft.category = code;
  if (state.errors.category) {
    delete state.errors.category;
    render({ focus: false });
  }
}

// --- step 2: place ------------------------------------------------------------------------

let placeMap = null;
let mapLoading = null;

async function mountMap() {
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

function setPoint(point, source, { accuracy = null, place = null } = {}) {
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

let districtTimer = null;

function updatePlaceWords({ quiet = false } = {}) {
  const box = root.querySelector("#chosen-place");
  if (box) box.replaceWith(chosenPlaceBox());
  const suggestion = root.querySelector(".suggestion");
  if (suggestion) suggestion.replaceWith(suggestionBox() || h("div", { hidden: true }));
  for (const error of root.querySelectorAll("#error-place")) error.remove();
  if (!quiet) announce(`${t("place.chosen")} ${placeWords()}`);
}

function chosenPlaceBox() {
  const d = state.draft;
  return h(
    "div",
    { id: "chosen-place", class: d.point ? "chosen-place set" : "chosen-place" },
    h("p", {}, h("strong", {}, t("place.chosen")), " ", placeWords()),
    d.point ? h("p", { class: "meta" }, coordsText(d.point)) : null,
  );
}

async function lookupDistrict(point) {
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
    return best ? { ja: best.p.name, en: best.p.name_en || best.p.name } : null;
  } catch {
    return null; // the words are a help; the coordinates still say where
  }
}

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
        { type: "button", id: "pin-centre", onclick: () => placeMap?.pinAtCentre() },
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

function suggestionBox() {
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
      s.district ? ` ${t("place.near", { name: districtName(s.district) })}` : "",
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

// --- place search (the way to choose a place without the map) ------------------------------

let searchTimer = null;
let searchAbort = null;

function searchSection() {
  const s = state.search;
  const chosen = state.draft.source === "address" ? state.draft.place : null;
  return h(
    "section",
    { class: "place-search", "aria-labelledby": "place-search-heading" },
    h("h2", { id: "place-search-heading" }, t("search.title")),
    h(
      "form",
      {
        role: "search",
        class: "search-form",
        onsubmit: (event) => {
          event.preventDefault();
          runSearch(0);
        },
      },
      h("label", { for: "place-q" }, t("search.label")),
      h("p", { class: "hint", id: "place-q-hint" }, t("search.hint")),
      h(
        "div",
        { class: "search-row" },
        h("input", {
          type: "search",
          id: "place-q",
          autocomplete: "off",
          enterkeyhint: "search",
          value: s.q,
          "aria-describedby": "place-q-hint",
          "aria-controls": "place-results",
          oninput: (event) => {
            s.q = event.target.value;
            if (!event.isComposing) runSearch(400);
          },
          oncompositionend: () => runSearch(400),
          onkeydown: (event) => {
            if (event.key === "ArrowDown" && s.results.length) {
              event.preventDefault();
              root.querySelector("#place-results button")?.focus();
            }
          },
        }),
        h("button", { type: "submit" }, t("common.search")),
      ),
    ),
    h("p", { id: "search-status", class: "status-line", role: "status" }, s.status ? t(s.status.key, s.status.params) : ""),
    h(
      "ul",
      {
        id: "place-results",
        class: "place-results",
        "aria-label": t("search.results"),
        hidden: !s.results.length,
        onkeydown: resultKeys,
      },
      s.results.map((feature, i) => {
        const p = feature.properties || {};
        const isChosen = Boolean(chosen && chosen.kind === p.kind && chosen.id === p.id);
        return h(
          "li",
          {},
          h(
            "button",
            {
              type: "button",
              class: isChosen ? "result chosen" : "result",
              "data-index": String(i),
              "aria-pressed": isChosen ? "true" : "false",
              onclick: () => choosePlace(feature),
            },
            h("span", { class: "result-name" }, lang() === "ja" ? p.name : p.name_en || p.name),
            h(
              "span",
              { class: "result-detail" },
              [t(`search.kind.${p.kind === "district" ? "district" : "facility"}`), p.detail]
                .filter(Boolean)
                .join(" · "),
            ),
          ),
        );
      }),
    ),
  );
}

function resultKeys(event) {
  const buttons = [...root.querySelectorAll("#place-results button")];
  const at = buttons.indexOf(document.activeElement);
  if (at < 0) return;
  let to = null;
  if (event.key === "ArrowDown") to = Math.min(at + 1, buttons.length - 1);
  else if (event.key === "ArrowUp") to = at - 1;
  else if (event.key === "Home") to = 0;
  else if (event.key === "End") to = buttons.length - 1;
  else if (event.key === "Escape") to = -1;
  if (to === null) return;
  event.preventDefault();
  if (to < 0) root.querySelector("#place-q")?.focus();
  else buttons[to].focus();
}

function runSearch(delay) {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(searchPlaces, delay);
}

async function searchPlaces() {
  const s = state.search;
  const q = s.q.trim();
  searchAbort?.abort();
  if (!q) {
    s.results = [];
    s.status = "";
    refreshSearch();
    return;
  }
  const controller = new AbortController();
  searchAbort = controller;
  s.status = { key: "search.searching" };
  refreshSearchStatus();
  try {
    const found = await api.get(`/api/places?q=${encodeURIComponent(q)}`, {
      signal: controller.signal,
    });
    s.results = (found.features || []).filter((f) => f.geometry?.type === "Point");
    s.status = s.results.length
      ? { key: "search.found", params: { n: formatNumber(s.results.length) } }
      : { key: "search.none", params: { q } };
  } catch (error) {
    if (error.name === "AbortError") return;
    s.results = [];
    s.status = { key: error instanceof NetworkError ? "search.offline" : "search.failed" };
  }
  refreshSearch();
}

function refreshSearchStatus() {
  const line = root.querySelector("#search-status");
  const s = state.search.status;
  if (line) line.textContent = s ? t(s.key, s.params) : "";
}

/** Replaces the results list in place, keeping focus in the search field. */
function refreshSearch() {
  const old = root.querySelector(".place-search");
  if (!old) return;
  const active = document.activeElement?.id;
  old.replaceWith(searchSection());
  if (active === "place-q") {
    const input = root.querySelector("#place-q");
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
  }
}

function choosePlace(feature) {
  const [lon, lat] = feature.geometry.coordinates;
  const p = feature.properties || {};
  setPoint(
    { lat, lon },
    "address",
    { place: { id: p.id, kind: p.kind, name: p.name, name_en: p.name_en, detail: p.detail } },
  );
  const index = state.search.results.indexOf(feature);
  refreshSearch();
  root.querySelector(`#place-results button[data-index="${index}"]`)?.focus();
}

// --- step 3: photos and description -------------------------------------------------------

function photoPicker(prefix, withCamera = true) {
  const d = state.draft;
  const full = d.photos.length >= MAX_PHOTOS;
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

function photoStatusLine() {
  const s = state.photoStatus;
  return h(
    "p",
    { class: s?.error ? "photo-status notice error" : "photo-status status-line", role: "status" },
    s ? t(s.key, s.params) : "",
  );
}

function thumbnails({ removable = true } = {}) {
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
  let added = 0;
  let problem = null;
  for (const file of files) {
    if (d.photos.length >= MAX_PHOTOS) {
      problem = { key: "photos.too_many", params: { n: MAX_PHOTOS } };
      break;
    }
    if (!isImage(file)) {
      problem = { key: "photos.not_image", params: { name: file.name } };
      continue;
    }
    if (file.size > MAX_PHOTO_BYTES) {
      problem = { key: "photos.too_big", params: { name: file.name, mb: 10 } };
      continue;
    }
    const photo = {
      id: ++photoSeq,
      blob: file,
      name: file.name || `photo-${photoSeq}.jpg`,
      type: file.type,
      url: URL.createObjectURL(file),
    };
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
    d.photoSuggestion = { lat: found.lat, lon: found.lon, photoId: photo.id, district: null };
    const suggestion = d.photoSuggestion;
    announce(t("photo_place.found"));
    if (state.screen === "details" || state.screen === "place") render({ focus: false });
    suggestion.district = await lookupDistrict(suggestion);
    if (d.photoSuggestion === suggestion && (state.screen === "details" || state.screen === "place"))
      render({ focus: false });
  } catch {
    // No suggestion: the person places the pin themselves.
  }
}

function detailsStep() {
  const d = state.draft;
  const error = fieldError("description");
  const counter = h(
    "p",
    { class: "counter", id: "description-count" },
    t("details.count", { n: formatNumber(d.description.length), max: formatNumber(DESCRIPTION_MAX) }),
  );
  return stepForm(
    ...heading("details", "details.title"),
    h(
      "section",
      { class: "photos", "aria-labelledby": "photos-heading" },
      h("h2", { id: "photos-heading" }, t("photos.title")),
      h("p", { class: "hint" }, t("photos.hint", { n: MAX_PHOTOS })),
      photoPicker("photo"),
      photoStatusLine(),
      thumbnails(),
      suggestionBox(),
    ),
    h(
      "div",
      { class: "field" },
      h(
        "label",
        { for: "description" },
        t("details.description"),
        h("span", { class: "required" }, t("details.required")),
      ),
      h("p", { class: "hint", id: "description-hint" }, t("details.description_hint")),
      error,
      h("textarea", {
        id: "description",
        name: "description",
        rows: "6",
        maxlength: String(DESCRIPTION_MAX),
        required: true,
        "aria-invalid": error ? "true" : null,
        "aria-describedby": describedBy(error && "error-description", "description-hint", "description-count"),
        value: d.description,
        oninput: (event) => {
          d.description = event.target.value;
          counter.textContent = t("details.count", {
            n: formatNumber(d.description.length),
            max: formatNumber(DESCRIPTION_MAX),
          });
        },
      }),
      counter,
    ),
    stepNav(),
  );
}

// --- step 4: reports already nearby -------------------------------------------------------

function nearbyKey() {
  const d = state.draft;
  return `${d.category}|${d.point?.lat}|${d.point?.lon}`;
}

async function loadNearby() {
  const d = state.draft;
  const key = nearbyKey();
  if (state.nearby?.for === key && state.nearby.status === "ok") return;
  const cat = category();
  if (!cat || !d.point) return;
  if (cat.sensitive) {
    state.nearby = { for: key, status: "ok", items: [], sensitive: true };
    render({ focus: false });
    return;
  }
  state.nearby = { for: key, status: "loading", items: [] };
  const params = new URLSearchParams({
    category: cat.code,
    lat: d.point.lat.toFixed(7),
    lon: d.point.lon.toFixed(7),
    radius: String(NEARBY_RADIUS_M),
  });
  let next;
  try {
    next = { for: key, status: "ok", items: await api.get(`/api/reports/nearby?${params}`) };
  } catch (error) {
    next = { for: key, status: "error", items: [], error };
  }
  if (nearbyKey() !== key) return;
  state.nearby = next;
  if (state.screen === "nearby") {
    render({ focus: false });
    const status = root.querySelector("#nearby-status");
    if (status) announce(status.textContent);
  }
}

function nearbyStep() {
  const n = state.nearby;
  const anySupported = (n?.items || []).some((r) => state.supported[r.public_id]);
  let body;
  if (!n || n.status === "loading") {
    body = h("p", { id: "nearby-status", class: "status-line" }, t("nearby.loading"));
  } else if (n.status === "error") {
    body = h(
      "div",
      { class: "notice error", id: "nearby-status" },
      h("p", {}, t("nearby.failed")),
      h("button", { type: "button", onclick: () => ((state.nearby = null), loadNearby()) }, t("start.retry")),
    );
  } else if (n.sensitive) {
    body = h("p", { id: "nearby-status", class: "notice" }, t("nearby.sensitive"));
  } else if (!n.items.length) {
    body = h("p", { id: "nearby-status", class: "notice" }, t("nearby.none", { m: NEARBY_RADIUS_M }));
  } else {
    body = [
      h(
        "p",
        { id: "nearby-status" },
        t("nearby.found", { n: formatNumber(n.items.length), m: NEARBY_RADIUS_M }),
      ),
      h(
        "ul",
        { class: "cards nearby-list" },
        n.items.map((r) => nearbyCard(r)),
      ),
    ];
  }
  return h(
    "div",
    { class: "step" },
    ...heading("nearby", "nearby.title"),
    h("p", { class: "hint" }, t("nearby.intro")),
    body,
    anySupported
      ? h(
          "div",
          { class: "notice ok supported-done" },
          h("p", {}, t("nearby.after_support")),
          h(
            "button",
            { type: "button", onclick: finishWithSupport },
            t("nearby.finish"),
          ),
        )
      : null,
    stepNav({ nextKey: anySupported || n?.items?.length ? "nearby.new_anyway" : "common.next" }),
  );
}

function nearbyCard(r) {
  const supported = state.supported[r.public_id];
  const headingId = `nearby-${r.public_id}`;
  return h(
    "li",
    { class: "card", "aria-labelledby": headingId },
    h(
      "h2",
      { id: headingId, class: "card-title" },
      Number(r.distance_m) < 5
        ? t("nearby.here")
        : t("nearby.distance", { m: formatNumber(Math.round(Number(r.distance_m))) }),
      " · ",
      lang() === "ja" ? r.category_name_ja : r.category_name_en || r.category_name_ja,
    ),
    h(
      "p",
      { class: "meta" },
      h("span", { class: `status status-${r.status}` }, t(`status.${r.status}`)),
      " · ",
      t("nearby.reference", { id: r.public_id }),
      r.published_at ? ` · ${formatDateTime(r.published_at)}` : "",
    ),
    r.public_description ? h("p", {}, r.public_description) : null,
    h(
      "p",
      { class: "meta", id: `${headingId}-count` },
      t("nearby.supporters", { n: formatNumber(supported?.count ?? r.supporter_count ?? 0) }),
    ),
    supported
      ? h(
          "p",
          { class: "supported", role: "status", tabindex: "-1", id: `${headingId}-done` },
          t(supported.added ? "nearby.supported" : "nearby.already", {
            n: formatNumber(supported.count),
          }),
        )
      : supported === undefined && r.supportError
        ? h("p", { class: "field-error", role: "alert" }, problemText(r.supportError))
        : null,
    supported
      ? null
      : h(
          "button",
          {
            type: "button",
            class: "support",
            "aria-describedby": headingId,
            onclick: (event) => support(r, event.currentTarget),
          },
          t("nearby.support"),
        ),
  );
}

async function support(report, button) {
  button.disabled = true;
  try {
    const answer = await api.post(`/api/reports/${encodeURIComponent(report.public_id)}/support`, {
      headers: { "X-Device-Id": storage.deviceId() },
    });
    state.supported[report.public_id] = { count: answer.supporter_count, added: answer.added };
    report.supportError = null;
    storage.rememberReport({
      public_id: report.public_id,
      kind: "support",
      category: report.category,
      description: report.public_description,
      tracking_url: `/reports/${encodeURIComponent(report.public_id)}`,
    });
  } catch (error) {
    report.supportError = error;
  }
  render({ focus: false });
  const done = root.querySelector(`#nearby-${CSS.escape(report.public_id)}-done`);
  (done || root.querySelector(".nearby-list .field-error"))?.focus();
}

function finishWithSupport() {
  const ids = Object.keys(state.supported);
  discardDraft();
  state.notices = [{ key: "start.supported_notice", params: { ids: ids.join(", ") } }];
  go("start");
}

// --- step 5: contact and consent ----------------------------------------------------------

function textField(field, type, autocomplete, extra = {}) {
  const c = state.draft.contact;
  const error = fieldError(field);
  const id = `contact-${field}`;
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, t(`contact.${field}`)),
    error,
    h("input", {
      type,
      id,
      name: field,
      autocomplete,
      value: c[field],
      "aria-invalid": error ? "true" : null,
      "aria-describedby": describedBy(error && `error-${field}`, extra.hint),
      oninput: (event) => {
        c[field] = event.target.value;
      },
      ...extra.attrs,
    }),
  );
}

function contactStep() {
  const d = state.draft;
  const c = d.contact;
  return stepForm(
    ...heading("contact", "contact.title"),
    h("p", { class: "notice", id: "contact-private" }, t("contact.private")),
    h(
      "fieldset",
      { class: "contact", "aria-describedby": "contact-private" },
      h("legend", {}, t("contact.legend")),
      textField("name", "text", "name", { attrs: { maxlength: "100" } }),
      textField("email", "email", "email", { attrs: { inputmode: "email" } }),
      textField("phone", "tel", "tel", { attrs: { inputmode: "tel", maxlength: "40" } }),
      h(
        "div",
        { class: "check" },
        h("input", {
          type: "checkbox",
          id: "contact-notify",
          checked: c.notify,
          "aria-describedby": "notify-hint",
          onchange: (event) => {
            c.notify = event.target.checked;
          },
        }),
        h("label", { for: "contact-notify" }, t("contact.notify")),
        h("p", { class: "hint", id: "notify-hint" }, t("contact.notify_hint")),
      ),
    ),
    h(
      "fieldset",
      { class: "consent" },
      h("legend", {}, t("consent.legend")),
      h(
        "div",
        { class: "check" },
        h("input", {
          type: "checkbox",
          id: "consent",
          checked: d.consent,
          "aria-describedby": "consent-hint",
          onchange: (event) => {
            d.consent = event.target.checked;
          },
        }),
        h("label", { for: "consent" }, t("consent.label")),
        h("p", { class: "hint", id: "consent-hint" }, t("consent.hint")),
      ),
    ),
    stepNav({ nextKey: "contact.to_confirm" }),
  );
}

// --- confirm and send ---------------------------------------------------------------------

function confirmScreen() {
  const d = state.draft;
  const cat = category();
  const c = d.contact;
  const contactWords = [c.name, c.email, c.phone].map((v) => v.trim()).filter(Boolean);
  const row = (key, value, step, label) =>
    h(
      "div",
      { class: "summary-row" },
      h("dt", {}, t(key)),
      h("dd", {}, value),
      h(
        "dd",
        { class: "change" },
        h(
          "button",
          { type: "button", "aria-label": t("confirm.change_label", { what: t(label || key) }), onclick: () => go(step) },
          t("confirm.change"),
        ),
      ),
    );
  const error = state.submitError;
  return h(
    "div",
    { class: "step confirm" },
    ...heading("confirm", "confirm.title"),
    h("p", {}, t("confirm.intro")),
    error
      ? h(
          "div",
          { class: "notice error submit-error", id: "submit-error", role: "alert", tabindex: "-1" },
          h("p", {}, h("strong", {}, t("confirm.refused"))),
          h("p", {}, problemText(error)),
        )
      : null,
    h(
      "dl",
      { class: "summary" },
      row(
        "confirm.category",
        cat ? [h("span", { class: "choice-symbol", html: symbolOf(cat) }), " ", categoryName(cat)] : "",
        "category",
      ),
      row("confirm.place", [placeWords(), h("br"), h("span", { class: "meta" }, d.point ? coordsText(d.point) : "")], "place"),
      row(
        "confirm.photos",
        d.photos.length
          ? [t("confirm.photo_count", { n: formatNumber(d.photos.length) }), thumbnails({ removable: false })]
          : t("confirm.no_photos"),
        "details",
      ),
      row("confirm.description", h("span", { class: "pre" }, d.description), "details", "confirm.description"),
      row(
        "confirm.contact",
        contactWords.length
          ? [
              ...contactWords.flatMap((word, i) => (i ? [h("br"), word] : [word])),
              c.notify ? [h("br"), t("confirm.notify")] : null,
            ]
          : t("confirm.no_contact"),
        "contact",
      ),
      row("confirm.consent", t(d.consent ? "confirm.consent_yes" : "confirm.consent_no"), "contact", "confirm.consent"),
    ),
    navigator.onLine ? null : h("p", { class: "notice" }, t("confirm.offline")),
    h(
      "div",
      { class: "step-nav" },
      h("button", { type: "button", class: "back", onclick: back }, t("common.back")),
      h(
        "button",
        {
          type: "button",
          class: "primary next",
          id: "submit",
          onclick: submit,
          "aria-disabled": state.sending ? "true" : null,
        },
        t(state.sending ? "confirm.sending" : "confirm.submit"),
      ),
    ),
    h("p", { class: "status-line", role: "status", id: "send-status" }, state.sending ? t("confirm.sending") : ""),
  );
}

/** The draft as stored on the device and sent: plain values and the photos as Blobs. */
function storable(d = state.draft) {
  return {
    key: d.key,
    category: d.category,
    point: d.point,
    source: d.source,
    accuracy: d.accuracy,
    place: d.place,
    district: d.district,
    description: d.description,
    contact: { ...d.contact },
    consent: d.consent,
    photos: d.photos.map((p) => ({ blob: p.blob, name: p.name, type: p.type })),
    savedAt: Date.now(),
    error: null,
  };
}

function formOf(draft) {
  const form = new FormData();
  form.append("category", draft.category);
  form.append("description", draft.description);
  form.append("lat", draft.point.lat.toFixed(7));
  form.append("lon", draft.point.lon.toFixed(7));
  if (draft.accuracy != null) form.append("accuracy_m", String(Math.round(draft.accuracy)));
  form.append("location_source", draft.source || "pin");
  form.append("consent_publish", draft.consent ? "true" : "false");
  const c = draft.contact;
  if (c.name.trim()) form.append("contact_name", c.name.trim());
  if (c.email.trim()) form.append("contact_email", c.email.trim());
  if (c.phone.trim()) form.append("contact_phone", c.phone.trim());
  form.append("notify", c.notify ? "true" : "false");
  form.append("idempotency_key", draft.key);
  for (const photo of draft.photos) form.append("photos", photo.blob, photo.name);
  return form;
}

async function send(draft) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), SEND_TIMEOUT_MS);
  try {
    return await api.post("/api/reports", { form: formOf(draft), signal: controller.signal });
  } catch (error) {
    // A send that hangs on a bad connection is treated as no connection: kept and retried.
    if (error.name === "AbortError") throw new NetworkError();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

async function submit() {
  if (state.sending) return;
  const draft = storable();
  state.submitError = null;
  if (!navigator.onLine) {
    await keepOnDevice(draft);
    return;
  }
  state.sending = true;
  render({ focus: false });
  root.querySelector("#submit")?.focus();
  try {
    const result = await send(draft);
    state.sending = false;
    await storage.deleteDraft(draft.key);
    sent(draft, result);
  } catch (error) {
    state.sending = false;
    if (error instanceof NetworkError) {
      await keepOnDevice(draft);
      return;
    }
    state.submitError = error;
    render({ focus: false });
    root.querySelector("#submit-error")?.focus();
  }
}

async function keepOnDevice(draft) {
  try {
    await storage.saveDraft(draft);
  } catch {
    state.submitError = new NetworkError();
    render({ focus: false });
    root.querySelector("#submit-error")?.focus();
    return;
  }
  state.queuedKey = draft.key;
  state.queuedDraft = draft;
  discardDraft();
  go("queued", { push: false });
  syncDrafts(); // the connection may already be back
}

function sent(draft, result) {
  storage.rememberReport({
    public_id: result.public_id,
    kind: "report",
    category: draft.category,
    description: draft.description,
    tracking_url: result.tracking_url,
  });
  state.result = { ...result, category: draft.category, notify: draft.contact.notify };
  if (state.draft.key === draft.key) discardDraft();
  go("done", { push: false });
}

function queuedScreen() {
  const draft = state.queuedDraft;
  return h(
    "div",
    { class: "step queued" },
    h("h1", { tabindex: "-1", id: "page-heading" }, t("queued.title")),
    h("p", { class: "notice" }, t("queued.body")),
    draft ? h("p", {}, t("queued.what", { what: categoryLabelOf(draft.category) })) : null,
    h("p", { class: "status-line", id: "queued-status" }, t(navigator.onLine ? "queued.trying" : "queued.waiting")),
    h(
      "div",
      { class: "step-nav" },
      h("button", { type: "button", onclick: sendNow }, t("queued.retry")),
      h("button", { type: "button", onclick: () => go("start") }, t("queued.to_start")),
    ),
  );
}

function doneScreen() {
  const r = state.result;
  return h(
    "div",
    { class: "step done" },
    h("h1", { tabindex: "-1", id: "page-heading" }, t("done.title")),
    h(
      "p",
      { class: "reference" },
      h("span", {}, t("done.reference")),
      h("strong", { class: "public-id" }, r.public_id),
    ),
    h("p", {}, h("a", { href: r.tracking_url, class: "button primary", id: "tracking-link" }, t("done.track"))),
    h("p", { class: "notice" }, t("done.keep")),
    r.notify ? h("p", {}, t("done.notify")) : null,
    h(
      "div",
      { class: "step-nav" },
      h(
        "button",
        {
          type: "button",
          onclick: () => {
            discardDraft();
            go("category");
          },
        },
        t("done.another"),
      ),
      h("a", { href: "/", class: "button" }, t("done.to_map")),
    ),
  );
}

// --- drafts kept on the device ------------------------------------------------------------

let syncing = null;

async function refreshDrafts() {
  state.drafts = await storage.loadDrafts();
  if (state.screen === "start") render({ focus: false });
}

/** Sends every waiting draft (in the order kept), each with its own idempotency key, so a
 * draft that did reach the server before the connection broke is answered, not doubled. */
function syncDrafts() {
  if (syncing) return syncing;
  syncing = (async () => {
    if (!navigator.onLine) return;
    for (const draft of await storage.loadDrafts()) {
      if (draft.error) continue; // refused: waits for the person to correct it
      try {
        const result = await send(draft);
        await storage.deleteDraft(draft.key);
        draftSent(draft, result);
      } catch (error) {
        if (error instanceof NetworkError) break;
        if (error instanceof ApiError && error.status < 500 && error.status !== 429) {
          draft.error = { status: error.status, problem: error.problem, message: error.message };
          await storage.saveDraft(draft).catch(() => {});
          draftRefused(draft);
        }
      }
    }
  })().finally(() => {
    syncing = null;
    refreshDrafts();
  });
  return syncing;
}

/** "Send now": without a connection there is nothing to try, and the person is told so. */
function sendNow() {
  if (!navigator.onLine) {
    announce(t("drafts.still_offline"));
    const line = root.querySelector("#queued-status");
    if (line) line.textContent = t("drafts.still_offline");
    return;
  }
  syncDrafts();
}

function draftSent(draft, result) {
  if (state.screen === "queued" && state.queuedKey === draft.key) {
    state.queuedKey = null;
    state.queuedDraft = null;
    sent(draft, result);
    return;
  }
  storage.rememberReport({
    public_id: result.public_id,
    kind: "report",
    category: draft.category,
    description: draft.description,
    tracking_url: result.tracking_url,
  });
  state.notices.push({ key: "start.draft_sent", params: { id: result.public_id } });
  announce(t("start.draft_sent", { id: result.public_id }));
}

function draftRefused(draft) {
  if (state.screen === "queued" && state.queuedKey === draft.key) {
    openDraft(draft);
    return;
  }
  announce(t("drafts.refused", { reason: problemText(draft.error) }));
}

/** Opens a kept draft at the confirm screen, to correct it or send it by hand. */
function openDraft(stored) {
  discardDraft();
  const d = state.draft;
  Object.assign(d, {
    key: stored.key,
    category: stored.category,
    point: stored.point,
    source: stored.source,
    accuracy: stored.accuracy,
    place: stored.place,
    district: stored.district,
    description: stored.description || "",
    contact: { name: "", email: "", phone: "", notify: false, ...stored.contact },
    consent: Boolean(stored.consent),
    photos: (stored.photos || []).map((p) => ({
      id: ++photoSeq,
      blob: p.blob,
      name: p.name,
      type: p.type,
      url: URL.createObjectURL(p.blob),
    })),
  });
  state.queuedKey = null;
  state.queuedDraft = null;
  go("confirm");
  if (stored.error) {
    state.submitError = Object.assign(new ApiError(stored.error.status, stored.error.problem), {
      message: stored.error.message,
    });
    render({ focus: false });
    root.querySelector("#submit-error")?.focus();
  }
}

async function removeDraft(draft) {
  if (!window.confirm(t("drafts.delete_confirm"))) return;
  await storage.deleteDraft(draft.key);
  await refreshDrafts();
  root.querySelector(".start h1")?.focus();
}

window.addEventListener("online", () => {
  if (state.screen === "queued") {
    const line = root.querySelector("#queued-status");
    if (line) line.textContent = t("queued.trying");
  }
  syncDrafts();
});
window.addEventListener("offline", () => {
  if (state.screen === "queued") {
    const line = root.querySelector("#queued-status");
    if (line) line.textContent = t("queued.waiting");
  }
  if (state.screen === "confirm") render({ focus: false });
});

// --- start-up -----------------------------------------------------------------------------

async function loadCategories(retry = false) {
  try {
    const list = await api.get("/api/report-categories");
    state.categories = list.filter((c) => c.active !== false);
    state.categoriesFailed = false;
    storage.cacheCategories(state.categories);
  } catch {
    state.categories = storage.cachedCategories() || [];
    state.categoriesFailed = true;
  }
  if (retry || state.screen === "start") render({ focus: false });
}

onLanguageChange(() => {
  render({ focus: false });
  placeMap?.relabel();
});

async function start() {
  history.replaceState({ screen: "start" }, "");
  render();
  await loadCategories();
  await refreshDrafts();
  syncDrafts();
}

start();
