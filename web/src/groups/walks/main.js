// /groups/{gid}/walk: recording a patrol on a phone. Every fix goes to IndexedDB as it
// arrives (store.js), so a lost connection, a reload or a crashed tab loses nothing; the
// walk is sent once when it ends (upload.js), and a service worker (sw.js) opens this page
// again offline. Gaps are told as gaps: on the map (a new line part) and in words.
import "../../common/base.css";
import "../groups.css";
import "./walk.css";
import { ApiError, api, whoAmI } from "../../common/api.js";
import { clear, h } from "../../common/dom.js";
import {
  addMessages,
  formatDateTime,
  formatNumber,
  initLanguage,
  nameElement,
  onLanguageChange,
  t,
} from "../../common/i18n.js";
import { signInForm } from "../../common/signin.js";
import groupMessages from "../../messages/groups.js";
import messages from "../../messages/walk.js";
import { myMembership } from "../group/page.js";
import { categories, observationForm } from "./observe.js";
import { Recorder } from "./recorder.js";
import { RULES, Track } from "./rules.js";
import * as store from "./store.js";
import { sendWalk } from "./upload.js";
import {
  button,
  clock,
  defaultTitle,
  distanceText,
  errorText,
  figure,
  kindName,
  observationItem,
  otherWalksView,
  resultView,
  setupView,
  spanText,
  tips,
} from "./views.js";
import { MAP_WORKER, WalkMap } from "./walkmap.js";
import { cacheShell, registerWorker } from "./offline.js";

addMessages(groupMessages);
addMessages(messages);
initLanguage();

const NO_FIX_WARNING_S = 60;
const RETRY_MS = 30_000;

const $ = (id) => document.getElementById(id);
const els = {
  back: $("walk-back"),
  group: $("walk-group"),
  alert: $("walk-alert"),
  live: $("walk-live"),
  figures: $("walk-figures"),
  controls: $("walk-controls"),
  mapWrap: $("walk-map-wrap"),
  mapNote: $("walk-map-note"),
  body: $("walk-body"),
};

const groupId = Number(location.pathname.match(/^\/groups\/(\d+)\/walk/)?.[1]);
const state = {
  phase: "loading", // setup | recording | sending | done | signin | outsider
  me: undefined,
  group: null,
  walk: null,
  track: new Track(),
  here: null,
  lastFixAt: null,
  observations: [],
  memory: [], // every fix of the walk, also in memory: sent from here if storage failed
  otherWalks: [],
  sendState: null, // sending | waiting | refused
  result: null,
  observing: false,
  stopping: false,
  geoError: null,
  storageError: false,
  announcedMinute: null,
  gapNotice: null,
};
let walkMap = null;
let ticker = null;
let sending = null;
// The fixes' writes to IndexedDB, one after another.
let writing = Promise.resolve();
const recorder = new Recorder({ onFix, onError: onGeoError });
recorder.onLockChange = () => renderFigures();

// --- small helpers --------------------------------------------------------------------------

function say(text) {
  els.live.textContent = text;
}

function showError(text) {
  els.alert.replaceChildren(text ? h("p", { class: "notice error", tabindex: "-1" }, text) : "");
  if (text) els.alert.firstChild.focus();
}

function elapsedMs(walk = state.walk) {
  if (!walk) return 0;
  const now = walk.status === "paused" && walk.paused_at ? walk.paused_at : Date.now();
  return now - Date.parse(walk.started_at) - (walk.paused_ms || 0);
}

async function saveWalk() {
  try {
    await store.saveWalk(state.walk);
    state.storageError = false;
  } catch {
    state.storageError = true;
    renderFigures();
  }
}

// --- recording -----------------------------------------------------------------------------

function onFix(fix) {
  const walk = state.walk;
  if (!walk || walk.status !== "recording") return;
  const last = state.track.lastSeen;
  // A fix older than the last one is a cached place handed out again: the track only moves on.
  if (last && fix.t < last) return;
  state.track.lastSeen = fix.t;
  const kept = { ...fix, seg: walk.seg };
  state.memory.push(kept);
  // Counted once stored, in the order they came: the figures say what a reload would keep.
  writing = writing
    .then(() => store.addFix(walk.key, kept))
    .then(
      () => (state.storageError = false),
      () => (state.storageError = true),
    )
    .then(() => showFix(kept));
}

function showFix(kept) {
  const gapsBefore = state.track.gaps.length;
  const outcome = state.track.add(kept);
  state.here = [kept.lon, kept.lat];
  state.lastFixAt = Date.now();
  state.geoError = null;
  if (state.track.gaps.length > gapsBefore) noticeGap(state.track.gaps.at(-1), kept.seg);
  if (outcome !== "kept") say(t(`walk.dropped_${outcome}`));
  walkMap?.show(state.track.lines(), state.here);
  renderFigures();
}

/** A new part began: said honestly when the recording stopped without the walker asking
 * (the page was hidden, the phone slept, the page was reloaded), not after a pause. */
function noticeGap(gap, seg) {
  if ((state.walk.pause_segs || []).includes(seg)) return;
  if (gap.seconds < 5) return;
  state.gapNotice = t("walk.gap_notice", { span: spanText(gap.seconds), at: formatDateTime(gap.from) });
  say(state.gapNotice);
  renderFigures();
}

function onGeoError(error) {
  if (error.code === 3) return; // a timeout: the watch goes on
  state.geoError = error.code === 1 ? t("walk.geo_denied") : t("walk.geo_unavailable");
  say(state.geoError);
  renderFigures();
}

async function startWalk(form) {
  const participants = Number(form.participants.value);
  const kind = form.kind.value;
  state.walk = {
    key: crypto.randomUUID(),
    group_id: groupId,
    group_name: state.group?.name ?? null,
    kind,
    title: form.title.value.trim() || defaultTitle(kind),
    participants: Number.isInteger(participants) && participants >= 1 ? participants : 1,
    started_at: new Date().toISOString(),
    seg: 0,
    status: "recording",
    paused_ms: 0,
    paused_at: null,
    pause_segs: [],
    body: null,
    patrol: null,
    error: null,
  };
  state.track = new Track();
  state.memory = [];
  state.observations = [];
  await saveWalk();
  state.phase = "recording";
  recorder.start();
  render();
  say(t("walk.started"));
  els.controls.querySelector("button")?.focus();
}

async function pause() {
  const walk = state.walk;
  walk.status = "paused";
  walk.paused_at = Date.now();
  recorder.stop();
  await saveWalk();
  render();
  say(t("walk.paused"));
  els.controls.querySelector("button")?.focus();
}

async function resume() {
  const walk = state.walk;
  walk.paused_ms = (walk.paused_ms || 0) + (Date.now() - (walk.paused_at || Date.now()));
  walk.paused_at = null;
  walk.status = "recording";
  walk.seg += 1;
  walk.pause_segs = [...(walk.pause_segs || []), walk.seg];
  await saveWalk();
  recorder.start();
  render();
  say(t("walk.resumed"));
  els.controls.querySelector("button")?.focus();
}

/** A page hidden (screen off, another app) or reloaded may have missed fixes: what comes
 * after is a new stretch, so the map never joins across the time it was away. */
async function newStretch() {
  const walk = state.walk;
  if (!walk || walk.status !== "recording") return;
  walk.seg += 1;
  await saveWalk();
}

async function stop() {
  const walk = state.walk;
  recorder.stop();
  state.stopping = false;
  await writing;
  const stored = await store.fixesOf(walk.key).catch(() => []);
  const strip = ({ lon, lat, t: at, acc, ele, seg }) => ({ lon, lat, t: at, acc, ele, seg });
  const fixes = stored.length >= state.memory.length ? stored : state.memory.map(strip);
  const now = new Date().toISOString();
  const lastT = fixes.at(-1)?.t;
  walk.body = {
    title: walk.title,
    kind: walk.kind,
    participants: walk.participants,
    started_at: fixes[0] && fixes[0].t < walk.started_at ? fixes[0].t : walk.started_at,
    ended_at: lastT && lastT > now ? lastT : now,
    notes: null,
    track: fixes,
  };
  walk.status = "stopped";
  await saveWalk();
  state.phase = "sending";
  render();
  trySend();
}

// --- sending -------------------------------------------------------------------------------

function trySend() {
  if (sending || !state.walk || state.walk.status !== "stopped") return sending;
  if (!navigator.onLine) {
    state.sendState = "waiting";
    render();
    say(t("walk.send_waiting"));
    return null;
  }
  state.sendState = "sending";
  render();
  sending = (async () => {
    const walk = state.walk;
    let outcome;
    try {
      outcome = await sendWalk(walk);
    } catch {
      outcome = "waiting";
    }
    state.observations = await store.observationsOf(walk.key).catch(() => state.observations);
    if (outcome === "sent") {
      state.result = {
        patrol: walk.patrol,
        observations: state.observations,
        group_id: walk.group_id,
        group_name: walk.group_name,
      };
      await store.removeWalk(walk.key).catch(() => {});
      state.walk = null;
      state.phase = "done";
      state.sendState = null;
      render();
      say(t("walk.sent", { points: formatNumber(walk.patrol.track?.points ?? 0) }));
      $("result-heading")?.focus();
    } else {
      state.sendState = outcome;
      render();
      const waiting = navigator.onLine ? "walk.send_retry_later" : "walk.send_waiting";
      say(t(outcome === "refused" ? "walk.send_refused" : waiting));
      // Online but not answered (a lost answer, a server trouble): tried again by itself.
      if (outcome === "waiting" && navigator.onLine) setTimeout(trySend, RETRY_MS);
    }
  })().finally(() => {
    sending = null;
  });
  return sending;
}

async function discard() {
  if (!state.walk) return;
  await store.removeWalk(state.walk.key).catch(() => {});
  state.walk = null;
  state.sendState = null;
  state.phase = "setup";
  state.track = new Track();
  state.here = null;
  render();
  say(t("walk.discarded"));
}

// --- observations --------------------------------------------------------------------------

function openObservation() {
  state.observing = true;
  renderBody();
  $("obs-heading")?.focus();
}

async function keepObservation(observation) {
  const o = { ...observation, walk: state.walk.key };
  try {
    await store.saveObservation(o);
  } catch {
    showError(t("walk.storage_failed"));
    return;
  }
  state.observations.push(o);
  state.observing = false;
  renderBody();
  say(t("walk.obs_kept"));
  $("obs-open")?.focus();
}

function closeObservation() {
  state.observing = false;
  renderBody();
  $("obs-open")?.focus();
}

// --- what is shown -------------------------------------------------------------------------

function renderFigures() {
  const walk = state.walk;
  const shown = Boolean(walk) && (state.phase === "recording" || state.phase === "sending");
  els.figures.hidden = !shown;
  if (!shown) return;
  const track = state.track;
  const status =
    walk.status === "recording" ? t("walk.status_recording") : walk.status === "paused" ? t("walk.status_paused") : t("walk.status_stopped");
  const warnings = [];
  if (state.storageError) warnings.push(t("walk.storage_failed"));
  if (state.geoError) warnings.push(state.geoError);
  if (walk.status === "recording" && !state.geoError) {
    const quiet = state.lastFixAt ? (Date.now() - state.lastFixAt) / 1000 : null;
    if (quiet === null) warnings.push(t("walk.waiting_fix"));
    else if (quiet > NO_FIX_WARNING_S) warnings.push(t("walk.no_fix", { span: spanText(quiet) }));
  }
  if (state.gapNotice) warnings.push(state.gapNotice);
  const awake =
    walk.status !== "recording"
      ? null
      : recorder.wakeLockSupported
        ? t(recorder.awake ? "walk.wake_on" : "walk.wake_off")
        : t("walk.wake_unsupported");
  const parts = [
    h("p", { class: `walk-status walk-status-${walk.status}` }, status),
    h(
      "dl",
      { class: "walk-figure-grid" },
      figure("walk.distance", distanceText(track.distanceM)),
      figure("walk.elapsed", clock(elapsedMs())),
      figure("walk.points", formatNumber(track.kept)),
      figure("walk.dropped", formatNumber(track.dropped)),
    ),
    track.dropped
      ? h(
          "p",
          { class: "hint" },
          t("walk.dropped_detail", {
            inaccurate: formatNumber(track.droppedInaccurate),
            fast: formatNumber(track.droppedTooFast),
            acc: formatNumber(RULES.maxAccuracyM),
            speed: formatNumber(RULES.maxSpeedKmh),
          }),
        )
      : null,
    awake ? h("p", { class: "hint" }, awake) : null,
    warnings.length ? h("ul", { class: "walk-warnings" }, warnings.map((w) => h("li", {}, w))) : null,
  ];
  els.figures.replaceChildren(...parts.filter(Boolean));
}

/** Once a minute (and on events, by say()): the figures in words for a screen reader, never
 * every second. */
function announceMinute() {
  const walk = state.walk;
  if (!walk || walk.status !== "recording") return;
  const minute = Math.floor(elapsedMs() / 60000);
  if (minute === state.announcedMinute) return;
  state.announcedMinute = minute;
  if (minute === 0) return;
  say(
    t("walk.summary", {
      minutes: formatNumber(minute),
      distance: distanceText(state.track.distanceM),
      points: formatNumber(state.track.kept),
      dropped: formatNumber(state.track.dropped),
    }),
  );
}

function tick() {
  renderFigures();
  announceMinute();
}

function renderControls() {
  const walk = state.walk;
  const parts = [];
  if (state.phase === "recording" && walk) {
    if (state.stopping) {
      parts.push(
        h("p", { class: "walk-confirm" }, t("walk.stop_confirm")),
        button("walk.stop_send", stop, { primary: true, cls: "walk-stop" }),
        button("walk.stop_cancel", () => {
          state.stopping = false;
          renderControls();
          els.controls.querySelector("button")?.focus();
        }),
      );
    } else {
      parts.push(
        walk.status === "recording" ? button("walk.pause", pause) : button("walk.resume", resume, { primary: true }),
        button("walk.stop", () => {
          state.stopping = true;
          renderControls();
          els.controls.querySelector("button")?.focus();
        }, { cls: "walk-stop" }),
      );
    }
  }
  els.controls.replaceChildren(...parts);
}

function observationsView() {
  const list = state.observations;
  const parts = [h("h2", { id: "obs-list-heading" }, t("walk.obs_heading"))];
  if (state.phase === "recording") {
    if (state.observing) {
      parts.push(
        observationForm({
          groupId,
          here: () => state.here,
          onKeep: keepObservation,
          onCancel: closeObservation,
        }),
      );
    } else {
      parts.push(button("walk.obs_open", openObservation, { id: "obs-open", cls: "walk-obs-open" }));
    }
  }
  parts.push(
    list.length
      ? h("ul", { class: "walk-obs-list" }, list.map(observationItem))
      : h("p", { class: "hint" }, t("walk.obs_none")),
  );
  return h("section", { class: "group-section", "aria-labelledby": "obs-list-heading" }, parts);
}

function sendingView() {
  const walk = state.walk;
  const parts = [h("h2", { id: "send-heading", tabindex: "-1" }, t("walk.send_heading"))];
  if (state.sendState === "sending") parts.push(h("p", { class: "notice" }, t("walk.sending")));
  if (state.sendState === "waiting") {
    parts.push(
      h("p", { class: "notice" }, t(navigator.onLine ? "walk.send_retry_later" : "walk.send_waiting")),
      button("walk.send_now", trySend, { primary: true }),
    );
  }
  if (state.sendState === "refused") {
    if (walk.error) parts.push(h("p", { class: "notice error" }, t("walk.patrol_refused", { reason: errorText(walk.error) })));
    else parts.push(h("p", { class: "notice error" }, t("walk.some_refused")));
    parts.push(button("walk.discard", discard, { cls: "danger" }));
  }
  return parts;
}

function renderBody() {
  const parts = [];
  switch (state.phase) {
    case "loading":
      parts.push(h("p", { class: "status-line" }, t("walk.loading")));
      break;
    case "signin":
      parts.push(
        h("p", { class: "notice" }, t("walk.sign_in_needed")),
        signInForm({
          keys: {
            email: "groups.signin_email",
            password: "groups.signin_password",
            submit: "groups.signin_submit",
            failed: "groups.signin_failed",
          },
          onSignedIn: () => location.reload(),
        }),
      );
      break;
    case "outsider":
      parts.push(h("p", { class: "notice error" }, state.loadError ? errorText(state.loadError) : t("walk.members_only")));
      break;
    case "setup":
      parts.push(otherWalksView(state.otherWalks), ...setupView({ geolocation: recorder.supported, onStart: startWalk }));
      break;
    case "recording":
      parts.push(observationsView(), tips(false));
      break;
    case "sending":
      parts.push(...sendingView(), observationsView());
      break;
    case "done":
      parts.push(
        ...resultView(state.result, {
          onAnother: () => {
            state.result = null;
            state.phase = "setup";
            state.track = new Track();
            state.here = null;
            render();
            $("page-heading")?.focus();
          },
        }),
      );
      break;
    default:
      break;
  }
  clear(els.body).append(...parts.filter(Boolean));
}

function renderHead() {
  const name = state.group?.name ?? state.walk?.group_name ?? state.result?.group_name ?? null;
  els.group.replaceChildren(name ? nameElement(name) : "");
  els.back.href = Number.isFinite(groupId) ? `/groups/${groupId}` : "/groups";
  if (state.walk && state.phase !== "setup") {
    const w = state.walk;
    const kind = w.title.includes(kindName(w.kind)) ? "" : ` (${kindName(w.kind)})`;
    els.group.append(name ? " · " : "", h("span", { lang: "ja" }, w.title), kind);
  }
}

function render() {
  renderHead();
  renderFigures();
  renderControls();
  renderBody();
  const mapShown = state.phase === "recording" || state.phase === "sending";
  els.mapWrap.hidden = !mapShown;
  if (mapShown) startMap();
  if (state.phase === "recording" && state.walk?.status === "recording") {
    ticker ??= setInterval(tick, 1000);
  } else if (ticker) {
    clearInterval(ticker);
    ticker = null;
  }
}

function startMap() {
  if (walkMap) return;
  walkMap = new WalkMap($("walk-map"), { label: t("walk.map_label") });
  walkMap.show(state.track.lines(), state.here);
  walkMap
    .start()
    .then(() => {
      if (walkMap.plain) {
        els.mapNote.textContent = t("walk.map_plain");
        els.mapNote.hidden = false;
      }
      window.machimap = { map: walkMap.map };
      cacheShell([MAP_WORKER]);
    })
    .catch(() => {
      els.mapNote.textContent = t("walk.map_failed");
      els.mapNote.hidden = false;
    });
}

// --- start ---------------------------------------------------------------------------------

/** A walk found on this device for this group: its fixes replayed through the rules, and
 * recording goes on in a new stretch. */
async function resumeWalk(walk) {
  state.walk = walk;
  if (state.group?.name && walk.group_name !== state.group.name) {
    walk.group_name = state.group.name;
    await saveWalk();
  }
  state.track = new Track();
  state.memory = await store.fixesOf(walk.key);
  for (const fix of state.memory) {
    state.track.add(fix);
    state.track.lastSeen = fix.t;
    state.here = [fix.lon, fix.lat];
  }
  state.observations = await store.observationsOf(walk.key);
  if (walk.status === "stopped") {
    state.phase = "sending";
    render();
    trySend();
    return;
  }
  state.phase = "recording";
  if (walk.status === "recording") {
    await newStretch();
    recorder.start();
    state.gapNotice = null;
  }
  render();
  say(t("walk.resumed_after_reload"));
}

async function loadGroup() {
  if (!navigator.onLine) return;
  try {
    state.me = await whoAmI();
    if (state.me) state.group = await api.get(`/api/groups/${groupId}`);
  } catch (error) {
    if (error instanceof ApiError) state.loadError = error;
  }
}

async function start() {
  if (!Number.isFinite(groupId)) {
    state.phase = "outsider";
    render();
    return;
  }
  registerWorker(groupId);
  // Kept for later: 「市に知らせる」 offers the categories even after the connection drops.
  if (navigator.onLine) categories();
  let walks = [];
  try {
    walks = await store.unfinishedWalks();
  } catch {
    state.storageError = true;
  }
  const mine = walks.find((w) => w.group_id === groupId);
  state.otherWalks = walks.filter((w) => w.group_id !== groupId);
  await loadGroup();
  if (mine) {
    await resumeWalk(mine);
  } else if (navigator.onLine && state.me === null) {
    state.phase = "signin";
    render();
  } else if (navigator.onLine && state.me && myMembership(state.group ?? {})?.status !== "active") {
    state.phase = "outsider";
    render();
  } else {
    state.phase = "setup";
    render();
    if (state.storageError) showError(t("walk.storage_failed"));
  }
  cacheShell([MAP_WORKER]);
}

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "hidden") {
    state.hidden = true;
    return;
  }
  if (state.hidden) newStretch();
  state.hidden = false;
  recorder.keepAwake();
  renderFigures();
});
// A frozen page (Page Lifecycle: the browser stopped its tasks) missed fixes too.
document.addEventListener("resume", () => newStretch());
window.addEventListener("pageshow", (event) => {
  // Back from the browser's page cache: the page was frozen, so fixes were missed.
  if (event.persisted) newStretch();
});
window.addEventListener("online", () => {
  if (state.phase === "sending") trySend();
});
window.addEventListener("offline", () => {
  if (state.phase === "sending" && state.sendState !== "refused") {
    state.sendState = "waiting";
    render();
  }
});
onLanguageChange(() => {
  render();
  cacheShell();
});

start();
