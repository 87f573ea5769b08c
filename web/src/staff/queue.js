// The morning's queue: filters (kept in the URL), the reports on a map and, as the
// accessible alternative carrying the same information, in a table. Oldest first by
// default, so nothing waits forever; the caller's own department unless they choose.
import { api } from "../common/api.js";
import { formatDate, formatNumber, t } from "../common/i18n.js";
import { symbolSvg } from "../common/symbols.js";
import { clear, field, fromSvg, h, select, uid } from "../common/dom.js";
import { excerpt } from "../common/text.js";
import { statusName, vocabulary } from "../common/vocabulary.js";
import {
  categories,
  categoryName,
  departmentName,
  departments,
  districtName,
  districts,
} from "./lookups.js";
import { hashFor, replaceHash, reportHash } from "./route.js";
import { statusCodes, statusTag } from "./status.js";

const PAGE = 100;
// Age buckets as on the figures page; neighbouring buckets share their boundary day.
const AGES = {
  "0-7": [null, 7],
  "7-30": [7, 30],
  "30-90": [30, 90],
  "90-": [90, null],
};
const SORTS = ["oldest", "newest", "supporters"];

/** The filters in the URL, with the defaults filled in (open reports of my department). */
function readFilters(params, account) {
  const own = account.department?.code || "all";
  const age = params.get("age") || "";
  const sort = params.get("sort") || "oldest";
  const published = params.get("published") || "";
  return {
    status: params.get("status") || "open",
    category: params.get("category") || "",
    department: params.get("department") || own,
    district: params.get("district") || "",
    age: age in AGES ? age : "",
    published: ["true", "false"].includes(published) ? published : "",
    sort: SORTS.includes(sort) ? sort : "oldest",
    offset: Math.max(0, Number.parseInt(params.get("offset") || "0", 10) || 0),
  };
}

function filterHash(filters, account) {
  const defaults = readFilters(new URLSearchParams(), account);
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) {
    if (String(value) !== String(defaults[key])) params.set(key, value);
  }
  return hashFor("queue", params);
}

function apiQuery(filters, statuses) {
  const q = new URLSearchParams({ department: filters.department, sort: filters.sort });
  const chosen =
    filters.status === "open"
      ? statusCodes(statuses, true)
      : filters.status === "closed"
        ? statusCodes(statuses, false)
        : filters.status === "any"
          ? []
          : [filters.status];
  if (chosen.length) q.set("status", chosen.join(","));
  if (filters.category) q.set("category", filters.category);
  if (filters.district) q.set("district", filters.district);
  if (filters.age) {
    const [min, max] = AGES[filters.age];
    if (min !== null) q.set("min_age_days", min);
    if (max !== null) q.set("max_age_days", max);
  }
  if (filters.published) q.set("published", filters.published);
  q.set("limit", PAGE);
  q.set("offset", filters.offset);
  return q;
}

function filterForm(filters, { account, cats, depts, statuses }, onChange) {
  const own = account.department?.code;
  const controls = {
    status: select(
      "status",
      [
        ["open", t("filter.status_open")],
        ["closed", t("filter.status_closed")],
        ["any", t("filter.status_any")],
        ...statuses.map((s) => [s.code, statusName(s.code, statuses)]),
      ],
      filters.status,
    ),
    category: select(
      "category",
      [["", t("filter.all_categories")], ...cats.map((c) => [c.code, categoryName(c)])],
      filters.category,
    ),
    department: select(
      "department",
      [
        ["all", t("filter.all_departments")],
        ["none", t("filter.no_department")],
        ...depts.map((d) => [
          d.code,
          d.code === own
            ? t("filter.own_department", { name: departmentName(d) })
            : departmentName(d),
        ]),
      ],
      filters.department,
    ),
    district: select("district", [["", t("filter.all_districts")]], filters.district),
    age: select(
      "age",
      [["", t("filter.any_age")], ...Object.keys(AGES).map((a) => [a, t(`filter.age_${a}`)])],
      filters.age,
    ),
    published: select(
      "published",
      [
        ["", t("filter.published_any")],
        ["true", t("filter.published_yes")],
        ["false", t("filter.published_no")],
      ],
      filters.published,
    ),
    sort: select(
      "sort",
      SORTS.map((s) => [s, t(`filter.sort_${s}`)]),
      filters.sort,
    ),
  };
  // The district list is large; the form is usable while it arrives.
  districts()
    .then((list) => {
      for (const d of list) controls.district.append(h("option", { value: d.id }, districtName(d)));
      controls.district.value = filters.district;
    })
    .catch((error) => console.warn(error));
  const form = h(
    "form",
    { class: "queue-filters", "aria-labelledby": "queue-filters-title" },
    h("h2", { id: "queue-filters-title", class: "visually-hidden" }, t("filter.title")),
    h(
      "div",
      { class: "filter-grid" },
      field(t("filter.status"), controls.status),
      field(t("filter.category"), controls.category),
      field(t("filter.department"), controls.department),
      field(t("filter.district"), controls.district),
      field(t("filter.age"), controls.age),
      field(t("filter.published"), controls.published),
      field(t("filter.sort"), controls.sort),
      h(
        "div",
        { class: "field field-button" },
        h("button", { type: "submit" }, t("filter.reload")),
      ),
    ),
  );
  const read = () => ({
    ...Object.fromEntries(Object.entries(controls).map(([k, c]) => [k, c.value])),
    offset: 0,
  });
  form.addEventListener("change", () => onChange(read()));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    onChange(read());
  });
  return form;
}

function days(value) {
  return t("unit.days", { n: formatNumber(Math.floor(value)) });
}

function table(collection, { catsByCode, deptsByCode, statuses }, captionText) {
  const headers = [
    "list.id",
    "list.category",
    "list.status",
    "list.age",
    "list.published",
    "list.photos",
    "list.supporters",
    "list.reopened",
    "list.department",
    "list.district",
    "list.description",
  ];
  const rows = collection.features.map((f) => {
    const p = f.properties;
    const category = catsByCode.get(p.category);
    const department = deptsByCode.get(p.department);
    return h(
      "tr",
      {},
      h("th", { scope: "row" }, h("a", { href: reportHash(p.public_id) }, p.public_id)),
      h(
        "td",
        {},
        h(
          "span",
          { class: "with-symbol" },
          category ? fromSvg(symbolSvg(category.symbol, 20)) : null,
          category ? categoryName(category) : p.category,
        ),
      ),
      h("td", {}, statusTag(p.status, statuses)),
      h(
        "td",
        { class: "num" },
        h("time", { datetime: p.created_at, title: formatDate(p.created_at) }, days(p.age_days)),
      ),
      h(
        "td",
        {},
        p.is_public ? t("list.public") : h("span", { class: "tag tag-private" }, t("list.private")),
      ),
      h("td", { class: "num" }, formatNumber(p.photo_count)),
      h("td", { class: "num" }, formatNumber(p.supporter_count)),
      h(
        "td",
        {},
        p.reopened ? h("span", { class: "tag tag-reopened" }, t("list.reopened_yes")) : "",
      ),
      h(
        "td",
        {},
        department ? departmentName(department) : p.department_name || t("list.no_department"),
      ),
      h("td", {}, p.district || ""),
      h("td", { class: "desc" }, excerpt(p.description)),
    );
  });
  const captionId = uid("caption");
  return h(
    "div",
    { class: "table-wrap", role: "region", "aria-labelledby": captionId, tabindex: "0" },
    h(
      "table",
      { class: "data queue-table" },
      h("caption", { id: captionId }, captionText),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          headers.map((key) => h("th", { scope: "col" }, t(key))),
        ),
      ),
      h("tbody", {}, rows),
    ),
  );
}

function pager(filters, matched, account) {
  const links = [];
  if (filters.offset > 0) {
    links.push(
      h(
        "a",
        {
          class: "button",
          href: filterHash({ ...filters, offset: Math.max(0, filters.offset - PAGE) }, account),
        },
        t("list.previous", { n: formatNumber(PAGE) }),
      ),
    );
  }
  if (filters.offset + PAGE < matched) {
    links.push(
      h(
        "a",
        {
          class: "button",
          href: filterHash({ ...filters, offset: filters.offset + PAGE }, account),
        },
        t("list.next", { n: formatNumber(PAGE) }),
      ),
    );
  }
  return links.length ? h("nav", { class: "pager", "aria-label": t("list.pages") }, links) : null;
}

let ticket = 0;

export async function render(container, { account, route, focus }) {
  let filters = readFilters(route.params, account);
  const [cats, depts, { statuses }] = await Promise.all([
    categories(),
    departments(),
    vocabulary(),
  ]);
  const catsByCode = new Map(cats.map((c) => [c.code, c]));
  const deptsByCode = new Map(depts.map((d) => [d.code, d]));
  const lookups = { catsByCode, deptsByCode, statuses };

  const heading = h("h1", { tabindex: "-1" }, t("queue.title"));
  // Past the map to the list, without the hash (which names the view) changing.
  const toList = (event) => {
    event.preventDefault();
    document.getElementById("queue-list-title")?.focus();
  };
  const count = h("p", { class: "queue-count", "aria-live": "polite", "aria-atomic": "true" });
  const alert = h("div", { role: "alert", class: "form-alert" });
  const listSlot = h("div", { class: "queue-list-body" });
  const mapSlot = h("div", { class: "queue-map-slot" });
  const legend = h(
    "ul",
    { class: "legend", "aria-label": t("queue.legend") },
    cats
      .filter((c) => c.active)
      .map((c) => h("li", {}, fromSvg(symbolSvg(c.symbol, 18)), categoryName(c))),
  );

  async function load({ moveMap }) {
    const mine = ++ticket;
    // The live region speaks once, with the result; meanwhile the list says it is busy.
    if (!count.textContent) count.textContent = t("common.loading");
    listSlot.setAttribute("aria-busy", "true");
    alert.textContent = "";
    alert.classList.remove("notice", "error");
    let collection;
    try {
      collection = await api.get(`/api/triage/reports?${apiQuery(filters, statuses)}`);
    } catch (error) {
      if (mine !== ticket) return;
      count.textContent = "";
      alert.textContent = error.message;
      alert.classList.add("notice", "error");
      return;
    }
    if (mine !== ticket) return;
    listSlot.removeAttribute("aria-busy");
    const matched = collection.numberMatched ?? collection.features.length;
    const shown = collection.features.length;
    count.textContent =
      matched === 0
        ? t("queue.count_none")
        : shown === matched
          ? t("queue.count_all", { n: formatNumber(matched) })
          : t("queue.count_some", {
              n: formatNumber(matched),
              from: formatNumber(filters.offset + 1),
              to: formatNumber(filters.offset + shown),
            });
    clear(listSlot);
    if (shown) listSlot.append(table(collection, lookups, t("queue.caption")));
    else listSlot.append(h("p", { class: "empty" }, t("queue.empty")));
    const more = pager(filters, matched, account);
    if (more) listSlot.append(more);
    mapReady
      .then(
        (view) =>
          view &&
          showQueue(view, collection, moveMap ? JSON.stringify({ ...filters, offset: 0 }) : null),
      )
      .catch((error) => console.warn(error));
  }

  const form = filterForm(filters, { account, cats, depts, statuses }, (next) => {
    filters = next;
    replaceHash(filterHash(filters, account));
    load({ moveMap: true });
  });

  clear(container).append(
    h("div", { class: "view-head" }, heading, h("p", { class: "lead" }, t("queue.lead"))),
    form,
    count,
    alert,
    h(
      "div",
      { class: "queue-layout" },
      h(
        "section",
        { class: "queue-map-section", "aria-labelledby": "queue-map-title" },
        h("h2", { id: "queue-map-title" }, t("queue.map_title")),
        h("p", { class: "hint" }, t("queue.map_hint")),
        h(
          "a",
          { href: "#queue-list-title", class: "skip-map", onclick: toList },
          t("queue.skip_map"),
        ),
        mapSlot,
        legend,
      ),
      h(
        "section",
        { class: "queue-list", "aria-labelledby": "queue-list-title" },
        h("h2", { id: "queue-list-title", tabindex: "-1" }, t("queue.list_title")),
        listSlot,
      ),
    ),
  );
  if (focus) heading.focus();

  const { showMap, showQueue } = await import("./mapview.js");
  const mapReady = showMap(mapSlot, cats, (publicId) => {
    location.hash = reportHash(publicId);
  }).catch((error) => {
    console.warn(error);
    mapSlot.append(h("p", { class: "notice" }, t("queue.map_failed")));
    return null;
  });
  await load({ moveMap: true });
}
