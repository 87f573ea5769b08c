// /staff#/inspections/{id} — one inspection as the staff read it: the subject, the grades
// part by part, findings, follow-up and photos, the A4 PDF, and the switch that releases the
// findings and photos to the public. The switch sends the version it loaded (If-Match), so
// a change made meanwhile by someone else is shown, not overwritten.
import { ApiError, api } from "../../common/api.js";
import { clear, h, uid } from "../../common/dom.js";
import { addMessages, formatDate, formatDateTime, pick, t } from "../../common/i18n.js";
import messages from "../../messages/inspections-staff.js";
import { formHash, partName } from "../lookups.js";

addMessages(messages);

function fact(label, value) {
  return h("div", {}, h("dt", {}, label), h("dd", {}, value ?? t("insp.none")));
}

function gradeText(grade) {
  return grade ? t(`insp.grade.${grade}`) : t("insp.none");
}

export async function render(container, { route, focus }) {
  await import("../style.js");
  const id = route.id;
  let detail;
  try {
    detail = await api.get(`/api/inspections/${encodeURIComponent(id)}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      clear(container).append(h("p", { class: "notice error", role: "alert" }, t("insp.not_found")));
      return;
    }
    throw error;
  }
  const outcome = h("div", { "aria-live": "polite" });
  const body = h("div");
  const heading = h("h1", { id: "insp-sheet-heading", tabindex: "-1" });
  clear(container).append(
    h(
      "section",
      { class: "inspection-sheet", "aria-labelledby": "insp-sheet-heading" },
      h("p", { class: "back" }, h("a", { href: "#/inspections" }, t("insp.back_board"))),
      heading,
      outcome,
      body,
    ),
  );

  function say(ok, text) {
    clear(outcome).append(h("p", { class: `notice ${ok ? "ok" : "error"}`, role: ok ? "status" : "alert" }, text));
  }

  async function setReleased(checkbox) {
    checkbox.disabled = true;
    try {
      const answer = await api.patch(`/api/inspections/${encodeURIComponent(id)}`, {
        json: { released: checkbox.checked },
        headers: { "If-Match": `"${detail.version}"` },
      });
      detail = answer?.id ? answer : await api.get(`/api/inspections/${encodeURIComponent(id)}`);
      say(true, t(detail.released ? "insp.released" : "insp.withdrawn"));
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) {
        detail = await api.get(`/api/inspections/${encodeURIComponent(id)}`);
        say(false, t("insp.stale"));
      } else {
        say(false, error.message);
      }
    }
    draw();
    body.querySelector("input[name=released]")?.focus();
  }

  function draw() {
    const subject = detail.subject || {};
    const kindLabel = pick({ ja: detail.kind.name_ja, en: detail.kind.name_en });
    heading.textContent = t("insp.sheet_title", { subject: subject.name || "" });
    const releaseId = uid("release");
    const releaseHint = uid("hint");
    const release = h("input", {
      type: "checkbox",
      id: releaseId,
      name: "released",
      checked: Boolean(detail.released),
      "aria-describedby": releaseHint,
      onchange: (event) => setReleased(event.target),
    });
    const captionId = uid("caption");
    // h() leaves out the parts this inspection has none of (a null child).
    clear(body).append(
      h(
        "div",
        { class: "sheet-body" },
        h(
          "div",
          { class: "sheet-actions" },
          h("a", { class: "button primary", href: detail.links?.pdf || `/api/inspections/${id}.pdf` }, t("insp.pdf")),
          h("a", { class: "button", href: formHash(subject.layer, subject.id, detail.kind.code, subject.name) }, t("insp.record_again")),
        ),
        h(
          "div",
          { class: "release-switch" },
          h("span", { class: "choice" }, release, h("label", { for: releaseId }, t("insp.release"))),
          h("p", { class: "hint", id: releaseHint }, t("insp.release_hint")),
        ),
        h(
          "dl",
          { class: "facts" },
          fact(t("insp.sheet_kind"), kindLabel),
          fact(t("insp.sheet_subject"), subject.name),
          subject.facility_name && subject.facility_name !== subject.name
            ? fact(t("insp.sheet_facility"), subject.facility_name)
            : null,
          subject.use_status ? fact(t("insp.sheet_use_status"), t(`insp.use.${subject.use_status}`)) : null,
          fact(t("insp.inspected_on"), formatDate(detail.inspected_on)),
          fact(t("insp.inspector_name"), detail.inspector?.name),
          fact(
            t("insp.sheet_department"),
            detail.department ? pick({ ja: detail.department.name_ja, en: detail.department.name_en }) : null,
          ),
          fact(t("insp.overall"), gradeText(detail.overall_grade)),
          detail.hazard_level !== null && detail.hazard_level !== undefined
            ? fact(t("insp.hazard"), t(`insp.hazard.${detail.hazard_level}`))
            : null,
          fact(t("insp.sheet_next_due"), detail.next_due ? formatDate(detail.next_due) : null),
          detail.recorded_at ? fact(t("insp.sheet_recorded"), formatDateTime(detail.recorded_at)) : null,
        ),
        detail.parts?.length
          ? h(
              "div",
              { class: "table-wrap", role: "region", "aria-labelledby": captionId, tabindex: "0" },
              h(
                "table",
                { class: "data parts-table" },
                h("caption", { id: captionId }, t("insp.parts_caption")),
                h(
                  "thead",
                  {},
                  h(
                    "tr",
                    {},
                    h("th", { scope: "col" }, t("insp.col_part")),
                    h("th", { scope: "col" }, t("insp.col_grade")),
                    h("th", { scope: "col" }, t("insp.col_note")),
                  ),
                ),
                h(
                  "tbody",
                  {},
                  detail.parts.map((p) =>
                    h(
                      "tr",
                      {},
                      h("th", { scope: "row" }, partName(p)),
                      h("td", { class: `grade grade-${p.grade}` }, gradeText(p.grade)),
                      h("td", {}, p.note || ""),
                    ),
                  ),
                ),
              ),
            )
          : null,
        h("h2", {}, t("insp.findings")),
        h("p", { class: "report-text" }, detail.findings || t("insp.none")),
        h("h2", {}, t("insp.sheet_follow")),
        h(
          "dl",
          { class: "facts" },
          fact(t("insp.follow_up_action"), detail.follow_up_action ? t(`insp.follow.${detail.follow_up_action}`) : null),
          fact(t("insp.follow_up_due"), detail.follow_up_due ? formatDate(detail.follow_up_due) : null),
          fact(t("insp.follow_up"), detail.follow_up),
        ),
        h("h2", {}, t("insp.sheet_photos")),
        detail.photos?.length
          ? h(
              "ul",
              { class: "photos" },
              detail.photos.map((photo, i) =>
                h(
                  "li",
                  {},
                  h(
                    "a",
                    { href: photo.url },
                    h("img", {
                      src: photo.thumbnail_url || photo.url,
                      alt: t("insp.photo_alt", { n: i + 1 }),
                      loading: "lazy",
                    }),
                  ),
                ),
              ),
            )
          : h("p", {}, t("insp.sheet_no_photos")),
      ),
    );
  }

  draw();
  document.title = `${heading.textContent} — ${t("staff.title")}`;
  if (focus) heading.focus();
}
