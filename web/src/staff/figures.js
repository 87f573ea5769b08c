// Response-time figures (GET /api/triage/figures): how long reports wait to be taken up and
// to be resolved, per department and per category, and how old the open ones are. Each
// chart has a data table under it carrying the same numbers, for screen readers and for
// anyone who wants the exact figures.
import { api } from "../common/api.js";
import { formatDate, formatDateTime, formatNumber, pick, t } from "../common/i18n.js";
import { barChart } from "./charts.js";
import { clear, field, h, select, uid } from "../common/dom.js";
import { departmentName, departments } from "./lookups.js";
import { hashFor, replaceHash } from "./route.js";

const ACCEPTED = { color: "#0072b2" };
const RESOLVED = { color: "#d55e00", hatched: true };
const BUCKETS = ["days_0_7", "days_8_30", "days_31_90", "days_over_90"];
const DAY = /^\d{4}-\d{2}-\d{2}$/;

function days(value) {
  return formatNumber(value, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

function count(value) {
  return formatNumber(value);
}

function missing() {
  return [
    h("span", { "aria-hidden": "true" }, "—"),
    h("span", { class: "visually-hidden" }, t("figures.no_data")),
  ];
}

function cell(value, format) {
  return h(
    "td",
    { class: "num" },
    value === null || value === undefined ? missing() : format(value),
  );
}

function medianTable(rows, nameHeader, caption) {
  const captionId = uid("caption");
  return h(
    "div",
    { class: "table-wrap", role: "region", "aria-labelledby": captionId, tabindex: "0" },
    h(
      "table",
      { class: "data figures-table" },
      h("caption", { id: captionId }, caption),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, nameHeader),
          [
            "figures.col_reports",
            "figures.col_median_accepted",
            "figures.col_reached_accepted",
            "figures.col_median_resolved",
            "figures.col_reached_resolved",
            "figures.col_open",
          ].map((key) => h("th", { scope: "col", class: "num" }, t(key))),
        ),
      ),
      h(
        "tbody",
        {},
        rows.map((row) =>
          h(
            "tr",
            { "data-code": row.code ?? "" },
            h("th", { scope: "row" }, row.label),
            cell(row.reports, count),
            cell(row.median_days_to_accepted, days),
            cell(row.reached_accepted, count),
            cell(row.median_days_to_resolved, days),
            cell(row.reached_resolved, count),
            cell(row.open, count),
          ),
        ),
      ),
    ),
  );
}

function medianChart(rows, titleKey, tableCaptionKey, nameHeaderKey) {
  const id = uid("fig");
  const title = t(titleKey);
  const chart = barChart({
    title,
    description: t("figures.chart_desc"),
    series: [
      { ...ACCEPTED, name: t("figures.series_accepted") },
      { ...RESOLVED, name: t("figures.series_resolved") },
    ],
    groups: rows.map((row) => ({
      label: row.label,
      values: [row.median_days_to_accepted, row.median_days_to_resolved],
    })),
    format: (v) => t("unit.days", { n: days(v) }),
    tick: (v) => formatNumber(v),
    empty: t("figures.no_data"),
  });
  return h(
    "section",
    { class: "figure-section", "aria-labelledby": id },
    h("h2", { id }, title),
    h("p", { class: "hint" }, t("figures.median_hint")),
    chart,
    medianTable(rows, t(nameHeaderKey), t(tableCaptionKey)),
  );
}

function backlogChart(overall) {
  const id = uid("fig");
  const title = t("figures.backlog_title");
  const byAge = overall?.open_by_age || {};
  const rows = BUCKETS.map((bucket) => ({
    label: t(`figures.${bucket}`),
    value: byAge[bucket] ?? 0,
    bucket,
  }));
  const captionId = uid("caption");
  return h(
    "section",
    { class: "figure-section", "aria-labelledby": id },
    h("h2", { id }, title),
    h("p", { class: "hint" }, t("figures.backlog_hint", { n: count(overall?.open ?? 0) })),
    barChart({
      title,
      description: t("figures.chart_desc"),
      series: [{ name: t("figures.col_open"), color: "#009e73" }],
      groups: rows.map((row) => ({ label: row.label, values: [row.value] })),
      format: (v) => t("unit.reports", { n: count(v) }),
      tick: (v) => formatNumber(v),
      empty: t("figures.no_data"),
    }),
    h(
      "div",
      { class: "table-wrap", role: "region", "aria-labelledby": captionId, tabindex: "0" },
      h(
        "table",
        { class: "data figures-table backlog-table" },
        h("caption", { id: captionId }, t("figures.backlog_caption")),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col" }, t("figures.col_age")),
            h("th", { scope: "col", class: "num" }, t("figures.col_open")),
          ),
        ),
        h(
          "tbody",
          {},
          rows.map((row) =>
            h(
              "tr",
              { "data-code": row.bucket },
              h("th", { scope: "row" }, row.label),
              cell(row.value, count),
            ),
          ),
        ),
      ),
    ),
  );
}

function summary(overall) {
  const item = (key, value) => h("div", { class: "stat" }, h("dt", {}, t(key)), h("dd", {}, value));
  const median = (v) =>
    v === null || v === undefined ? missing() : t("unit.days", { n: days(v) });
  return h(
    "dl",
    { class: "stats" },
    item("figures.col_reports", t("unit.reports", { n: count(overall?.reports ?? 0) })),
    item("figures.col_median_accepted", median(overall?.median_days_to_accepted)),
    item("figures.col_median_resolved", median(overall?.median_days_to_resolved)),
    item("figures.col_open", t("unit.reports", { n: count(overall?.open ?? 0) })),
  );
}

function dayText(day) {
  return formatDate(`${day}T00:00:00+09:00`, { dateStyle: "long" });
}

function period(figures) {
  if (figures.since && figures.until)
    return t("figures.period_both", {
      since: dayText(figures.since),
      until: dayText(figures.until),
    });
  if (figures.since) return t("figures.period_since", { since: dayText(figures.since) });
  if (figures.until) return t("figures.period_until", { until: dayText(figures.until) });
  return t("figures.period_all");
}

export async function render(container, { route, focus }) {
  const params = route.params;
  const query = {
    since: DAY.test(params.get("since") || "") ? params.get("since") : "",
    until: DAY.test(params.get("until") || "") ? params.get("until") : "",
    department: params.get("department") || "",
  };
  const depts = await departments();
  const since = h("input", { type: "date", name: "since", value: query.since });
  const until = h("input", { type: "date", name: "until", value: query.until });
  const department = select(
    "department",
    [["", t("figures.all_departments")], ...depts.map((d) => [d.code, departmentName(d)])],
    query.department,
  );
  const alert = h("div", { class: "form-alert", role: "alert" });
  const status = h("p", { class: "figures-status", role: "status" });
  const results = h("div", { class: "figures-results" });
  const form = h(
    "form",
    { class: "figures-form", "aria-labelledby": "figures-form-title" },
    h("h2", { id: "figures-form-title", class: "visually-hidden" }, t("figures.form_title")),
    h(
      "div",
      { class: "filter-grid" },
      field(t("figures.since"), since),
      field(t("figures.until"), until),
      field(t("figures.department"), department),
      h(
        "div",
        { class: "field field-button" },
        h("button", { type: "submit", class: "primary" }, t("figures.submit")),
      ),
    ),
  );
  const heading = h("h1", { tabindex: "-1" }, t("figures.title"));
  clear(container).append(
    h("div", { class: "view-head" }, heading, h("p", { class: "lead" }, t("figures.lead"))),
    form,
    alert,
    status,
    results,
  );
  if (focus) heading.focus();

  async function load() {
    alert.textContent = "";
    alert.className = "form-alert";
    if (query.since && query.until && query.since > query.until) {
      alert.textContent = t("figures.bad_period");
      alert.className = "form-alert notice error";
      return;
    }
    status.textContent = t("common.loading");
    const q = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value) q.set(key, value);
    let figures;
    try {
      figures = await api.get(`/api/triage/figures?${q}`);
    } catch (error) {
      status.textContent = "";
      alert.textContent = error.message;
      alert.className = "form-alert notice error";
      return;
    }
    const named = (row, fallback) => ({
      ...row,
      label: pick({ ja: row.name_ja, en: row.name_en || row.name_ja }) || fallback,
    });
    const byDepartment = figures.by_department.map((row) => named(row, t("list.no_department")));
    const byCategory = figures.by_category.map((row) => named(row, row.code));
    const scope = figures.department
      ? pick({
          ja: figures.department.name_ja,
          en: figures.department.name_en || figures.department.name_ja,
        })
      : t("figures.all_departments");
    clear(results).append(
      h(
        "section",
        { class: "figure-section", "aria-labelledby": "figures-overall" },
        h("h2", { id: "figures-overall" }, t("figures.overall")),
        h("p", {}, t("figures.scope", { period: period(figures), scope })),
        summary(figures.overall),
        h(
          "p",
          { class: "hint" },
          t("figures.generated", { at: formatDateTime(figures.generated_at) }),
        ),
      ),
      medianChart(
        byDepartment,
        "figures.by_department_title",
        "figures.by_department_caption",
        "figures.col_department",
      ),
      medianChart(
        byCategory,
        "figures.by_category_title",
        "figures.by_category_caption",
        "figures.col_category",
      ),
      backlogChart(figures.overall),
    );
    status.textContent = t("figures.loaded", { period: period(figures), scope });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    query.since = since.value;
    query.until = until.value;
    query.department = department.value;
    const next = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value) next.set(key, value);
    replaceHash(hashFor("figures", next));
    load();
  });
  await load();
}
