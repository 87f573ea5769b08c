// The layer panel: a checkbox per published layer with its legend swatch and count (the
// report layer also lists its category symbols), and the background map choice.
import { BASEMAP_KINDS } from "../common/basemap.js";
import { formatNumber, pick, t } from "../common/i18n.js";
import { symbolSvg } from "../common/symbols.js";
import { categories, layerSwatch } from "./format.js";

export function renderLayers(root, layers, enabled, onToggle) {
  root.replaceChildren();
  for (const layer of layers) {
    const li = document.createElement("li");
    li.className = "layer-item";
    const row = document.createElement("div");
    row.className = "layer-row";
    const box = document.createElement("input");
    box.type = "checkbox";
    box.id = `layer-${layer.id}`;
    box.value = layer.id;
    box.checked = enabled.has(layer.id);
    box.addEventListener("change", () => onToggle(layer.id, box.checked));
    const label = document.createElement("label");
    label.htmlFor = box.id;
    label.innerHTML = layerSwatch(layer);
    const name = document.createElement("span");
    name.className = "layer-name";
    name.textContent = pick(layer.title);
    const count = document.createElement("span");
    count.className = "layer-count";
    count.textContent = t("layers.count", { count: formatNumber(layer.feature_count ?? 0) });
    label.append(name, count);
    row.append(box, label);
    li.append(row);
    if (layer.id === "report" && categories.size) li.append(renderCategories());
    root.append(li);
  }
}

function renderCategories() {
  const wrap = document.createElement("div");
  wrap.className = "legend";
  const title = document.createElement("p");
  title.className = "legend-title";
  title.id = "legend-report";
  title.textContent = t("layers.categories");
  const list = document.createElement("ul");
  list.setAttribute("aria-labelledby", title.id);
  for (const category of categories.values()) {
    if (category.sensitive) continue;
    const li = document.createElement("li");
    li.innerHTML = symbolSvg(category.symbol, 20);
    const name = document.createElement("span");
    name.textContent = pick(category.name);
    li.append(name);
    list.append(li);
  }
  wrap.append(title, list);
  return wrap;
}

export function renderBasemaps(root, current, onChange) {
  root.replaceChildren();
  for (const kind of BASEMAP_KINDS) {
    const id = `basemap-${kind}`;
    const wrap = document.createElement("div");
    wrap.className = "basemap-option";
    const radio = document.createElement("input");
    radio.type = "radio";
    radio.name = "basemap";
    radio.id = id;
    radio.value = kind;
    radio.checked = kind === current;
    radio.addEventListener("change", () => radio.checked && onChange(kind));
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = t(`basemap.${kind}`);
    wrap.append(radio, label);
    root.append(wrap);
  }
}
