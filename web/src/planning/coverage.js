// /staff#/planning/coverage: who each facility serves (people, 65+, distances, capacity),
// a closure and merger scenario with its 40-year saving and the change in people beyond
// the distance, and the maximal-covering suggestion of which k to keep. The table comes
// first and carries everything; the map is an extra view and may fail (basemap tiles
// unreachable) without taking the page with it.
import { api } from "../common/api.js";
import { clear, field, h, select, uid } from "../common/dom.js";
import { addMessages, formatNumber, pick, t } from "../common/i18n.js";
import messages from "../messages/planning-coverage.js";

addMessages(messages);

const KINDS = ["community_center", "shelter"];
const BEYOND = "#d55e00"; // Okabe–Ito vermilion
const WITHIN = "#0072b2"; // Okabe–Ito blue
const FACILITY = "#009e73";

const metres = (value) => (value == null ? t("plan.coverage.none") : t("plan.coverage.metres", { n: formatNumber(Math.round(value)) }));
const people = (value) => formatNumber(value ?? 0);

function summary(totals, title) {
  return h(
    "dl",
    { class: "coverage-summary", "aria-label": title },
    h("div", {}, h("dt", {}, t("plan.coverage.population")), h("dd", {}, t("plan.coverage.people", { n: people(totals.population) }))),
    h("div", {}, h("dt", {}, t("plan.coverage.beyond")), h("dd", { "data-beyond": String(totals.beyond) }, t("plan.coverage.people", { n: people(totals.beyond) }))),
    h("div", {}, h("dt", {}, t("plan.coverage.facilities_count")), h("dd", {}, formatNumber(totals.facilities))),
  );
}

async function drawMap(slot, notice, report) {
  const [{ default: maplibregl }, backdrop] = await Promise.all([import("./coverage-map.js"), import("../common/backdrop.js")]);
  const canvas = h("div", { class: "coverage-map-canvas", role: "region", "aria-label": t("plan.coverage.map") });
  slot.prepend(canvas);
  const map = new maplibregl.Map({ container: canvas, style: await backdrop.districtsStyle(), ...backdrop.BACKDROP_OPTIONS });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  const { watchBasemap } = await import("../common/basemap.js");
  watchBasemap(map, notice);
  await new Promise((resolve) => map.on("load", resolve));
  const largest = Math.max(1, ...report.facilities.map((f) => f.served));
  map.addSource("coverage-units", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
  map.addSource("coverage-facilities", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
  map.addLayer({
    id: "coverage-units",
    type: "circle",
    source: "coverage-units",
    paint: {
      "circle-radius": ["case", ["get", "beyond"], 5, 3],
      "circle-color": ["case", ["get", "beyond"], BEYOND, WITHIN],
      "circle-stroke-color": "#ffffff",
      "circle-stroke-width": 1,
    },
  });
  map.addLayer({
    id: "coverage-facilities",
    type: "circle",
    source: "coverage-facilities",
    paint: {
      "circle-radius": ["+", 4, ["*", 18, ["sqrt", ["/", ["get", "served"], largest]]]],
      "circle-color": FACILITY,
      "circle-opacity": 0.55,
      "circle-stroke-color": "#00513a",
      "circle-stroke-width": 1.5,
    },
  });
  const point = (row, properties) => ({ type: "Feature", geometry: { type: "Point", coordinates: [row.lon, row.lat] }, properties });
  const show = (units, facilities) => {
    map.getSource("coverage-units").setData({ type: "FeatureCollection", features: units.map((u) => point(u, { beyond: u.beyond })) });
    map.getSource("coverage-facilities").setData({ type: "FeatureCollection", features: facilities.map((f) => point(f, { served: f.served })) });
  };
  show(report.units, report.facilities);
  const box = new maplibregl.LngLatBounds();
  for (const row of [...report.units, ...report.facilities]) box.extend([row.lon, row.lat]);
  if (!box.isEmpty()) map.fitBounds(box, { padding: 30, duration: 0 });
  canvas.dataset.ready = "true";
  return { show };
}

function facilityTable(report, kind, plans, pins) {
  const captionId = uid("caption");
  const shelter = kind === "shelter";
  const others = (row) => report.facilities.filter((f) => f.id !== row.id);
  return h(
    "div",
    { class: "table-wrap", role: "region", "aria-labelledby": captionId, tabindex: "0" },
    h(
      "table",
      { class: "data coverage-table" },
      h("caption", { id: captionId }, t("plan.coverage.caption", { kind: t(`plan.coverage.kind.${kind}`) })),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, t("plan.coverage.col_name")),
          h("th", { scope: "col", class: "num" }, t("plan.coverage.col_served")),
          h("th", { scope: "col", class: "num" }, t("plan.coverage.col_elderly")),
          h("th", { scope: "col", class: "num" }, t("plan.coverage.col_mean")),
          h("th", { scope: "col", class: "num" }, t("plan.coverage.col_farthest")),
          h("th", { scope: "col", class: "num" }, t("plan.coverage.col_beyond")),
          shelter ? h("th", { scope: "col", class: "num" }, t("plan.coverage.col_capacity")) : null,
          h("th", { scope: "col" }, t("plan.coverage.col_plan")),
          h("th", { scope: "col" }, t("plan.coverage.col_pin")),
        ),
      ),
      h(
        "tbody",
        {},
        report.facilities.map((row) => {
          const choice = select(
            `plan-${row.id}`,
            [["keep", t("plan.coverage.keep")], ["close", t("plan.coverage.close")], ...others(row).map((o) => [String(o.id), t("plan.coverage.merge_into", { name: o.name })])],
            plans.get(row.id) ?? "keep",
          );
          choice.setAttribute("aria-label", t("plan.coverage.plan_label", { name: row.name }));
          choice.addEventListener("change", () => (choice.value === "keep" ? plans.delete(row.id) : plans.set(row.id, choice.value)));
          const pin = h("input", { type: "checkbox", name: `pin-${row.id}`, "aria-label": t("plan.coverage.pin_label", { name: row.name }) });
          pin.checked = pins.has(row.id);
          pin.addEventListener("change", () => (pin.checked ? pins.add(row.id) : pins.delete(row.id)));
          return h(
            "tr",
            { dataset: { facility: String(row.id) } },
            h("th", { scope: "row", lang: "ja" }, row.name),
            h("td", { class: "num" }, people(row.served)),
            h("td", { class: "num" }, people(row.elderly)),
            h("td", { class: "num" }, metres(row.mean_m)),
            h("td", { class: "num" }, metres(row.farthest_m)),
            h("td", { class: "num" }, people(row.beyond)),
            shelter
              ? h("td", { class: "num" }, row.capacity == null ? t("plan.coverage.none") : people(row.capacity), row.over_capacity ? h("span", { class: "over" }, t("plan.coverage.over", { n: people(row.over_capacity) })) : null)
              : null,
            h("td", {}, choice),
            h("td", { class: "pin" }, pin),
          );
        }),
      ),
    ),
  );
}

function scenarioResult(result) {
  const man = result.saving_man_yen;
  const captionId = uid("caption");
  const changed = result.districts.filter((d) => d.change !== 0);
  return h(
    "section",
    { class: "coverage-result", "aria-labelledby": captionId + "-h" },
    h("h3", { id: captionId + "-h", tabindex: "-1" }, t("plan.coverage.result")),
    h(
      "dl",
      { class: "coverage-summary" },
      h("div", {}, h("dt", {}, t("plan.coverage.saving")), h("dd", { class: "saving", "data-man-yen": String(man) }, t("plan.coverage.saving_value", { man: formatNumber(Math.round(man)), oku: formatNumber(man / 10000, { maximumFractionDigits: 1 }) }))),
      h("div", {}, h("dt", {}, t("plan.coverage.beyond_now")), h("dd", { "data-beyond-now": String(result.now.beyond) }, t("plan.coverage.people", { n: people(result.now.beyond) }))),
      h("div", {}, h("dt", {}, t("plan.coverage.beyond_after")), h("dd", { "data-beyond-after": String(result.after.beyond) }, t("plan.coverage.people", { n: people(result.after.beyond) }))),
    ),
    h("p", { class: "hint" }, t("plan.coverage.saving_note", {
        scenario: pick(result.scenario_name) || result.scenario,
        year: result.base_year,
      })),
    h("p", {}, t("plan.coverage.moved", { n: formatNumber(result.units.filter((u) => u.changed).length) })),
    changed.length
      ? h(
          "div",
          { class: "table-wrap", role: "region", "aria-labelledby": captionId, tabindex: "0" },
          h(
            "table",
            { class: "data" },
            h("caption", { id: captionId }, t("plan.coverage.district_caption")),
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                h("th", { scope: "col" }, t("plan.coverage.col_district")),
                h("th", { scope: "col", class: "num" }, t("plan.coverage.population")),
                h("th", { scope: "col", class: "num" }, t("plan.coverage.beyond_now")),
                h("th", { scope: "col", class: "num" }, t("plan.coverage.beyond_after")),
                h("th", { scope: "col", class: "num" }, t("plan.coverage.change")),
              ),
            ),
            h(
              "tbody",
              {},
              changed.map((d) =>
                h(
                  "tr",
                  {},
                  h("th", { scope: "row", lang: "ja" }, d.name ?? t("plan.coverage.no_district")),
                  h("td", { class: "num" }, people(d.population)),
                  h("td", { class: "num" }, people(d.beyond_now)),
                  h("td", { class: "num" }, people(d.beyond_after)),
                  h("td", { class: "num" }, (d.change > 0 ? "+" : "") + formatNumber(d.change)),
                ),
              ),
            ),
          ),
        )
      : null,
  );
}

export async function render(container, { route }) {
  // Imported by name, so the bundler loads the styles with the view (a chunk loaded through
  // the shell's one expression would bring its script only).
  await import("./coverage-style.js");
  const asked = route.params?.get("kind");
  const kind = KINDS.includes(asked) ? asked : "community_center";
  const report = await api.get(`/api/planning/coverage?kind=${kind}`);
  const plans = new Map(); // facility id -> "close" or the id it merges into
  const pins = new Set();
  const picker = select("kind", KINDS.map((k) => [k, t(`plan.coverage.kind.${k}`)]), kind);
  picker.addEventListener("change", () => {
    location.hash = `#/planning/coverage?kind=${picker.value}`;
  });
  const intro = h("p", {}, t("plan.coverage.intro", { detour: report.detour_factor, distance: formatNumber(report.distance_m) }));
  const mapSlot = h("div", { class: "coverage-map" });
  const mapNotice = h("p", { class: "notice map-notice", role: "status", hidden: true });
  mapSlot.append(mapNotice, h("p", { class: "hint" }, t("plan.coverage.map_legend")));
  const resultSlot = h("div", { "aria-live": "polite" });
  const suggestionSlot = h("div", { "aria-live": "polite" });
  const status = h("p", { class: "hint", role: "status" });
  container.append(
    h("div", { class: "coverage-controls" }, field(t("plan.coverage.kind"), picker), h("a", { class: "button", href: `/api/planning/coverage?kind=${kind}&f=csv`, download: "" }, t("plan.coverage.csv"))),
    intro,
    h("p", { class: "hint" }, t("plan.coverage.synthetic")),
  );
  if (!report.level) {
    container.append(h("p", { class: "notice" }, t("plan.coverage.no_population")));
    return;
  }
  let mapView = null;
  const run = h("button", { type: "button", class: "primary" }, t("plan.coverage.run"));
  const reset = h("button", { type: "button" }, t("plan.coverage.reset"));
  const tableSlot = h("div", {});
  const drawTable = () => clear(tableSlot).append(facilityTable(report, kind, plans, pins));
  drawTable();

  async function compute() {
    const closed = [];
    const merges = {};
    for (const [id, plan] of plans) {
      if (plan === "close") closed.push(id);
      else merges[String(id)] = Number(plan);
    }
    clear(resultSlot);
    if (!closed.length && !Object.keys(merges).length) {
      resultSlot.append(h("p", { class: "notice" }, t("plan.coverage.nothing_marked")));
      return;
    }
    status.textContent = t("plan.coverage.working");
    try {
      const result = await api.post("/api/planning/coverage/scenario", { json: { kind, closed, merges } });
      resultSlot.append(scenarioResult(result));
      resultSlot.querySelector("h3")?.focus();
      const byId = new Map(report.units.map((u) => [u.id, u]));
      mapView?.show(
        result.units.map((u) => ({ ...byId.get(u.id), beyond: u.after.beyond })),
        result.facilities.filter((f) => f.status === "kept").map((f) => ({ ...f, served: f.served_after ?? 0 })),
      );
    } catch (error) {
      resultSlot.append(h("p", { class: "notice error", role: "alert" }, error.message));
    } finally {
      status.textContent = "";
    }
  }
  run.addEventListener("click", compute);
  reset.addEventListener("click", () => {
    plans.clear();
    drawTable();
    clear(resultSlot);
    mapView?.show(report.units, report.facilities);
  });

  const kInput = h("input", { type: "number", name: "k", min: "1", max: String(report.facilities.length), value: String(Math.max(1, report.facilities.length - 1)), required: true });
  const suggestForm = h(
    "form",
    { class: "coverage-suggest" },
    field(t("plan.coverage.k"), kInput),
    h("button", { type: "submit" }, t("plan.coverage.suggest_run")),
  );
  suggestForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(suggestionSlot);
    status.textContent = t("plan.coverage.working");
    try {
      const answer = await api.post("/api/planning/coverage/suggestion", { json: { kind, k: Number(kInput.value), pinned: [...pins] } });
      const use = h("button", { type: "button" }, t("plan.coverage.use_suggestion"));
      use.addEventListener("click", () => {
        plans.clear();
        for (const f of answer.close) plans.set(f.id, "close");
        drawTable();
        compute();
      });
      suggestionSlot.append(
        h("p", { class: "suggestion-answer" }, t("plan.coverage.suggest_result", { k: answer.k, covered: people(answer.covered), all: people(answer.covered_now), beyond: people(answer.beyond) })),
        h("h4", {}, t("plan.coverage.keep_list")),
        h("ul", { class: "keep-list" }, answer.keep.map((f) => h("li", { lang: "ja" }, f.name))),
        h("h4", {}, t("plan.coverage.close_list")),
        h("ul", { class: "close-list" }, answer.close.map((f) => h("li", { lang: "ja" }, f.name))),
        use,
      );
    } catch (error) {
      suggestionSlot.append(h("p", { class: "notice error", role: "alert" }, error.message));
    } finally {
      status.textContent = "";
    }
  });

  container.append(
    h("h2", {}, t("plan.coverage.summary")),
    summary(report.totals, t("plan.coverage.summary")),
    mapSlot,
    tableSlot,
    h("div", { class: "coverage-actions" }, run, reset),
    status,
    resultSlot,
    h("h2", {}, t("plan.coverage.suggest")),
    h("p", {}, t("plan.coverage.suggest_intro", { n: report.facilities.length })),
    suggestForm,
    suggestionSlot,
  );
  drawMap(mapSlot, mapNotice, report)
    .then((view) => (mapView = view))
    .catch(() => {
      mapNotice.hidden = false;
      mapNotice.textContent = t("plan.coverage.map_failed");
    });
}
