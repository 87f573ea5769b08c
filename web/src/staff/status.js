// Report states as staff read them: a word (never colour alone) in a tag.
import { t } from "../common/i18n.js";
import { h } from "../common/dom.js";

export const STATUSES = [
  "submitted",
  "accepted",
  "in_progress",
  "resolved",
  "closed_duplicate",
  "closed_not_responsible",
  "closed_no_action",
  "rejected",
];

export const OPEN_STATUSES = ["submitted", "accepted", "in_progress"];

export function statusTag(status) {
  const open = OPEN_STATUSES.includes(status);
  return h(
    "span",
    { class: `tag status status-${open ? status : "closed"}` },
    t(`status.${status}`),
  );
}
