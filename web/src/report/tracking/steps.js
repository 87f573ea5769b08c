// The status as three steps a resident understands (received, in progress, finished), each
// marked in words as well as by colour and shape, so forced colours and screen readers
// keep them apart; the exact status stays beside them in words.
import { h } from "../../common/dom.js";
import { t } from "../../common/i18n.js";

const STEPS = ["received", "in_progress", "finished"];

/** Which step a status is at: open statuses before work starts are "received". */
export function stepOf(view) {
  if (!view.open) return 2;
  return view.status === "in_progress" ? 1 : 0;
}

export function progressSteps(view) {
  const at = stepOf(view);
  return h(
    "ol",
    { class: "tracking-steps", "aria-label": t("tracking.steps_label") },
    STEPS.map((name, i) => {
      // The last step, once reached, is done rather than under way.
      const finished = i === at && at === STEPS.length - 1;
      const where = i < at || finished ? "done" : i === at ? "current" : "todo";
      return h(
        "li",
        {
          class: `step-${where}${i === at ? " step-now" : ""}`,
          "aria-current": i === at ? "step" : null,
        },
        h("span", { class: "step-mark", "aria-hidden": "true" }, where === "done" ? "✓" : String(i + 1)),
        h("span", { class: "step-name" }, t(`tracking.step_${name}`)),
        h("span", { class: "visually-hidden" }, t(`tracking.step_${where}`)),
      );
    }),
  );
}
