// /staff#/inspections/new?subject_layer=&subject_id=&kind= — the inspection form as an
// inspector fills it in on a phone beside the building or the swing: one A–D choice per part,
// the overall grade (the worst part suggested), the JPFA hazard level for play equipment,
// findings, follow-up and photos from the camera. What is recorded is kept on the device
// first (outbox.js) and then sent, so a lost connection loses nothing and sends it once.
import { api } from "../../common/api.js";
import { clear, field, h, select, uid } from "../../common/dom.js";
import { addMessages, formatNumber, t } from "../../common/i18n.js";
import messages from "../../messages/inspections-staff.js";
import { formHash, kindName, kinds, partName, sheetHash, today } from "../lookups.js";
import { keptSection } from "./kept.js";
import * as outbox from "./outbox.js";

addMessages(messages);

const GRADES = ["A", "B", "C", "D"];
const HAZARDS = ["0", "1", "2", "3"];
const FOLLOW_UPS = ["none", "repair", "close", "survey"];
const MAX_PHOTOS = 10; // the server's inspection_max_photos default; it refuses beyond its own

/** The subject's name and, for a facility, its kind (the kinds that fit depend on it). */
async function describeSubject(layer, id, knownName) {
  const fallback = { name: knownName || `${layer} ${id}`, facilityKind: null };
  try {
    if (layer === "facility_building") {
      if (knownName) return fallback;
      const card = await api.get(`/api/register/buildings/${encodeURIComponent(id)}`);
      const facility = card.facility?.name || "";
      return { name: `${facility} ${card.building?.name || ""}`.trim(), facilityKind: null };
    }
    if (knownName && layer !== "facility") return fallback;
    const item = await api.get(
      `/ogc/collections/${encodeURIComponent(layer)}/items/${encodeURIComponent(id)}`,
    );
    const p = item.properties || {};
    return { name: knownName || p.name || `${layer} ${id}`, facilityKind: p.kind || null };
  } catch {
    // Offline, or a layer with no such page: the form still works, named by its id.
    return fallback;
  }
}

function fits(kind, layer, facilityKind) {
  if (!kind.active) return false;
  if (kind.subject_layer && kind.subject_layer !== layer) return false;
  const only = kind.subject_kinds || [];
  if (only.length && layer === "facility" && facilityKind && !only.includes(facilityKind)) return false;
  return true;
}

function worst(grades) {
  return grades.filter(Boolean).sort().at(-1) || null;
}

/** A fieldset of big radio buttons; `onchange(value)`. */
function choiceGroup({ legend, name, values, label, value, onchange, describedBy, className = "" }) {
  const legendId = uid("legend");
  return h(
    "fieldset",
    { class: `choice-group ${className}`, "aria-describedby": describedBy || null },
    h("legend", { id: legendId }, legend),
    h(
      "div",
      { class: "choices" },
      values.map((v) => {
        const id = uid("c");
        return h(
          "span",
          { class: "big-choice" },
          h("input", {
            type: "radio",
            id,
            name,
            value: v,
            checked: value === v,
            onchange: () => onchange(v),
          }),
          h("label", { for: id }, label(v)),
        );
      }),
    ),
  );
}

export async function render(container, { account, route }) {
  await import("../style.js");
  outbox.startSending();
  const layer = route.params.get("subject_layer") || "";
  const subjectId = route.params.get("subject_id") || "";
  const heading = h("h1", { id: "insp-form-heading", tabindex: "-1" }, t("insp.form_title"));
  const section = h(
    "section",
    { class: "inspection-form-page", "aria-labelledby": "insp-form-heading" },
    heading,
  );
  clear(container).append(section);
  if (!layer || !/^\d+$/.test(subjectId)) {
    section.append(
      h("p", { class: "notice" }, t("insp.form_no_subject")),
      h("p", {}, h("a", { href: "#/inspections" }, t("insp.to_board"))),
    );
    return;
  }

  const [subject, allKinds] = await Promise.all([
    describeSubject(layer, subjectId, route.params.get("name")),
    kinds().catch(() => null),
  ]);
  if (!allKinds) {
    section.append(h("p", { class: "notice error", role: "alert" }, t("insp.no_kinds")));
    return;
  }
  const usable = allKinds.filter((k) => fits(k, layer, subject.facilityKind));
  const status = h("div", { class: "insp-status", "aria-live": "polite" });
  const keptSlot = h("div", { class: "insp-kept" });
  section.append(h("p", { class: "insp-subject" }, t("insp.form_subject", { name: subject.name })));
  if (!usable.length) {
    section.append(h("p", { class: "notice" }, t("insp.kind_none")));
    return;
  }

  const asked = route.params.get("kind");
  const blank = (kindCode) => ({
    kind: kindCode,
    parts: {}, // part code -> {grade, note}
    overall: null,
    overallTouched: false,
    hazard: null,
    inspected_on: today(),
    inspector_name: account.display_name || "",
    findings: "",
    follow_up_action: "none",
    follow_up_due: "",
    follow_up: "",
    photos: [],
  });
  let draft = blank(usable.some((k) => k.code === asked) ? asked : usable[0].code);
  // Keys recorded from this page and not yet answered; `sending` is the one being sent now.
  const waiting = new Set();
  let sending = null;
  const form = h("form", { class: "inspection-form", novalidate: true });
  section.append(status, form, keptSlot);

  const kindOf = () => usable.find((k) => k.code === draft.kind);

  function say(kind, ...content) {
    const role = kind === "error" ? "alert" : "status";
    clear(status).append(h("div", { class: `notice ${kind}`, role }, ...content));
    // On a phone the form is long: the answer is read where it appears, at its top.
    status.scrollIntoView?.({ block: "start" });
  }

  function suggestOverall() {
    if (draft.overallTouched) return;
    const kind = kindOf();
    if (kind.grading !== "parts") return;
    draft.overall = worst(kind.parts.map((p) => draft.parts[p.code]?.grade));
  }

  function partsFieldsets(kind) {
    return h(
      "div",
      { class: "parts" },
      h("h2", {}, t("insp.parts_title")),
      kind.parts.map((part) => {
        const current = (draft.parts[part.code] ||= { grade: null, note: "" });
        const note = h("textarea", {
          name: `note-${part.code}`,
          rows: "2",
          value: current.note,
          oninput: (e) => (current.note = e.target.value),
        });
        const group = choiceGroup({
          legend: partName(part),
          name: `part-${part.code}`,
          values: GRADES,
          value: current.grade,
          label: (g) => g,
          className: "grades",
          onchange: (g) => {
            current.grade = g;
            suggestOverall();
            drawOverall();
          },
        });
        group.dataset.part = part.code;
        group.append(field(t("insp.part_note", { part: partName(part) }), note));
        return group;
      }),
    );
  }

  const overallSlot = h("div", { class: "overall-slot" });
  function drawOverall() {
    const kind = kindOf();
    const hintId = uid("hint");
    const suggested = kind.grading === "parts" && !draft.overallTouched && draft.overall;
    clear(overallSlot).append(
      choiceGroup({
        legend: t("insp.overall"),
        name: "overall",
        values: GRADES,
        value: draft.overall,
        label: (g) => g,
        className: "grades overall",
        describedBy: hintId,
        onchange: (g) => {
          draft.overall = g;
          draft.overallTouched = true;
          drawOverall();
        },
      }),
      h(
        "p",
        { class: "hint", id: hintId },
        suggested
          ? t("insp.overall_suggested", { grade: draft.overall })
          : draft.overall
            ? t(`insp.grade.${draft.overall}`)
            : "",
      ),
    );
  }

  const photoList = h("ul", { class: "insp-thumbs", "aria-label": t("insp.photos") });
  const photoNote = h("p", { class: "hint", role: "status" });
  function drawPhotos() {
    clear(photoList).append(
      ...draft.photos.map((photo, i) =>
        h(
          "li",
          {},
          h("img", { src: photo.url, alt: t("insp.photo_alt", { n: i + 1 }), width: "96", height: "96" }),
          h(
            "button",
            {
              type: "button",
              onclick: () => {
                URL.revokeObjectURL(photo.url);
                draft.photos.splice(i, 1);
                drawPhotos();
              },
            },
            t("insp.photo_remove", { n: i + 1 }),
          ),
        ),
      ),
    );
    photoNote.textContent = t("insp.photo_count", { n: formatNumber(draft.photos.length), count: draft.photos.length });
  }

  function addPhotos(files) {
    for (const file of files) {
      if (draft.photos.length >= MAX_PHOTOS) {
        photoNote.textContent = t("insp.photo_too_many", { n: MAX_PHOTOS });
        return;
      }
      draft.photos.push({ blob: file, name: file.name || "photo.jpg", type: file.type, url: URL.createObjectURL(file) });
    }
    drawPhotos();
  }

  function photoInput(label, extra) {
    const id = uid("photo");
    return h(
      "span",
      { class: "file-control" },
      h("input", {
        type: "file",
        id,
        class: "file-input",
        accept: "image/*",
        onchange: (event) => {
          addPhotos([...event.target.files]);
          event.target.value = "";
        },
        ...extra,
      }),
      h("label", { for: id, class: "button" }, label),
    );
  }

  function drawForm() {
    const kind = kindOf();
    suggestOverall();
    const kindSelect = select(
      "kind",
      usable.map((k) => [k.code, kindName(k)]),
      draft.kind,
    );
    kindSelect.addEventListener("change", () => {
      draft = { ...blank(kindSelect.value), photos: draft.photos, findings: draft.findings };
      history.replaceState(history.state, "", formHash(layer, subjectId, draft.kind, route.params.get("name")));
      drawForm();
      form.querySelector("select[name=kind]")?.focus();
    });
    const facts = [
      kind.legal_basis ? t("insp.legal_basis", { basis: kind.legal_basis }) : null,
      kind.interval_months ? t("insp.interval", { n: formatNumber(kind.interval_months) }) : null,
    ].filter(Boolean);
    const input = (name, attrs = {}) =>
      h("input", {
        name,
        value: draft[name],
        oninput: (e) => (draft[name] = e.target.value),
        ...attrs,
      });
    const area = (name) =>
      h("textarea", { name, rows: "3", value: draft[name], oninput: (e) => (draft[name] = e.target.value) });
    const followSelect = select(
      "follow_up_action",
      FOLLOW_UPS.map((f) => [f, t(`insp.follow.${f}`)]),
      draft.follow_up_action,
    );
    followSelect.addEventListener("change", () => (draft.follow_up_action = followSelect.value));
    const hazardHint = uid("hint");
    const parts = [
      field(t("insp.kind"), kindSelect, { hint: facts.join(" ") || undefined }),
      h(
        "dl",
        { class: "grade-key" },
        GRADES.map((g) => h("div", {}, h("dt", {}, g), h("dd", {}, t(`insp.grade.${g}`).slice(2)))),
      ),
      kind.grading === "parts" ? partsFieldsets(kind) : null,
      overallSlot,
      kind.grading === "jpfa"
        ? h(
            "div",
            {},
            choiceGroup({
              legend: t("insp.hazard"),
              name: "hazard",
              values: HAZARDS,
              value: draft.hazard,
              label: (v) => t(`insp.hazard.${v}`),
              className: "hazards",
              describedBy: hazardHint,
              onchange: (v) => (draft.hazard = v),
            }),
            h("p", { class: "hint", id: hazardHint }, t("insp.hazard_hint")),
          )
        : null,
      field(t("insp.inspected_on"), input("inspected_on", { type: "date", max: today(), min: "1950-01-01" })),
      field(t("insp.inspector_name"), input("inspector_name", { type: "text", autocomplete: "name" })),
      field(t("insp.findings"), area("findings")),
      field(t("insp.follow_up_action"), followSelect),
      field(t("insp.follow_up_due"), input("follow_up_due", { type: "date" })),
      field(t("insp.follow_up"), area("follow_up")),
      h(
        "fieldset",
        { class: "photos-field" },
        h("legend", {}, t("insp.photos")),
        h("p", { class: "hint" }, t("insp.photos_hint", { n: MAX_PHOTOS })),
        h(
          "div",
          { class: "photo-buttons" },
          photoInput(t("insp.photo_camera"), { capture: "environment" }),
          photoInput(t("insp.photo_choose"), { multiple: true }),
        ),
        photoList,
        photoNote,
      ),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary big" }, t("insp.submit"))),
    ];
    clear(form).append(...parts.filter(Boolean));
    drawOverall();
    drawPhotos();
  }

  /** What is missing, as the labels the inspector sees, and the first control to go to. */
  function missing() {
    const kind = kindOf();
    const names = [];
    let first = null;
    const need = (ok, label, selector) => {
      if (ok) return;
      names.push(label);
      first ??= form.querySelector(selector);
    };
    if (kind.grading === "parts") {
      for (const part of kind.parts)
        need(draft.parts[part.code]?.grade, partName(part), `input[name="part-${part.code}"]`);
    }
    need(draft.overall, t("insp.overall"), 'input[name="overall"]');
    if (kind.grading === "jpfa") need(draft.hazard !== null, t("insp.hazard"), 'input[name="hazard"]');
    need(draft.inspected_on, t("insp.inspected_on"), 'input[name="inspected_on"]');
    return { names, first };
  }

  function body() {
    const kind = kindOf();
    const text = (v) => (v && v.trim() ? v.trim() : null);
    return {
      subject_layer: layer,
      subject_id: Number(subjectId),
      kind: kind.code,
      inspected_on: draft.inspected_on,
      overall_grade: draft.overall,
      hazard_level: kind.grading === "jpfa" ? Number(draft.hazard) : null,
      parts:
        kind.grading === "parts"
          ? kind.parts.map((p) => ({
              part: p.code,
              grade: draft.parts[p.code].grade,
              note: text(draft.parts[p.code].note),
            }))
          : [],
      findings: text(draft.findings),
      follow_up_action: draft.follow_up_action,
      follow_up_due: draft.follow_up_due || null,
      follow_up: text(draft.follow_up),
      inspector_name: text(draft.inspector_name),
    };
  }

  function sentPanel(result) {
    return [
      h("p", {}, t("insp.sent")),
      h("p", {}, h("a", { href: sheetHash(result.id) }, t("insp.open_sheet"))),
    ];
  }

  const stopListening = outbox.onOutbox((event) => {
    if (!container.isConnected) {
      stopListening();
      return;
    }
    if (event.key && waiting.has(event.key)) {
      waiting.delete(event.key);
      if (event.type === "sent") {
        if (event.key === sending) resetForm();
        say("ok", ...sentPanel(event.result));
      } else if (event.type === "refused" && event.key === sending) {
        // Refused at once, the form still filled in: corrected here and sent as a new draft.
        outbox.discard(event.key);
        say("error", t("insp.refused", { reason: event.error.message }));
      } else if (event.type === "refused") {
        say("error", t("insp.refused", { reason: event.error.message }));
      }
    }
    if (event.type === "changed" || event.type === "sent") drawKept();
  });

  function resetForm() {
    draft.photos.forEach((p) => URL.revokeObjectURL(p.url));
    draft = blank(draft.kind);
    drawForm();
  }

  async function drawKept() {
    const list = await keptSection();
    clear(keptSlot);
    if (list) keptSlot.append(list);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (sending) return;
    const { names, first } = missing();
    if (names.length) {
      say("error", t("insp.missing", { fields: names.join("、") }));
      first?.focus();
      return;
    }
    const kind = kindOf();
    const kept = {
      key: crypto.randomUUID(),
      savedAt: Date.now(),
      inspection: body(),
      photos: draft.photos.map(({ blob, name, type }) => ({ blob, name, type })),
      label: { subject: subject.name, kind: { name_ja: kind.name_ja, name_en: kind.name_en } },
    };
    try {
      await outbox.keep(kept);
    } catch {
      say("error", t("insp.keep_failed"));
      return;
    }
    waiting.add(kept.key);
    sending = kept.key;
    say("ok", t("insp.sending"));
    try {
      await outbox.sendKept();
    } finally {
      sending = null;
    }
    if (waiting.has(kept.key)) {
      // Neither sent nor refused: no connection. It waits on the device, sent by itself.
      resetForm();
      say("ok", t("insp.kept"));
    }
  });

  drawForm();
  drawKept();
  heading.focus();
}
