// The public map at /: the city's published layers over 地理院タイル, a layer panel with
// legend, a list of what is on screen (the accessible way through the map), feature
// details with their records, locate-me and links that restore the view.
import "../common/base.css";
import * as maplibregl from "maplibre-gl";
import "maplibre-gl/dist/maplibre-gl.css";
// MapLibre 6 starts its worker from a URL; Vite emits the worker as a fingerprinted asset.
import workerUrl from "maplibre-gl/dist/maplibre-gl-worker.mjs?url";
import "./map.css";
import { api } from "../common/api.js";
import { displayScale, onDisplayChange } from "../common/display.js";
import { describePoint, placeSentenceText } from "../common/places.js";
import {
  LOCAL_IDEOGRAPHS,
  WHOLE_TILES,
  chosenOrigin,
  setBasemap,
  watchBasemap,
} from "../common/basemap.js";
import { addMessages, initLanguage, onLanguageChange, t } from "../common/i18n.js";
import messages from "../messages/map.js";
import { Details } from "./details.js";
import {
  DISASTERS,
  designatedExpression,
  designatedFilter,
  disasterKinds,
  renderDisasterChoice,
  showNearest,
} from "./disasters.js";
import { isAreaLayer, layerKinds, setCategories } from "./format.js";
import { FeatureList } from "./list.js";
import { LocateControl } from "./locate.js";
import { renderBasemaps, renderLayers } from "./panel.js";
import { PlaceSearch } from "./search.js";
import { readState, writeState } from "./state.js";
import { CLUSTERS, clusteredTiles, updateClusters } from "./clusters.js";
import {
  buildStyle,
  iconSize,
  imageOf,
  isLabel,
  relabelClosed,
  provideImages,
  styleLayerIds,
  withKinds,
} from "./style.js";

maplibregl.setWorkerUrl(workerUrl);
addMessages(messages);
initLanguage();

// Shown unless a link says otherwise: the many small safety-map points and the school
// districts over the districts would bury what most people come for.
// The city's roads and parks are a background: the basemap already draws them, and their
// hundreds of unnamed lines and areas would crowd the list of what is on the map.
const OFF_BY_DEFAULT = new Set(["school_district", "safety_map_feature", "road", "green_space"]);
const LEVEL_ORDER = { block: 0, neighbourhood: 1, area: 2, city: 3 };
// What a disaster's map shows: its sites and hazards over the districts.
const DISASTER_LAYERS = new Set(["district", "facility", "hazard"]);

const $ = (id) => document.getElementById(id);
const els = {
  panel: $("panel"),
  toggle: $("panel-toggle"),
  close: $("panel-close"),
  layerList: $("layer-list"),
  basemaps: $("basemap-options"),
  notice: $("basemap-notice"),
  status: $("map-status"),
  filter: $("list-filter"),
  listStatus: $("list-status"),
  featureList: $("feature-list"),
  details: $("details"),
  disaster: $("disaster-choice"),
  nearest: $("nearest-shelters"),
  nearestStatus: $("nearest-status"),
  nearestList: $("nearest-list"),
  placeForm: $("place-search"),
  placeQuery: $("place-query"),
  placeStatus: $("place-status"),
  placeResults: $("place-results"),
  listHeading: $("list-heading"),
};
const narrow = matchMedia("(max-width: 50rem)");

// Passing news (found you, loading) goes after a while; a problem stays until the person
// moves the map or half a minute has passed, so it can be read at any pace.
let sayTimer = 0;
function say(message, { error = false } = {}) {
  clearTimeout(sayTimer);
  els.status.textContent = message;
  els.status.classList.toggle("error", error);
  if (message) sayTimer = setTimeout(() => say(""), error ? 30_000 : 10_000);
}

// Set once the list exists: opening the panel shows it, and it catches up then.
let onPanelOpen = () => {};

function setPanel(open, { focus = true } = {}) {
  els.panel.classList.toggle("is-open", open);
  if (open) onPanelOpen();
  els.toggle.setAttribute("aria-expanded", String(open));
  if (focus) (open ? els.close : els.toggle).focus();
}
els.toggle.addEventListener("click", () => setPanel(true));
els.close.addEventListener("click", () => setPanel(false));
els.panel.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && narrow.matches && els.panel.classList.contains("is-open")) {
    setPanel(false);
  }
});

/** MapLibre's own strings (control labels, the canvas's name) from our catalogue. */
function mapLocale() {
  const out = {};
  for (const key of Object.keys(messages.ja)) if (key.startsWith("ml.")) out[key.slice(3)] = t(key);
  return out;
}

async function start() {
  say(t("map.loading"));
  let serverStyle, summaries, categoryList;
  try {
    [serverStyle, { layers: summaries }, categoryList] = await Promise.all([
      api.get("/tiles/style.json"),
      api.get("/api/layers"),
      api.get("/api/report-categories"),
    ]);
  } catch {
    say(t("map.load_error"), { error: true });
    return;
  }
  setCategories(categoryList);
  const published = new Set(serverStyle.metadata?.["machimap:layers"] || []);
  const layers = summaries.filter((l) => published.has(l.id));
  const state = readState();
  const enabled = new Set(
    state.layers
      ? state.layers.filter((id) => published.has(id))
      : layers.filter((l) => !OFF_BY_DEFAULT.has(l.id)).map((l) => l.id),
  );
  // The kinds shown of each layer of several kinds: at first what a resident needs first
  // (the symbol table's primary kinds: shelters, AEDs, hazards), the rest one toggle away.
  const kinds = new Map();
  const primaryKinds = new Map();
  for (const layer of layers) {
    const all = layerKinds(layer);
    if (!all.length) continue;
    primaryKinds.set(layer.id, all.filter((k) => k.primary).map((k) => k.value).join("."));
    const asked = state.kinds.get(layer.id);
    const known = new Set(all.map((k) => k.value));
    kinds.set(
      layer.id,
      asked
        ? new Set([...asked].filter((v) => known.has(v)))
        : new Set(all.filter((k) => k.primary).map((k) => k.value)),
    );
  }
  // Only the choices that differ from the first view go into a shared link.
  const changedKinds = () =>
    new Map([...kinds].filter(([id, shown]) => [...shown].join(".") !== primaryKinds.get(id)));
  // A disaster chosen: only the sites designated for it (a filter joined to the kinds').
  let disaster = DISASTERS.includes(state.disaster) ? state.disaster : null;
  let enabledBefore = null;
  const extraExpressions = () =>
    new Map(disaster ? [["facility", designatedExpression(disaster)]] : []);
  const extraFilters = () => new Map(disaster ? [["facility", designatedFilter(disaster)]] : []);
  let kindsBefore = null;
  if (disaster) {
    const chosen = disasterKinds(disaster);
    kinds.set("facility", new Set(chosen.facility));
    kinds.set("hazard", new Set(chosen.hazard));
    if (!state.layers) {
      enabledBefore = new Set(enabled);
      for (const id of enabledBefore) if (!DISASTER_LAYERS.has(id)) enabled.delete(id);
    }
  }
  let basemap = state.basemap;
  const clusterZoom = serverStyle.metadata?.["machimap:cluster_below_zoom"] ?? 0;
  const style = buildStyle(serverStyle, {
    layers,
    enabled,
    basemap,
    kinds,
    extra: extraExpressions(),
    clustered: !disaster,
  });
  const origin = chosenOrigin(style);
  const styleIds = new Map(layers.map((l) => [l.id, styleLayerIds(style, l.id)]));
  const bounds = serverStyle.sources.machimap?.bounds;
  const orderedEnabled = () => layers.filter((l) => enabled.has(l.id)).map((l) => l.id);

  let map;
  try {
    map = new maplibregl.Map({
      container: "map",
      style,
      attributionControl: false,
      localIdeographFontFamily: LOCAL_IDEOGRAPHS,
      ...WHOLE_TILES,
      locale: mapLocale(),
      maxZoom: 19,
      // A city map read north-up: rotation only confuses people who did not mean to turn it.
      dragRotate: false,
      pitchWithRotate: false,
      touchPitch: false,
      ...(state.view
        ? { center: state.view.center, zoom: state.view.zoom }
        : bounds
          ? { bounds, fitBoundsOptions: { padding: 16 } }
          : { center: style.center, zoom: style.zoom }),
    });
  } catch {
    say(t("map.no_webgl"), { error: true });
    return;
  }
  // A printed map: the canvas redrawn at the page's size (the print stylesheet sets it).
  addEventListener("beforeprint", () => {
    map.resize();
    map.redraw();
  });
  addEventListener("afterprint", () => map.resize());
  onDisplayChange(() => {
    for (const styleLayer of map.getStyle().layers) {
      if (styleLayer.id.endsWith("-symbol")) {
        map.setLayoutProperty(styleLayer.id, "icon-size", iconSize(displayScale()));
      }
    }
    updateClusters(map, { layers, enabled, kinds, imageOf });
  });
  map.touchZoomRotate.disableRotation();
  map.keyboard.disableRotation();
  provideImages(map);
  watchBasemap(map, els.notice);

  // Where 「近くの避難所」 counts from (see fromWhere below).
  let nearFrom = null;
  // A point in words (its 町丁目 and the nearest named place), said once the lookup answers.
  let whereLookup = null;
  const tellWhere = async (lngLat, key) => {
    whereLookup?.abort();
    const lookup = new AbortController();
    whereLookup = lookup;
    try {
      const text = placeSentenceText(await describePoint(lngLat, { signal: lookup.signal }));
      if (!lookup.signal.aborted && text) say(t(key, { where: text }));
    } catch {
      // Only words: the map still shows the place.
    }
  };
  let controls = [];
  const addControls = () => {
    controls = [
      [new maplibregl.NavigationControl({ showCompass: false }), "top-right"],
      [
        new LocateControl(say, (here) => {
          nearFrom = { kind: "me", lngLat: here };
          tellWhere({ lng: here[0], lat: here[1] }, "map.you_are");
        }),
        "top-right",
      ],
      [new maplibregl.ScaleControl({ unit: "metric", maxWidth: 120 }), "bottom-left"],
      // Never collapsed: the GSI terms ask for the attribution to be visible.
      [new maplibregl.AttributionControl({ compact: false }), "bottom-right"],
    ];
    for (const [control, where] of controls) map.addControl(control, where);
  };
  addControls();

  const details = new Details({
    map,
    layers,
    section: els.details,
    narrow: () => narrow.matches,
    onChange: (feature) => writeState({ feature }),
  });
  const list = new FeatureList({
    map,
    layers,
    enabled: () => enabled,
    kinds: () => kinds,
    extraFilters,
    from: () => nearFrom?.lngLat ?? null,
    root: els.featureList,
    status: els.listStatus,
    filter: els.filter,
    onOpen: (layerId, id, button) => {
      const phone = narrow.matches;
      if (phone) setPanel(false, { focus: false });
      details.open(layerId, id, { origin: phone ? els.toggle : button });
    },
    visible: () => !narrow.matches || els.panel.classList.contains("is-open"),
  });
  onPanelOpen = () => list.shown();
  narrow.addEventListener("change", () => list.shown());

  const toggle = (layerId, on) => {
    if (on) enabled.add(layerId);
    else enabled.delete(layerId);
    for (const id of styleIds.get(layerId) || []) {
      map.setLayoutProperty(id, "visibility", on ? "visible" : "none");
    }
    reclusters();
    writeState({ layers: orderedEnabled() });
    list.refresh();
  };
  const reclusters = () => updateClusters(map, { layers, enabled, kinds, imageOf });
  const showKinds = (layerId, values) => {
    const layer = layers.find((l) => l.id === layerId);
    const order = layerKinds(layer).map((k) => k.value);
    kinds.set(layerId, new Set(order.filter((v) => values.has(v))));
    refilter(layerId);
    reclusters();
    writeState({ kinds: changedKinds() });
    list.refresh();
  };
  const refilter = (layerId) => {
    const layer = layers.find((l) => l.id === layerId);
    const extra = extraExpressions().get(layerId);
    for (const id of styleIds.get(layerId) || []) {
      const own = map.getLayer(id)?.metadata?.["machimap:filter"] ?? null;
      const joined = extra ? (own ? ["all", own, extra] : extra) : own;
      map.setFilter(id, withKinds(joined, layer, kinds.get(layerId)));
    }
  };
  const chooseDisaster = (next) => {
    const before = disaster;
    disaster = next || null;
    if (disaster && !before) {
      kindsBefore = new Map([...kinds].map(([k, v]) => [k, new Set(v)]));
      enabledBefore = new Set(enabled);
    }
    if (disaster) {
      const chosen = disasterKinds(disaster);
      kinds.set("facility", new Set(chosen.facility));
      kinds.set("hazard", new Set(chosen.hazard));
      // Where to go and what to avoid, over the districts: the rest would only distract.
      for (const layer of layers) toggle(layer.id, DISASTER_LAYERS.has(layer.id));
    } else {
      for (const layer of layers) toggle(layer.id, (enabledBefore ?? enabled).has(layer.id));
      enabledBefore = null;
      for (const [id, shown] of kindsBefore || []) kinds.set(id, shown);
      if (!kindsBefore) {
        for (const layer of layers) {
          const all = layerKinds(layer);
          if (all.length) kinds.set(layer.id, new Set(all.filter((k) => k.primary).map((k) => k.value)));
        }
      }
      kindsBefore = null;
    }
    for (const id of ["facility", "hazard"]) refilter(id);
    reclusters();
    // A disaster's few sites are drawn one by one at every zoom; otherwise clusters.
    const source = map.getSource("machimap");
    if (clusterZoom > 0 && source?.setTiles) {
      source.setTiles(clusteredTiles(source.tiles, !disaster));
    }
    writeState({ kinds: changedKinds(), disaster });
    renderPanel();
    list.refresh();
    say(disaster ? t("disaster.shown", { disaster: t(`disaster.${disaster}`) }) : t("disaster.cleared"));
  };
  els.disaster.addEventListener("change", () => chooseDisaster(els.disaster.value));

  // The person's place once found, a searched place, or else the middle of the map.
  const fromWhere = () => nearFrom ?? { kind: "centre", lngLat: map.getCenter().toArray() };
  els.nearest.addEventListener("click", () =>
    showNearest({
      list: els.nearestList,
      status: els.nearestStatus,
      from: fromWhere(),
      disaster,
      onOpen: (id, button) => {
        if (narrow.matches) setPanel(false, { focus: false });
        details.open("facility", id, { origin: narrow.matches ? els.toggle : button });
      },
    }),
  );
  new PlaceSearch({
    form: els.placeForm,
    input: els.placeQuery,
    status: els.placeStatus,
    results: els.placeResults,
    onChoose: ({ name, lngLat }) => {
      nearFrom = { kind: "searched", lngLat, name };
      const animate = !matchMedia("(prefers-reduced-motion: reduce)").matches;
      map.easeTo({ center: lngLat, zoom: Math.max(map.getZoom(), 16), animate });
      say(t("find.moved", { name }));
    },
  });
  const kindChoice = {
    shown: (layerId) => kinds.get(layerId) || new Set(),
    onKind: (layerId, value, on) => {
      const next = new Set(kinds.get(layerId));
      if (on) next.add(value);
      else next.delete(value);
      showKinds(layerId, next);
    },
    onKinds: (layerId, chosen) => {
      showKinds(layerId, new Set(chosen.map((k) => k.value)));
      renderPanel();
    },
  };
  const changeBasemap = (kind) => {
    basemap = kind;
    setBasemap(map, origin, kind);
    writeState({ basemap: kind });
  };
  const renderPanel = () => {
    renderLayers(els.layerList, layers, enabled, toggle, kindChoice);
    renderDisasterChoice(els.disaster, disaster);
    renderBasemaps(els.basemaps, basemap, changeBasemap);
  };
  renderPanel();

  // Clicks: points and lines under the pointer first; otherwise the areas it lies in. Names
  // are read, not clicked: a district's label would otherwise join every click near it.
  map.on("click", (event) => {
    // A cluster opens up: the map zooms in on it (its members are in the list meanwhile).
    const cluster = map.getLayer(`${CLUSTERS}-circle`)
      ? map.queryRenderedFeatures(event.point, {
          layers: [`${CLUSTERS}-circle`, `${CLUSTERS}-one`],
        })[0]
      : null;
    if (cluster) {
      const animate = !matchMedia("(prefers-reduced-motion: reduce)").matches;
      map.easeTo({
        center: cluster.geometry.coordinates,
        zoom: Math.min(clusterZoom, map.getZoom() + 2),
        animate,
      });
      return;
    }
    const shown = layers
      .filter((l) => enabled.has(l.id))
      .flatMap((l) => styleIds.get(l.id))
      .filter((id) => !isLabel(id));
    const fills = shown.filter((id) => id.endsWith("-fill"));
    const others = shown.filter((id) => !id.endsWith("-fill"));
    const { x, y } = event.point;
    let hits = others.length
      ? map.queryRenderedFeatures([[x - 8, y - 8], [x + 8, y + 8]], { layers: others })
      : [];
    // Nothing but the areas it lies in: the point is also said in words (町丁目, nearest place).
    const onlyAreas = !hits.length;
    if (onlyAreas && fills.length) {
      hits = map.queryRenderedFeatures(event.point, { layers: fills });
    }
    if (onlyAreas) tellWhere(event.lngLat, "map.clicked");
    const unique = new Map();
    for (const f of hits) {
      // One place's records (a shelter that is also a 住民センター) are one hit: the top one.
      const site = f.properties.site_id;
      const key = site == null ? `${f.sourceLayer}/${f.id}` : `${f.sourceLayer}/site/${site}`;
      if (f.id != null && !unique.has(key)) {
        unique.set(key, { layer: f.sourceLayer, id: f.id, props: f.properties });
      }
    }
    const found = [...unique.values()].sort(
      (a, b) => (LEVEL_ORDER[a.props.level] ?? -1) - (LEVEL_ORDER[b.props.level] ?? -1),
    );
    if (found.length === 1) details.open(found[0].layer, found[0].id, { fly: false, focus: false });
    else if (found.length > 1) details.pick(found.slice(0, 40));
    else details.close();
  });
  for (const layer of layers) {
    if (isAreaLayer(layer)) continue;
    for (const id of styleIds.get(layer.id).filter((id) => !isLabel(id))) {
      map.on("mouseenter", id, () => (map.getCanvas().style.cursor = "pointer"));
      map.on("mouseleave", id, () => (map.getCanvas().style.cursor = ""));
    }
  }

  // The list follows the view once its tiles are in (areas are read from them).
  let listed = "";
  map.on("idle", () => {
    const view = map.getBounds().toArray().flat().map((v) => v.toFixed(5)).join(",");
    if (view === listed) return;
    listed = view;
    list.refresh();
  });
  map.on("moveend", () => writeState({ map }));
  map.on("movestart", (event) => {
    if (event.originalEvent && els.status.classList.contains("error")) say("");
  });
  map.once("load", () => {
    say("");
    document.body.dataset.mapLoaded = "true";
    writeState({ map, layers: orderedEnabled(), kinds: changedKinds(), disaster, basemap });
    if (state.feature && published.has(state.feature.layer)) {
      details.open(state.feature.layer, state.feature.id, { fly: !state.view, focus: false });
    }
  });

  onLanguageChange(() => {
    renderPanel();
    list.render();
    details.render();
    // MapLibre has no setter for its UI strings; its controls read this table when added.
    map._locale = { ...map._locale, ...mapLocale() };
    for (const [control] of controls) map.removeControl(control);
    addControls();
    map.getCanvas().setAttribute("aria-label", t("ml.Map.Title"));
    relabelClosed(map);
    if (els.status.textContent) say("");
  });

  // For the browser tests and for people poking at the map from the console.
  // Skip links: straight to the map (the canvas takes the keyboard) or to the list.
  $("skip-map")?.addEventListener("click", (event) => {
    event.preventDefault();
    if (narrow.matches) setPanel(false, { focus: false });
    map.getCanvas().focus();
  });
  $("skip-list")?.addEventListener("click", (event) => {
    event.preventDefault();
    if (narrow.matches) setPanel(true, { focus: false });
    els.listHeading.focus();
  });
  $("skip-find")?.addEventListener("click", (event) => {
    event.preventDefault();
    if (narrow.matches) setPanel(true, { focus: false });
    els.placeQuery.focus();
  });

  window.machimap = { map, layers, enabled, kinds, list, details };
}

start();
