// A keyed IndexedDB store for things a page must not lose when the connection does: drafts
// with their photos as Blobs (localStorage cannot hold a Blob). One database per page, one
// store of records under their `key` (the draft's Idempotency-Key, so the key that names a
// draft on the device is the key the server sees when it is sent). Storage can be disabled
// or full: opening fails with an Error, and the caller says what that means.

/** A database opener: the first call opens `dbName` (creating its stores in `upgrade(db)`),
 * later calls share it; a failed open is tried again next time. */
export function database(dbName, version, upgrade) {
  let opening = null;
  return () => {
    if (!("indexedDB" in window)) return Promise.reject(new Error("no IndexedDB"));
    opening ??= new Promise((resolve, reject) => {
      const request = indexedDB.open(dbName, version);
      request.onupgradeneeded = () => upgrade(request.result);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error("IndexedDB blocked"));
    }).catch((error) => {
      opening = null;
      throw error;
    });
    return opening;
  };
}

/** Runs `work(tx)` in one transaction over `stores`; resolves with its request's result
 * once the transaction is complete (written, for readwrite). */
export async function transaction(open, stores, mode, work) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(stores, mode);
    const request = work(tx);
    tx.oncomplete = () => resolve(request?.result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

/** The store `storeName` in the database `dbName`: {put, get, all, remove}. */
export function keyedStore(dbName, storeName = "drafts") {
  const open = database(dbName, 1, (db) => {
    if (!db.objectStoreNames.contains(storeName)) db.createObjectStore(storeName, { keyPath: "key" });
  });
  const run = (mode, work) => transaction(open, storeName, mode, (tx) => work(tx.objectStore(storeName)));

  return {
    /** Stores (or replaces) a record; resolves once it is written. */
    put: (record) => run("readwrite", (store) => store.put(record)),
    get: (key) => run("readonly", (store) => store.get(key)),
    /** Every record, oldest `savedAt` first. */
    all: async () => {
      const rows = (await run("readonly", (store) => store.getAll())) || [];
      return rows.sort((a, b) => (a.savedAt || 0) - (b.savedAt || 0));
    },
    remove: (key) => run("readwrite", (store) => store.delete(key)),
  };
}
