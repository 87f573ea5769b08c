// /staff#/planning/priority: which buildings to renew first and why. The ranking table
// shows every part's score with what it came from, so a councillor can see why a building
// is first; the chart of the top buildings' parts has its own table beside it. Filters live
// in the URL (Back works, a view can be shared); the CSV has every row.
import { api } from "../common/api.js";
import { field, h, select, uid } from "../common/dom.js";
import { addMessages, formatNumber, lang, t } from "../common/i18n.js";
import { districtName, districts } from "../staff/lookups.js";
import { barChart } from "../staff/charts.js";
import { KINDS, label } from "../city/register/labels.js";
import registerMessages from "../messages/register-staff.js";
import messages from "../messages/planning-priority.js";

addMessages(registerMessages);
addMessages(messages);

const PAGE = 50;
const TOP = 5;
const FILTERS = ["base_year", "kind", "district"];
// Okabe–Ito; the parts differ by fill too (hatched), and every bar has its number.
const PART_STYLE = {
  condition: { color: "#d55e00" },
  seismic: { color: "#0072b2", hatched: true },
  age: { color: "#e69f00" },
  exposure: { color: "#009e73", hatched: true },
  use: { color: "#cc79a7" },
};

function apiQuery(params, extra = {}) {
  const query = new URLSearchParams();
  for (const name of FILTERS) {
    const value = params.get(name);
    if (value) query.set(name, value);
  }
  for (const [name, value] of Object.entries(extra)) query.set(name, String(value));
  return query.toString();
}

const partName = (part) => (lang() === "ja" ? part.name_ja : part.name_en);
const partValue = (part) => (lang() === "ja" ? part.value_ja : part.value_en);
const score = (value) => (value === null || value === undefined ? t("plan.priority.none") : formatNumber(value));

export async function render(container, { route }) {
  // Imported by name here: the staff page picks its views with one expression, which
  // loads their scripts but not the styles they import (as city/register/list.js does).
  await import("./priority.css");
  const params = route.params;
  const offset = Math.max(0, Number(params.get("offset")) || 0);
  let found;
  let top;
  let areas;
  try {
    [found, top, areas] = await Promise.all([
      api.get(`/api/planning/priority?${apiQuery(params, { limit: PAGE, offset })}`),
      api.get(`/api/planning/priority?${apiQuery(params, { limit: TOP, offset: 0 })}`),
      districts().catch(() => []),
    ]);
  } catch (error) {
    container.append(h("p", { class: "notice error", role: "alert" }, t("plan.priority.error", { message: error.message })));
    return;
  }
  const weights = found.parts
    .map((p) => `${partName(p)} ${formatNumber(found.weights[p.code] ?? 0)}`)
    .join(lang() === "ja" ? "、" : ", ");
  container.append(
    h(
      "section",
      { class: "plan-priority", "aria-labelledby": "plan-priority-heading" },
      h("h2", { id: "plan-priority-heading" }, t("plan.priority.heading")),
      h("p", { class: "lead" }, t("plan.priority.lead", { year: found.base_year })),
      h("p", { class: "plan-priority-weights" }, t("plan.priority.weights", { weights })),
      h("p", { class: "hint" }, t("plan.priority.unknown_note")),
      filterForm(params, areas, found.base_year),
      h(
        "div",
        { class: "plan-priority-toolbar" },
        h("p", { class: "plan-priority-count", role: "status" }, t("plan.priority.count", { n: formatNumber(found.numberMatched) })),
        h(
          "a",
          { class: "button", href: `/api/planning/priority?${apiQuery(params, { f: "csv" })}`, download: "" },
          t("plan.priority.csv"),
        ),
      ),
      found.items.length ? topChart(top.items, found.parts) : null,
      rankingTable(found, offset),
      pager(params, offset, found),
    ),
  );
}

function filterForm(params, areas, baseYear) {
  const year = h("input", {
    type: "number",
    name: "base_year",
    min: "1900",
    max: "2200",
    inputmode: "numeric",
    value: params.get("base_year") || String(baseYear),
  });
  const kind = select("kind", [["", t("plan.priority.all")], ...KINDS.map((k) => [k, label("kind", k)])], params.get("kind"));
  const district = select(
    "district",
    [["", t("plan.priority.all")], ...areas.map((d) => [String(d.id), districtName(d)])],
    params.get("district"),
  );
  const controls = { base_year: year, kind, district };

  function apply(event) {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [name, control] of Object.entries(controls)) {
      const value = control.value.trim();
      if (value) next.set(name, value);
    }
    location.hash = `#/planning/priority?${next.toString()}`;
  }

  const inline = { className: "field inline" };
  const legendId = uid("plan-priority-filters");
  return h(
    "form",
    { class: "plan-priority-filters", role: "search", "aria-labelledby": legendId, onsubmit: apply },
    h("h3", { id: legendId, class: "visually-hidden" }, t("plan.priority.filters")),
    field(t("plan.priority.base_year"), year, inline),
    field(t("plan.priority.kind"), kind, inline),
    field(t("plan.priority.district"), district, inline),
    h(
      "div",
      { class: "plan-priority-actions" },
      h("button", { type: "submit", class: "primary" }, t("plan.priority.apply")),
      h("a", { class: "button", href: "#/planning/priority" }, t("plan.priority.reset")),
    ),
  );
}

function buildingLabel(row) {
  return `${row.rank}. ${row.facility_name} ${row.building_name}`;
}

function topChart(rows, parts) {
  const n = rows.length;
  const chart = barChart({
    title: t("plan.priority.chart_title", { n }),
    description: t("plan.priority.chart_desc", { n }),
    series: parts.map((p) => ({ name: partName(p), ...PART_STYLE[p.code] })),
    groups: rows.map((row) => ({
      label: buildingLabel(row),
      values: row.parts.map((p) => p.score),
    })),
    format: (v) => formatNumber(v),
    tick: (v) => formatNumber(v),
    empty: t("plan.priority.none"),
  });
  const captionId = uid("caption");
  const table = h(
    "div",
    { class: "table-wrap", role: "region", "aria-labelledby": captionId, tabindex: "0" },
    h(
      "table",
      { class: "data plan-priority-top" },
      h("caption", { id: captionId }, t("plan.priority.chart_table", { n })),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, t("plan.priority.col_building")),
          ...parts.map((p) => h("th", { scope: "col" }, partName(p))),
          h("th", { scope: "col" }, t("plan.priority.col_total")),
        ),
      ),
      h(
        "tbody",
        {},
        ...rows.map((row) =>
          h(
            "tr",
            {},
            h("th", { scope: "row" }, buildingLabel(row)),
            ...row.parts.map((p) => h("td", { class: "num" }, score(p.score))),
            h("td", { class: "num" }, formatNumber(row.total)),
          ),
        ),
      ),
    ),
  );
  return h("div", { class: "plan-priority-chart" }, chart, table);
}

function partCell(part) {
  // A part that does not apply says so once ("—"), not as a score and an input.
  const value = partValue(part);
  return h(
    "td",
    { class: part.known ? "" : "plan-priority-unknown" },
    part.score === null && value === t("plan.priority.none")
      ? h("span", { class: "plan-priority-score" }, value)
      : [h("span", { class: "plan-priority-score" }, score(part.score)), h("span", { class: "plan-priority-input" }, value)],
  );
}

function rankingTable(found, offset) {
  const rows = found.items;
  if (!rows.length) return h("p", { class: "notice" }, t("plan.priority.empty"));
  const captionId = uid("caption");
  const caption = t("plan.priority.caption", {
    from: offset + 1,
    to: offset + rows.length,
    total: found.numberMatched,
  });
  const reasons = (row) => (lang() === "ja" ? row.reasons_ja : row.reasons_en);
  return h(
    "div",
    { class: "table-wrap", role: "region", "aria-labelledby": captionId, tabindex: "0" },
    h(
      "table",
      { class: "data plan-priority-list" },
      h("caption", { id: captionId }, caption),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, t("plan.priority.col_rank")),
          h("th", { scope: "col" }, t("plan.priority.col_building")),
          h("th", { scope: "col" }, t("plan.priority.col_district")),
          ...found.parts.map((p) => h("th", { scope: "col" }, partName(p))),
          h("th", { scope: "col" }, t("plan.priority.col_total")),
          h("th", { scope: "col" }, t("plan.priority.col_reasons")),
        ),
      ),
      h(
        "tbody",
        {},
        ...rows.map((row) =>
          h(
            "tr",
            { "data-building": row.building_id },
            h("td", { class: "num" }, String(row.rank)),
            h(
              "th",
              { scope: "row" },
              h("a", { href: `#/register/buildings/${row.building_id}` }, `${row.facility_name} ${row.building_name}`),
              h("span", { class: "plan-priority-kind" }, label("kind", row.facility_kind)),
            ),
            h("td", {}, row.district_name || t("plan.priority.none")),
            ...row.parts.map(partCell),
            h("td", { class: "num plan-priority-total" }, formatNumber(row.total)),
            h("td", {}, h("ul", { class: "plan-priority-reasons" }, ...reasons(row).map((r) => h("li", {}, r)))),
          ),
        ),
      ),
    ),
  );
}

function pager(params, offset, found) {
  if (found.numberMatched <= PAGE) return null;
  const at = (value) => {
    const next = new URLSearchParams(params);
    if (value > 0) next.set("offset", String(value));
    else next.delete("offset");
    return `#/planning/priority?${next.toString()}`;
  };
  const last = Math.min(offset + found.items.length, found.numberMatched);
  const words = t("plan.priority.page", { from: offset + 1, to: last, total: found.numberMatched });
  return h(
    "nav",
    { class: "plan-priority-pager", "aria-label": words },
    offset > 0 ? h("a", { class: "button", href: at(Math.max(0, offset - PAGE)) }, t("plan.priority.prev")) : null,
    h("span", {}, words),
    last < found.numberMatched ? h("a", { class: "button", href: at(offset + PAGE) }, t("plan.priority.next")) : null,
  );
}
