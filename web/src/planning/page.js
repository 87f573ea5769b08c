// /staff#/planning/<tab>: renewal planning. The tabs are links (each view has its own
// address and Back works); each tab's module draws its part and keeps its own strings.
import { h } from "../common/dom.js";
import { t } from "../common/i18n.js";

const TABS = ["projection", "priority", "coverage", "hotspots"];

function tabs(active) {
  return h(
    "nav",
    { class: "planning-tabs", "aria-label": t("plan.tabs") },
    h(
      "ul",
      {},
      ...TABS.map((tab) =>
        h(
          "li",
          {},
          h(
            "a",
            { href: `#/planning/${tab}`, "aria-current": tab === active ? "page" : null },
            t(`plan.tab.${tab}`),
          ),
        ),
      ),
    ),
  );
}

export async function render(container, context) {
  const tab = TABS.includes(context.route.tab) ? context.route.tab : "projection";
  // Named one by one, so the bundler can split each tab (and its styles) into its own chunk.
  const view = await (tab === "priority"
    ? import("./priority.js")
    : tab === "coverage"
      ? import("./coverage.js")
      : tab === "hotspots"
        ? import("./hotspots.js")
        : import("./projection.js"));
  const heading = h("h1", { tabindex: "-1" }, t("plan.heading"));
  const body = h("div", { class: "planning-body" });
  container.append(heading, tabs(tab), body);
  if (context.focus) heading.focus();
  await view.render(body, context);
}
