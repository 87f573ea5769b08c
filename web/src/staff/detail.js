// One report as staff see it (original text, contact, photos, history) and what they can
// do with it: publish after moderation, withdraw, change the status, comment, hand it to
// another department, tie it to a hazard. Each action is a small form; the answer of every
// action is the report as it now is, so the page redraws from it.
import { ApiError, api } from "../common/api.js";
import { formatDateTime, formatNumber, pick, t, tOr } from "../common/i18n.js";
import { symbolSvg } from "../common/symbols.js";
import { clear, field, fromSvg, h, select, uid } from "../common/dom.js";
import { statusName, vocabulary } from "../common/vocabulary.js";
import { categoryByCode, categoryName, departmentName, departments } from "./lookups.js";
import { queueHash, reportHash } from "./route.js";
import { statusTag } from "./status.js";

/** Staff act on reports of their own department (or of none); admins on all. The server
 * decides the same way, so the page never offers an action it would refuse. */
function canAct(account, report) {
  if (account.role === "admin") return true;
  if (account.role !== "staff") return false;
  return !report.department || report.department.id === account.department_id;
}

function dl(rows) {
  return h(
    "dl",
    { class: "facts" },
    rows
      .filter(([, value]) => value !== null && value !== undefined && value !== "")
      .map(([term, value]) => h("div", {}, h("dt", {}, term), h("dd", {}, value))),
  );
}

function multiline(text) {
  return h("p", { class: "report-text" }, text || t("detail.no_text"));
}

function location(report) {
  const coordinates = report.geometry?.coordinates;
  if (!coordinates) return null;
  const [lon, lat] = coordinates;
  const parts = [
    t("detail.latlon", {
      lat: formatNumber(lat, { maximumFractionDigits: 6 }),
      lon: formatNumber(lon, { maximumFractionDigits: 6 }),
    }),
  ];
  if (report.location_accuracy_m != null) {
    parts.push(
      t("detail.accuracy", {
        m: formatNumber(report.location_accuracy_m, { maximumFractionDigits: 0 }),
      }),
    );
  }
  if (report.location_source) parts.push(t(`detail.source_${report.location_source}`));
  return parts.join(t("detail.separator"));
}

function info(report, category, statuses) {
  const heading = h(
    "h1",
    { tabindex: "-1", class: "with-symbol" },
    category ? fromSvg(symbolSvg(category.symbol, 28)) : null,
    t("detail.title", { id: report.public_id }),
  );
  const contact = report.contact;
  const published = report.is_public
    ? t("detail.published_since", { date: formatDateTime(report.published_at) })
    : t("detail.not_published");
  return [
    h("p", { class: "back" }, h("a", { href: queueHash() }, t("detail.back"))),
    heading,
    h(
      "p",
      { class: "detail-status" },
      statusTag(report.status, statuses),
      " ",
      category ? categoryName(category) : report.category.code,
    ),
    h(
      "section",
      { "aria-labelledby": "detail-facts" },
      h("h2", { id: "detail-facts" }, t("detail.facts")),
      dl([
        [
          t("detail.category"),
          category
            ? categoryName(category)
            : pick({ ja: report.category.name_ja, en: report.category.name_en }),
        ],
        [t("detail.status"), statusName(report.status, statuses)],
        [
          t("detail.department"),
          report.department ? departmentName(report.department) : t("list.no_department"),
        ],
        [
          t("detail.district"),
          report.district
            ? pick({
                ja: report.district.name,
                en: report.district.name_en || report.district.name,
              })
            : null,
        ],
        [t("detail.created"), formatDateTime(report.created_at)],
        [t("detail.updated"), formatDateTime(report.updated_at)],
        [t("detail.published"), published],
        [t("detail.supporters"), formatNumber(report.supporter_count)],
        [t("detail.location"), location(report)],
        [
          t("detail.consent"),
          report.consent_publish ? t("detail.consent_yes") : t("detail.consent_no"),
        ],
        [
          t("detail.duplicate_of"),
          report.duplicate_of
            ? h("a", { href: reportHash(report.duplicate_of) }, report.duplicate_of)
            : null,
        ],
        [t("detail.responsible_party"), report.responsible_party],
        [
          t("detail.hazard"),
          report.hazard_id ? t("detail.hazard_id", { id: report.hazard_id }) : null,
        ],
        [t("detail.sensitive"), report.category.sensitive ? t("detail.sensitive_yes") : null],
        [
          t("detail.patrol"),
          report.patrol
            ? t("detail.patrol_text", {
                group: report.patrol.group_name,
                date: formatDateTime(report.patrol.patrol_started_at),
                id: report.patrol.observation_id,
              })
            : null,
        ],
      ]),
    ),
    h(
      "section",
      { "aria-labelledby": "detail-original" },
      h("h2", { id: "detail-original" }, t("detail.original")),
      h("p", { class: "hint" }, t("detail.original_hint")),
      multiline(report.description),
    ),
    report.is_public
      ? h(
          "section",
          { "aria-labelledby": "detail-public-text" },
          h("h2", { id: "detail-public-text" }, t("detail.public_text")),
          multiline(report.public_description),
        )
      : null,
    h(
      "section",
      { "aria-labelledby": "detail-contact" },
      h("h2", { id: "detail-contact" }, t("detail.contact")),
      contact && (contact.name || contact.email || contact.phone)
        ? dl([
            [t("detail.contact_name"), contact.name],
            [
              t("detail.contact_email"),
              contact.email ? h("a", { href: `mailto:${contact.email}` }, contact.email) : null,
            ],
            [
              t("detail.contact_phone"),
              contact.phone ? h("a", { href: `tel:${contact.phone}` }, contact.phone) : null,
            ],
            [
              t("detail.contact_notify"),
              contact.notify ? t("detail.notify_yes") : t("detail.notify_no"),
            ],
          ])
        : h("p", {}, t("detail.no_contact")),
    ),
    h(
      "section",
      { "aria-labelledby": "detail-photos" },
      h(
        "h2",
        { id: "detail-photos" },
        t("detail.photos", { n: formatNumber(report.photos.length) }),
      ),
      report.photos.length
        ? h(
            "ul",
            { class: "photos" },
            report.photos.map((photo, index) =>
              h(
                "li",
                {},
                h(
                  "a",
                  { href: photo.url, target: "_blank", rel: "noopener" },
                  h("img", {
                    src: photo.thumbnail_url,
                    alt: t("detail.photo_alt", { n: index + 1 }),
                    width: 160,
                    loading: "lazy",
                  }),
                  h("span", { class: "visually-hidden" }, t("detail.new_tab")),
                ),
                h(
                  "p",
                  { class: "photo-caption" },
                  t("detail.photo_n", { n: index + 1 }),
                  " · ",
                  photo.published ? t("detail.photo_public") : t("detail.photo_private"),
                  photo.blurred ? ` · ${t("detail.photo_blurred")}` : "",
                ),
              ),
            ),
          )
        : h("p", {}, t("detail.no_photos")),
    ),
    h(
      "section",
      { "aria-labelledby": "detail-history" },
      h("h2", { id: "detail-history" }, t("detail.history")),
      h(
        "ol",
        { class: "history" },
        report.history.map((entry) =>
          h(
            "li",
            {},
            h("time", { datetime: entry.at }, formatDateTime(entry.at)),
            " ",
            h(
              "strong",
              {},
              entry.from == null
                ? t("detail.history_created")
                : entry.from === entry.to
                  ? t("detail.history_comment")
                  : t("detail.history_to", { status: pick(entry.label) }),
            ),
            entry.by_reporter
              ? h("span", { class: "tag tag-reopened" }, t("detail.by_reporter"))
              : null,
            entry.public_comment
              ? h(
                  "p",
                  {},
                  h("span", { class: "note-kind" }, t("detail.public_comment")),
                  entry.public_comment,
                )
              : null,
            entry.internal_note
              ? h(
                  "p",
                  { class: "internal" },
                  h("span", { class: "note-kind" }, t("detail.internal_note")),
                  entry.internal_note,
                )
              : null,
          ),
        ),
      ),
    ),
  ];
}

function textarea(name, value = "", attrs = {}) {
  const el = h("textarea", { name, rows: 3, ...attrs });
  el.value = value;
  return el;
}

/** A titled section holding one action's form. */
function actionSection(titleKey, form, { open = true } = {}) {
  const id = uid("action");
  if (open) {
    return h(
      "section",
      { class: "action", "aria-labelledby": id },
      h("h3", { id }, t(titleKey)),
      form,
    );
  }
  return h(
    "details",
    { class: "action" },
    h("summary", {}, h("span", { id, class: "summary-title" }, t(titleKey))),
    form,
  );
}

function publishForm(report, limits, run) {
  const text = textarea(
    "public_description",
    report.public_description || report.description || "",
    {
      rows: 5,
      maxlength: limits.text,
    },
  );
  const photoChoices = [];
  const photoPart = [];
  if (report.photos.length && !report.consent_publish) {
    photoPart.push(h("p", { class: "notice" }, t("publish.no_consent")));
  } else {
    report.photos.forEach((photo, index) => {
      const name = uid("photo");
      const current = photo.published ? (photo.blurred ? "blur" : "release") : "withhold";
      const options = ["release", "blur", "withhold"].map((choice) => {
        const input = h("input", {
          type: "radio",
          name,
          value: choice,
          id: uid("r"),
          checked: choice === current,
        });
        return h(
          "div",
          { class: "choice" },
          input,
          h("label", { for: input.id }, t(`publish.photo_${choice}`)),
        );
      });
      photoChoices.push({ photo, name });
      photoPart.push(
        h(
          "fieldset",
          { class: "photo-choice" },
          h("legend", {}, t("publish.photo_legend", { n: index + 1 })),
          h("img", {
            src: photo.thumbnail_url,
            alt: t("detail.photo_alt", { n: index + 1 }),
            width: 96,
          }),
          h("div", { class: "choices" }, options),
        ),
      );
    });
    if (report.photos.length) photoPart.push(h("p", { class: "hint" }, t("publish.blur_hint")));
  }
  const form = h(
    "form",
    { class: "action-form" },
    report.category.sensitive ? h("p", { class: "notice" }, t("publish.sensitive")) : null,
    field(t("publish.text"), text, { hint: t("publish.text_hint") }),
    photoPart,
    h(
      "div",
      { class: "actions" },
      h(
        "button",
        { type: "submit", class: "primary" },
        report.is_public ? t("publish.update") : t("publish.submit"),
      ),
    ),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const photos = photoChoices.map(({ photo, name }) => {
      const choice = form.querySelector(`input[name="${name}"]:checked`)?.value || "withhold";
      return { id: photo.id, publish: choice !== "withhold", blur_all: choice === "blur" };
    });
    run(form, "publish", { public_description: text.value, photos }, t("publish.done"));
  });
  return actionSection("publish.title", form);
}

function unpublishForm(run) {
  const form = h(
    "form",
    { class: "action-form" },
    h("p", {}, t("unpublish.body")),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("unpublish.submit"))),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    run(form, "unpublish", undefined, t("unpublish.done"));
  });
  return actionSection("unpublish.title", form, { open: false });
}

function statusForm(report, { statuses, limits }, run) {
  // Every report starts as "submitted"; staff move it on from there, never back.
  const choices = statuses
    .filter((s) => s.code !== "submitted" && s.code !== report.status)
    .map((s) => [s.code, statusName(s.code, statuses)]);
  const status = select("status", [["", t("status_form.choose")], ...choices], "");
  status.required = true;
  const duplicate = h("input", {
    type: "text",
    name: "duplicate_of",
    maxlength: limits.public_id,
    autocomplete: "off",
  });
  const party = h("input", {
    type: "text",
    name: "responsible_party",
    maxlength: limits.responsible_party,
  });
  const [comment, note] = commentFields(limits);
  const duplicateField = field(t("status_form.duplicate_of"), duplicate, {
    hint: t("status_form.duplicate_hint"),
  });
  const partyField = field(t("status_form.responsible_party"), party, {
    hint: t("status_form.party_hint"),
  });
  const commentLabel = h("span");
  const commentField = field(commentLabel, comment, { hint: t("status_form.public_hint") });
  const sync = () => {
    duplicateField.hidden = status.value !== "closed_duplicate";
    duplicate.required = status.value === "closed_duplicate";
    partyField.hidden = status.value !== "closed_not_responsible";
    party.required = status.value === "closed_not_responsible";
    comment.required = status.value === "rejected";
    commentLabel.textContent =
      status.value === "rejected" ? t("status_form.reason") : t("status_form.public_comment");
  };
  status.addEventListener("change", sync);
  sync();
  const form = h(
    "form",
    { class: "action-form" },
    field(t("status_form.status"), status),
    duplicateField,
    partyField,
    commentField,
    field(t("status_form.internal_note"), note, { hint: t("status_form.internal_hint") }),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary" }, t("status_form.submit")),
    ),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = { status: status.value };
    if (comment.value.trim()) body.public_comment = comment.value;
    if (note.value.trim()) body.internal_note = note.value;
    if (status.value === "closed_duplicate") body.duplicate_of = duplicate.value.trim();
    if (status.value === "closed_not_responsible") body.responsible_party = party.value.trim();
    const done = t("status_form.done", { status: statusName(status.value, statuses) });
    run(form, "status", body, done);
  });
  return actionSection("status_form.title", form);
}

/** The public comment and the internal note a status change or a comment carries. */
function commentFields(limits) {
  return [
    textarea("public_comment", "", { maxlength: limits.text }),
    textarea("internal_note", "", { maxlength: limits.text }),
  ];
}

function commentForm(limits, run, showError) {
  const [comment, note] = commentFields(limits);
  const form = h(
    "form",
    { class: "action-form" },
    field(t("comment.public"), comment, { hint: t("status_form.public_hint") }),
    field(t("comment.internal"), note, { hint: t("status_form.internal_hint") }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("comment.submit"))),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!comment.value.trim() && !note.value.trim()) {
      showError(t("comment.empty"));
      comment.focus();
      return;
    }
    const body = {};
    if (comment.value.trim()) body.public_comment = comment.value;
    if (note.value.trim()) body.internal_note = note.value;
    run(form, "comment", body, t("comment.done"));
  });
  return actionSection("comment.title", form);
}

function assignForm(report, depts, run) {
  const options = depts
    .filter((d) => d.id !== report.department?.id)
    .map((d) => [d.code, departmentName(d)]);
  const department = select("department", [["", t("assign.choose")], ...options], "");
  department.required = true;
  const form = h(
    "form",
    { class: "action-form" },
    h("p", { class: "hint" }, t("assign.hint")),
    field(t("assign.department"), department),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("assign.submit"))),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = depts.find((d) => d.code === department.value);
    run(
      form,
      "assign",
      { department: department.value },
      t("assign.done", { department: departmentName(chosen) }),
    );
  });
  return actionSection("assign.title", form, { open: false });
}

function hazardForm(report, { hazard_kinds: kinds, limits }, run) {
  const mode = uid("mode");
  const radio = (value) => {
    const input = h("input", {
      type: "radio",
      name: mode,
      value,
      id: uid("r"),
      checked: value === "create",
    });
    return h(
      "div",
      { class: "choice" },
      input,
      h("label", { for: input.id }, t(`hazard.mode_${value}`)),
    );
  };
  const kind = select(
    "kind",
    kinds.map((k) => [k, tOr(`hazard.kind_${k}`, k)]),
    kinds.includes(report.category.code) ? report.category.code : "other",
  );
  const severity = select(
    "severity",
    [1, 2, 3, 4].map((n) => [n, t(`hazard.severity_${n}`)]),
    2,
  );
  const title = h("input", { type: "text", name: "title", maxlength: limits.hazard_title });
  const hazardId = h("input", {
    type: "number",
    name: "hazard_id",
    min: 1,
    step: 1,
    inputmode: "numeric",
  });
  const createPart = h(
    "div",
    { class: "sub-fields" },
    field(t("hazard.kind"), kind),
    field(t("hazard.severity"), severity),
    field(t("hazard.title_field"), title, { hint: t("hazard.title_hint") }),
  );
  const linkPart = h("div", { class: "sub-fields" }, field(t("hazard.id"), hazardId));
  const form = h(
    "form",
    { class: "action-form" },
    report.hazard_id ? h("p", {}, t("hazard.current", { id: report.hazard_id })) : null,
    h("fieldset", {}, h("legend", {}, t("hazard.mode")), radio("create"), radio("link")),
    createPart,
    linkPart,
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("hazard.submit"))),
  );
  const sync = () => {
    const linking = form.querySelector(`input[name="${mode}"]:checked`)?.value === "link";
    createPart.hidden = linking;
    linkPart.hidden = !linking;
    hazardId.required = linking;
  };
  form.addEventListener("change", sync);
  sync();
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const linking = form.querySelector(`input[name="${mode}"]:checked`)?.value === "link";
    const body = linking
      ? { hazard_id: Number(hazardId.value) }
      : {
          kind: kind.value,
          severity: Number(severity.value),
          ...(title.value.trim() ? { title: title.value.trim() } : {}),
        };
    run(form, "hazard", body, linking ? t("hazard.linked") : t("hazard.created"));
  });
  return actionSection("hazard.title", form, { open: false });
}

export async function render(container, { account, route, focus }) {
  const publicId = route.id;
  const infoHost = h("div", { class: "detail-info" });
  const statusRegion = h("p", { class: "action-status", role: "status", tabindex: "-1" });
  const alertRegion = h("div", { class: "form-alert", role: "alert", tabindex: "-1" });
  const formsHost = h("div", { class: "action-forms" });
  const actions = h(
    "section",
    { class: "detail-actions", "aria-labelledby": "detail-actions-title" },
    h("h2", { id: "detail-actions-title" }, t("detail.actions")),
    statusRegion,
    alertRegion,
    formsHost,
  );
  clear(container).append(h("div", { class: "detail-layout" }, infoHost, actions));

  let report;
  try {
    report = await api.get(`/api/triage/reports/${encodeURIComponent(publicId)}`);
  } catch (error) {
    clear(container).append(
      h("p", { class: "back" }, h("a", { href: queueHash() }, t("detail.back"))),
      h("h1", { tabindex: "-1" }, t("detail.title", { id: publicId })),
      h(
        "p",
        { class: "notice error", role: "alert" },
        error instanceof ApiError && error.status === 404 ? t("detail.not_found") : error.message,
      ),
    );
    if (focus) container.querySelector("h1").focus();
    return;
  }
  const [depts, vocab] = await Promise.all([departments(), vocabulary()]);

  function showError(message) {
    statusRegion.textContent = "";
    alertRegion.textContent = message;
    alertRegion.className = "form-alert notice error";
  }

  async function run(form, action, json, doneMessage) {
    const buttons = form.querySelectorAll("button");
    for (const b of buttons) b.disabled = true;
    alertRegion.textContent = "";
    alertRegion.className = "form-alert";
    statusRegion.textContent = t("action.sending");
    try {
      const next = await api.post(
        `/api/triage/reports/${encodeURIComponent(publicId)}/${action}`,
        json === undefined ? {} : { json },
      );
      report = next;
      await draw();
      statusRegion.textContent = doneMessage;
      statusRegion.className = "action-status notice ok";
      statusRegion.focus();
    } catch (error) {
      for (const b of buttons) b.disabled = false;
      statusRegion.textContent = "";
      statusRegion.className = "action-status";
      if (error instanceof ApiError && error.status === 403) {
        showError(t("action.forbidden"));
      } else {
        showError(error.message);
      }
      alertRegion.focus();
    }
  }

  async function draw() {
    const category = await categoryByCode(report.category.code);
    clear(infoHost).append(...info(report, category, vocab.statuses).filter(Boolean));
    clear(formsHost);
    if (!canAct(account, report)) {
      formsHost.append(
        h(
          "div",
          { class: "notice" },
          h(
            "p",
            {},
            t("action.not_yours", {
              department: report.department ? departmentName(report.department) : "",
            }),
          ),
          h("p", {}, t("action.not_yours_next")),
        ),
      );
      return;
    }
    const forms = [
      publishForm(report, vocab.limits, run),
      statusForm(report, vocab, run),
      commentForm(vocab.limits, run, showError),
      report.is_public ? unpublishForm(run) : null,
      assignForm(report, depts, run),
      hazardForm(report, vocab, run),
    ];
    formsHost.append(...forms.filter(Boolean));
  }

  await draw();
  document.title = `${t("detail.title", { id: report.public_id })} — ${t("staff.title")}`;
  if (focus) infoHost.querySelector("h1")?.focus();
}
