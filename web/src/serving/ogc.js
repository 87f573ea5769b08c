// The /ogc pages (OGC API - Features as HTML, rendered by the server in one language): their
// stylesheet, and the small map where the page has one (#ogc-map with its data block).
import "../common/base.css";
import "./ogc.css";
import messages from "../messages/serving.js";

const catalogue = messages[document.documentElement.lang === "en" ? "en" : "ja"];

function mapLocale() {
  const out = {};
  for (const [key, text] of Object.entries(catalogue))
    if (key.startsWith("ml.")) out[key.slice(3)] = text;
  return out;
}

async function start() {
  const container = document.getElementById("ogc-map");
  const block = document.getElementById("ogc-map-data");
  if (!container || !block) return;
  const status = document.getElementById("ogc-map-status");
  // Hidden in the HTML, so that a reader without scripts sees no empty box.
  const figure = container.closest("figure");
  if (figure) figure.hidden = false;
  const say = (text) => {
    if (status) status.textContent = text;
  };
  // MapLibre (a large chunk) is fetched only by pages that have a map.
  const { startMap } = await import("./map.js");
  const map = startMap(container, JSON.parse(block.textContent), {
    locale: mapLocale(),
    say,
    messages: catalogue,
  });
  // For the browser tests and anyone debugging in the console.
  window.machimap = { ...window.machimap, ogcMap: map };
}

start();
