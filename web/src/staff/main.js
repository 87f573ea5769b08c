// The staff pages at /staff: sign-in, the triage queue (map + list), a report's detail
// with its actions, and the response-time figures. One page; the view lives in the URL's
// hash (#/queue?…, #/reports/ID, #/figures?…) so every view has its own address and the
// browser's Back button works. ?lang= stays in the query, where i18n.js keeps it.
import "../common/base.css";
import "./staff.css";
import { ApiError, api, whoAmI } from "../common/api.js";
import { addMessages, initLanguage, onLanguageChange, t } from "../common/i18n.js";
import messages from "../messages/staff.js";
import schoolRouteMessages from "../messages/school-routes-staff.js";
import coverageMessages from "../messages/staff-coverage.js";
import inspectionMessages from "../messages/inspections-staff.js";
import registerMessages from "../messages/register-staff.js";
import planningMessages from "../messages/planning-staff.js";
import { clear, h } from "../common/dom.js";
import { departmentName, departments } from "./lookups.js";
import { currentRoute, queueHash, rememberQueue } from "./route.js";

addMessages(messages);
addMessages(schoolRouteMessages); // the menu names the 通学路合同点検 section
addMessages(coverageMessages);
addMessages(inspectionMessages); // the menu's 点検 tab
addMessages(registerMessages);
addMessages(planningMessages); // the menu's 施設計画 tab
initLanguage();

const main = document.getElementById("main");
const accountBar = document.getElementById("staff-account");

const state = { account: null };

function isStaff(account) {
  return Boolean(account) && (account.role === "staff" || account.role === "admin");
}

function staffNav(active) {
  const link = (view, key) =>
    h(
      "a",
      {
        href: view === "queue" ? queueHash() : `#/${view}`,
        "aria-current": active === view ? "page" : null,
      },
      t(key),
    );
  return h(
    "nav",
    { class: "staff-nav", "aria-label": t("staff.nav_label") },
    h(
      "ul",
      {},
      h("li", {}, link("queue", "staff.nav_queue")),
      h("li", {}, link("figures", "staff.nav_figures")),
      h("li", {}, link("school-routes", "sr.nav")),
      h("li", {}, link("coverage", "scov.nav")),
      h("li", {}, link("inspections", "insp.nav")),
      h("li", {}, link("register", "reg.nav")),
      h("li", {}, link("planning", "plan.nav")),
    ),
  );
}

async function renderAccountBar() {
  const account = state.account;
  let department = account?.department;
  if (department) {
    // The session names the department in Japanese only; the list has its English name.
    try {
      department = (await departments()).find((d) => d.code === department.code) || department;
    } catch {
      // The Japanese name is shown instead.
    }
  }
  clear(accountBar);
  if (!account || account !== state.account) {
    accountBar.hidden = !state.account;
    return;
  }
  const name = account.display_name || account.email;
  const who = department
    ? t("account.signed_in_dept", { name, department: departmentName(department) })
    : t("account.signed_in", { name });
  accountBar.append(
    h("span", { class: "staff-account-name" }, who),
    h("button", { type: "button", onclick: signOut }, t("account.sign_out")),
  );
  accountBar.hidden = false;
}

async function signOut() {
  try {
    await api.post("/auth/logout");
  } catch (error) {
    // Even if the server cannot be reached, this page forgets the account.
    if (!(error instanceof ApiError)) console.warn(error);
  }
  state.account = null;
  renderAccountBar();
  history.replaceState(history.state, "", `${location.pathname}${location.search}`);
  await render();
}

async function signedIn() {
  state.account = await whoAmI();
  renderAccountBar();
  await render({ focus: true });
}

let rendering = 0;

/** Draws the view the URL names (or sign-in), with the staff menu above it. */
async function render({ focus = false } = {}) {
  const ticket = ++rendering;
  const account = state.account;
  document.title = t("staff.title");
  if (!isStaff(account)) {
    const { renderSignIn, renderStaffOnly } = await import("./signin.js");
    if (ticket !== rendering) return;
    clear(main);
    if (account) renderStaffOnly(main, account, { onSignOut: signOut });
    else renderSignIn(main, { onSignedIn: signedIn });
    return;
  }
  const route = currentRoute();
  if (route.view === "queue") rememberQueue(location.hash);
  const view = await import(
    route.view === "detail"
      ? "./detail.js"
      : route.view === "figures"
        ? "./figures.js"
        : route.view === "school-routes"
          ? "../inspections/school_routes/staff.js"
          : route.view === "coverage"
            ? "./coverage.js"
            : route.view === "inspections"
              ? "../inspections/due/board.js"
              : route.view === "inspection-new"
                ? "../inspections/form/form.js"
                : route.view === "inspection"
                  ? "../inspections/sheet/sheet.js"
                  : route.view === "register"
                    ? "../city/register/list.js"
                    : route.view === "register-building"
                      ? "../city/register/card.js"
                      : route.view === "planning"
                        ? "../planning/page.js"
                        : "./queue.js"
  );
  if (ticket !== rendering) return;
  const container = h("div", { class: "staff-view" });
  const section = route.view.startsWith("inspection")
    ? "inspections"
    : route.view === "register-building"
      ? "register"
      : route.view;
  clear(main).append(staffNav(section), container);
  try {
    await view.render(container, { account, route, focus });
  } catch (error) {
    // A list the view needs could not be read (the server is unreachable, or refused).
    if (ticket !== rendering) return;
    container.append(h("p", { class: "notice error", role: "alert" }, error.message));
  }
}

// The skip link would otherwise change the hash (and so the view): move focus instead.
document.querySelector(".skip-link")?.addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});

window.addEventListener("hashchange", () => {
  if (!location.hash.startsWith("#/") && location.hash !== "") return;
  render({ focus: true });
});
onLanguageChange(() => {
  renderAccountBar();
  render();
});

async function start() {
  try {
    state.account = await whoAmI();
  } catch (error) {
    clear(main).append(h("p", { class: "notice error", role: "alert" }, error.message));
    return;
  }
  renderAccountBar();
  await render();
  if (isStaff(state.account)) {
    // Inspections an earlier visit kept on this device (recorded offline) are sent now and
    // whenever the connection returns, whichever view is open.
    import("../inspections/form/outbox.js").then((outbox) => outbox.startSending());
  }
}

start();
