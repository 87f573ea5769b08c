// /staff#/inspections — what is due and overdue: filters (department, kind, status,
// district), the count per status, the subjects on a map and in a table sortable by its
// headers, a CSV of the same rows, and from each row its last sheet and "record an
// inspection". The filters live in the hash, so a board can be bookmarked and shared.
import { api } from "../../common/api.js";
import { clear, field, h, select, uid } from "../../common/dom.js";
import { addMessages, formatDate, formatNumber, pick, t } from "../../common/i18n.js";
import messages from "../../messages/inspections-staff.js";
import { departmentName, departments, districtName, districts } from "../../staff/lookups.js";
import { keptSection } from "../form/kept.js";
import * as outbox from "../form/outbox.js";
import { formHash, kindName, kinds, sheetHash } from "../lookups.js";

addMessages(messages);

const STATUSES = ["overdue", "due_soon", "never", "ok"];
const FILTERS = ["department", "kind", "status", "district"];
const SORTABLE = [
  ["next_due", "insp.col_next_due"],
  ["subject", "insp.col_subject"],
  ["kind", "insp.col_kind"],
  ["department", "insp.col_department"],
];
const PAGE = 50;

function query(params, extra = {}) {
  const out = new URLSearchParams();
  for (const name of [...FILTERS, "sort", "offset"]) {
    const value = params.get(name);
    if (value) out.set(name, value);
  }
  for (const [name, value] of Object.entries(extra)) {
    if (value === null) out.delete(name);
    else out.set(name, value);
  }
  return out;
}

function rowsOf(body) {
  return body.items ?? body.due ?? body.rows ?? [];
}

function subjectName(subject) {
  return subject?.name || `${subject?.layer} ${subject?.id}`;
}

export async function render(container, { route, focus }) {
  await import("../style.js");
  outbox.startSending();
  const params = route.params;
  const heading = h("h1", { id: "insp-board-heading", tabindex: "-1" }, t("insp.board_title"));
  const section = h(
    "section",
    { class: "inspections-board", "aria-labelledby": "insp-board-heading" },
    heading,
    h("p", { class: "lead" }, t("insp.board_lead")),
  );
  clear(container).append(section);

  const apiQuery = query(params, { offset: null });
  if (!params.get("limit")) apiQuery.set("limit", String(PAGE));
  if (params.get("offset")) apiQuery.set("offset", params.get("offset"));
  const mapQuery = query(params, { offset: null, f: "geojson", limit: "500" });
  const csvQuery = query(params, { offset: null, f: "csv" });
  const [kindList, departmentList, districtList, body] = await Promise.all([
    kinds(),
    departments().catch(() => []),
    districts().catch(() => []),
    api.get(`/api/inspections/due?${apiQuery}`),
  ]);

  // Filters: a change goes to the hash, which draws the board again.
  const go = (extra) => {
    location.hash = `#/inspections?${query(params, { offset: null, ...extra })}`;
  };
  const filterSelect = (name, options) => {
    const el = select(name, [["", name === "status" ? t("insp.status.default") : t("insp.all")], ...options], params.get(name) || "");
    el.addEventListener("change", () => go({ [name]: el.value || null }));
    return el;
  };
  const filters = h(
    "div",
    { class: "filter-grid insp-filters" },
    field(
      t("insp.filter_department"),
      filterSelect(
        "department",
        departmentList.map((d) => [String(d.id), departmentName(d)]),
      ),
    ),
    field(
      t("insp.filter_kind"),
      filterSelect(
        "kind",
        kindList.filter((k) => k.interval_months).map((k) => [k.code, kindName(k)]),
      ),
    ),
    field(
      t("insp.filter_status"),
      filterSelect("status", [...STATUSES, "all"].map((s) => [s, t(`insp.status.${s}`)])),
    ),
    field(
      t("insp.filter_district"),
      filterSelect("district", districtList.map((d) => [String(d.id), districtName(d)])),
    ),
  );

  const counts = body.counts || {};
  const countsList = h(
    "dl",
    { class: "stats insp-counts", "aria-label": t("insp.counts") },
    STATUSES.map((s) =>
      h(
        "div",
        { class: `stat status-${s}` },
        h("dt", {}, h("span", { class: `dot dot-${s}`, "aria-hidden": "true" }), t(`insp.status.${s}`)),
        h("dd", {}, t("insp.count_n", { n: formatNumber(counts[s] ?? 0) })),
      ),
    ),
  );

  const rows = rowsOf(body);
  const matched = body.matched ?? body.numberMatched ?? rows.length;
  const offset = Number(params.get("offset") || 0);
  const mapSlot = h("div", { class: "due-map" });
  const tableSlot = h("div", { class: "due-table" });
  const keptSlot = h("div");
  section.append(
    filters,
    countsList,
    h(
      "p",
      { class: "insp-links" },
      h("a", { class: "button", href: `/api/inspections/due?${csvQuery}`, download: "" }, t("insp.csv")),
    ),
    keptSlot,
    h("div", { class: "due-layout" }, mapSlot, tableSlot),
  );
  const drawKept = async () => {
    const kept = await keptSection();
    keptSlot.replaceChildren(...(kept ? [kept] : []));
  };
  await drawKept();
  // Kept inspections sent (or refused) while the board is open leave or change the list.
  const stopListening = outbox.onOutbox(() => {
    if (!section.isConnected) stopListening();
    else drawKept();
  });

  const sort = params.get("sort") || "next_due";
  const sortHeader = ([code, key]) => {
    const active = sort === code || sort === `-${code}`;
    const next = code === "next_due" && sort === "next_due" ? "-next_due" : code;
    return h(
      "th",
      {
        scope: "col",
        "aria-sort": active ? (sort.startsWith("-") ? "descending" : "ascending") : null,
      },
      h(
        "button",
        {
          type: "button",
          class: "sort-button",
          "aria-label": t("insp.sort_by", { column: t(key) }),
          onclick: () => go({ sort: next }),
        },
        t(key),
        active ? h("span", { "aria-hidden": "true" }, sort.startsWith("-") ? " ▼" : " ▲") : null,
      ),
    );
  };
  const captionId = uid("caption");
  const statusCell = (row) =>
    h(
      "td",
      {},
      h("span", { class: `dot dot-${row.status}`, "aria-hidden": "true" }),
      t(`insp.status.${row.status}`),
      row.days_overdue ? h("span", { class: "meta" }, ` ${t("insp.days_overdue", { n: formatNumber(row.days_overdue), count: row.days_overdue })}`) : null,
    );
  tableSlot.append(
    rows.length
      ? h(
          "div",
          { class: "table-wrap", role: "region", "aria-labelledby": captionId, tabindex: "0" },
          h(
            "table",
            { class: "data due-list" },
            h("caption", { id: captionId }, t("insp.caption")),
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                sortHeader(SORTABLE[0]),
                sortHeader(SORTABLE[1]),
                sortHeader(SORTABLE[2]),
                sortHeader(SORTABLE[3]),
                h("th", { scope: "col" }, t("insp.col_status")),
                h("th", { scope: "col" }, t("insp.col_last")),
                h("th", { scope: "col" }, t("insp.col_actions")),
              ),
            ),
            h(
              "tbody",
              {},
              rows.map((row) => {
                const name = subjectName(row.subject);
                const kind = kindName(row.kind);
                return h(
                  "tr",
                  { dataset: { subject: `${row.subject.layer}/${row.subject.id}/${row.kind.code}` } },
                  h("td", {}, row.next_due ? formatDate(row.next_due) : t("insp.none")),
                  h("th", { scope: "row", lang: "ja" }, name),
                  h("td", {}, kind),
                  h("td", {}, row.department ? pick({ ja: row.department.name_ja, en: row.department.name_en }) : t("insp.none")),
                  statusCell(row),
                  h(
                    "td",
                    {},
                    row.last
                      ? h(
                          "a",
                          {
                            href: sheetHash(row.last.id),
                            "aria-label": t("insp.last_sheet_label", { subject: name, date: formatDate(row.last.inspected_on) }),
                          },
                          t("insp.last_sheet", { date: formatDate(row.last.inspected_on), grade: row.last.overall_grade || t("insp.none") }),
                        )
                      : t("insp.none"),
                  ),
                  h(
                    "td",
                    {},
                    h(
                      "a",
                      {
                        class: "button",
                        href: formHash(row.subject.layer, row.subject.id, row.kind.code, name),
                        "aria-label": t("insp.record_label", { subject: name, kind }),
                      },
                      t("insp.record"),
                    ),
                  ),
                );
              }),
            ),
          ),
        )
      : h("p", { class: "notice" }, t("insp.empty")),
  );
  if (matched > rows.length) {
    const link = (key, at) =>
      h("a", { class: "button", href: `#/inspections?${query(params, { offset: at ? String(at) : null })}` }, t(key));
    tableSlot.append(
      h(
        "nav",
        { class: "pager", "aria-label": t("insp.pager") },
        h("span", {}, t("insp.matched", { n: formatNumber(matched), from: formatNumber(offset + 1), to: formatNumber(offset + rows.length) })),
        offset > 0 ? link("insp.prev", Math.max(0, offset - PAGE)) : null,
        offset + rows.length < matched ? link("insp.next", offset + PAGE) : null,
      ),
    );
  }

  // The map last: the table is there to use while MapLibre starts (or when it cannot).
  if (focus) heading.focus();
  try {
    const { dueMap } = await import("./map.js");
    const view = await dueMap(mapSlot, {
      onPick: (p) => {
        const row = tableSlot.querySelector(`tr[data-subject="${p.layer}/${p.id}/${p.kind}"]`);
        row?.querySelector("a.button")?.focus();
      },
    });
    mapSlot.append(
      h(
        "ul",
        { class: "legend", "aria-label": t("insp.legend") },
        STATUSES.map((s) => h("li", {}, h("span", { class: `dot dot-${s}`, "aria-hidden": "true" }), t(`insp.status.${s}`))),
      ),
    );
    view.show(await api.get(`/api/inspections/due?${mapQuery}`));
  } catch {
    mapSlot.append(h("p", { class: "notice error" }, t("insp.map_failed")));
  }
}
