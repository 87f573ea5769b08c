// The place search on step 2: the way to choose a place without the map (a screen reader,
// a keyboard, or someone who knows the name better than the spot). Results are buttons the
// arrow keys move between; the field keeps focus while results arrive.
import { api, NetworkError } from "../common/api.js";
import { h } from "../common/dom.js";
import { formatNumber, t } from "../common/i18n.js";
import { root } from "./flow.js";
import { placeNameNode, setPoint } from "./point.js";
import { state } from "./state.js";

// A result's kind as the list names it (facilities by default).
const SEARCH_KINDS = { district: "district", town: "town" };

let searchTimer = null;
let searchAbort = null;

export function searchSection() {
  const s = state.search;
  const chosen = state.draft.source === "address" ? state.draft.place : null;
  return h(
    "section",
    { class: "place-search", "aria-labelledby": "place-search-heading" },
    h("h2", { id: "place-search-heading" }, t("search.title")),
    h(
      "form",
      {
        role: "search",
        class: "search-form",
        onsubmit: (event) => {
          event.preventDefault();
          runSearch(0);
        },
      },
      h("label", { for: "place-q" }, t("search.label")),
      h("p", { class: "hint", id: "place-q-hint" }, t("search.hint")),
      h(
        "div",
        { class: "search-row" },
        h("input", {
          type: "search",
          id: "place-q",
          autocomplete: "off",
          enterkeyhint: "search",
          value: s.q,
          "aria-describedby": "place-q-hint",
          "aria-controls": "place-results",
          oninput: (event) => {
            s.q = event.target.value;
            if (!event.isComposing) runSearch(400);
          },
          oncompositionend: () => runSearch(400),
          onkeydown: (event) => {
            if (event.key === "ArrowDown" && s.results.length) {
              event.preventDefault();
              root.querySelector("#place-results button")?.focus();
            }
          },
        }),
        h("button", { type: "submit" }, t("common.search")),
      ),
    ),
    h("p", { id: "search-status", class: "status-line", role: "status" }, statusText()),
    h(
      "ul",
      {
        id: "place-results",
        class: "place-results",
        "aria-label": t("search.results"),
        hidden: !s.results.length,
        onkeydown: resultKeys,
      },
      s.results.map((feature, i) => {
        const p = feature.properties || {};
        const isChosen = Boolean(chosen && chosen.kind === p.kind && chosen.id === p.id);
        return h(
          "li",
          {},
          h(
            "button",
            {
              type: "button",
              class: isChosen ? "result chosen" : "result",
              "data-index": String(i),
              "aria-pressed": isChosen ? "true" : "false",
              onclick: () => choosePlace(feature),
            },
            h("span", { class: "result-name" }, placeNameNode(p)),
            h(
              "span",
              { class: "result-detail" },
              [t(`search.kind.${SEARCH_KINDS[p.kind] ?? "facility"}`), p.detail]
                .filter(Boolean)
                .join(" · "),
            ),
          ),
        );
      }),
    ),
  );
}

function statusText() {
  const s = state.search.status;
  return s ? t(s.key, s.params) : "";
}

function resultKeys(event) {
  const buttons = [...root.querySelectorAll("#place-results button")];
  const at = buttons.indexOf(document.activeElement);
  if (at < 0) return;
  let to = null;
  if (event.key === "ArrowDown") to = Math.min(at + 1, buttons.length - 1);
  else if (event.key === "ArrowUp") to = at - 1;
  else if (event.key === "Home") to = 0;
  else if (event.key === "End") to = buttons.length - 1;
  else if (event.key === "Escape") to = -1;
  if (to === null) return;
  event.preventDefault();
  if (to < 0) root.querySelector("#place-q")?.focus();
  else buttons[to].focus();
}

function runSearch(delay) {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(searchPlaces, delay);
}

async function searchPlaces() {
  const s = state.search;
  const q = s.q.trim();
  searchAbort?.abort();
  if (!q) {
    s.results = [];
    s.status = "";
    refreshSearch();
    return;
  }
  const controller = new AbortController();
  searchAbort = controller;
  s.status = { key: "search.searching" };
  refreshSearchStatus();
  try {
    const found = await api.get(`/api/places?q=${encodeURIComponent(q)}`, {
      signal: controller.signal,
    });
    s.results = (found.features || []).filter((f) => f.geometry?.type === "Point");
    s.status = s.results.length
      ? {
          key: "search.found",
          params: { n: formatNumber(s.results.length), count: s.results.length },
        }
      : { key: "search.none", params: { q } };
  } catch (error) {
    if (error.name === "AbortError") return;
    s.results = [];
    s.status = { key: error instanceof NetworkError ? "search.offline" : "search.failed" };
  }
  refreshSearch();
}

function refreshSearchStatus() {
  const line = root.querySelector("#search-status");
  if (line) line.textContent = statusText();
}

/** Replaces the results list in place, keeping focus in the search field. */
function refreshSearch() {
  const old = root.querySelector(".place-search");
  if (!old) return;
  const active = document.activeElement?.id;
  old.replaceWith(searchSection());
  if (active === "place-q") {
    const input = root.querySelector("#place-q");
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
  }
}

function choosePlace(feature) {
  const [lon, lat] = feature.geometry.coordinates;
  const p = feature.properties || {};
  setPoint(
    { lat, lon },
    "address",
    { place: { id: p.id, kind: p.kind, name: p.name, name_en: p.name_en, name_kana: p.name_kana, detail: p.detail } },
  );
  const index = state.search.results.indexOf(feature);
  refreshSearch();
  root.querySelector(`#place-results button[data-index="${index}"]`)?.focus();
}
