// /staff#/school-routes: the 通学路合同点検 list as staff keep it — the sites on a map and in
// a table (the spreadsheet's columns), a site's editor with the three bodies' measures,
// CSV out and in, and the A4 print. Staff of the school education and road departments
// edit; other staff read. Every save sends the version it loaded (If-Match), so a save over
// someone else's newer change is refused and shown rather than lost.
import { ApiError, api, problemMessage } from "../../common/api.js";
import { clear, field, h, select, uid } from "../../common/dom.js";
import { addMessages, t } from "../../common/i18n.js";
import messages from "../../messages/school-routes-staff.js";

addMessages(messages);

const EDITING = ["school_education", "road"];
const PARTIES = ["school", "road", "police"];
const REASONS = [
  "speed",
  "heavy_vehicles",
  "near_miss",
  "poor_visibility",
  "no_sidewalk",
  "residents_request",
  "other",
];
const TIMINGS = ["ongoing", "short", "medium", "long"];
const STATUSES = ["planned", "in_progress", "done", "not_done"];

function errorText(error) {
  if (error instanceof ApiError && error.problem) {
    const lines = (error.problem.errors || []).map((e) =>
      t("sr.import_line", { line: e.line, column: e.column || "", message: e.message_ja }),
    );
    return [problemMessage(error.problem), ...lines].join("\n");
  }
  return error.message;
}

function fiscalYear(today = new Date()) {
  return today.getMonth() >= 3 ? today.getFullYear() : today.getFullYear() - 1;
}

function query(filters) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) if (value) params.set(name, value);
  const text = params.toString();
  return text ? `?${text}` : "";
}

export async function render(container, { account }) {
  // Imported by name, so the bundler loads the map's and this section's styles with it
  // (the staff page picks its views with one expression, which loads scripts only).
  const { settled, sitesMap } = await import("./map.js");
  const canEdit =
    account.role === "admin" || EDITING.includes(account.department?.code || "");
  const state = {
    filters: { school: "", year: String(fiscalYear()), status: "" },
    sites: { features: [] },
    schools: [],
    editing: null, // a feature, or {} for a new site
    outcome: null,
  };
  const heading = h("h1", { id: "sr-heading", tabindex: "-1" }, t("sr.title"));
  const outcome = h("div", { class: "sr-outcome", "aria-live": "polite" });
  const toolbar = h("div", { class: "sr-toolbar" });
  const mapSlot = h("div", { class: "sr-map" });
  const editorSlot = h("div", { class: "sr-editor" });
  const tableSlot = h("div", { class: "sr-table" });
  clear(container).append(
    h(
      "section",
      { class: "school-routes", "aria-labelledby": "sr-heading" },
      heading,
      h("p", { class: "lead" }, t("sr.lead")),
      canEdit ? null : h("p", { class: "notice" }, t("sr.read_only")),
      toolbar,
      outcome,
      h("div", { class: "sr-layout" }, mapSlot, editorSlot),
      tableSlot,
    ),
  );

  function say(ok, text) {
    clear(outcome).append(
      h("p", { class: `notice ${ok ? "ok" : "error"} sr-message`, role: ok ? "status" : "alert" }, text),
    );
  }

  state.schools = (await api.get("/api/school-route-schools")).schools;
  let map = null;
  try {
    map = await sitesMap(mapSlot, {
      onPick: (id) => edit(state.sites.features.find((f) => f.id === id)),
      onPlace: (lon, lat) => placeDraft(lon, lat),
    });
  } catch {
    mapSlot.append(h("p", { class: "notice error" }, t("sr.map_failed")));
  }

  async function load() {
    state.sites = await api.get(`/api/school-route-sites${query(state.filters)}`);
    drawToolbar();
    drawTable();
    map?.show(state.sites);
  }

  function drawToolbar() {
    const schoolSelect = select(
      "school",
      [["", t("sr.all")], ...state.schools.map((s) => [String(s.id), s.name])],
      state.filters.school,
    );
    const yearInput = h("input", {
      type: "number",
      name: "year",
      min: "2000",
      max: "2200",
      value: state.filters.year,
    });
    const statusSelect = select(
      "status",
      [["", t("sr.all")], ...STATUSES.map((s) => [s, t(`sr.status.${s}`)])],
      state.filters.status,
    );
    const changed = () => {
      state.filters = {
        school: schoolSelect.value,
        year: yearInput.value,
        status: statusSelect.value,
      };
      load().catch((error) => say(false, errorText(error)));
    };
    for (const control of [schoolSelect, yearInput, statusSelect])
      control.addEventListener("change", changed);
    const parts = [
      field(t("sr.filter_school"), schoolSelect, { className: "field inline" }),
      field(t("sr.filter_year"), yearInput, { className: "field inline" }),
      field(t("sr.filter_status"), statusSelect, { className: "field inline" }),
      h("p", { class: "sr-count", role: "status" }, t("sr.count", { n: state.sites.features.length })),
      h(
        "a",
        { class: "button", href: `/api/school-route-sites.csv${query(state.filters)}`, download: "" },
        t("sr.export_csv"),
      ),
      h(
        "a",
        { class: "button", href: `/api/school-route-sites.pdf${query(state.filters)}`, target: "_blank" },
        t("sr.print"),
      ),
    ];
    if (canEdit) {
      const file = h("input", { type: "file", name: "file", accept: ".csv,text/csv" });
      const importButton = h("button", { type: "button" }, t("sr.import"));
      importButton.addEventListener("click", async () => {
        if (!file.files?.length) return;
        const form = new FormData();
        form.append("file", file.files[0]);
        if (state.filters.year) form.append("year", state.filters.year);
        try {
          const done = await api.post("/api/school-route-sites.csv", { form });
          say(true, t("sr.import_done", done));
          await load();
        } catch (error) {
          say(false, errorText(error));
        }
      });
      parts.push(
        h(
          "div",
          { class: "sr-import" },
          field(t("sr.import_file"), file, { className: "field inline" }),
          importButton,
        ),
        h("button", { type: "button", class: "primary", onclick: () => edit({}) }, t("sr.add")),
      );
    }
    clear(toolbar).append(...parts);
  }

  function drawTable() {
    const features = state.sites.features;
    if (!features.length) {
      clear(tableSlot).append(h("p", {}, t("sr.empty")));
      return;
    }
    const captionId = uid("caption");
    const head = [
      "sr.col_number",
      "sr.col_school",
      "sr.col_address",
      "sr.col_reasons",
      "sr.col_inspected",
      ...PARTIES.map((p) => `sr.party.${p}`),
      "sr.col_published",
    ].map((key) => h("th", { scope: "col" }, t(key)));
    const rows = features.map((f) => {
      const p = f.properties;
      const measure = (party) => {
        const m = p.measures[party];
        if (!m.measure && !m.status) return h("td", { class: "sr-none" }, "—");
        return h(
          "td",
          {},
          m.measure || "",
          m.status ? h("span", { class: `sr-status sr-${m.status}` }, t(`sr.status.${m.status}`)) : null,
        );
      };
      return h(
        "tr",
        { class: settled(p) ? "sr-settled" : "" },
        h(
          "th",
          { scope: "row" },
          h("button", { type: "button", class: "link", onclick: () => edit(f) }, p.number),
        ),
        h("td", {}, p.school.name),
        h("td", {}, p.address || ""),
        h("td", {}, p.reasons.map((r) => t(`sr.reason.${r}`)).join("、")),
        h("td", {}, p.inspected_on || ""),
        ...PARTIES.map(measure),
        h("td", {}, t(p.is_published ? "sr.published" : "sr.unpublished")),
      );
    });
    clear(tableSlot).append(
      h(
        "div",
        { class: "table-wrap", role: "region", "aria-labelledby": captionId, tabindex: "0" },
        h(
          "table",
          { class: "data sr-list" },
          h("caption", { id: captionId }, t("sr.caption")),
          h("thead", {}, h("tr", {}, head)),
          h("tbody", {}, rows),
        ),
      ),
    );
  }

  let placeInputs = null;
  function placeDraft(lon, lat) {
    if (!placeInputs) return;
    placeInputs.lon.value = lon.toFixed(7);
    placeInputs.lat.value = lat.toFixed(7);
    map?.draft(lon, lat);
  }

  function edit(feature) {
    if (!feature) return;
    state.editing = feature;
    const p = feature.properties || {};
    const isNew = !feature.id;
    const disabled = !canEdit;
    const input = (name, value, attrs = {}) =>
      h("input", { name, value: value ?? "", disabled, ...attrs });
    const school = select(
      "school_facility_id",
      state.schools.map((s) => [String(s.id), s.name]),
      p.school?.id ?? state.filters.school ?? "",
    );
    school.disabled = disabled;
    const year = input("fiscal_year", p.fiscal_year ?? state.filters.year, {
      type: "number",
      min: "2000",
      max: "2200",
    });
    const number = input("number", p.number, { maxlength: "20", required: true });
    const address = input("address", p.address, { maxlength: "300" });
    const lon = input("lon", p.lon, { inputmode: "decimal" });
    const lat = input("lat", p.lat, { inputmode: "decimal" });
    const placeHint = uid("hint");
    lon.setAttribute("aria-describedby", placeHint);
    lat.setAttribute("aria-describedby", placeHint);
    placeInputs = { lon, lat };
    map?.draft(NaN, NaN); // the site's own marker shows where it is until the map is selected
    const reasons = REASONS.map((r) =>
      h(
        "label",
        { class: "check" },
        h("input", {
          type: "checkbox",
          name: "reasons",
          value: r,
          checked: (p.reasons || []).includes(r),
          disabled,
        }),
        " ",
        t(`sr.reason.${r}`),
      ),
    );
    const inspected = input("inspected_on", p.inspected_on, { type: "date" });
    const published = h("input", {
      type: "checkbox",
      name: "is_published",
      checked: Boolean(p.is_published),
      disabled,
    });
    const measureFields = {};
    const fieldsets = PARTIES.map((party) => {
      const m = p.measures?.[party] || {};
      const controls = {
        measure: h("textarea", { name: `${party}-measure`, rows: "2", disabled }, m.measure || ""),
        timing: select(
          `${party}-timing`,
          [["", t("sr.none")], ...TIMINGS.map((v) => [v, t(`sr.timing.${v}`)])],
          m.timing || "",
        ),
        status: select(
          `${party}-status`,
          [["", t("sr.none")], ...STATUSES.map((v) => [v, t(`sr.status.${v}`)])],
          m.status || "",
        ),
        not_done_reason: h("input", {
          name: `${party}-reason`,
          value: m.not_done_reason || "",
          disabled,
        }),
      };
      controls.timing.disabled = disabled;
      controls.status.disabled = disabled;
      measureFields[party] = { controls, before: m };
      return h(
        "fieldset",
        { class: `sr-measure sr-party-${party}` },
        h("legend", {}, t(`sr.party.${party}`)),
        field(t("sr.measure"), controls.measure),
        h(
          "div",
          { class: "sr-row" },
          field(t("sr.timing"), controls.timing),
          field(t("sr.status"), controls.status),
        ),
        field(t("sr.not_done_reason"), controls.not_done_reason),
      );
    });

    async function save(event) {
      event.preventDefault();
      const properties = {
        school_facility_id: Number(school.value),
        fiscal_year: Number(year.value),
        number: number.value.trim(),
        address: address.value.trim() || null,
        reasons: reasons.map((l) => l.querySelector("input")).filter((i) => i.checked).map((i) => i.value),
        inspected_on: inspected.value || null,
        is_published: published.checked,
      };
      const x = Number(lon.value);
      const y = Number(lat.value);
      const moved = isNew || String(p.lon) !== lon.value || String(p.lat) !== lat.value;
      const geometry = moved && lon.value && lat.value ? { type: "Point", coordinates: [x, y] } : null;
      try {
        let site;
        if (isNew) {
          site = await api.post("/api/school-route-sites", {
            json: { type: "Feature", geometry, properties },
          });
        } else {
          site = await api.patch(`/api/school-route-sites/${feature.id}`, {
            json: geometry ? { geometry, properties } : { properties },
            headers: { "If-Match": `"${p.version}"` },
          });
        }
        for (const party of PARTIES) {
          const { controls, before } = measureFields[party];
          const values = {
            measure: controls.measure.value.trim() || null,
            timing: controls.timing.value || null,
            status: controls.status.value || null,
            not_done_reason: controls.not_done_reason.value.trim() || null,
          };
          const same = Object.keys(values).every((k) => (before[k] || null) === values[k]);
          if (same) continue;
          site = await api.put(`/api/school-route-sites/${site.id}/measures/${party}`, {
            json: values,
            headers: { "If-Match": `"${site.properties.version}"` },
          });
        }
        say(true, t("sr.saved"));
        await load();
        edit(state.sites.features.find((f) => f.id === site.id) || site);
      } catch (error) {
        say(false, errorText(error));
      }
    }

    async function remove() {
      if (!window.confirm(t("sr.delete_confirm", { number: p.number }))) return;
      try {
        await api.delete(`/api/school-route-sites/${feature.id}`, {
          headers: { "If-Match": `"${p.version}"` },
        });
        say(true, t("sr.deleted"));
        close();
        await load();
      } catch (error) {
        say(false, errorText(error));
      }
    }

    function close() {
      state.editing = null;
      placeInputs = null;
      map?.draft(NaN, NaN);
      clear(editorSlot);
    }

    const titleId = uid("sr-edit");
    clear(editorSlot).append(
      h(
        "form",
        { class: "sr-form", "aria-labelledby": titleId, onsubmit: save },
        h(
          "h2",
          { id: titleId, tabindex: "-1" },
          isNew ? t("sr.new_title") : t("sr.edit_title", { number: p.number }),
        ),
        field(t("sr.school"), school),
        h("div", { class: "sr-row" }, field(t("sr.year"), year), field(t("sr.number"), number)),
        field(t("sr.address"), address),
        h("div", { class: "sr-row" }, field(t("sr.lon"), lon), field(t("sr.lat"), lat)),
        h("p", { class: "hint", id: placeHint }, t("sr.place_hint")),
        h("fieldset", { class: "sr-reasons" }, h("legend", {}, t("sr.reasons")), reasons),
        field(t("sr.inspected"), inspected),
        h("label", { class: "check" }, published, " ", t("sr.publish")),
        fieldsets,
        h(
          "div",
          { class: "sr-actions" },
          canEdit ? h("button", { type: "submit", class: "primary" }, t("sr.save")) : null,
          h("button", { type: "button", onclick: close }, t("sr.cancel")),
          canEdit && !isNew
            ? h("button", { type: "button", class: "danger", onclick: remove }, t("sr.delete"))
            : null,
        ),
      ),
    );
    editorSlot.querySelector("h2")?.focus();
  }

  await load();
  heading.focus();
}
