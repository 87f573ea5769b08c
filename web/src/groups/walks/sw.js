// The walk page's service worker (registered by offline.js with the scope of one group's
// walk page): network first, the cache when the network fails, for GETs of the page and of
// /assets/ only. The API is never answered from here: what the server says is always asked
// of the server. No import: the browser runs this file as it is.
const CACHE = "machimap-walk-v1";
const WALK_PAGE = /^\/groups\/\d+\/walk\/?$/;

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

async function fromCache(request, isPage) {
  const cache = await caches.open(CACHE);
  const url = new URL(request.url);
  const hit = await cache.match(url.pathname);
  if (hit || !isPage) return hit;
  // Every group's walk page is the same built page: any copy opens it.
  const page = (await cache.keys()).find((r) => WALK_PAGE.test(new URL(r.url).pathname));
  return page ? cache.match(page) : undefined;
}

async function networkFirst(request, isPage) {
  // Known to be offline: straight to the copy, without a request bound to fail.
  if (self.navigator.onLine === false) {
    const kept = await fromCache(request, isPage);
    if (kept) return kept;
  }
  try {
    const response = await fetch(request);
    if (response.ok) {
      // Kept by path: a page asked with ?lang=en opens offline from the same copy.
      const copy = response.clone();
      const path = new URL(request.url).pathname;
      caches.open(CACHE).then((cache) => cache.put(path, copy)).catch(() => {});
    }
    return response;
  } catch (error) {
    const kept = await fromCache(request, isPage);
    if (!kept) throw error;
    return kept;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  const isPage = request.mode === "navigate" && WALK_PAGE.test(url.pathname);
  if (!isPage && !url.pathname.startsWith("/assets/")) return;
  event.respondWith(networkFirst(request, isPage));
});
