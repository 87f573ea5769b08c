// What the walk page keeps on this device (IndexedDB "machimap-walk"): the walk being recorded
// or waiting to be sent, each fix as it arrives (one record per fix, so a crashed tab loses at
// most the fix in flight), and the observations with their photos as Blobs. Nothing here is
// sent by itself: upload.js reads it back.

import { database, transaction } from "../../common/keyed-store.js";

const DB_NAME = "machimap-walk";
const DB_VERSION = 1;
const WALKS = "walks";
const FIXES = "fixes";
const OBSERVATIONS = "observations";

const openDb = database(DB_NAME, DB_VERSION, (db) => {
  if (!db.objectStoreNames.contains(WALKS)) db.createObjectStore(WALKS, { keyPath: "key" });
  if (!db.objectStoreNames.contains(FIXES)) {
    const fixes = db.createObjectStore(FIXES, { keyPath: "id", autoIncrement: true });
    fixes.createIndex("walk", "walk");
  }
  if (!db.objectStoreNames.contains(OBSERVATIONS)) {
    const observations = db.createObjectStore(OBSERVATIONS, { keyPath: "key" });
    observations.createIndex("walk", "walk");
  }
});

const run = (stores, mode, work) => transaction(openDb, stores, mode, work);

/** The walk's own record: kind, title, participants, started, key, seg, state … */
export function saveWalk(walk) {
  return run([WALKS], "readwrite", (tx) => tx.objectStore(WALKS).put(walk));
}

/** The walk not yet sent (recording, paused or waiting to upload), oldest first. */
export async function unfinishedWalks() {
  const walks = (await run([WALKS], "readonly", (tx) => tx.objectStore(WALKS).getAll())) || [];
  return walks.sort((a, b) => (a.started_at < b.started_at ? -1 : 1));
}

export function addFix(walkKey, fix) {
  return run([FIXES], "readwrite", (tx) => tx.objectStore(FIXES).add({ ...fix, walk: walkKey }));
}

/** The walk's fixes in the order they arrived. */
export async function fixesOf(walkKey) {
  const rows = await run([FIXES], "readonly", (tx) =>
    tx.objectStore(FIXES).index("walk").getAll(IDBKeyRange.only(walkKey)),
  );
  return (rows || []).sort((a, b) => a.id - b.id).map(({ lon, lat, t, acc, ele, seg }) => ({ lon, lat, t, acc, ele, seg }));
}

export function saveObservation(observation) {
  return run([OBSERVATIONS], "readwrite", (tx) => tx.objectStore(OBSERVATIONS).put(observation));
}

export async function observationsOf(walkKey) {
  const rows = await run([OBSERVATIONS], "readonly", (tx) =>
    tx.objectStore(OBSERVATIONS).index("walk").getAll(IDBKeyRange.only(walkKey)),
  );
  return (rows || []).sort((a, b) => (a.observed_at < b.observed_at ? -1 : 1));
}

/** Everything of one walk, in one transaction: gone together or not at all. */
export function removeWalk(walkKey) {
  return run([WALKS, FIXES, OBSERVATIONS], "readwrite", (tx) => {
    tx.objectStore(WALKS).delete(walkKey);
    for (const name of [FIXES, OBSERVATIONS]) {
      const index = tx.objectStore(name).index("walk");
      index.openKeyCursor(IDBKeyRange.only(walkKey)).onsuccess = (event) => {
        const cursor = event.target.result;
        if (!cursor) return;
        tx.objectStore(name).delete(cursor.primaryKey);
        cursor.continue();
      };
    }
    return null;
  });
}
