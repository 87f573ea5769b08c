// Report states as staff read them: a word (never colour alone) in a tag. Which states there
// are, in which order, and which of them are open is the server's (common/vocabulary.js);
// `statuses` below is its list.
import { h } from "../common/dom.js";
import { statusName } from "../common/vocabulary.js";

/** The codes of the open (or, with open=false, the closed) statuses, in the server's order. */
export function statusCodes(statuses, open) {
  return statuses.filter((s) => s.open === open).map((s) => s.code);
}

export function statusTag(status, statuses) {
  const open = statusCodes(statuses, true).includes(status);
  return h(
    "span",
    { class: `tag status status-${open ? status : "closed"}` },
    statusName(status, statuses),
  );
}
