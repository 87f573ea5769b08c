// Step 4: reports of the same category already near the place. Saying 「私も困っています」
// to one of them (once per device) often does more than a second report; the person may
// still go on with their own.
import { api } from "../common/api.js";
import { h } from "../common/dom.js";
import { formatDateTime, formatNumber, pick, t } from "../common/i18n.js";
import { statusName } from "../common/vocabulary.js";
import { announce, go, render, root } from "./flow.js";
import { category, discardDraft, state } from "./state.js";
import * as storage from "./storage.js";
import { heading, problemText, stepNav } from "./ui.js";

const NEARBY_RADIUS_M = 50;

function nearbyKey() {
  const d = state.draft;
  return `${d.category}|${d.point?.lat}|${d.point?.lon}`;
}

async function loadNearby() {
  const d = state.draft;
  const key = nearbyKey();
  if (state.nearby?.for === key && state.nearby.status === "ok") return;
  const cat = category();
  if (!cat || !d.point) return;
  if (cat.sensitive) {
    state.nearby = { for: key, status: "ok", items: [], sensitive: true };
    render({ focus: false });
    return;
  }
  state.nearby = { for: key, status: "loading", items: [] };
  const params = new URLSearchParams({
    category: cat.code,
    lat: d.point.lat.toFixed(7),
    lon: d.point.lon.toFixed(7),
    radius: String(NEARBY_RADIUS_M),
  });
  let next;
  try {
    next = { for: key, status: "ok", items: await api.get(`/api/reports/nearby?${params}`) };
  } catch (error) {
    next = { for: key, status: "error", items: [], error };
  }
  if (nearbyKey() !== key) return;
  state.nearby = next;
  if (state.screen === "nearby") {
    render({ focus: false });
    const status = root.querySelector("#nearby-status");
    if (status) announce(status.textContent);
  }
}

function nearbyStep() {
  const n = state.nearby;
  const anySupported = (n?.items || []).some((r) => state.supported[r.public_id]);
  let body;
  if (!n || n.status === "loading") {
    body = h("p", { id: "nearby-status", class: "status-line" }, t("nearby.loading"));
  } else if (n.status === "error") {
    body = h(
      "div",
      { class: "notice error", id: "nearby-status" },
      h("p", {}, t("nearby.failed")),
      h("button", { type: "button", onclick: () => ((state.nearby = null), loadNearby()) }, t("start.retry")),
    );
  } else if (n.sensitive) {
    body = h("p", { id: "nearby-status", class: "notice" }, t("nearby.sensitive"));
  } else if (!n.items.length) {
    body = h("p", { id: "nearby-status", class: "notice" }, t("nearby.none", { m: NEARBY_RADIUS_M }));
  } else {
    body = [
      h(
        "p",
        { id: "nearby-status" },
        t("nearby.found", {
          n: formatNumber(n.items.length),
          count: n.items.length,
          m: NEARBY_RADIUS_M,
        }),
      ),
      h(
        "ul",
        { class: "cards nearby-list" },
        n.items.map((r) => nearbyCard(r)),
      ),
    ];
  }
  return h(
    "div",
    { class: "step" },
    ...heading("nearby", "nearby.title"),
    h("p", { class: "hint" }, t("nearby.intro")),
    body,
    anySupported
      ? h(
          "div",
          { class: "notice ok supported-done" },
          h("p", {}, t("nearby.after_support")),
          h(
            "button",
            { type: "button", onclick: finishWithSupport },
            t("nearby.finish"),
          ),
        )
      : null,
    stepNav({ nextKey: anySupported || n?.items?.length ? "nearby.new_anyway" : "common.next" }),
  );
}

function nearbyCard(r) {
  const supported = state.supported[r.public_id];
  const headingId = `nearby-${r.public_id}`;
  return h(
    "li",
    { class: "card", "aria-labelledby": headingId },
    h(
      "h2",
      { id: headingId, class: "card-title" },
      Number(r.distance_m) < 5
        ? t("nearby.here")
        : t("nearby.distance", { m: formatNumber(Math.round(Number(r.distance_m))) }),
      " · ",
      pick({ ja: r.category_name_ja, en: r.category_name_en }),
    ),
    h(
      "p",
      { class: "meta" },
      h(
        "span",
        { class: `status status-${r.status}` },
        statusName(r.status, state.vocabulary?.statuses),
      ),
      " · ",
      t("nearby.reference", { id: r.public_id }),
      r.published_at ? ` · ${formatDateTime(r.published_at)}` : "",
    ),
    r.public_description ? h("p", {}, r.public_description) : null,
    h(
      "p",
      { class: "meta", id: `${headingId}-count` },
      t("nearby.supporters", {
        n: formatNumber(supported?.count ?? r.supporter_count ?? 0),
        count: supported?.count ?? r.supporter_count ?? 0,
      }),
    ),
    supported
      ? h(
          "p",
          { class: "supported", role: "status", tabindex: "-1", id: `${headingId}-done` },
          t(supported.added ? "nearby.supported" : "nearby.already", {
            n: formatNumber(supported.count),
            count: supported.count,
          }),
        )
      : supported === undefined && r.supportError
        ? h("p", { class: "field-error", role: "alert" }, problemText(r.supportError))
        : null,
    supported
      ? null
      : h(
          "button",
          {
            type: "button",
            class: "support",
            "aria-describedby": headingId,
            onclick: (event) => support(r, event.currentTarget),
          },
          t("nearby.support"),
        ),
  );
}

async function support(report, button) {
  button.disabled = true;
  try {
    const answer = await api.post(`/api/reports/${encodeURIComponent(report.public_id)}/support`, {
      headers: { "X-Device-Id": storage.deviceId() },
    });
    state.supported[report.public_id] = { count: answer.supporter_count, added: answer.added };
    report.supportError = null;
    storage.rememberReport({
      public_id: report.public_id,
      kind: "support",
      category: report.category,
      description: report.public_description,
      tracking_url: `/reports/${encodeURIComponent(report.public_id)}`,
    });
  } catch (error) {
    report.supportError = error;
  }
  render({ focus: false });
  const done = root.querySelector(`#nearby-${CSS.escape(report.public_id)}-done`);
  (done || root.querySelector(".nearby-list .field-error"))?.focus();
}

function finishWithSupport() {
  const ids = Object.keys(state.supported);
  discardDraft();
  state.notices = [{ key: "start.supported_notice", params: { ids: ids.join(", ") } }];
  go("start");
}

export const nearbyScreen = { view: nearbyStep, shown: loadNearby };
