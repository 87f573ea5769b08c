// The layer panel: a checkbox per published layer with its legend swatch and count (the
// report layer also lists its category symbols), and the background map choice.
import { BASEMAP_KINDS } from "../common/basemap.js";
import { dataName, formatNumber, t } from "../common/i18n.js";
import { symbolSvg } from "../common/symbols.js";
import { categories, layerKinds, layerSwatch, layerTitle, valueLabel } from "./format.js";

/** One checkbox per layer; a layer of several kinds lists them (its legend), each with a
 * checkbox of its own, so "only shelters and AEDs" is a choice a resident can make. */
export function renderLayers(root, layers, enabled, onToggle, kinds = null) {
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
    name.textContent = layerTitle(layer);
    const count = document.createElement("span");
    count.className = "layer-count";
    count.textContent = t("layers.count", { count: formatNumber(layer.feature_count ?? 0) });
    label.append(name, count);
    row.append(box, label);
    li.append(row);
    if (layer.id === "report" && categories.size) li.append(renderCategories());
    if (kinds && layerKinds(layer).length) li.append(renderKinds(layer, kinds));
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
    name.append(dataName(category.name));
    li.append(name);
    list.append(li);
  }
  wrap.append(title, list);
  return wrap;
}

function renderKinds(layer, { shown, onKind, onKinds }) {
  const all = layerKinds(layer);
  const chosen = shown(layer.id);
  const wrap = document.createElement("div");
  wrap.className = "legend";
  const title = document.createElement("p");
  title.className = "legend-title";
  title.id = `legend-${layer.id}`;
  title.textContent = t("layers.kinds", { layer: layerTitle(layer) });
  const list = (kinds) => {
    const ul = document.createElement("ul");
    ul.className = "kind-list";
    for (const { value, symbol } of kinds) {
      const li = document.createElement("li");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.id = `kind-${layer.id}-${value}`;
      box.checked = chosen.has(value);
      box.addEventListener("change", () => onKind(layer.id, value, box.checked));
      const label = document.createElement("label");
      label.htmlFor = box.id;
      label.innerHTML = symbolSvg(symbol, 22);
      const name = document.createElement("span");
      name.textContent = valueLabel(layer.id, "kind", value);
      label.append(name);
      li.append(box, label);
      ul.append(li);
    }
    return ul;
  };
  // The main kinds in sight; the others folded, opened at once when one of them is shown.
  const main = all.filter((k) => k.primary);
  const rest = all.filter((k) => !k.primary);
  const first = list(main.length ? main : all);
  first.setAttribute("aria-labelledby", title.id);
  wrap.append(title, first);
  if (main.length && rest.length) {
    const more = document.createElement("details");
    more.className = "kind-more";
    more.open = rest.some((k) => chosen.has(k.value));
    const summary = document.createElement("summary");
    summary.textContent = t("layers.kinds_more", { count: rest.length });
    more.append(summary, list(rest));
    wrap.append(more);
  }
  const everything = chosen.size === all.length;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "kinds-toggle";
  button.textContent = t(everything ? "layers.kinds_primary" : "layers.kinds_all");
  button.addEventListener("click", () => {
    onKinds(layer.id, everything ? all.filter((k) => k.primary) : all);
    document.getElementById(`legend-${layer.id}`)?.parentElement?.querySelector(".kinds-toggle")?.focus();
  });
  wrap.append(button);
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
