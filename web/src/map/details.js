// A feature's details: its public properties with the registry's titles, and the records
// attached to it (inspections, patrol observations, reports). Also the chooser shown when a
// click lands on several features. Lives beside the map (a card, or a sheet on a phone)
// rather than in a popup, so it can be read, scrolled and reached by keyboard.
import { api, once } from "../common/api.js";
import { formatDate, formatNumber, lang, nameElement, t, tx } from "../common/i18n.js";
import { SYMBOLS, symbolSvg } from "../common/symbols.js";
import { mergedSite, rolesText, siteRecords } from "./site.js";
import {
  featureKind,
  featureNameNode,
  featureSymbol,
  fieldTitle,
  formatValue,
  isAreaLayer,
  itemSymbol,
  layerSwatch,
  layerTitle,
} from "./format.js";
import { SELECTION, empty, geometryBounds } from "./style.js";

const RECORDS_PAGE = 20;

/** A published safety map's title, date and group name, asked once per map and visit. */
function safetyMap(id) {
  return once(`safety-map:${id}`, async () => {
    const found = await api.get(`/api/safety-maps/${id}`);
    // A map the city keeps (no group) is named by its title instead.
    const groupName = found.group?.name ?? null;
    return { id: found.id, title: found.title, published_at: found.published_at, groupName };
  });
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "html") node.innerHTML = value; // only symbol SVG built in this app
    else node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== ""));
  return node;
}

/** 使用禁止: said first, in words and with the map's mark, before anything else of the place. */
function closedNotice(props) {
  const since = props.closed_on ? formatDate(props.closed_on) : null;
  return el(
    "div",
    { class: "details-closed", role: "note" },
    el("span", { html: symbolSvg(SYMBOLS.marks.closed, 24) }),
    el(
      "div",
      {},
      el("p", { class: "details-closed-title" }, since ? t("details.closed", { date: since }) : t("map.closed_mark")),
      el("p", {}, t("details.closed_note")),
    ),
  );
}

export class Details {
  constructor({ map, layers, section, onChange, narrow }) {
    this.map = map;
    this.layers = new Map(layers.map((l) => [l.id, l]));
    this.section = section;
    this.title = section.querySelector("#details-title");
    this.body = section.querySelector("#details-body");
    this.onChange = onChange; // (feature | null) => void, for the URL
    this.narrow = narrow; // () => whether the phone layout is in use
    this.current = null; // { kind: "feature" | "pick", ... }
    this.origin = null;
    this.generation = 0;
    section.querySelector(".details-close").addEventListener("click", () => this.close());
    section.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.close();
    });
  }

  isOpen() {
    return !this.section.hidden;
  }

  show(focus) {
    this.section.hidden = false;
    if (focus) this.title.focus();
  }

  /** Opens one feature: the layer's feature (all geometry types) and its records, in parallel. */
  async open(layerId, id, { fly = true, focus = true, origin = null } = {}) {
    const layer = this.layers.get(layerId);
    if (!layer) return;
    if (origin) this.origin = origin;
    const generation = ++this.generation;
    this.current = { kind: "feature", layer, id, feature: null, records: null, loading: true };
    this.render();
    this.show(focus);
    this.onChange({ layer: layerId, id });
    const [feature, records] = await Promise.allSettled([
      api.get(`/api/layers/${layerId}/features/${id}`),
      api.get(`/api/layers/${layerId}/features/${id}/records?limit=${RECORDS_PAGE}`),
    ]);
    if (generation !== this.generation) return;
    const current = this.current;
    current.loading = false;
    current.feature = feature.status === "fulfilled" ? feature.value : null;
    current.records = records.status === "fulfilled" ? records.value : null;
    current.recordsError = records.status === "rejected";
    if (current.feature) {
      // One place, its roles: the other records of the same site (a shelter that is also
      // a 住民センター). Without them the record still reads as itself.
      try {
        current.site = await siteRecords(layer, current.feature);
      } catch {
        current.site = [current.feature];
      }
      if (generation !== this.generation) return;
    }
    this.render();
    if (current.feature) {
      this.select(current.feature.geometry);
      if (fly) this.flyTo(current.feature.geometry);
    }
    if (focus) this.title.focus();
  }

  /** Several features under one click: a list to choose from. */
  pick(hits, { focus = false } = {}) {
    this.generation += 1;
    this.current = { kind: "pick", hits };
    this.select(null);
    this.render();
    this.show(focus);
    this.onChange(null);
  }

  close() {
    if (!this.isOpen()) return;
    this.generation += 1;
    this.section.hidden = true;
    this.current = null;
    this.select(null);
    this.onChange(null);
    const origin = this.origin;
    this.origin = null;
    // Back where the person came from. The list may have been redrawn for the new view
    // meanwhile: then the same feature's new button.
    let target = origin;
    if (origin && !origin.isConnected && origin.dataset.layer) {
      target = document.querySelector(
        `.feature-item[data-layer="${origin.dataset.layer}"][data-id="${origin.dataset.id}"]`,
      );
    }
    if (target?.isConnected && target.offsetParent !== null) target.focus();
    else this.map?.getCanvas().focus();
  }

  select(geometry) {
    const source = this.map?.getSource(SELECTION);
    if (!source) return;
    source.setData(geometry ? { type: "Feature", geometry, properties: {} } : empty());
  }

  padding() {
    const pad = { top: 48, right: 56, bottom: 48, left: 48 };
    if (this.section.hidden) return pad;
    const map = this.map.getContainer().getBoundingClientRect();
    const card = this.section.getBoundingClientRect();
    if (this.narrow()) pad.bottom += Math.max(0, map.bottom - card.top);
    else pad.left += Math.max(0, card.right - map.left);
    // Never more padding than the map has room for.
    pad.left = Math.min(pad.left, map.width * 0.6);
    pad.bottom = Math.min(pad.bottom, map.height * 0.6);
    return pad;
  }

  flyTo(geometry) {
    if (!this.map) return;
    const box = geometryBounds(geometry);
    if (!box) return;
    const animate = !matchMedia("(prefers-reduced-motion: reduce)").matches;
    const padding = this.padding();
    if (box[0] === box[2] && box[1] === box[3]) {
      // An offset, not padding: easeTo keeps padding on the map for every later move.
      this.map.easeTo({
        center: [box[0], box[1]],
        zoom: Math.max(this.map.getZoom(), 16),
        offset: [(padding.left - padding.right) / 2, (padding.top - padding.bottom) / 2],
        animate,
      });
    } else {
      this.map.fitBounds(box, { padding, maxZoom: 17, animate });
    }
  }

  render() {
    const current = this.current;
    this.body.replaceChildren();
    if (!current) return;
    if (current.kind === "pick") {
      this.renderPick(current.hits);
      return;
    }
    const { layer } = current;
    const site = current.site?.length > 1 ? current.site : null;
    const feature = site ? mergedSite(site) : current.feature;
    const props = feature?.properties || {};
    this.title.replaceChildren(feature ? featureNameNode(layer.id, props) : t("details.loading"));
    const kind = site ? rolesText(layer.id, site) : feature ? featureKind(layer.id, props) : "";
    this.body.append(
      el(
        "p",
        { class: "details-kind" },
        el("span", {
          html:
            feature && !isAreaLayer(layer)
              ? symbolSvg(featureSymbol(layer, props))
              : layerSwatch(layer),
        }),
        el("span", {}, [layerTitle(layer), kind].filter(Boolean).join(" · ")),
      ),
    );
    if (current.loading) {
      this.body.append(el("p", { class: "hint" }, t("details.loading")));
      return;
    }
    if (!feature) {
      this.body.append(el("p", { class: "notice error" }, t("details.error")));
      return;
    }
    if (layer.id === "facility" && props.use_status === "closed") {
      this.body.append(closedNotice(props));
    }
    if (layer.id === "safety_map_feature" && props.safety_map_id) {
      this.body.append(this.renderSafetyMap(props.safety_map_id));
    }
    this.body.append(this.renderProperties(layer, props, { roles: Boolean(site) }));
    if (layer.id === "report" && props.public_id) {
      this.body.append(
        el(
          "p",
          {},
          el(
            "a",
            { href: `/reports/${encodeURIComponent(props.public_id)}` },
            t("details.report_page"),
          ),
        ),
      );
    }
    this.body.append(this.renderRecords(current));
    const zoom = el("button", { type: "button", class: "details-zoom" }, t("details.zoom_to"));
    zoom.addEventListener("click", () => this.flyTo(feature.geometry));
    this.body.append(
      el(
        "p",
        { class: "details-actions" },
        zoom,
        el(
          "a",
          {
            href: `/api/layers/${layer.id}/features/${current.id}`,
            type: "application/geo+json",
          },
          t("details.data"),
        ),
      ),
    );
  }

  renderProperties(layer, props, { roles = false } = {}) {
    const list = el("dl", { class: "properties" });
    for (const property of layer.properties) {
      // Bookkeeping and planning fields stay in the open data, off the residents' card.
      if (property.resident === false) continue;
      // A place of several roles has them all above, not one of them as "the" kind.
      if (roles && property.name === "kind") continue;
      // A safety map's place says which map it is in words (renderSafetyMap), not by id.
      if (layer.id === "safety_map_feature" && property.name === "safety_map_id") continue;
      const value = formatValue(layer.id, property, props[property.name]);
      if (!value) continue;
      list.append(el("div", {}, el("dt", {}, fieldTitle(property)), el("dd", {}, value)));
    }
    return el(
      "section",
      { class: "details-section", "aria-labelledby": "details-properties" },
      el("h3", { id: "details-properties" }, t("details.properties")),
      list,
    );
  }

  /** "<group>の地域安全マップ (<date>)" and a link to the map's public page, filled in
   * when the map (fetched once per map) arrives; nothing when it cannot be read. */
  renderSafetyMap(mapId) {
    const line = el("p", { class: "details-map" });
    const current = this.current;
    safetyMap(mapId)
      .then((found) => {
        if (this.current !== current || !found) return;
        const date = formatDate(found.published_at);
        const words = found.groupName
          ? tx("details.safety_map_of", { group: nameElement(found.groupName), date })
          : tx("details.safety_map_titled", { title: nameElement(found.title), date });
        line.append(
          words,
          " ",
          el("a", { href: `/safety-maps/${found.id}` }, t("details.safety_map_page")),
        );
      })
      .catch(() => {});
    return line;
  }

  renderRecords(current) {
    const section = el(
      "section",
      { class: "details-section", "aria-labelledby": "details-records" },
    );
    const heading = el("h3", { id: "details-records" }, t("details.records"));
    section.append(heading);
    if (current.recordsError || !current.records) {
      section.append(el("p", { class: "notice error" }, t("details.records_error")));
      return section;
    }
    const { records, numberMatched } = current.records;
    heading.append(
      " ",
      el(
        "span",
        { class: "group-count" },
        t("details.records_count", { count: formatNumber(numberMatched) }),
      ),
    );
    if (!records.length) {
      section.append(el("p", { class: "hint" }, t("details.records_none")));
      return section;
    }
    const list = el("ol", { class: "records" });
    for (const record of records) {
      const summary = lang() === "en" ? record.summary_en || record.summary_ja : record.summary_ja;
      const href = record.href && !record.href.startsWith("/api/") ? record.href : null;
      list.append(
        el(
          "li",
          { class: `record record-${record.kind}` },
          el(
            "p",
            { class: "record-head" },
            el("span", { class: "record-kind" }, t(`record.${record.kind}`)),
            " ",
            el("time", { datetime: record.date }, formatDate(record.date)),
          ),
          el("p", { class: "record-summary" }, summary || ""),
          href ? el("a", { href }, t("record.open")) : null,
        ),
      );
    }
    section.append(list);
    const rest = numberMatched - records.length;
    if (rest > 0) {
      const more = el(
        "button",
        { type: "button", class: "list-more" },
        t("details.records_more", { rest: formatNumber(rest) }),
      );
      more.addEventListener("click", async () => {
        more.disabled = true;
        const { layer, id } = current;
        try {
          const url = `/api/layers/${layer.id}/features/${id}/records`;
          const next = await api.get(`${url}?limit=${RECORDS_PAGE}&offset=${records.length}`);
          if (this.current !== current) return;
          const before = records.length;
          records.push(...next.records);
          this.render();
          this.body.querySelectorAll(".record")[before]?.setAttribute("tabindex", "-1");
          this.body.querySelectorAll(".record")[before]?.focus();
        } catch {
          more.disabled = false;
        }
      });
      section.append(more);
    }
    return section;
  }

  renderPick(hits) {
    this.title.textContent = t("pick.heading");
    this.body.append(el("p", {}, t("pick.count", { count: hits.length })));
    const list = el("ul", { class: "feature-items" });
    for (const hit of hits) {
      const layer = this.layers.get(hit.layer);
      const button = el(
        "button",
        { type: "button", class: "feature-item", "data-layer": layer.id, "data-id": hit.id },
        el("span", { html: itemSymbol(layer, hit.props) }),
        el("span", { class: "item-name" }, featureNameNode(layer.id, hit.props)),
        el(
          "span",
          { class: "item-kind" },
          [layerTitle(layer), layer.id === "report" ? "" : featureKind(layer.id, hit.props)]
            .filter(Boolean)
            .join(" · "),
        ),
      );
      button.addEventListener("click", () => this.open(layer.id, hit.id, { origin: null }));
      list.append(el("li", {}, button));
    }
    this.body.append(list);
  }
}
