// The pages are plain HTML entry points; Vite fingerprints every asset they load
// (assets/name-HASH.ext) so machimap can serve them as immutable.
import { resolve } from "node:path";
import { defineConfig } from "vite";

const here = import.meta.dirname;

export default defineConfig({
  root: here,
  base: "/",
  // Helpers and CI may build to another directory (MACHIMAP_WEB_DIST), so parallel builds
  // never empty each other's output.
  build: {
    outDir: process.env.MACHIMAP_WEB_DIST || resolve(here, "dist"),
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: true,
    manifest: true,
    // MapLibre (1.1 MB) and Swagger UI (1.6 MB, the API reference page only) are one piece each.
    chunkSizeWarningLimit: 1700,
    rollupOptions: {
      input: {
        map: resolve(here, "index.html"),
        report: resolve(here, "report.html"),
        staff: resolve(here, "staff.html"),
        track: resolve(here, "track.html"),
        groups: resolve(here, "groups.html"),
        "safety-map": resolve(here, "safety-map.html"),
        walk: resolve(here, "walk.html"),
        inspection: resolve(here, "inspection.html"),
        // The walk page's service worker: served by the server at /groups/walk-sw.js (a
        // worker's scope cannot reach above its own path), found in the manifest.
        "walk-sw": resolve(here, "src/groups/walks/sw.js"),
        // Scripts (no HTML of their own) of the pages the server renders: the /ogc pages
        // and the API reference. The server finds their built names in the manifest
        // (api/web/assets.py).
        ogc: resolve(here, "src/serving/ogc.js"),
        reference: resolve(here, "src/serving/reference.js"),
      },
      // MapLibre in a chunk of its own name: it changes rarely, so browsers keep it cached
      // across releases of our own code.
      output: {
        manualChunks: (id) => (id.includes("node_modules/maplibre-gl/") ? "maplibre" : undefined),
      },
    },
  },
});
