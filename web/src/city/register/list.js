// /staff#/register: the facility register, one row per building, with the filters staff
// ask of it (kind, district, age, seismic standard, the latest 12条 grade, use, name), the
// same rows as CSV, and a page at a time. The filters live in the URL, so a list can be
// bookmarked, shared and come back to with Back.
import { api } from "../../common/api.js";
import { clear, field, h, select, uid } from "../../common/dom.js";
import { addMessages, formatDate, formatNumber, t } from "../../common/i18n.js";
import { districtName, districts } from "../../staff/lookups.js";
import messages from "../../messages/register-staff.js";
import { GRADES, KINDS, SEISMIC, SORTS, label } from "./labels.js";

addMessages(messages);

const FILTERS = ["kind", "district", "min_age", "max_age", "seismic", "grade", "in_use", "q", "sort"];
const PAGE = 50;

function fiscalYear(today = new Date()) {
  return today.getMonth() >= 3 ? today.getFullYear() : today.getFullYear() - 1;
}

/** The API's query for the view's parameters: only the filters, paged. */
function apiQuery(params, extra = {}) {
  const query = new URLSearchParams();
  for (const name of FILTERS) {
    const value = params.get(name);
    if (value) query.set(name, value);
  }
  for (const [name, value] of Object.entries(extra)) query.set(name, value);
  return query.toString();
}

export async function render(container, { route, focus }) {
  // Imported by name, so the bundler loads this section's styles with it (the staff page
  // picks its views with one expression, which loads scripts only).
  await import("./style.js");
  const params = route.params;
  const offset = Math.max(0, Number(params.get("offset")) || 0);
  const [found, areas] = await Promise.all([
    api.get(`/api/register?${apiQuery(params, { limit: PAGE, offset })}`),
    districts().catch(() => []),
  ]);
  const year = found.fiscal_year ?? fiscalYear();
  const heading = h("h1", { id: "reg-heading", tabindex: "-1" }, t("reg.title"));
  clear(container).append(
    h(
      "section",
      { class: "register", "aria-labelledby": "reg-heading" },
      heading,
      h("p", { class: "lead" }, t("reg.lead", { year })),
      filterForm(params, areas),
      h(
        "div",
        { class: "reg-toolbar" },
        h("p", { class: "reg-count", role: "status" }, t("reg.count", { n: formatNumber(found.matched) })),
        h(
          "a",
          { class: "button", href: `/api/register?${apiQuery(params, { f: "csv" })}`, download: "" },
          t("reg.csv"),
        ),
      ),
      table(found.buildings),
      pager(params, offset, found),
    ),
  );
  if (focus) heading.focus();
}

function filterForm(params, areas) {
  const options = (values, prefix) => [["", t("reg.all")], ...values.map((v) => [v, label(prefix, v)])];
  const kind = select("kind", options(KINDS, "kind"), params.get("kind"));
  const district = select(
    "district",
    [["", t("reg.all")], ...areas.map((d) => [String(d.id), districtName(d)])],
    params.get("district"),
  );
  const age = (name) =>
    h("input", { type: "number", name, min: "0", max: "300", inputmode: "numeric", value: params.get(name) || "" });
  const seismic = select("seismic", options(SEISMIC, "seismic"), params.get("seismic"));
  const grade = select("grade", [["", t("reg.all")], ...GRADES.map((g) => [g, g])], params.get("grade"));
  const inUse = select(
    "in_use",
    [["", t("reg.all")], ["true", t("reg.in_use.true")], ["false", t("reg.in_use.false")]],
    params.get("in_use"),
  );
  const q = h("input", { type: "search", name: "q", maxlength: "100", value: params.get("q") || "" });
  const sort = select("sort", SORTS.map((s) => [s, t(`reg.sort.${s}`)]), params.get("sort") || "facility");
  const controls = { kind, district, min_age: age("min_age"), max_age: age("max_age"), seismic, grade, in_use: inUse, q, sort };

  function apply(event) {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [name, control] of Object.entries(controls)) {
      const value = control.value.trim();
      if (value && !(name === "sort" && value === "facility")) next.set(name, value);
    }
    const query = next.toString();
    location.hash = `#/register${query ? `?${query}` : ""}`;
  }

  const inline = { className: "field inline" };
  const legendId = uid("reg-filters");
  return h(
    "form",
    { class: "reg-filters", role: "search", "aria-labelledby": legendId, onsubmit: apply },
    h("h2", { id: legendId, class: "visually-hidden" }, t("reg.filters")),
    field(t("reg.filter_kind"), kind, inline),
    field(t("reg.filter_district"), district, inline),
    field(t("reg.filter_min_age"), controls.min_age, inline),
    field(t("reg.filter_max_age"), controls.max_age, inline),
    field(t("reg.filter_seismic"), seismic, inline),
    field(t("reg.filter_grade"), grade, inline),
    field(t("reg.filter_in_use"), inUse, inline),
    field(t("reg.filter_q"), q, inline),
    field(t("reg.filter_sort"), sort, inline),
    h(
      "div",
      { class: "reg-filter-actions" },
      h("button", { type: "submit", class: "primary" }, t("reg.apply")),
      h("a", { class: "button", href: "#/register" }, t("reg.reset")),
    ),
  );
}

function table(rows) {
  if (!rows.length) return h("p", { class: "notice" }, t("reg.empty"));
  const captionId = uid("caption");
  const head = [
    "reg.col_facility",
    "reg.col_building",
    "reg.col_kind",
    "reg.col_district",
    "reg.col_built",
    "reg.col_age",
    "reg.col_area",
    "reg.col_structure",
    "reg.col_seismic",
    "reg.col_grade",
    "reg.col_next_due",
  ].map((key) => h("th", { scope: "col" }, t(key)));
  const body = rows.map(({ building: b, facility: f, condition, next_due: due }) =>
    h(
      "tr",
      { class: b.in_use ? "" : "reg-not-in-use" },
      h("td", {}, f.name),
      h(
        "th",
        { scope: "row" },
        h("a", { href: `#/register/buildings/${b.id}` }, b.name),
        b.in_use ? null : h("span", { class: "reg-tag" }, t("reg.in_use.false")),
      ),
      h("td", {}, label("kind", f.kind)),
      h("td", {}, f.district?.name || t("reg.none")),
      h("td", { class: "num" }, b.built_year ?? t("reg.none")),
      h("td", { class: "num" }, b.age == null ? t("reg.none") : t("reg.years", { n: b.age })),
      h("td", { class: "num" }, b.floor_area_m2 == null ? t("reg.none") : formatNumber(b.floor_area_m2)),
      h("td", {}, label("structure", b.structure)),
      h("td", {}, h("span", { class: `reg-seismic reg-seismic-${b.seismic_standard}` }, label("seismic", b.seismic_standard))),
      h(
        "td",
        {},
        condition
          ? h("span", { class: `reg-grade reg-grade-${condition.overall_grade}` }, condition.overall_grade)
          : t("reg.none"),
      ),
      h("td", {}, due ? formatDate(due) : t("reg.none")),
    ),
  );
  return h(
    "div",
    { class: "table-wrap", role: "region", "aria-labelledby": captionId, tabindex: "0" },
    h(
      "table",
      { class: "data reg-list" },
      h("caption", { id: captionId }, t("reg.caption")),
      h("thead", {}, h("tr", {}, head)),
      h("tbody", {}, body),
    ),
  );
}

function pager(params, offset, found) {
  if (found.matched <= PAGE) return null;
  const at = (value) => {
    const next = new URLSearchParams(params);
    if (value > 0) next.set("offset", String(value));
    else next.delete("offset");
    return `#/register?${next.toString()}`;
  };
  const last = Math.min(offset + found.buildings.length, found.matched);
  return h(
    "nav",
    { class: "reg-pager", "aria-label": t("reg.page", { from: offset + 1, to: last, total: found.matched }) },
    offset > 0 ? h("a", { class: "button", href: at(Math.max(0, offset - PAGE)) }, t("reg.prev")) : null,
    h("span", {}, t("reg.page", { from: offset + 1, to: last, total: found.matched })),
    last < found.matched ? h("a", { class: "button", href: at(offset + PAGE) }, t("reg.next")) : null,
  );
}
