// /staff#/register/buildings/{id}: one building's card — its facility, the register entry
// as a form staff correct, its inspections (with the sheet and the PDF) and their photos.
// A save sends only what changed, with the version it loaded (If-Match): when someone else
// saved first, the page says so and shows their entry instead of overwriting it. The
// seismic standard is never filled in from the built year; the card only says what the
// year suggests.
import { ApiError, api, problemMessage } from "../../common/api.js";
import { clear, field, h, select, uid } from "../../common/dom.js";
import { addMessages, formatDate, pick, t } from "../../common/i18n.js";
import messages from "../../messages/register-staff.js";
import { COST_CATEGORIES, OWNERS, SEISMIC, STRUCTURES, label } from "./labels.js";

addMessages(messages);

const NUMBERS = {
  built_year: { min: "1850", max: "2100", step: "1" },
  floor_area_m2: { min: "0", step: "any" },
  storeys: { min: "1", max: "200", step: "1" },
  seismic_diagnosis_year: { min: "1950", max: "2100", step: "1" },
  retrofit_year: { min: "1950", max: "2100", step: "1" },
  is_value: { min: "0", max: "10", step: "any" },
};
const CHOICES = {
  structure: { values: STRUCTURES, prefix: "structure", optional: true },
  seismic_standard: { values: SEISMIC, prefix: "seismic", optional: false },
  cost_category: { values: COST_CATEGORIES, prefix: "cost", optional: true },
  owner: { values: OWNERS, prefix: "owner", optional: false },
};
const ORDER = [
  "name",
  "built_year",
  "floor_area_m2",
  "structure",
  "storeys",
  "seismic_standard",
  "seismic_diagnosis_year",
  "retrofit_year",
  "is_value",
  "cost_category",
  "owner",
  "in_use",
  "note",
];

export async function render(container, { route, focus }) {
  await import("./style.js");
  const id = route.id;
  const outcome = h("div", { class: "reg-outcome", "aria-live": "polite" });

  function say(ok, text) {
    clear(outcome).append(
      h("p", { class: `notice ${ok ? "ok" : "error"}`, role: ok ? "status" : "alert" }, text),
    );
  }

  async function draw({ focusHeading = false } = {}) {
    const card = await api.get(`/api/register/buildings/${encodeURIComponent(id)}`);
    const { building: b, facility: f } = card;
    document.title = `${f.name} ${b.name} | ${t("reg.title")}`;
    const heading = h("h1", { id: "reg-card-heading", tabindex: "-1" }, `${f.name} ${b.name}`);
    clear(container).append(
      h(
        "article",
        { class: "register reg-card", "aria-labelledby": "reg-card-heading" },
        h("p", {}, h("a", { href: "#/register" }, t("reg.back"))),
        heading,
        facilityFacts(card),
        outcome,
        h("div", { class: "reg-card-layout" }, editForm(card), inspectionsSection(card)),
        photosSection(card),
      ),
    );
    if (focusHeading) heading.focus();
  }

  function editForm(card) {
    const b = card.building;
    const controls = {};
    const parts = [];
    for (const name of ORDER) {
      let control;
      if (NUMBERS[name]) {
        control = h("input", {
          type: "number",
          name,
          inputmode: "decimal",
          value: b[name] ?? "",
          ...NUMBERS[name],
        });
      } else if (CHOICES[name]) {
        const { values, prefix, optional } = CHOICES[name];
        control = select(
          name,
          [...(optional ? [["", t("reg.unset")]] : []), ...values.map((v) => [v, label(prefix, v)])],
          b[name] ?? "",
        );
      } else if (name === "in_use") {
        control = h("input", { type: "checkbox", name, checked: b.in_use });
      } else if (name === "note") {
        control = h("textarea", { name, rows: "3", maxlength: "4000" }, b.note || "");
      } else {
        control = h("input", { name, value: b[name] ?? "", maxlength: "200", required: true });
      }
      controls[name] = control;
      const hint =
        name === "seismic_standard" && card.seismic_hint
          ? t(`reg.hint_${card.seismic_hint}`)
          : undefined;
      if (name === "in_use") {
        parts.push(h("label", { class: "check reg-field-in_use" }, control, " ", t("reg.field.in_use")));
      } else {
        parts.push(field(t(`reg.field.${name}`), control, { hint, className: `field reg-field-${name}` }));
      }
    }

    function value(name) {
      const control = controls[name];
      if (name === "in_use") return control.checked;
      const raw = control.value.trim();
      if (NUMBERS[name]) return raw === "" ? null : Number(raw);
      if (name === "name") return raw;
      return raw === "" ? null : raw;
    }

    async function save(event) {
      event.preventDefault();
      for (const control of Object.values(controls)) control.removeAttribute("aria-invalid");
      const changes = {};
      for (const name of ORDER) {
        const now = value(name);
        if ((b[name] ?? null) !== now) changes[name] = now;
      }
      if (!Object.keys(changes).length) {
        say(true, t("reg.unchanged"));
        return;
      }
      try {
        await api.patch(`/api/register/buildings/${b.id}`, {
          json: changes,
          headers: { "If-Match": `"${b.version}"` },
        });
        await draw();
        say(true, t("reg.saved"));
      } catch (error) {
        if (error instanceof ApiError && error.status === 412) {
          await draw();
          say(false, t("reg.conflict"));
          return;
        }
        if (error instanceof ApiError && error.problem?.errors) {
          for (const problem of error.problem.errors) controls[problem.field]?.setAttribute("aria-invalid", "true");
          const first = controls[error.problem.parameter];
          say(false, problemMessage(error.problem));
          first?.focus();
          return;
        }
        say(false, error.message);
      }
    }

    async function remove() {
      if (!window.confirm(t("reg.delete_confirm", { name: `${card.facility.name} ${b.name}` }))) return;
      try {
        await api.delete(`/api/register/buildings/${b.id}`, { headers: { "If-Match": `"${b.version}"` } });
        location.hash = "#/register";
      } catch (error) {
        if (error instanceof ApiError && error.status === 412) {
          await draw();
          say(false, t("reg.conflict"));
          return;
        }
        say(false, error.message);
      }
    }

    const titleId = uid("reg-edit");
    const synthetic = b.synthetic?.length
      ? h(
          "p",
          { class: "hint" },
          t("reg.synthetic", { fields: b.synthetic.map((n) => t(`reg.field.${n}`)).join("、") }),
        )
      : null;
    return h(
      "form",
      { class: "reg-form", "aria-labelledby": titleId, onsubmit: save, novalidate: true },
      h("h2", { id: titleId }, t("reg.edit")),
      synthetic,
      h("div", { class: "reg-form-grid" }, parts),
      h(
        "div",
        { class: "reg-actions" },
        h("button", { type: "submit", class: "primary" }, t("reg.save")),
        h("button", { type: "button", class: "danger", onclick: remove }, t("reg.delete")),
      ),
    );
  }

  await draw({ focusHeading: focus });
}

function facilityFacts(card) {
  const { facility: f, condition, next_due: due } = card;
  const row = (key, value) => h("div", {}, h("dt", {}, t(key)), h("dd", {}, value));
  return h(
    "dl",
    { class: "reg-facts" },
    row("reg.facility_kind", label("kind", f.kind)),
    row("reg.district", f.district?.name || t("reg.none")),
    row("reg.address", f.address || t("reg.none")),
    row(
      "reg.use_status",
      h("span", { class: `reg-use reg-use-${f.use_status}` }, t(`reg.use_status.${f.use_status}`)),
    ),
    row(
      "reg.condition",
      condition
        ? h("span", {}, h("span", { class: `reg-grade reg-grade-${condition.overall_grade}` }, condition.overall_grade), ` ${formatDate(condition.inspected_on)}`)
        : t("reg.none"),
    ),
    row("reg.next_due", due ? formatDate(due) : t("reg.none")),
  );
}

function inspectionsSection(card) {
  const titleId = uid("reg-inspections");
  const section = h("section", { class: "reg-inspections", "aria-labelledby": titleId }, h("h2", { id: titleId }, t("reg.inspections")));
  if (!card.inspections.length) {
    section.append(h("p", {}, t("reg.inspections_none")));
    return section;
  }
  const captionId = uid("caption");
  const rows = card.inspections.map((i) => {
    const date = formatDate(i.inspected_on);
    return h(
      "tr",
      {},
      h("th", { scope: "row" }, h("time", { datetime: i.inspected_on }, date)),
      h("td", {}, pick({ ja: i.kind.name_ja, en: i.kind.name_en })),
      h("td", {}, h("span", { class: `reg-grade reg-grade-${i.overall_grade}` }, i.overall_grade)),
      h(
        "td",
        {},
        label("follow_up", i.follow_up_action),
        i.follow_up_due ? ` (${formatDate(i.follow_up_due)})` : "",
      ),
      h(
        "td",
        { class: "reg-links" },
        h("a", { href: `#/inspections/${i.id}`, "aria-label": t("reg.sheet_label", { date }) }, t("reg.open_sheet")),
        " ",
        h("a", { href: i.links.pdf, target: "_blank", "aria-label": t("reg.pdf_label", { date }) }, t("reg.open_pdf")),
      ),
    );
  });
  section.append(
    h(
      "div",
      { class: "table-wrap", role: "region", "aria-labelledby": captionId, tabindex: "0" },
      h(
        "table",
        { class: "data" },
        h("caption", { id: captionId }, t("reg.inspections_caption")),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["reg.col_date", "reg.col_inspection_kind", "reg.col_result", "reg.col_follow_up", "reg.col_links"].map((k) =>
              h("th", { scope: "col" }, t(k)),
            ),
          ),
        ),
        h("tbody", {}, rows),
      ),
    ),
  );
  return section;
}

function photosSection(card) {
  const titleId = uid("reg-photos");
  const dates = new Map(card.inspections.map((i) => [i.id, i.inspected_on]));
  const section = h("section", { class: "reg-photos", "aria-labelledby": titleId }, h("h2", { id: titleId }, t("reg.photos")));
  if (!card.photos.length) {
    section.append(h("p", {}, t("reg.photos_none")));
    return section;
  }
  section.append(
    h(
      "ul",
      { class: "reg-photo-list" },
      card.photos.map((p) => {
        const date = formatDate(dates.get(p.inspection_id));
        return h(
          "li",
          {},
          h(
            "a",
            { href: p.url, target: "_blank" },
            h("img", { src: p.thumbnail_url, alt: t("reg.photo_alt", { date }), loading: "lazy", width: "160", height: "120" }),
          ),
          p.is_public ? null : h("span", { class: "reg-tag" }, t("reg.photo_private")),
        );
      }),
    ),
  );
  return section;
}
