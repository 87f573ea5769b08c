// The lists the server owns that the flow needs before its first step: the categories and
// the vocabulary (limits, status names: GET /api/reports/vocabulary). Both are fetched at
// start; when that fails (an offline start, say with a draft kept), the last copy kept on
// this device serves. With no copy of either, the start screen says so, offers to try
// again and shows no step: the steps need the limits, and guessing them would let a photo
// or a text through here that the server then refuses.
import { api } from "../common/api.js";
import { vocabulary } from "../common/vocabulary.js";
import { render } from "./flow.js";
import { state } from "./state.js";
import * as storage from "./storage.js";

/** {value, failed}: the fresh list (kept for next time), else the kept copy if usable. */
async function freshOrKept(name, load, usable) {
  try {
    const value = await load();
    storage.keepCopy(name, value);
    return { value, failed: false };
  } catch {
    const kept = storage.keptCopy(name);
    return { value: usable(kept) ? kept : null, failed: true };
  }
}

async function activeCategories() {
  const list = await api.get("/api/report-categories");
  return list.filter((c) => c.active !== false);
}

export async function loadLists(retry = false) {
  const [categories, words] = await Promise.all([
    freshOrKept("categories", activeCategories, Array.isArray),
    freshOrKept("vocabulary", vocabulary, (v) => Boolean(v?.limits && v.statuses)),
  ]);
  state.categories = categories.value || [];
  state.vocabulary = words.value;
  state.listsFailed = categories.failed || words.failed;
  if (retry || state.screen === "start") render({ focus: false });
}

/** Whether a report can be started: categories to choose from and limits to check by. */
export function listsReady() {
  return Boolean(state.categories.length && state.vocabulary);
}
