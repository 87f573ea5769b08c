// /staff#/planning/projection: the 40-year renewal cost projection. Scenario, comparison and
// base year live in the URL (a view can be bookmarked and Back works); the chart is a
// stacked column SVG with the budget line, and the table beside it holds the same numbers.
import "./projection.css";
import { api } from "../common/api.js";
import { h, s, select, field, uid } from "../common/dom.js";
import { addMessages, formatNumber, lang, t } from "../common/i18n.js";
import messages from "../messages/planning-projection.js";
import registerMessages from "../messages/register-staff.js";

addMessages(messages);
addMessages(registerMessages); // the cost categories' names (reg.cost.*)

const PAGE = 20;
const SORTS = ["total", "built_year", "building"];

function fiscalYear(today = new Date()) {
  return today.getMonth() >= 3 ? today.getFullYear() : today.getFullYear() - 1;
}

const yen = (value) => formatNumber(Math.round(value));
const scenarioName = (scenario) => (lang() === "ja" ? scenario.name_ja : scenario.name_en);
const categoryName = (category) => t(`reg.cost.${category.code}`);

function niceStep(max) {
  const rough = max / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 2.5, 5, 10].find((n) => rough / power <= n) * power;
}

function chart(body) {
  const width = 720;
  const height = 320;
  const left = 64;
  const right = 8;
  const top = 16;
  const bottom = 28;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const max = Math.max(1, body.budget, ...body.yearly);
  const step = niceStep(max);
  const ceiling = Math.ceil((max * 1.05) / step) * step;
  const y = (value) => top + plotH - (value / ceiling) * plotH;
  const slot = plotW / body.years.length;
  const id = uid("projection-chart");
  const svg = s(
    "svg",
    {
      viewBox: `0 0 ${width} ${height}`,
      role: "img",
      class: "projection-chart",
      "aria-labelledby": `${id}-title ${id}-desc`,
    },
    s("title", {
      id: `${id}-title`,
      text: t("plan.projection.chartTitle", { scenario: scenarioName(body.scenario) }),
    }),
    s("desc", {
      id: `${id}-desc`,
      text: t("plan.projection.chartDesc", {
        first: body.years[0],
        last: body.years.at(-1),
        budget: yen(body.budget),
        total: yen(body.total),
        average: yen(body.yearly_average),
      }),
    }),
  );
  const grid = s("g", { class: "grid", "aria-hidden": "true" });
  for (let v = 0; v <= ceiling + step / 2; v += step) {
    grid.append(
      s("line", { x1: left, x2: width - right, y1: y(v), y2: y(v), class: v ? "gridline" : "axis" }),
      s("text", { x: left - 6, y: y(v) + 4, "text-anchor": "end", text: yen(v) }),
    );
  }
  svg.append(grid);
  const bars = s("g", { "aria-hidden": "true" });
  body.years.forEach((year, i) => {
    let base = 0;
    body.categories.forEach((category) => {
      const value = category.costs[i];
      if (value <= 0) return;
      bars.append(
        s("rect", {
          x: left + i * slot + slot * 0.12,
          y: y(base + value),
          width: slot * 0.76,
          height: y(base) - y(base + value),
          fill: category.colour,
        }),
      );
      base += value;
    });
    if (i % 5 === 0) {
      bars.append(
        s("text", {
          x: left + i * slot + slot / 2,
          y: height - bottom + 16,
          "text-anchor": "middle",
          text: String(year),
        }),
      );
    }
  });
  svg.append(bars);
  svg.append(
    s("line", {
      x1: left,
      x2: width - right,
      y1: y(body.budget),
      y2: y(body.budget),
      class: "budget",
      "aria-hidden": "true",
    }),
    s("text", {
      x: width - right,
      y: y(body.budget) - 5,
      "text-anchor": "end",
      class: "budget-label",
      "aria-hidden": "true",
      text: `${t("plan.projection.budgetLine")} ${yen(body.budget)}`,
    }),
  );
  const legend = h(
    "ul",
    { class: "projection-legend" },
    body.categories.map((category) =>
      h(
        "li",
        {},
        s("svg", { class: "swatch", viewBox: "0 0 10 10", "aria-hidden": "true" }, s("rect", { width: 10, height: 10, fill: category.colour })),
        categoryName(category),
      ),
    ),
    h("li", {}, h("span", { class: "swatch-budget", "aria-hidden": "true" }), t("plan.projection.budgetLine")),
  );
  return h("figure", { class: "projection-figure" }, svg, legend);
}

function yearTable(body) {
  return h(
    "div",
    { class: "projection-table", tabindex: "0", role: "region", "aria-label": t("plan.projection.tableCaption") },
    h(
      "table",
      {},
      h("caption", {}, t("plan.projection.tableCaption")),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, t("plan.projection.year")),
          body.categories.map((c) => h("th", { scope: "col" }, categoryName(c))),
          h("th", { scope: "col" }, t("plan.projection.sum")),
        ),
      ),
      h(
        "tbody",
        {},
        body.years.map((year, i) =>
          h(
            "tr",
            { class: body.yearly[i] > body.budget ? "over" : null },
            h("th", { scope: "row" }, String(year)),
            body.categories.map((c) => h("td", {}, yen(c.costs[i]))),
            h("td", {}, yen(body.yearly[i])),
          ),
        ),
      ),
    ),
  );
}

function figures(body) {
  const gap = body.yearly_average - body.budget;
  const item = (label, value, extra) =>
    h("div", { class: `projection-figure-box ${extra || ""}` }, h("dt", {}, label), h("dd", {}, yen(value)));
  return h(
    "dl",
    { class: "projection-figures" },
    item(t("plan.projection.total"), body.total),
    item(t("plan.projection.average"), body.yearly_average),
    item(t("plan.projection.budget"), body.budget),
    item(t("plan.projection.gap"), gap, gap > 0 ? "over" : ""),
  );
}

function notProjected(body) {
  const skipped = body.not_projected;
  if (!skipped.count) return null;
  const reasons = {};
  for (const entry of skipped.buildings)
    for (const reason of entry.missing) reasons[reason] = (reasons[reason] || 0) + 1;
  const why = Object.entries(reasons)
    .map(([reason, n]) => `${t(`plan.projection.missing.${reason}`)} ${n}`)
    .join(lang() === "ja" ? "、" : ", ");
  return h("p", { class: "projection-note" }, t("plan.projection.notProjected", { count: skipped.count, why }));
}

function events(list) {
  return list.map((e) => `${t(`plan.projection.event.${e.kind}`)} ${e.year}`).join(lang() === "ja" ? "、" : ", ");
}

function comparison(body) {
  const other = body.compare;
  const a = scenarioName(body.scenario);
  const b = scenarioName(other.scenario);
  const diff = other.difference;
  const decades = [];
  for (let i = 0; i < body.years.length; i += 10) decades.push([i, Math.min(i + 10, body.years.length)]);
  const sum = (values, [from, to]) => values.slice(from, to).reduce((x, y) => x + y, 0);
  const row = (label, values, total) =>
    h(
      "tr",
      {},
      h("th", { scope: "row" }, label),
      decades.map((d) => h("td", {}, yen(sum(values, d)))),
      h("td", {}, yen(total)),
    );
  const totals = h(
    "table",
    { class: "projection-compare" },
    h("caption", {}, t("plan.projection.compareCaption")),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, t("plan.projection.decade")),
        decades.map(([from, to]) => h("th", { scope: "col" }, `${body.years[from]}–${body.years[to - 1]}`)),
        h("th", { scope: "col" }, t("plan.projection.total")),
      ),
    ),
    h(
      "tbody",
      {},
      row(a, body.yearly, body.total),
      row(b, other.yearly, other.total),
      row(t("plan.projection.difference", { a, b }), diff.yearly, diff.total),
    ),
  );
  const moved = diff.moved.length
    ? h(
        "div",
        { class: "projection-table", tabindex: "0", role: "region", "aria-label": t("plan.projection.moved") },
        h(
          "table",
          { class: "projection-moved" },
          h("caption", {}, t("plan.projection.movedCaption", { b })),
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              h("th", { scope: "col" }, t("plan.projection.facility")),
              h("th", { scope: "col" }, t("plan.projection.building")),
              h("th", { scope: "col" }, a),
              h("th", { scope: "col" }, b),
              h("th", { scope: "col" }, t("plan.projection.difference", { a, b })),
            ),
          ),
          h(
            "tbody",
            {},
            diff.moved.map((m) =>
              h(
                "tr",
                {},
                h("td", { lang: "ja" }, m.facility_name),
                h("th", { scope: "row", lang: "ja" }, m.building_name),
                h("td", {}, events(m.from)),
                h("td", {}, events(m.to)),
                h("td", { class: "num" }, yen(m.difference)),
              ),
            ),
          ),
        ),
      )
    : h("p", {}, t("plan.projection.movedNone"));
  return h(
    "section",
    { class: "projection-comparison", "aria-labelledby": "projection-compare-heading" },
    h("h2", { id: "projection-compare-heading" }, t("plan.projection.compareHeading", { a, b })),
    totals,
    h("h3", {}, t("plan.projection.moved")),
    moved,
  );
}

function buildings(body, params) {
  const offset = body.items.length ? Number(params.get("offset")) || 0 : 0;
  const sort = SORTS.includes(params.get("sort")) ? params.get("sort") : "total";
  const go = (changes) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) next.set(k, v);
    location.hash = `#/planning/projection?${next}`;
  };
  const sorter = select(
    "sort",
    SORTS.map((code) => [code, t(`plan.projection.sort.${code}`)]),
    sort,
  );
  sorter.addEventListener("change", () => go({ sort: sorter.value, offset: 0 }));
  const pager = h(
    "nav",
    { class: "projection-pager", "aria-label": t("plan.projection.pages") },
    offset > 0 ? h("a", { href: "#", onclick: (e) => (e.preventDefault(), go({ offset: Math.max(0, offset - PAGE) })) }, t("plan.projection.prev")) : null,
    offset + PAGE < body.numberMatched
      ? h("a", { href: "#", onclick: (e) => (e.preventDefault(), go({ offset: offset + PAGE })) }, t("plan.projection.next"))
      : null,
  );
  const caption = t("plan.projection.buildingsCaption", {
    from: body.items.length ? offset + 1 : 0,
    to: offset + body.items.length,
    count: body.numberMatched,
  });
  return h(
    "section",
    { class: "projection-buildings", "aria-labelledby": "projection-buildings-heading" },
    h("h2", { id: "projection-buildings-heading" }, t("plan.projection.buildings")),
    field(t("plan.projection.sort"), sorter),
    h(
      "div",
      { class: "projection-table wide", tabindex: "0", role: "region", "aria-label": caption },
      h(
        "table",
        {},
        h("caption", {}, caption),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["facility", "building", "category", "area", "built", "grade", "seismic", "events", "total"].map((k) =>
              h("th", { scope: "col" }, t(`plan.projection.${k}`)),
            ),
          ),
        ),
        h(
          "tbody",
          {},
          body.items.map((b) =>
            h(
              "tr",
              {},
              h("td", { lang: "ja" }, b.facility_name),
              h("th", { scope: "row", lang: "ja" }, b.building_name),
              h("td", {}, t(`reg.cost.${b.cost_category}`)),
              h("td", { class: "num" }, formatNumber(b.floor_area_m2)),
              h("td", { class: "num" }, String(b.built_year)),
              h("td", {}, b.latest_grade || t("plan.projection.grade.none")),
              h("td", {}, t(`plan.projection.seismic.${b.seismic_standard}`)),
              h("td", {}, events(b.events)),
              h("td", { class: "num" }, yen(b.total)),
            ),
          ),
        ),
      ),
    ),
    pager,
  );
}

function downloads(scenario, baseYear, compare) {
  const query = (extra) => new URLSearchParams({ scenario, base_year: baseYear, ...extra }).toString();
  return h(
    "section",
    { class: "projection-downloads", "aria-labelledby": "projection-downloads-heading" },
    h("h2", { id: "projection-downloads-heading" }, t("plan.projection.downloads")),
    h(
      "ul",
      {},
      h("li", {}, h("a", { href: `/api/planning/projection.csv?${query({ table: "category" })}`, download: "" }, t("plan.projection.csvCategory"))),
      h("li", {}, h("a", { href: `/api/planning/projection.csv?${query({ table: "building" })}`, download: "" }, t("plan.projection.csvBuilding"))),
      h("li", {}, h("a", { href: `/api/planning/projection.pdf?${query(compare ? { compare } : {})}` }, t("plan.projection.pdf"))),
    ),
  );
}

export async function render(container, { route }) {
  const params = route.params;
  const list = (await api.get("/api/planning/scenarios")).scenarios;
  const codes = list.map((x) => x.code);
  const scenario = codes.includes(params.get("scenario")) ? params.get("scenario") : codes[0];
  const compare = codes.includes(params.get("compare")) && params.get("compare") !== scenario ? params.get("compare") : "";
  const asked = Number(params.get("base_year"));
  const baseYear = Number.isInteger(asked) && asked >= 1950 && asked <= 2100 ? asked : fiscalYear();
  const sort = SORTS.includes(params.get("sort")) ? params.get("sort") : "total";
  const offset = Math.max(0, Number(params.get("offset")) || 0);

  const scenarioSelect = select("scenario", list.map((x) => [x.code, scenarioName(x)]), scenario);
  const compareSelect = select(
    "compare",
    [["", t("plan.projection.compareNone")], ...list.map((x) => [x.code, scenarioName(x)])],
    compare,
  );
  const yearInput = h("input", { type: "number", name: "base_year", min: 1950, max: 2100, value: String(baseYear), required: true });
  const formId = uid("projection-form");
  const form = h(
    "form",
    {
      class: "projection-form",
      "aria-labelledby": formId,
      onsubmit: (event) => {
        event.preventDefault();
        const next = new URLSearchParams({ scenario: scenarioSelect.value, base_year: yearInput.value });
        if (compareSelect.value) next.set("compare", compareSelect.value);
        location.hash = `#/planning/projection?${next}`;
      },
    },
    h("h2", { id: formId, class: "visually-hidden" }, t("plan.projection.form")),
    field(t("plan.projection.scenario"), scenarioSelect),
    field(t("plan.projection.compare"), compareSelect),
    field(t("plan.projection.baseYear"), yearInput),
    h("button", { type: "submit", class: "primary" }, t("plan.projection.show")),
  );
  const status = h("p", { role: "status", class: "projection-status" }, t("plan.projection.loading"));
  container.append(form, status);

  const query = new URLSearchParams({ scenario, base_year: baseYear, sort, limit: PAGE, offset });
  if (compare) query.set("compare", compare);
  const body = await api.get(`/api/planning/projection?${query}`);
  const chosen = list.find((x) => x.code === scenario);
  status.textContent = "";
  container.append(
    h(
      "section",
      { class: "projection-result", "aria-labelledby": "projection-heading" },
      h("h2", { id: "projection-heading" }, `${scenarioName(chosen)}（${body.years[0]}–${body.years.at(-1)}）`),
      h("p", { class: "projection-description" }, lang() === "ja" ? chosen.description_ja : chosen.description_en),
      h("p", { class: "projection-note" }, t("plan.projection.unit")),
      figures(body),
      notProjected(body),
      h("div", { class: "projection-chart-and-table" }, chart(body), yearTable(body)),
    ),
    body.compare ? comparison(body) : null,
    buildings(body, params),
    downloads(scenario, baseYear, compare),
  );
}
