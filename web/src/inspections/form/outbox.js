// Inspections recorded on this device and not yet answered by the server (IndexedDB
// "machimap-inspections", photos as Blobs). A draft is kept BEFORE it is first sent, under
// its Idempotency-Key, so a send whose answer was lost is answered with the same inspection
// when tried again, never recorded twice. Sent when the connection returns (`online`), on
// the next visit to the staff pages, or by hand; removed once the server has answered 201.
import { ApiError, NetworkError, api } from "../../common/api.js";
import { keyedStore } from "../../common/keyed-store.js";

const SEND_TIMEOUT_MS = 120_000;
const store = keyedStore("machimap-inspections");
const listeners = new Set();

let running = null;
let again = false;
let started = false;

/** `listener({type: "sent"|"refused"|"changed", key, result, error})` after each change. */
export function onOutbox(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function emit(event) {
  for (const listener of listeners) listener(event);
}

export async function keptDrafts() {
  try {
    return await store.all();
  } catch {
    return [];
  }
}

/** Keeps the draft on the device; throws when the device cannot keep it. */
export async function keep(draft) {
  await store.put({ ...draft, savedAt: draft.savedAt || Date.now(), error: null });
  emit({ type: "changed", key: draft.key });
}

export async function discard(key) {
  try {
    await store.remove(key);
  } finally {
    emit({ type: "changed", key });
  }
}

function formOf(draft) {
  const form = new FormData();
  form.append("inspection", JSON.stringify(draft.inspection));
  for (const photo of draft.photos) form.append("photos", photo.blob, photo.name);
  return form;
}

async function send(draft) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), SEND_TIMEOUT_MS);
  try {
    return await api.post("/api/inspections", {
      form: formOf(draft),
      headers: { "Idempotency-Key": draft.key },
      signal: controller.signal,
    });
  } catch (error) {
    // A send that hangs on a bad connection is no connection: kept and tried again.
    if (error.name === "AbortError") throw new NetworkError();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

function refusal(error) {
  return error instanceof ApiError && error.status < 500 && error.status !== 429;
}

async function sendAll() {
  if (!navigator.onLine) return;
  for (const draft of await keptDrafts()) {
    if (draft.error) continue; // refused: waits for the inspector to read it and let it go
    try {
      const result = await send(draft);
      await store.remove(draft.key);
      emit({ type: "sent", key: draft.key, result });
    } catch (error) {
      if (!refusal(error)) break; // no connection, or the server's trouble: kept for later
      const problem = { status: error.status, problem: error.problem ?? null, message: error.message };
      await store.put({ ...draft, error: problem }).catch(() => {});
      emit({ type: "refused", key: draft.key, error });
    }
  }
}

/** Sends every kept draft, oldest first. One run at a time; a call during a run makes
 * another run after it, so a draft kept meanwhile is not left waiting. */
export function sendKept() {
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    do {
      again = false;
      await sendAll();
    } while (again);
  })().finally(() => {
    running = null;
    emit({ type: "changed" });
  });
  return running;
}

/** Once per visit: send what an earlier visit left, and whenever the connection returns. */
export function startSending() {
  if (started) return;
  started = true;
  window.addEventListener("online", () => sendKept());
  sendKept();
}
