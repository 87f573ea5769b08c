// Which screen is shown and how the flow moves between them. Each screen is a module of its
// own (main.js lists them); this one draws the current one, keeps focus where it belongs,
// and keeps the browser's history in step so Back goes back a step.
import { h } from "../common/dom.js";
import { STEPS, state } from "./state.js";

export const root = h("div", { class: "report-app" });
const announcer = h("div", { class: "visually-hidden", "aria-live": "polite", role: "status" });
document.getElementById("main").append(root, announcer);

// name → {view, validate?, rendered?, shown?}: view() builds the screen, validate() gives
// the step's errors before going on, rendered() runs after every drawing and shown() each
// time the screen is gone to.
let screens = {};

export function defineScreens(table) {
  screens = table;
}

export function announce(text) {
  announcer.textContent = "";
  // A new text node after a tick, so the same message twice is still read out.
  setTimeout(() => {
    announcer.textContent = text;
  }, 50);
}

/** The first step whose input is missing before `screen` (so a history jump cannot skip). */
function firstMissing(screen) {
  const d = state.draft;
  const order = [...STEPS, "confirm"];
  const upto = order.indexOf(screen);
  if (upto < 0) return screen;
  const needs = {
    place: () => d.category,
    details: () => d.point,
    nearby: () => d.description.trim(),
  };
  for (let i = 1; i <= upto; i++) {
    const check = needs[order[i]];
    if (check && !check()) return order[i - 1];
  }
  return screen;
}

export function go(screen, { push = true, focus = true } = {}) {
  if (!Object.hasOwn(screens, screen)) screen = "start";
  screen = firstMissing(screen);
  // The steps read the server's limits. Without the vocabulary (offline, never fetched on
  // this device) the start screen says so and offers to try again; a kept draft can still
  // be opened at the confirm screen and sent.
  if (STEPS.includes(screen) && !state.vocabulary) screen = "start";
  state.screen = screen;
  state.errors = {};
  if (screen !== "confirm") state.submitError = null;
  if (screen !== "start") state.notices = [];
  if (push) history.pushState({ screen }, "");
  else history.replaceState({ screen }, "");
  render({ focus });
  window.scrollTo(0, 0);
  screens[screen].shown?.();
}

export function next() {
  const at = STEPS.indexOf(state.screen);
  const errors = screens[state.screen].validate?.() ?? {};
  if (Object.keys(errors).length) {
    state.errors = errors;
    render({ focus: false });
    const first = root.querySelector("[aria-invalid='true']");
    (first || root.querySelector(".field-error"))?.focus();
    return;
  }
  go(at >= 0 && at < STEPS.length - 1 ? STEPS[at + 1] : "confirm");
}

export function back() {
  const at = STEPS.indexOf(state.screen);
  if (state.screen === "confirm") go(STEPS[STEPS.length - 1]);
  else if (at > 0) go(STEPS[at - 1]);
  else go("start");
}

export function render({ focus = false } = {}) {
  const active = document.activeElement;
  const keepId = !focus && root.contains(active) ? active.id : null;
  // A re-render while someone types (a photo's location arriving) keeps their caret.
  let selection = null;
  try {
    if (keepId && typeof active.selectionStart === "number")
      selection = [active.selectionStart, active.selectionEnd];
  } catch {
    // Inputs such as type=email have no selection.
  }
  const screen = screens[state.screen];
  root.replaceChildren(screen.view());
  root.dataset.screen = state.screen;
  screen.rendered?.();
  if (focus) root.querySelector("h1")?.focus();
  else if (keepId) {
    const again = document.getElementById(keepId);
    again?.focus();
    if (again && selection) {
      try {
        again.setSelectionRange(...selection);
      } catch {
        // Not a text field after all.
      }
    }
  }
}
