// What the report flow keeps on this device: drafts that could not be sent yet (IndexedDB,
// because they hold the photos as Blobs), the reports sent from here, a device id for
// 「私も困っています」 and the last copies of the server's lists (localStorage). Storage can
// be disabled or full: every function here fails soft, and the flow still works while the
// page is open.
import { keyedStore } from "../common/keyed-store.js";

const MY_REPORTS = "machimap.myReports";
const DEVICE = "machimap.deviceId";
// The last copy of each list the server owns (lists.js), by name.
const COPIES = {
  categories: "machimap.reportCategories",
  vocabulary: "machimap.reportVocabulary",
};
const drafts = keyedStore("machimap-report", "drafts");

/** Stores a draft (a plain object with Blobs for photos) under its idempotency key. */
export function saveDraft(draft) {
  return drafts.put(draft);
}

export async function loadDrafts() {
  try {
    return await drafts.all();
  } catch {
    return [];
  }
}

export async function deleteDraft(key) {
  try {
    await drafts.remove(key);
  } catch {
    // Nothing stored to remove.
  }
}

function readJson(key, fallback) {
  try {
    const value = JSON.parse(localStorage.getItem(key));
    return value ?? fallback;
  } catch {
    return fallback;
  }
}

function writeJson(key, value) {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Not remembered on this device.
  }
}

/** Reports sent (or supported) from this device, newest first. */
export function myReports() {
  const list = readJson(MY_REPORTS, []);
  return Array.isArray(list) ? list : [];
}

export function rememberReport(entry) {
  const others = myReports().filter((r) => r.public_id !== entry.public_id);
  writeJson(MY_REPORTS, [{ ...entry, at: new Date().toISOString() }, ...others].slice(0, 50));
}

export function forgetReport(publicId) {
  writeJson(
    MY_REPORTS,
    myReports().filter((r) => r.public_id !== publicId),
  );
}

/** A random id for this browser, so one device supports a report once without an account. */
export function deviceId() {
  let id = null;
  try {
    id = localStorage.getItem(DEVICE);
    if (!id) {
      id = crypto.randomUUID();
      localStorage.setItem(DEVICE, id);
    }
  } catch {
    id ??= crypto.randomUUID();
  }
  return id;
}

/** The last copy seen of a list the server owns ("categories", "vocabulary"), so a report
 * can still be started while offline. */
export function keptCopy(name) {
  return readJson(COPIES[name], null);
}

export function keepCopy(name, value) {
  writeJson(COPIES[name], value);
}
