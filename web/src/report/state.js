// What the report flow holds while the page is open. Everything entered lives in
// `state.draft`, so going back, a language switch or a refused submission never loses it;
// the rest is what the screens show around it.

export const STEPS = ["category", "place", "details", "nearby", "contact"];

export function newDraft() {
  return {
    key: crypto.randomUUID(),
    category: null,
    point: null, // {lat, lon}
    source: null, // gps | pin | photo | address
    accuracy: null,
    place: null, // the chosen place's {name, name_en, detail, kind} (address search)
    where: null, // the point in words: GET /api/places/describe (town, nearest place)
    photos: [], // {id, blob, name, type, url}
    photoSuggestion: null, // {lat, lon, where}
    description: "",
    contact: { name: "", email: "", phone: "", notify: false },
    consent: false,
  };
}

export const state = {
  screen: "start",
  draft: newDraft(),
  categories: [],
  vocabulary: null, // GET /api/reports/vocabulary: statuses, limits (see lists.js)
  listsFailed: false, // the categories or the vocabulary could not be fetched this visit
  errors: {}, // field → message key (client checks)
  submitError: null, // an ApiError from the server, shown on the confirm screen
  sending: false,
  result: null, // the server's answer to the last submission
  queuedKey: null, // the draft the "kept on this device" screen is waiting for
  queuedDraft: null,
  nearby: null, // {for, status: loading|ok|error, items}
  supported: {}, // public_id → {count, added}
  search: { q: "", status: "", results: [] },
  placeStatus: null, // {key, error}
  photoStatus: null, // {key, params, error}
  photoPlaceOpen: false,
  drafts: [],
  notices: [], // {key, params}: drafts sent in the background
};

/** The chosen category (or the one with `code`) from the server's list. */
export function category(code = state.draft.category) {
  return state.categories.find((c) => c.code === code) || null;
}

/** The server's photo and text limits. Only the steps read them, and flow.js shows no step
 * before the vocabulary is known. */
export function limits() {
  return state.vocabulary.limits;
}

// The map's pin belongs to place.js, which registers its forgetting here: every module of
// the flow reads this one, so this one imports none of them.
const forgetters = [];

export function onDiscard(forget) {
  forgetters.push(forget);
}

/** Forgets the draft being entered and everything shown about it. */
export function discardDraft() {
  for (const photo of state.draft.photos) URL.revokeObjectURL(photo.url);
  state.draft = newDraft();
  state.nearby = null;
  state.supported = {};
  state.search = { q: "", status: "", results: [] };
  state.placeStatus = null;
  state.photoStatus = null;
  state.submitError = null;
  for (const forget of forgetters) forget();
}
