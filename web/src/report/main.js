// The report flow at /report, phone first: one step per screen (category, place, photos and
// description, reports already nearby, contact), a confirmation, then the reference number
// and tracking link. A report sent without a connection is kept in IndexedDB and sent, with
// the same idempotency key, when the connection returns. One module per screen; this one
// starts the page and wires the browser's events to them.
import "../common/base.css";
import "./report.css";
import { addMessages, initLanguage, onLanguageChange } from "../common/i18n.js";
import messages from "../messages/report.js";
import { categoryScreen } from "./category.js";
import { confirmScreen } from "./confirm.js";
import { contactScreen } from "./contact.js";
import { detailsScreen } from "./details.js";
import { doneScreen, queuedScreen } from "./done.js";
import { queuedStatus, refreshDrafts, syncDrafts } from "./drafts.js";
import { defineScreens, go, render } from "./flow.js";
import { loadLists } from "./lists.js";
import { nearbyScreen } from "./nearby.js";
import { placeScreen } from "./place.js";
import { relabelMap } from "./point.js";
import { startScreen } from "./start.js";
import { state } from "./state.js";

addMessages(messages);
initLanguage();

defineScreens({
  start: startScreen,
  category: categoryScreen,
  place: placeScreen,
  details: detailsScreen,
  nearby: nearbyScreen,
  contact: contactScreen,
  confirm: confirmScreen,
  queued: queuedScreen,
  done: doneScreen,
});

window.addEventListener("popstate", (event) => {
  let screen = event.state?.screen || "start";
  // After sending, Back never leads into the finished report's steps again.
  if (state.screen === "done" || state.screen === "queued") screen = "start";
  go(screen, { push: false });
});

window.addEventListener("online", () => {
  queuedStatus("queued.trying");
  syncDrafts();
});
window.addEventListener("offline", () => {
  queuedStatus("queued.waiting");
  if (state.screen === "confirm") render({ focus: false });
});

onLanguageChange(() => {
  render({ focus: false });
  relabelMap();
});

async function start() {
  history.replaceState({ screen: "start" }, "");
  render();
  await loadLists();
  await refreshDrafts();
  syncDrafts();
}

start();
