// The place search of the report flow, on the public map too: a 町丁目, an address or a
// facility's name moves the map there, and the place becomes where 「近くの避難所」 counts
// from. Results are buttons in a list, so a keyboard and a screen reader use them as is.
import { api } from "../common/api.js";
import { dataName, t } from "../common/i18n.js";

export class PlaceSearch {
  constructor({ form, input, status, results, onChoose }) {
    this.input = input;
    this.status = status;
    this.results = results;
    this.onChoose = onChoose;
    this.controller = null;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.run();
    });
  }

  async run() {
    const q = this.input.value.trim();
    this.results.replaceChildren();
    if (!q) {
      this.status.textContent = t("find.empty");
      return;
    }
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    this.status.textContent = t("find.searching");
    let found;
    try {
      found = await api.get(`/api/places?q=${encodeURIComponent(q)}&limit=8`, {
        signal: controller.signal,
      });
    } catch (error) {
      if (error.name !== "AbortError") this.status.textContent = t("find.error");
      return;
    }
    if (controller !== this.controller) return;
    const features = found.features.filter((f) => f.geometry);
    this.status.textContent = features.length
      ? t("find.found", { count: features.length, q })
      : t("find.none", { q });
    for (const feature of features) {
      const p = feature.properties;
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "feature-item";
      const name = document.createElement("span");
      name.className = "item-name";
      name.append(dataName({ ja: p.name, en: p.name_en }, p.name_kana));
      button.append(name);
      if (p.detail) {
        const detail = document.createElement("span");
        detail.className = "item-kind";
        detail.textContent = p.detail;
        detail.lang = "ja";
        button.append(detail);
      }
      button.addEventListener("click", () =>
        this.onChoose({ name: p.name, lngLat: feature.geometry.coordinates }),
      );
      li.append(button);
      this.results.append(li);
    }
  }
}
