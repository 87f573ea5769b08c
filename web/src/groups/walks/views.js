// What the walk page shows that depends on nothing but what it is given: the figures'
// words, the set-up form, an observation's state, the result. main.js decides when.
import { problemMessage } from "../../common/api.js";
import { field, h, select } from "../../common/dom.js";
import { formatDate, formatDateTime, formatNumber, nameElement, t, tx } from "../../common/i18n.js";

export const KINDS = ["patrol", "safety_walk", "school_watch"];

export function errorText(error) {
  if (error?.problem) return problemMessage(error.problem);
  return error?.message || t("walk.error");
}

export function kindName(kind) {
  return t(`walk.kind.${kind}`);
}

export function defaultTitle(kind) {
  return t("walk.default_title", { kind: kindName(kind), date: formatDate(new Date()) });
}

export function distanceText(m) {
  if (m < 1000) return t("walk.metres", { n: formatNumber(Math.round(m)) });
  return t("walk.km", { n: formatNumber(m / 1000, { minimumFractionDigits: 2, maximumFractionDigits: 2 }) });
}

export function clock(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const pad = (n) => String(n).padStart(2, "0");
  return `${Math.floor(s / 3600)}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
}

/** "3分間" / "40秒間": how long a gap lasted, in the walker's words. */
export function spanText(seconds) {
  if (seconds >= 60) return t("walk.minutes", { count: Math.round(seconds / 60), n: formatNumber(Math.round(seconds / 60)) });
  return t("walk.seconds", { count: Math.round(seconds), n: formatNumber(Math.round(seconds)) });
}

export function figure(labelKey, value, extra) {
  return h("div", { class: "walk-figure" }, h("dt", {}, t(labelKey)), h("dd", {}, value, extra ?? null));
}

export function button(key, onclick, { primary = false, id, cls = "" } = {}) {
  return h("button", { type: "button", class: `walk-button ${primary ? "primary" : ""} ${cls}`.trim(), onclick, id }, t(key));
}

export function tips(open) {
  return h(
    "details",
    { class: "walk-tips", open },
    h("summary", {}, t("walk.tips_heading")),
    h(
      "ul",
      {},
      ["walk.tip_screen", "walk.tip_front", "walk.tip_setting", "walk.tip_battery", "walk.tip_gap"].map((key) =>
        h("li", {}, tx(key)),
      ),
    ),
  );
}

export function setupView({ geolocation, onStart }) {
  const kind = select("kind", KINDS.map((k) => [k, kindName(k)]), KINDS[0]);
  const title = h("input", { name: "title", maxlength: 200, autocomplete: "off", value: defaultTitle(KINDS[0]) });
  let edited = false;
  title.addEventListener("input", () => (edited = true));
  kind.addEventListener("change", () => {
    if (!edited) title.value = defaultTitle(kind.value);
  });
  const participants = h("input", {
    name: "participants",
    type: "number",
    min: 1,
    max: 10000,
    inputmode: "numeric",
    value: "1",
    required: true,
  });
  const form = h(
    "form",
    { class: "walk-setup" },
    field(t("walk.kind"), kind),
    field(t("walk.participants"), participants, { hint: t("walk.participants_hint") }),
    field(t("walk.title_field"), title, { hint: t("walk.title_hint") }),
    navigator.onLine ? null : h("p", { class: "notice" }, t("walk.offline_start")),
    geolocation ? null : h("p", { class: "notice error" }, t("walk.geo_unsupported")),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary walk-button walk-start", disabled: !geolocation }, t("walk.start"))),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    onStart(form);
  });
  return [h("h2", {}, t("walk.setup_heading")), form, tips(true)];
}

export function photoNote(o) {
  return o.photos?.length ? t("walk.obs_photos", { count: o.photos.length, n: formatNumber(o.photos.length) }) : null;
}

export function observationItem(o) {
  const result = o.result;
  const report = result?.report;
  let status;
  if (report)
    status = h(
      "p",
      { class: "notice ok" },
      t("walk.obs_reported", { id: report.public_id }),
      " ",
      h("a", { href: report.tracking_url || report.url }, t("walk.obs_tracking")),
    );
  else if (result) status = h("p", { class: "hint" }, t("walk.obs_sent"));
  else if (o.error) status = h("p", { class: "notice error" }, t("walk.obs_refused", { reason: errorText(o.error) }));
  else status = h("p", { class: "hint" }, t(o.report ? "walk.obs_waiting_report" : "walk.obs_waiting"));
  return h(
    "li",
    { class: "walk-obs" },
    h("p", { lang: "ja", class: "walk-obs-note" }, o.note),
    h(
      "p",
      { class: "hint" },
      formatDateTime(o.observed_at),
      o.subject ? ` · ${t("walk.obs_about", { what: o.subject.title })}` : "",
      photoNote(o) ? ` · ${photoNote(o)}` : "",
    ),
    status,
  );
}

export function resultView(r, { onAnother }) {
  const p = r.patrol;
  const track = p.track || {};
  const gid = r.group_id;
  return [
    h("h2", { id: "result-heading", tabindex: "-1" }, t("walk.result_heading")),
    h("p", { class: "notice ok" }, t("walk.result_intro", { title: p.title })),
    h(
      "dl",
      { class: "walk-figure-grid walk-result" },
      figure("walk.distance", distanceText(Number(p.route_length_m || 0))),
      figure("walk.points", formatNumber(track.points ?? 0)),
      figure("walk.gaps", formatNumber(track.gaps ?? 0)),
      figure("walk.dropped", formatNumber((track.dropped_inaccurate ?? 0) + (track.dropped_too_fast ?? 0))),
    ),
    h(
      "p",
      { class: "hint" },
      t("walk.result_dropped", {
        inaccurate: formatNumber(track.dropped_inaccurate ?? 0),
        fast: formatNumber(track.dropped_too_fast ?? 0),
      }),
    ),
    r.observations.length ? h("ul", { class: "walk-obs-list" }, r.observations.map(observationItem)) : null,
    h(
      "p",
      { class: "actions" },
      h("a", { class: "button primary", href: `/groups/${gid}` }, t("walk.to_group")),
      h(
        "button",
        {
          type: "button",
          class: "walk-button",
          onclick: onAnother,
        },
        t("walk.another"),
      ),
    ),
  ];
}

export function otherWalksView(others) {
  if (!others.length) return null;
  return h(
    "div",
    { class: "notice" },
    h("p", {}, t("walk.other_walks")),
    h(
      "ul",
      {},
      others.map((w) =>
        h("li", {}, h("a", { href: `/groups/${w.group_id}/walk` }, w.group_name ? nameElement(w.group_name) : `#${w.group_id}`)),
      ),
    ),
  );
}

