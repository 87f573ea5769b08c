// The inspections kept on this device and not yet sent, as a list to see, send now or let go
// (one the server refused waits for that choice: sending it again would be refused again).
import { h } from "../../common/dom.js";
import { formatNumber, pick, t } from "../../common/i18n.js";
import * as outbox from "./outbox.js";

/** The section, or null when nothing is kept. */
export async function keptSection() {
  const drafts = await outbox.keptDrafts();
  if (!drafts.length) return null;
  const headingId = "insp-kept-heading";
  return h(
    "section",
    { class: "insp-kept-list", "aria-labelledby": headingId },
    h("h2", { id: headingId }, t("insp.kept_list")),
    h("p", {}, t("insp.kept_count", { n: formatNumber(drafts.length), count: drafts.length })),
    h(
      "ul",
      {},
      drafts.map((draft) => {
        const subject = draft.label?.subject || "";
        const kind = draft.label?.kind ? pick({ ja: draft.label.kind.name_ja, en: draft.label.kind.name_en }) : "";
        return h(
          "li",
          {},
          h("span", {}, t("insp.kept_item", { subject, kind, date: draft.inspection.inspected_on })),
          " ",
          h(
            "span",
            { class: draft.error ? "field-error" : "meta" },
            draft.error ? t("insp.kept_refused", { reason: draft.error.message }) : t("insp.kept_waiting"),
          ),
          " ",
          h(
            "button",
            {
              type: "button",
              "aria-label": t("insp.kept_delete_label", { subject }),
              onclick: async () => {
                if (window.confirm(t("insp.kept_delete_confirm"))) await outbox.discard(draft.key);
              },
            },
            t("insp.kept_delete"),
          ),
        );
      }),
    ),
    drafts.some((d) => !d.error)
      ? h("button", { type: "button", onclick: () => outbox.sendKept() }, t("insp.send_now"))
      : null,
  );
}
