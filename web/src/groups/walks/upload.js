// Sending a finished walk: the patrol once (the Idempotency-Key made at Start, the body
// frozen at Stop, so a retry after a lost answer gets the same patrol back), then each
// observation once the patrol exists, each with its own key. A network failure, a 5xx or a
// 429 keeps everything for the next try (the `online` event, the next visit, the button);
// a 4xx is the server's answer and is shown.
import { ApiError, NetworkError, api } from "../../common/api.js";
import * as store from "./store.js";

const SEND_TIMEOUT_MS = 120_000;

function refusal(error) {
  return error instanceof ApiError && error.status < 500 && error.status !== 429;
}

async function post(url, options) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), SEND_TIMEOUT_MS);
  try {
    return await api.post(url, { ...options, signal: controller.signal });
  } catch (error) {
    // A send that hangs on a bad connection is no connection: kept and tried again.
    if (error.name === "AbortError") throw new NetworkError();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

function observationForm(o) {
  const form = new FormData();
  form.append("note", o.note);
  if (o.lon != null && o.lat != null) {
    form.append("lon", o.lon.toFixed(7));
    form.append("lat", o.lat.toFixed(7));
  }
  form.append("observed_at", o.observed_at);
  if (o.subject) {
    form.append("subject_layer", o.subject.layer);
    form.append("subject_id", String(o.subject.id));
  }
  for (const photo of o.photos) form.append("photo", photo.blob, photo.name);
  if (o.report) {
    form.append("report_category", o.report.category);
    form.append("report_consent_publish", o.report.consent ? "true" : "false");
  }
  return form;
}

function problemOf(error) {
  return { status: error.status, problem: error.problem ?? null, message: error.message };
}

/** Tries to send the walk and its observations. Answers "sent" (all answered, nothing
 * refused), "refused" (the server said no to the patrol or an observation: shown, kept
 * until the walker lets it go) or "waiting" (no connection or a server trouble: kept). */
export async function sendWalk(walk) {
  if (!walk.patrol) {
    try {
      walk.patrol = await post(`/api/groups/${walk.group_id}/patrols`, {
        json: walk.body,
        headers: { "Idempotency-Key": walk.key },
      });
      walk.error = null;
    } catch (error) {
      if (!refusal(error)) return "waiting";
      walk.error = problemOf(error);
      await store.saveWalk(walk);
      return "refused";
    }
    await store.saveWalk(walk);
  }
  let refused = false;
  for (const o of await store.observationsOf(walk.key)) {
    if (o.result) continue;
    if (o.error) {
      refused = true;
      continue;
    }
    try {
      o.result = await post(`/api/patrols/${walk.patrol.id}/observations`, {
        form: observationForm(o),
        headers: { "Idempotency-Key": o.key },
      });
      await store.saveObservation(o);
    } catch (error) {
      if (!refusal(error)) return "waiting";
      o.error = problemOf(error);
      await store.saveObservation(o);
      refused = true;
    }
  }
  return refused ? "refused" : "sent";
}
