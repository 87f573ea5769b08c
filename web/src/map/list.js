// The list of what is on screen: the accessible alternative to the map. Points and lines
// come from the OGC API (bbox of the view, so nothing is missed where tiles thin out, and
// ids are the features' own); areas, whose full outlines are heavy, come from the loaded
// vector tiles. A filter matches names and, through the catalogue, kinds and categories.
import { api } from "../common/api.js";
import { formatNumber, t } from "../common/i18n.js";
import {
  categories,
  codesMatching,
  featureKind,
  featureNameNode,
  isAreaLayer,
  itemSymbol,
  layerKinds,
  layerSwatch,
  layerTitle,
  valueLabel,
  whereText,
} from "./format.js";
import { symbolField } from "../common/symbols.js";
import { kindRank, rolesText } from "./site.js";
import { geometryBounds } from "./style.js";

const PAGE = 100;
// Properties the list needs to name an item (the rest is read when it is opened).
const LABEL_FIELDS = [
  "name",
  "name_en",
  "name_kana",
  "title",
  "kind",
  "level",
  "public_id",
  "category_id",
  "status",
  "site_id",
  "disaster_types",
];
// Text fields a filter searches, where a layer has them.
const TEXT_FIELDS = [
  "name",
  "name_kana",
  "name_en",
  "title",
  "school_name",
  "address",
  "public_id",
  "public_description",
  "note",
];
const LEVEL_ORDER = { block: 0, neighbourhood: 1, area: 2, city: 3 };

function like(field, text) {
  const escaped = text.replace(/[\\%_]/g, (c) => `\\${c}`);
  return {
    op: "like",
    args: [
      { op: "casei", args: [{ property: field }] },
      { op: "casei", args: [`%${escaped}%`] },
    ],
  };
}

/** A CQL2-JSON filter matching the text in a layer's names, kinds or categories. */
export function textFilter(layer, text) {
  const names = new Set(layer.properties.map((p) => p.name));
  const args = TEXT_FIELDS.filter((f) => names.has(f)).map((f) => like(f, text));
  for (const field of ["kind", "level", "status"]) {
    if (!names.has(field)) continue;
    const codes = codesMatching(layer.id, field, text);
    if (codes.length) args.push({ op: "in", args: [{ property: field }, codes] });
  }
  if (layer.id === "report" && names.has("category_id")) {
    const needle = text.toLowerCase();
    const ids = [...categories.values()]
      .filter((c) => `${c.name.ja} ${c.name.en}`.toLowerCase().includes(needle))
      .map((c) => c.id);
    if (ids.length) args.push({ op: "in", args: [{ property: "category_id" }, ids] });
  }
  return args.length === 1 ? args[0] : { op: "or", args };
}

function areaMatches(layer, props, text) {
  if (!text) return true;
  const needle = text.toLowerCase();
  const haystack = [props.name, props.name_kana, props.name_en, props.title, props.school_name]
    .filter(Boolean)
    .join(" ");
  return (
    haystack.toLowerCase().includes(needle) ||
    featureKind(layer.id, props).toLowerCase().includes(needle)
  );
}

/** Records of one site as one item, its roles in order (the page's records are near each
 * other in the order they came, so a site is merged within a page). */
function mergeSites(layerId, records) {
  const items = [];
  const bySite = new Map();
  for (const record of records) {
    const site = record.props.site_id;
    const known = site == null ? null : bySite.get(site);
    if (!known) {
      const item = { ...record, site: [record] };
      if (site != null) bySite.set(site, item);
      items.push(item);
      continue;
    }
    known.site.push(record);
    known.site.sort((a, b) => kindRank(layerId, a.props.kind) - kindRank(layerId, b.props.kind));
    Object.assign(known, { id: known.site[0].id, props: known.site[0].props });
  }
  for (const item of items) {
    if (item.site.length > 1) {
      item.roles = rolesText(layerId, item.site.map((r) => ({ properties: r.props })));
    }
  }
  return items;
}

function intersects(a, b) {
  return a[0] <= b[2] && a[2] >= b[0] && a[1] <= b[3] && a[3] >= b[1];
}

export class FeatureList {
  constructor({
    map,
    layers,
    enabled,
    kinds = () => new Map(),
    extraFilters = () => new Map(),
    from = () => null,
    root,
    status,
    filter,
    onOpen,
    visible = () => true,
  }) {
    this.kinds = kinds; // () => Map of layer id to the Set of kinds shown
    this.extraFilters = extraFilters; // () => Map of layer id to a CQL2-JSON filter
    this.from = from; // () => [lng, lat] the list counts distances from (null: the centre)
    this.map = map;
    // A phone's closed panel hides the list: it is read when next seen, not on every pan.
    this.visible = visible;
    this.stale = false;
    this.layers = layers;
    this.enabled = enabled; // () => Set of layer ids shown
    this.root = root;
    this.status = status;
    this.filter = filter;
    this.onOpen = onOpen;
    this.groups = [];
    this.generation = 0;
    this.controller = null;
    this.failed = false;
    let timer = 0;
    filter.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.refresh(), 300);
    });
    filter.form?.addEventListener("submit", (event) => event.preventDefault());
  }

  text() {
    return this.filter.value.trim();
  }

  bbox() {
    const b = this.map.getBounds();
    const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
    return [
      clamp(b.getWest(), -180, 180),
      clamp(b.getSouth(), -90, 90),
      clamp(b.getEast(), -180, 180),
      clamp(b.getNorth(), -90, 90),
    ].map((v) => Number(v.toFixed(6)));
  }

  shownLayers() {
    const on = this.enabled();
    const picked = this.layers.filter((l) => on.has(l.id));
    // Things (points, lines) before the areas they lie in.
    return [...picked.filter((l) => !isAreaLayer(l)), ...picked.filter(isAreaLayer)];
  }

  /** Reads the list again when it has missed a change while hidden. */
  shown() {
    if (this.stale) this.refresh();
  }

  /** Reads the list again for the current view, layers and filter. */
  async refresh() {
    if (!this.visible()) {
      this.stale = true;
      return;
    }
    this.stale = false;
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    const generation = ++this.generation;
    const bbox = this.bbox();
    const text = this.text();
    this.root.setAttribute("aria-busy", "true");
    const groups = await Promise.all(
      this.shownLayers().map((layer) =>
        isAreaLayer(layer)
          ? this.areaGroup(layer, bbox, text)
          : this.fetchGroup(layer, bbox, text, 0, controller.signal),
      ),
    );
    if (generation !== this.generation) return;
    this.groups = groups;
    this.failed = groups.some((g) => g.error);
    this.root.removeAttribute("aria-busy");
    this.render();
  }

  async fetchGroup(layer, bbox, text, offset, signal) {
    const params = new URLSearchParams({ bbox: bbox.join(","), limit: String(PAGE) });
    if (offset) params.set("offset", String(offset));
    const names = new Set(layer.properties.map((p) => p.name));
    const wanted = LABEL_FIELDS.filter((f) => names.has(f));
    if (wanted.length) params.set("properties", wanted.join(","));
    // Nearest first, from the person or a searched place, else the middle of the map; each
    // item then says its 町丁目 and distance.
    const [lng, lat] = this.from() ?? this.map.getCenter().toArray();
    params.set("near", `${lng.toFixed(6)},${lat.toFixed(6)}`);
    const shownKinds = this.kinds().get(layer.id);
    const group = { layer, items: [], records: [], total: 0, error: false, bbox, text, shown: PAGE };
    if (shownKinds && shownKinds.size === 0) return group;
    const filters = [];
    if (text) filters.push(textFilter(layer, text));
    if (shownKinds) {
      filters.push({ op: "in", args: [{ property: symbolField(layer.id) }, [...shownKinds]] });
    }
    const extra = this.extraFilters().get(layer.id);
    if (extra) filters.push(extra);
    if (filters.length) {
      const filter = filters.length === 1 ? filters[0] : { op: "and", args: filters };
      params.set("filter", JSON.stringify(filter));
      params.set("filter-lang", "cql2-json");
    }
    try {
      const page = await api.get(`/api/layers/${layer.id}/features?${params}`, { signal });
      group.records = page.features.map((f) => ({ id: f.id, props: f.properties }));
      group.items = mergeSites(layer.id, group.records);
      // Counted in places, not records, once the merge saw them all.
      group.total =
        (page.numberMatched ?? group.records.length) - (group.records.length - group.items.length);
    } catch (error) {
      if (error.name === "AbortError") return group;
      group.error = true;
    }
    return group;
  }

  areaGroup(layer, bbox, text) {
    const seen = new Map();
    for (const f of this.map.querySourceFeatures("machimap", { sourceLayer: layer.id })) {
      if (f.id == null) continue;
      const box = geometryBounds(f.geometry);
      const known = seen.get(f.id);
      if (known) {
        known.touches ||= box && intersects(box, bbox);
        continue;
      }
      if (!areaMatches(layer, f.properties, text)) continue;
      const shownKinds = this.kinds().get(layer.id);
      if (shownKinds && !shownKinds.has(String(f.properties[symbolField(layer.id)]))) continue;
      seen.set(f.id, { id: f.id, props: f.properties, touches: box && intersects(box, bbox) });
    }
    const items = [...seen.values()]
      .filter((item) => item.touches)
      .sort(
        (a, b) =>
          (LEVEL_ORDER[a.props.level] ?? 9) - (LEVEL_ORDER[b.props.level] ?? 9) ||
          String(a.props.name_kana || a.props.name).localeCompare(
            String(b.props.name_kana || b.props.name),
            "ja",
          ),
      );
    return { layer, items, total: items.length, error: false, local: true, shown: PAGE };
  }

  async more(group, button) {
    const before = group.local ? Math.min(group.items.length, group.shown) : group.items.length;
    if (group.local) {
      group.shown += PAGE;
    } else {
      button.disabled = true;
      const next = await this.fetchGroup(group.layer, group.bbox, group.text, group.records.length);
      const merged = group.records.length - group.items.length;
      group.records.push(...next.records);
      group.items = mergeSites(group.layer.id, group.records);
      group.total += merged - (group.records.length - group.items.length);
      group.error ||= next.error;
    }
    this.render();
    // The keyboard goes on to the first of the new items.
    const items = this.root.querySelectorAll(`[data-group="${group.layer.id}"] .feature-item`);
    (items[before] || items[items.length - 1])?.focus();
  }

  render() {
    const text = this.text();
    const root = this.root;
    // Someone moving through the list by keyboard keeps their place when it is redrawn.
    const focused = root.contains(document.activeElement) ? document.activeElement : null;
    const keep = focused?.dataset.layer ? { ...focused.dataset } : null;
    this.draw(text, root);
    if (keep) {
      const selector = `.feature-item[data-layer="${keep.layer}"][data-id="${keep.id}"]`;
      root.querySelector(selector)?.focus();
    }
  }

  draw(text, root) {
    root.replaceChildren();
    const total = this.groups.reduce((n, g) => n + g.total, 0);
    if (this.shownLayers().length === 0) {
      this.status.textContent = t("list.no_layers");
      return;
    }
    this.status.textContent = text
      ? t("list.status_filtered", { q: text, count: formatNumber(total) })
      : t("list.status", { count: formatNumber(total) });
    if (this.failed) {
      const p = document.createElement("p");
      p.className = "notice error";
      p.textContent = t("list.error");
      root.append(p);
    }
    if (total === 0) {
      const p = document.createElement("p");
      p.className = "list-empty";
      p.textContent = text ? t("list.empty_filtered", { q: text }) : t("list.empty");
      root.append(p);
      return;
    }
    let partial = false;
    for (const group of this.groups) {
      if (group.total === 0) continue;
      const visible = group.local ? group.items.slice(0, group.shown) : group.items;
      partial ||= visible.length < group.total;
      root.append(this.renderGroup(group, visible));
    }
    if (partial) {
      const p = document.createElement("p");
      p.className = "hint";
      p.textContent = t("list.zoom_in_hint");
      root.append(p);
    }
  }

  renderGroup(group, visible) {
    const { layer } = group;
    const section = document.createElement("section");
    section.className = "list-group";
    section.dataset.group = layer.id;
    const heading = document.createElement("h3");
    heading.id = `list-group-${layer.id}`;
    section.setAttribute("aria-labelledby", heading.id);
    heading.innerHTML = layerSwatch(layer);
    const name = document.createElement("span");
    name.textContent = layerTitle(layer);
    const count = document.createElement("span");
    count.className = "group-count";
    count.textContent =
      visible.length < group.total
        ? t("list.group_partial", {
            shown: formatNumber(visible.length),
            total: formatNumber(group.total),
          })
        : t("list.group_count", { count: formatNumber(group.total) });
    heading.append(name, count);
    section.append(heading);
    // Grouped by kind (in the symbol table's order, shelters first), nearest first in each.
    const kinds = layerKinds(layer);
    const buckets = new Map();
    for (const item of visible) {
      const kind = kinds.length ? String(item.props.kind) : "";
      if (!buckets.has(kind)) buckets.set(kind, []);
      buckets.get(kind).push(item);
    }
    const order = kinds.map((k) => k.value);
    const ranked = [...buckets].sort(([a], [b]) => order.indexOf(a) - order.indexOf(b));
    for (const [kind, items] of ranked) {
      const list = document.createElement("ul");
      list.className = "feature-items";
      if (kind && ranked.length > 1) {
        const sub = document.createElement("h4");
        sub.className = "list-kind";
        sub.id = `list-kind-${layer.id}-${kind}`;
        const counted = document.createElement("span");
        counted.className = "group-count";
        counted.textContent = t("list.group_count", { count: formatNumber(items.length) });
        sub.append(valueLabel(layer.id, "kind", kind), " ", counted);
        list.setAttribute("aria-labelledby", sub.id);
        section.append(sub);
      }
      for (const item of items) list.append(this.renderItem(layer, item, Boolean(kind)));
      section.append(list);
    }
    const rest = group.total - visible.length;
    if (rest > 0) {
      const more = document.createElement("button");
      more.type = "button";
      more.className = "list-more";
      more.textContent = t("list.more", { rest: formatNumber(rest) });
      more.addEventListener("click", () => this.more(group, more));
      section.append(more);
    }
    return section;
  }

  /** One item: its name, its roles or kind (not when its kind heads the group), where. */
  renderItem(layer, item, grouped = false) {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "feature-item";
    button.dataset.layer = layer.id;
    button.dataset.id = String(item.id);
    button.innerHTML = itemSymbol(layer, item.props);
    const label = document.createElement("span");
    label.className = "item-name";
    label.append(featureNameNode(layer.id, item.props));
    button.append(label);
    const kind = item.roles || (grouped ? "" : featureKind(layer.id, item.props));
    if (kind && layer.id !== "report") {
      const small = document.createElement("span");
      small.className = "item-kind";
      small.textContent = kind;
      button.append(small);
    }
    const where = whereText(item.props);
    if (where) {
      const small = document.createElement("span");
      small.className = "item-where";
      small.textContent = where;
      button.append(small);
    }
    button.addEventListener("click", () => this.onOpen(layer.id, item.id, button));
    li.append(button);
    return li;
  }
}
