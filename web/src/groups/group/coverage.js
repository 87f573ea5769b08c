// 見守りの空白地帯: for the group's members, where its patrols walked the school routes of
// its area in a period and at which time of day, and the stretches nobody passed (the gaps),
// on a map and as a table per 自治会・町内会. Gaps are drawn dashed in vermilion and walked
// pieces solid in blue (Okabe–Ito colours), so neither colour alone tells them apart; the
// table says the same in words. Leaders choose here whether the city sees the aggregate.
import * as maplibregl from "maplibre-gl";
import "maplibre-gl/dist/maplibre-gl.css";
import "./coverage.css";
import workerUrl from "maplibre-gl/dist/maplibre-gl-worker.mjs?url";
import { api, ApiError, problemMessage } from "../../common/api.js";
import { LOCAL_IDEOGRAPHS, WHOLE_TILES, withBasemap } from "../../common/basemap.js";
import { field, h, select } from "../../common/dom.js";
import { addMessages, formatNumber, t } from "../../common/i18n.js";
import messages from "../../messages/coverage.js";

addMessages(messages);
maplibregl.setWorkerUrl(workerUrl);

const BANDS = ["all", "school_in", "school_out", "night", "other"];
const WALKED = "#0072B2"; // Okabe–Ito blue
const GAP = "#D55E00"; // Okabe–Ito vermilion, and dashed
const EMPTY = { type: "FeatureCollection", features: [] };

function pad(n) {
  return String(n).padStart(2, "0");
}

function isoDay(d) {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function thisMonth() {
  const now = new Date();
  const first = new Date(now.getFullYear(), now.getMonth(), 1);
  const last = new Date(now.getFullYear(), now.getMonth() + 1, 0);
  return { from: isoDay(first), to: isoDay(last) };
}

// Kept across the page's re-renders (an action elsewhere, a change of language).
const states = new Map();

function stateOf(groupId) {
  if (!states.has(groupId)) {
    states.set(groupId, { ...thisMonth(), band: "all", data: null, error: null, busy: false });
  }
  return states.get(groupId);
}

function metres(value) {
  return t("cov.metres", { n: formatNumber(Math.round(Number(value) || 0)) });
}

function percent(share) {
  return share == null ? "—" : formatNumber(Number(share), { style: "percent" });
}

function errorText(error) {
  return error instanceof ApiError && error.problem ? problemMessage(error.problem) : error.message;
}

function bounds(collections) {
  let box = null;
  const visit = (c) => {
    if (typeof c[0] === "number") {
      box = box
        ? [Math.min(box[0], c[0]), Math.min(box[1], c[1]), Math.max(box[2], c[0]), Math.max(box[3], c[1])]
        : [c[0], c[1], c[0], c[1]];
    } else c.forEach(visit);
  };
  for (const fc of collections) for (const f of fc.features) visit(f.geometry.coordinates);
  return box;
}

async function drawMap(slot, data) {
  if (!slot.isConnected) return;
  const style = withBasemap(await api.get("/tiles/style.json"), "pale");
  for (const layer of style.layers) {
    if (layer.source && layer.source !== "basemap" && !layer.id.startsWith("district-")) {
      layer.layout = { ...(layer.layout || {}), visibility: "none" };
    }
  }
  const routes = data.school_routes;
  const box = bounds([routes.walked, routes.gaps]);
  const map = new maplibregl.Map({
    container: slot,
    style,
    attributionControl: { compact: true },
    localIdeographFontFamily: LOCAL_IDEOGRAPHS,
    ...WHOLE_TILES,
    maxZoom: 19,
    ...(box ? { bounds: box, fitBoundsOptions: { padding: 24 } } : { center: [138.318, 34.867], zoom: 13 }),
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  map.on("load", () => {
    map.addSource("cov-walked", { type: "geojson", data: routes.walked || EMPTY });
    map.addSource("cov-gaps", { type: "geojson", data: routes.gaps || EMPTY });
    map.addLayer({
      id: "cov-walked",
      type: "line",
      source: "cov-walked",
      layout: { "line-cap": "round", "line-join": "round" },
      paint: { "line-color": WALKED, "line-width": 6 },
    });
    map.addLayer({
      id: "cov-gaps",
      type: "line",
      source: "cov-gaps",
      layout: { "line-join": "round" },
      paint: { "line-color": GAP, "line-width": 4, "line-dasharray": [2, 1.5] },
    });
    map.once("idle", () => {
      slot.dataset.drawn = "true";
    });
  });
}

function legend() {
  const swatch = (cls) => h("span", { class: `cov-swatch ${cls}`, "aria-hidden": "true" });
  return h(
    "ul",
    { class: "cov-legend" },
    h("li", {}, swatch("walked"), t("cov.legend_walked")),
    h("li", {}, swatch("gap"), t("cov.legend_gap")),
  );
}

function totalsTable(data) {
  const rows = data.totals.filter((r) => r.layer === "school_route");
  if (!rows.length) return h("p", {}, t("cov.no_routes"));
  return h(
    "table",
    { class: "cov-table" },
    h("caption", {}, t("cov.totals_caption")),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, t("cov.band")),
        h("th", { scope: "col" }, t("cov.walked")),
        h("th", { scope: "col" }, t("cov.gap")),
        h("th", { scope: "col" }, t("cov.share")),
      ),
    ),
    h(
      "tbody",
      {},
      BANDS.map((band) => {
        const r = rows.find((row) => row.band === band);
        if (!r) return null;
        return h(
          "tr",
          {},
          h("th", { scope: "row" }, t(`cov.band.${band}`)),
          h("td", {}, metres(r.walked_m)),
          h("td", {}, metres(r.gap_m)),
          h("td", {}, percent(r.share)),
        );
      }),
    ),
  );
}

function unitTable(data) {
  const names = [...new Map(data.table.map((r) => [r.district_id, r.name])).entries()];
  if (!names.length) return null;
  const cell = (r) =>
    r && r.route_m > 0
      ? h("td", {}, percent(r.share), h("br"), h("span", { class: "hint" }, t("cov.gap_short", { m: metres(r.gap_m) })))
      : h("td", {}, "—");
  return h(
    "div",
    { class: "cov-scroll", tabindex: "0", role: "region", "aria-label": t("cov.table_caption") },
    h(
      "table",
      { class: "cov-table" },
      h("caption", {}, t("cov.table_caption")),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, t("cov.unit")),
          h("th", { scope: "col" }, t("cov.route_length")),
          BANDS.map((band) => h("th", { scope: "col" }, t(`cov.band.${band}`))),
        ),
      ),
      h(
        "tbody",
        {},
        names.map(([id, name]) => {
          const rows = data.table.filter((r) => r.district_id === id);
          return h(
            "tr",
            {},
            h("th", { scope: "row", lang: "ja" }, name),
            h("td", {}, metres(rows[0]?.route_m)),
            BANDS.map((band) => cell(rows.find((r) => r.band === band))),
          );
        }),
      ),
    ),
  );
}

function sharingBox(group, state, leader) {
  const shared = Boolean(state.data?.share_coverage);
  const said = h("p", { class: "cov-share-outcome", role: "status" });
  const body = [h("p", { class: "hint" }, t("cov.share_what_city_sees"))];
  if (leader && state.data) {
    const box = h("input", { type: "checkbox", id: "cov-share", checked: shared });
    box.addEventListener("change", async () => {
      box.disabled = true;
      said.classList.remove("notice", "error", "ok");
      try {
        const answer = await api.put(`/api/groups/${group.id}/coverage-sharing`, {
          json: { share: box.checked },
        });
        state.data.share_coverage = answer.share_coverage;
        said.textContent = t(answer.share_coverage ? "cov.share_on" : "cov.share_off");
        said.classList.add("notice", "ok");
      } catch (error) {
        box.checked = !box.checked;
        said.textContent = errorText(error);
        said.classList.add("notice", "error");
      }
      box.disabled = false;
    });
    body.unshift(
      h("p", { class: "cov-share" }, box, h("label", { for: "cov-share" }, t("cov.share_label"))),
    );
  } else if (state.data) {
    body.unshift(h("p", {}, t(shared ? "cov.shared" : "cov.not_shared")));
  }
  return h("div", { class: "cov-sharing" }, h("h3", {}, t("cov.share_heading")), ...body, said);
}

export function coverageSection({ group, leader }) {
  const state = stateOf(group.id);
  const section = h("section", { class: "group-section", "aria-labelledby": "coverage-heading" });
  const from = h("input", { type: "date", name: "from", value: state.from, required: true });
  const to = h("input", { type: "date", name: "to", value: state.to, required: true });
  const band = select(
    "band",
    BANDS.map((b) => [b, t(`cov.band.${b}`)]),
    state.band,
  );
  const result = h("div", { class: "cov-result" });
  const sharing = h("div");

  function show() {
    result.replaceChildren();
    sharing.replaceChildren(sharingBox(group, state, leader));
    if (state.busy) result.append(h("p", { class: "status-line", role: "status" }, t("cov.loading")));
    if (state.error) result.append(h("p", { class: "notice error", role: "alert" }, errorText(state.error)));
    const data = state.data;
    if (!data || state.busy) return;
    if (!data.area) {
      result.append(h("p", {}, t("cov.no_area")));
      return;
    }
    const gaps = data.school_routes.gaps.features.reduce((s, f) => s + f.properties.length_m, 0);
    const canvas = h("div", { class: "cov-map" });
    result.append(
      h(
        "p",
        { class: "cov-summary" },
        t("cov.summary", {
          band: t(`cov.band.${data.band}`),
          walked: metres(data.school_routes.walked.features.reduce((s, f) => s + f.properties.length_m, 0)),
          gaps: metres(gaps),
          distance: formatNumber(data.distance_m),
        }),
      ),
      legend(),
      h("p", { class: "hint" }, t("cov.map_label")),
      canvas,
      totalsTable(data),
      unitTable(data),
    );
    requestAnimationFrame(() => drawMap(canvas, data).catch(() => canvas.remove()));
  }

  async function fetchCoverage() {
    state.busy = true;
    state.error = null;
    show();
    const query = new URLSearchParams({ from: state.from, to: state.to, band: state.band });
    try {
      state.data = await api.get(`/api/groups/${group.id}/coverage?${query}`);
    } catch (error) {
      state.error = error;
      state.data = null;
    }
    state.busy = false;
    show();
  }

  const form = h(
    "form",
    { class: "cov-form" },
    h(
      "div",
      { class: "cov-fields" },
      field(t("cov.from"), from),
      field(t("cov.to"), to),
      field(t("cov.band"), band),
    ),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("cov.show"))),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    Object.assign(state, { from: from.value, to: to.value, band: band.value });
    fetchCoverage();
  });

  section.append(
    h("h2", { id: "coverage-heading" }, t("cov.heading")),
    h("p", { class: "hint" }, t("cov.intro")),
    form,
    result,
    sharing,
  );
  if (state.data || state.error) show();
  else fetchCoverage();
  return section;
}
