// How features read to a person: names, kinds and property values in the page's language.
import {
  dataName,
  formatDate,
  formatDateTime,
  formatNumber,
  lang,
  pick,
  t,
  tOr,
} from "../common/i18n.js";
import { SYMBOLS, symbolField, symbolFor, symbolOf, symbolSvg } from "../common/symbols.js";
import messages from "../messages/map.js";

/** Report categories by id: { id, code, name: {ja, en}, symbol }. Filled once at start. */
export const categories = new Map();

export function setCategories(list) {
  categories.clear();
  list.forEach((c, index) => {
    categories.set(c.id, {
      id: c.id,
      code: c.code,
      name: { ja: c.name_ja, en: c.name_en },
      sensitive: c.sensitive, // never drawn as points, so left out of the legend
      // The same index as the report page's chooser, so a category looks the same there.
      symbol: symbolFor(c.icon, index),
    });
  });
}

/** The label of a coded value, or the code itself when the catalogue has none. */
export function valueLabel(layerId, field, code) {
  return tOr(`value.${layerId}.${field}.${code}`, String(code));
}

/** Codes of a field whose label (in either language) contains the text. */
export function codesMatching(layerId, field, text) {
  const prefix = `value.${layerId}.${field}.`;
  const needle = text.toLowerCase();
  const codes = new Set();
  for (const table of [messages.ja, messages.en]) {
    for (const [key, label] of Object.entries(table)) {
      if (key.startsWith(prefix) && label.toLowerCase().includes(needle)) {
        codes.add(key.slice(prefix.length));
      }
    }
  }
  return [...codes];
}

export function categoryName(id) {
  const category = categories.get(Number(id));
  return category ? pick(category.name) : "";
}

// The field that says what kind of thing a feature is, per layer.
const KIND_FIELD = { district: "level", school_district: "kind", facility: "kind", hazard: "kind" };

/** A short "what is it" line: the kind, level or report category. */
export function featureKind(layerId, props) {
  if (layerId === "report") return categoryName(props.category_id);
  const field = KIND_FIELD[layerId] || "kind";
  return props[field] ? valueLabel(layerId, field, props[field]) : "";
}

/** The name a person would call the feature by. */
export function featureName(layerId, props) {
  if (layerId === "report") {
    const category = categoryName(props.category_id);
    return [category, props.public_id].filter(Boolean).join(" ") || t("details.unnamed");
  }
  const name = (lang() === "en" && props.name_en) || props.name || props.title;
  return name || featureKind(layerId, props) || t("details.unnamed");
}

/** 「約350 m」「約1.2 km」: a straight-line distance, rounded as a guess should be. */
export function distanceText(metres) {
  if (metres < 1000) return t("nearest.metres", { m: formatNumber(Math.round(metres / 10) * 10) });
  return t("nearest.km", { km: formatNumber(Math.round(metres / 100) / 10) });
}

/** Where a listed feature is: its 町丁目 and how far from the list's point. */
export function whereText(props) {
  const parts = [];
  if (props.town) parts.push(t("where.town", { town: props.town }));
  if (props.distance_m != null) parts.push(distanceText(props.distance_m));
  return parts.join(t("where.joiner"));
}

/** A layer's title: the city's own (curated, {ja, en}) in Japanese and English; in the other
 * languages the catalogue's words for the layer, where it has them. */
export function layerTitle(layer) {
  if (lang() === "ja" || lang() === "en") return pick(layer.title);
  return tOr(`layer.${layer.id}`, pick(layer.title));
}

/** A field's title: the registry's (ja, en) in Japanese and English; in the other languages
 * the catalogue's words for it, where it has them. */
export function fieldTitle(property) {
  if (lang() === "ja" || lang() === "en") return pick(property.title);
  return tOr(`field.${property.name}`, pick(property.title));
}

/** featureName as a node: a name from the data is Japanese (lang="ja", with its reading in
 * やさしい日本語), unless the page is English and the data has an English name. */
export function featureNameNode(layerId, props) {
  const name = props.name || props.title;
  if (layerId === "report" || !name) return featureName(layerId, props);
  return dataName({ ja: name, en: props.name_en }, props.name_kana);
}

export function layerSymbol(layer) {
  return symbolOf(layer.id);
}

/** The kinds a layer draws with symbols of their own ({value, symbol, primary}), in the
 * symbol table's order, or [] for a layer of one symbol (reports go by category). */
export function layerKinds(layer) {
  const entry = SYMBOLS.layers[layer.id];
  if (!entry || layer.id === "report") return [];
  if (!layer.properties?.some((p) => p.name === entry.field)) return [];
  return Object.entries(entry.values).map(([value, s]) => ({
    value,
    symbol: symbolOf(layer.id, value),
    primary: Boolean(s.primary),
  }));
}

/** The symbol a feature is drawn with: its kind's, or a report's category's. */
export function featureSymbol(layer, props) {
  if (layer.id === "report") {
    const category = categories.get(Number(props?.category_id));
    if (category) return category.symbol;
    return layerSymbol(layer);
  }
  const field = symbolField(layer.id);
  return symbolOf(layer.id, field ? props?.[field] : undefined);
}

function areaSwatch(style) {
  const fill = style.fill || "#ffffff00";
  const line = style.line || style.color || "#000000";
  return `<svg class="symbol" width="20" height="20" viewBox="0 0 20 20" aria-hidden="true" focusable="false"><rect x="2" y="3" width="16" height="14" rx="2" fill="${fill}" stroke="${line}" stroke-width="2"/></svg>`;
}

function lineSwatch(style) {
  const line = style.line || style.color || "#000000";
  return `<svg class="symbol" width="20" height="20" viewBox="0 0 20 20" aria-hidden="true" focusable="false"><path d="M2 15 L8 7 L12 12 L18 4" fill="none" stroke="${line}" stroke-width="3" stroke-linecap="round"/></svg>`;
}

/** The legend swatch of a layer as inline SVG (decorative; the layer name is beside it). */
export function layerSwatch(layer) {
  const style = layer.style || {};
  if (/Polygon/.test(layer.geometry_type)) return areaSwatch(style);
  if (/LineString/.test(layer.geometry_type)) return lineSwatch(style);
  return symbolSvg(layerSymbol(layer));
}

export function isAreaLayer(layer) {
  return /Polygon/.test(layer.geometry_type);
}

/** The symbol of one feature as inline SVG, for lists (areas show their layer's swatch). */
export function itemSymbol(layer, props) {
  return isAreaLayer(layer) ? layerSwatch(layer) : symbolSvg(featureSymbol(layer, props), 18);
}

function link(href, text) {
  const a = document.createElement("a");
  a.href = href;
  a.textContent = text;
  return a;
}

/** A property value as a node (links for URLs and phone numbers), or null when empty. */
export function formatValue(layerId, property, value) {
  if (value === null || value === undefined || value === "") return null;
  if (Array.isArray(value) && value.length === 0) return null;
  const { name, type } = property;
  if (name === "category_id" && layerId === "report") {
    const span = document.createElement("span");
    const category = categories.get(Number(value));
    span.innerHTML = category ? symbolSvg(category.symbol, 18) : "";
    span.append(` ${categoryName(value) || value}`);
    return span;
  }
  if (name === "url" && /^https?:\/\//i.test(String(value))) return link(value, value);
  if (name === "phone") return link(`tel:${String(value).replace(/[^\d+]/g, "")}`, value);
  let text;
  switch (type) {
    case "integer":
    case "number":
      text = name.endsWith("_year") ? String(value) : formatNumber(value);
      break;
    case "boolean":
      text = t(value ? "details.yes" : "details.no");
      break;
    case "date":
      text = formatDate(value);
      break;
    case "datetime":
      text = formatDateTime(value);
      break;
    case "string[]": {
      const items = Array.isArray(value) ? value : String(value).split(",");
      text = items.map((v) => valueLabel(layerId, name, v)).join(lang() === "ja" ? "、" : ", ");
      break;
    }
    default:
      text = valueLabel(layerId, name, value);
  }
  return document.createTextNode(text);
}
