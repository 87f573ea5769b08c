// /staff#/planning/hotspots: where hazards and reports gather. The map shades each 250 m
// square by its count and outlines the clusters; the legend gives the numbers of each
// shade and the tables the top squares and clusters with their place in words (the
// accessible alternative to the map, and all there is when the basemap cannot load).
import * as maplibregl from "maplibre-gl";
import "maplibre-gl/dist/maplibre-gl.css";
import workerUrl from "maplibre-gl/dist/maplibre-gl-worker.mjs?url";
import { api } from "../common/api.js";
import { backdropMap } from "../common/backdrop.js";
import { field, h, select, uid } from "../common/dom.js";
import { addMessages, formatNumber, t } from "../common/i18n.js";
import messages from "../messages/planning-hotspots.js";

addMessages(messages);
maplibregl.setWorkerUrl(workerUrl);

const TOP = 10;
// Light to dark (ColorBrewer Oranges): more is darker, and the legend says the numbers.
const SHADES = ["#fdd0a2", "#fd8d3c", "#d94801", "#7f2704"];
const CLUSTER = "#0072b2";
const FILTERS = ["start", "end", "source"];

function apiQuery(params) {
  const query = new URLSearchParams();
  for (const name of FILTERS) {
    const value = params.get(name);
    if (value) query.set(name, value);
  }
  return query.toString();
}

/** Up to four classes of counts, [from, to] each, from 1 to the largest count. */
export function classes(max) {
  if (max <= 0) return [];
  if (max <= SHADES.length) return Array.from({ length: max }, (_, i) => [i + 1, i + 1]);
  const edges = [0, ...SHADES.map((_, i) => Math.round((max * (i + 1)) / SHADES.length))];
  return SHADES.map((_, i) => [edges[i] + 1, edges[i + 1]]);
}

export async function render(container, { route }) {
  // Imported by name here: the staff page picks its views with one expression, which
  // loads their scripts but not the styles they import (as city/register/list.js does).
  await import("./hotspots.css");
  const params = route.params;
  let cells;
  let clusters;
  try {
    const query = apiQuery(params);
    [cells, clusters] = await Promise.all([
      api.get(`/api/planning/hotspots/cells?${query}`),
      api.get(`/api/planning/hotspots/clusters?${query}`),
    ]);
  } catch (error) {
    container.append(filterForm(params), h("p", { class: "notice error", role: "alert" }, t("plan.hotspots.error", { message: error.message })));
    return;
  }
  const max = Math.max(0, ...cells.features.map((f) => f.properties.count));
  const bands = classes(max);
  const slot = h("div", { class: "plan-hotspots-map" });
  container.append(
    h(
      "section",
      { class: "plan-hotspots", "aria-labelledby": "plan-hotspots-heading" },
      h("h2", { id: "plan-hotspots-heading" }, t("plan.hotspots.heading")),
      h(
        "p",
        { class: "lead" },
        t("plan.hotspots.lead", { cell: formatNumber(cells.cell_m), eps: formatNumber(clusters.eps_m), min: clusters.min_points }),
      ),
      filterForm(params),
      h(
        "p",
        { class: "plan-hotspots-summary", role: "status" },
        t("plan.hotspots.summary", { cells: formatNumber(cells.features.length), clusters: formatNumber(clusters.features.length) }),
      ),
      cells.features.length ? h("div", { class: "plan-hotspots-layout" }, slot, legend(bands)) : h("p", { class: "notice" }, t("plan.hotspots.empty")),
      cells.features.length ? cellTable(cells.features.slice(0, TOP)) : null,
      cells.features.length ? clusterTable(clusters.features.slice(0, TOP)) : null,
    ),
  );
  if (cells.features.length) await drawMap(slot, cells, clusters, bands);
}

function filterForm(params) {
  const date = (name) => h("input", { type: "date", name, value: params.get(name) || "" });
  const start = date("start");
  const end = date("end");
  const source = select(
    "source",
    [
      ["", t("plan.hotspots.source.both")],
      ["hazards", t("plan.hotspots.source.hazards")],
      ["reports", t("plan.hotspots.source.reports")],
    ],
    params.get("source"),
  );
  const controls = { start, end, source };
  function apply(event) {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [name, control] of Object.entries(controls)) if (control.value) next.set(name, control.value);
    location.hash = `#/planning/hotspots?${next.toString()}`;
  }
  const inline = { className: "field inline" };
  const legendId = uid("plan-hotspots-filters");
  return h(
    "form",
    { class: "plan-hotspots-filters", role: "search", "aria-labelledby": legendId, onsubmit: apply },
    h("h3", { id: legendId, class: "visually-hidden" }, t("plan.hotspots.filters")),
    field(t("plan.hotspots.start"), start, inline),
    field(t("plan.hotspots.end"), end, inline),
    field(t("plan.hotspots.source"), source, inline),
    h(
      "div",
      { class: "plan-hotspots-actions" },
      h("button", { type: "submit", class: "primary" }, t("plan.hotspots.apply")),
      h("a", { class: "button", href: "#/planning/hotspots" }, t("plan.hotspots.reset")),
    ),
  );
}

function legend(bands) {
  return h(
    "div",
    { class: "plan-hotspots-legend" },
    h("h3", {}, t("plan.hotspots.legend")),
    h("p", {}, t("plan.hotspots.legend_cells")),
    h(
      "ul",
      {},
      ...bands.map(([from, to], i) =>
        h(
          "li",
          {},
          h("span", { class: `plan-hotspots-swatch plan-hotspots-shade-${i}`, "aria-hidden": "true" }),
          from === to ? t("plan.hotspots.one", { n: formatNumber(from) }) : t("plan.hotspots.range", { from: formatNumber(from), to: formatNumber(to) }),
        ),
      ),
      h(
        "li",
        {},
        h("span", { class: "plan-hotspots-swatch plan-hotspots-cluster", "aria-hidden": "true" }),
        t("plan.hotspots.legend_cluster"),
      ),
    ),
  );
}

async function drawMap(slot, cells, clusters, bands) {
  const canvas = h("div", { class: "plan-hotspots-canvas", role: "region", "aria-label": t("plan.hotspots.map") });
  const notice = h("p", { class: "notice map-notice", role: "status", hidden: true });
  slot.append(canvas, notice);
  const map = await backdropMap(maplibregl, canvas, notice);
  const stops = bands.slice(1).flatMap(([from], i) => [from, SHADES[i + 1]]);
  const shade = stops.length ? ["step", ["get", "count"], SHADES[0], ...stops] : SHADES[0];
  map.addSource("hotspot-cells", { type: "geojson", data: cells });
  map.addLayer({
    id: "hotspot-cells",
    type: "fill",
    source: "hotspot-cells",
    paint: { "fill-color": shade, "fill-opacity": 0.75, "fill-outline-color": "#7f2704" },
  });
  map.addSource("hotspot-clusters", { type: "geojson", data: clusters });
  map.addLayer({
    id: "hotspot-clusters",
    type: "line",
    source: "hotspot-clusters",
    paint: { "line-color": CLUSTER, "line-width": 3, "line-dasharray": [2, 1] },
  });
  canvas.dataset.cells = String(cells.features.length);
  canvas.dataset.clusters = String(clusters.features.length);
  const box = new maplibregl.LngLatBounds();
  const walk = (c) => (typeof c[0] === "number" ? box.extend(c) : c.forEach(walk));
  for (const f of cells.features) walk(f.geometry.coordinates);
  if (!box.isEmpty()) map.fitBounds(box, { padding: 30, maxZoom: 16, duration: 0 });
}

function place(properties) {
  return properties.place || t("plan.hotspots.place_unknown");
}

function countTable(caption, rows, placeOf) {
  const captionId = uid("caption");
  return h(
    "div",
    { class: "table-wrap", role: "region", "aria-labelledby": captionId, tabindex: "0" },
    h(
      "table",
      { class: "data plan-hotspots-table" },
      h("caption", { id: captionId }, caption),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ...["col_rank", "col_place", "col_count", "col_hazards", "col_reports"].map((key) => h("th", { scope: "col" }, t(`plan.hotspots.${key}`))),
        ),
      ),
      h(
        "tbody",
        {},
        ...rows.map(({ properties: p }) =>
          h(
            "tr",
            {},
            h("td", { class: "num" }, String(p.rank)),
            h("th", { scope: "row" }, placeOf(p)),
            h("td", { class: "num" }, formatNumber(p.count)),
            h("td", { class: "num" }, formatNumber(p.hazards)),
            h("td", { class: "num" }, formatNumber(p.reports)),
          ),
        ),
      ),
    ),
  );
}

function cellTable(rows) {
  return countTable(t("plan.hotspots.cells_caption", { n: rows.length }), rows, (p) =>
    t("plan.hotspots.cell_place", { place: place(p), i: p.i, j: p.j }),
  );
}

function clusterTable(rows) {
  if (!rows.length) return h("p", { class: "notice" }, t("plan.hotspots.no_clusters"));
  return countTable(t("plan.hotspots.clusters_caption", { n: rows.length }), rows, place);
}
