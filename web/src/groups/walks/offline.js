// Opening the walk page again without a connection: a service worker (sw.js, served at
// /groups/walk-sw.js) answers the page and its assets from a cache when the network fails.
// Its scope is this group's walk page alone, so no other page is ever answered from it.
// The page fills the cache itself with what it loaded (the page and its /assets/ files,
// including those loaded later: the map's worker, a language's catalogue).

export const CACHE = "machimap-walk-v1";
const WORKER = "/groups/walk-sw.js";

export function registerWorker(groupId) {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register(WORKER, { scope: `/groups/${groupId}/walk` }).catch(() => {
    // Without it the walk still records; only an offline reload cannot open the page.
  });
}

/** Puts the page and every asset it has loaded so far in the cache (a fresh copy each
 * time it is online; nothing when offline, so the last good copy stays). */
export async function cacheShell(more = []) {
  if (!("caches" in window) || !navigator.onLine) return;
  const assets = [...performance.getEntriesByType("resource").map((entry) => entry.name), ...more]
    .map((name) => new URL(name, location.href))
    .filter((url) => url.origin === location.origin && url.pathname.startsWith("/assets/"))
    .map((url) => url.pathname);
  if (!assets.length) return; // nothing measured (resource timing off): keep what is there
  try {
    const cache = await caches.open(CACHE);
    const keys = await cache.keys();
    const have = new Set(keys.map((request) => new URL(request.url).pathname));
    const current = new Set(assets);
    const wanted = [location.pathname, ...[...current].filter((path) => !have.has(path))];
    await Promise.all(wanted.map((path) => cache.add(path).catch(() => {})));
    // Assets of an earlier build (their names carry the old hash) are let go: the cache
    // holds one build's copy of the page, not every build's.
    const stale = keys.filter((request) => {
      const path = new URL(request.url).pathname;
      return path.startsWith("/assets/") && !current.has(path);
    });
    await Promise.all(stale.map((request) => cache.delete(request)));
  } catch {
    // Storage refused (private mode, full): the page works, only not offline after reload.
  }
}
