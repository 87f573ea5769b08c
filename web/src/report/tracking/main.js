// The tracking page at /reports/{id}: the link the reporter gets on the done page and by
// e-mail (with ?token=), and the page anyone may open for a published report. The server
// answers the page only to whoever may read the report; this script reads the report from
// the API as that caller, and offers the actions the answer says they may take.
import "../../common/base.css";
import "./tracking.css";
import { api } from "../../common/api.js";
import { h } from "../../common/dom.js";
import { addMessages, initLanguage, onLanguageChange, t } from "../../common/i18n.js";
import messages from "../../messages/tracking.js";
import { actionsView, onChange } from "./actions.js";
import { reportPath, state, tokenHeaders } from "./state.js";
import { reportView } from "./view.js";

addMessages(messages);
initLanguage();

const root = document.getElementById("report");
let categories = [];

function render({ focus, focusOutcome } = {}) {
  if (state.loadError) {
    root.replaceChildren(
      h("p", { class: "notice error", role: "alert" }, t("tracking.load_failed"), " ", state.loadError.message),
      h("p", {}, h("button", { type: "button", onclick: load }, t("tracking.retry"))),
    );
    return;
  }
  if (!state.view) {
    root.replaceChildren(h("p", { class: "status-line", role: "status" }, t("tracking.loading")));
    return;
  }
  root.replaceChildren(...reportView(state.view, categories).filter(Boolean), actionsView(state.view) || "");
  if (focusOutcome) root.querySelector(".outcome")?.focus();
  else if (focus) root.querySelector(focus)?.focus();
}

async function load() {
  state.loadError = null;
  state.view = null;
  render();
  // The categories only give the symbol its place in the city's list; without them the
  // category still reads by name.
  const listed = api.get("/api/report-categories").catch(() => []);
  try {
    state.view = await api.get(reportPath(), { headers: tokenHeaders() });
  } catch (error) {
    state.loadError = error;
  }
  categories = (await listed).filter((c) => c.active !== false);
  render();
}

onChange(render);
onLanguageChange(() => render());
load();
