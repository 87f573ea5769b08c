// School-route coverage for staff (GET /api/coverage): per school, how much of its routes
// the groups that share their coverage walked in each time of day. Only the aggregate the
// groups agreed to share: no track, and no group named next to a stretch.
import { api } from "../common/api.js";
import { addMessages, formatNumber, t } from "../common/i18n.js";
import { clear, field, h, uid } from "../common/dom.js";
import messages from "../messages/staff-coverage.js";

addMessages(messages);

const BANDS = ["all", "school_in", "school_out", "night", "other"];

function pad(n) {
  return String(n).padStart(2, "0");
}

function thisMonth() {
  const now = new Date();
  const last = new Date(now.getFullYear(), now.getMonth() + 1, 0);
  const month = `${now.getFullYear()}-${pad(now.getMonth() + 1)}`;
  return { from: `${month}-01`, to: `${month}-${pad(last.getDate())}` };
}

/** The stretches summed per school (a school's routes are many short stretches). */
function perSchool(features) {
  const schools = new Map();
  for (const { properties: p } of features) {
    const key = p.school || "—";
    const row = schools.get(key) || { school: key, length: 0, stretches: 0, walked: {}, seen: 0 };
    row.length += p.length_m;
    row.stretches += 1;
    if (p.bands.all.walked_m > 0) row.seen += 1;
    for (const band of BANDS) row.walked[band] = (row.walked[band] || 0) + p.bands[band].walked_m;
    schools.set(key, row);
  }
  return [...schools.values()].sort((a, b) => a.school.localeCompare(b.school, "ja"));
}

function table(rows) {
  const captionId = uid("caption");
  const percent = (walked, length) =>
    length > 0 ? formatNumber(walked / length, { style: "percent" }) : "—";
  return h(
    "div",
    { class: "table-wrap", role: "region", "aria-labelledby": captionId, tabindex: "0" },
    h(
      "table",
      { class: "data" },
      h("caption", { id: captionId }, t("scov.caption")),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, t("scov.school")),
          h("th", { scope: "col", class: "num" }, t("scov.length")),
          h("th", { scope: "col", class: "num" }, t("scov.watched")),
          BANDS.map((band) => h("th", { scope: "col", class: "num" }, t(`scov.band.${band}`))),
        ),
      ),
      h(
        "tbody",
        {},
        rows.map((row) =>
          h(
            "tr",
            {},
            h("th", { scope: "row", lang: "ja" }, row.school),
            h("td", { class: "num" }, t("scov.metres", { n: formatNumber(Math.round(row.length)) })),
            h("td", { class: "num" }, `${formatNumber(row.seen)} / ${formatNumber(row.stretches)}`),
            BANDS.map((band) => h("td", { class: "num" }, percent(row.walked[band], row.length))),
          ),
        ),
      ),
    ),
  );
}

export async function render(container, { focus }) {
  const period = thisMonth();
  const from = h("input", { type: "date", name: "from", value: period.from, required: true });
  const to = h("input", { type: "date", name: "to", value: period.to, required: true });
  const result = h("div", { class: "scov-result" });
  const heading = h("h1", { tabindex: "-1" }, t("scov.heading"));

  async function show() {
    clear(result).append(h("p", { role: "status" }, t("scov.loading")));
    const query = new URLSearchParams({ from: from.value, to: to.value });
    try {
      const body = await api.get(`/api/coverage?${query}`);
      const names = body.sharing_groups.map((g) => g.name);
      clear(result).append(
        h(
          "p",
          { lang: names.length ? "ja" : null },
          names.length
            ? t("scov.sharing", { count: names.length, names: names.join("、") })
            : t("scov.sharing_none"),
        ),
        table(perSchool(body.stretches.features)),
      );
    } catch (error) {
      clear(result).append(h("p", { class: "notice error", role: "alert" }, error.message));
    }
  }

  const form = h(
    "form",
    { class: "filters" },
    field(t("scov.from"), from),
    field(t("scov.to"), to),
    h("button", { type: "submit" }, t("scov.show")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    show();
  });
  container.append(heading, h("p", { class: "hint" }, t("scov.intro")), form, result);
  if (focus) heading.focus();
  await show();
}
