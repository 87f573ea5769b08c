// Sending a report. Each draft carries its own idempotency key from the start, so a send
// that reached the server before the connection broke is answered, not doubled, when it is
// tried again (by hand or from the drafts kept on the device).
import { NetworkError, api } from "../common/api.js";
import { keepOnDevice } from "./drafts.js";
import { go, render, root } from "./flow.js";
import { discardDraft, state } from "./state.js";
import * as storage from "./storage.js";

const SEND_TIMEOUT_MS = 120_000;

/** The draft as stored on the device and sent: plain values and the photos as Blobs. */
function storable(d = state.draft) {
  return {
    key: d.key,
    category: d.category,
    point: d.point,
    source: d.source,
    accuracy: d.accuracy,
    place: d.place,
    where: d.where,
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

/** Sends a stored draft; a NetworkError means "keep it and try again later". */
export async function send(draft) {
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

/** Shows on the confirm screen why the report was not sent, and moves focus there. */
export function showSubmitError(error) {
  state.submitError = error;
  render({ focus: false });
  root.querySelector("#submit-error")?.focus();
}

/** The confirm screen's button: send now, or keep on the device without a connection. */
export async function submit() {
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
    showSubmitError(error);
  }
}

/** Remembers a sent report on this device (the start screen lists them with their links). */
export function rememberSent(draft, result) {
  storage.rememberReport({
    public_id: result.public_id,
    kind: "report",
    category: draft.category,
    description: draft.description,
    tracking_url: result.tracking_url,
  });
}

/** The receipt: the reference number and the tracking link. */
export function sent(draft, result) {
  rememberSent(draft, result);
  state.result = { ...result, category: draft.category, notify: draft.contact.notify };
  if (state.draft.key === draft.key) discardDraft();
  go("done", { push: false });
}
