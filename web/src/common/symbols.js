// The map's one symbol table (layers/serving/symbols.json, which the server reads too): a
// symbol is the layer's frame (facilities square, hazards triangle, reports circle, safety
// maps diamond) around the kind's pictogram, filled with an Okabe–Ito colour. Frame and
// pictogram together tell every kind apart in greyscale and for colour-blind readers; the
// colour only groups. The same drawing serves the map (an image added to MapLibre), the
// legends and lists (inline SVG), the report form and the staff pages.
import table from "../../../layers/serving/symbols.json";

export const SYMBOLS = table;
const VIEWBOX = 15; // Maki pictograms are drawn on a 15 × 15 grid

/** The symbol of a layer's feature by the value of the layer's symbol field (its kind). */
export function symbolOf(layerId, value) {
  const layer = table.layers[layerId];
  if (!layer) return { frame: "circle", pictogram: "marker", color: "#000000", ink: "#ffffff" };
  const symbol = layer.values[value] ?? layer.default;
  return { frame: layer.frame, ...symbol };
}

/** The field whose value picks a layer's symbol ("kind"), or null for a one-symbol layer. */
export function symbolField(layerId) {
  return table.layers[layerId]?.field ?? null;
}

/** A report category's symbol by its catalogue icon; a city's own new icon gets a spare
 * symbol in order, so it still differs from the others. */
export function symbolFor(icon, index = 0) {
  const reports = table.layers.report;
  const symbol = reports.values[icon] ?? reports.spare[index % reports.spare.length];
  return { frame: reports.frame, ...symbol };
}

// The frame's outline and the box the pictogram fits in, on a size × size canvas.
function frame(kind, size) {
  const c = size / 2;
  const r = size / 2 - 1.5;
  switch (kind) {
    case "square": {
      const s = r * 0.88;
      return { path: roundedSquare(c, s, s * 0.28), box: [c - s * 0.72, c - s * 0.72, s * 1.44] };
    }
    case "triangle": {
      const top = c - r;
      const bottom = c + r * 0.78;
      const half = r * 1.05;
      const path = `M${c} ${top} L${c + half} ${bottom} L${c - half} ${bottom} Z`;
      const w = r * 0.95;
      return { path, box: [c - w / 2, bottom - w - r * 0.12, w] };
    }
    case "diamond": {
      const path = `M${c} ${c - r} L${c + r} ${c} L${c} ${c + r} L${c - r} ${c} Z`;
      const w = r * 0.95;
      return { path, box: [c - w / 2, c - w / 2, w] };
    }
    default: {
      const path = `M${c - r} ${c} A${r} ${r} 0 1 0 ${c + r} ${c} A${r} ${r} 0 1 0 ${c - r} ${c} Z`;
      const w = r * 1.2;
      return { path, box: [c - w / 2, c - w / 2, w] };
    }
  }
}

function roundedSquare(c, s, k) {
  const [x0, y0, x1, y1] = [c - s, c - s, c + s, c + s];
  return (
    `M${x0 + k} ${y0} H${x1 - k} Q${x1} ${y0} ${x1} ${y0 + k} V${y1 - k} Q${x1} ${y1} ${x1 - k} ${y1}` +
    ` H${x0 + k} Q${x0} ${y1} ${x0} ${y1 - k} V${y0 + k} Q${x0} ${y0} ${x0 + k} ${y0} Z`
  );
}

function round(n) {
  return Math.round(n * 100) / 100;
}

/** Inline SVG markup for a symbol (decorative: the text beside it names the kind). */
export function symbolSvg(symbol, size = 20) {
  const { path, box } = frame(symbol.frame, size);
  const [x, y, w] = box.map(round);
  const pictogram = table.pictograms[symbol.pictogram] ?? "";
  return (
    `<svg class="symbol" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}" aria-hidden="true" focusable="false">` +
    `<path d="${path}" fill="${symbol.color}" stroke="#ffffff" stroke-width="1.5" stroke-linejoin="round"/>` +
    `<path d="${pictogram}" fill="${symbol.ink}" transform="translate(${x} ${y}) scale(${round(w / VIEWBOX)})"/>` +
    `</svg>`
  );
}

/** The symbol drawn into ImageData for map.addImage (pixelRatio 2 for sharp edges). */
export function symbolImage(symbol, size = 22, ratio = 2) {
  const px = size * ratio;
  const canvas = document.createElement("canvas");
  canvas.width = px;
  canvas.height = px;
  const ctx = canvas.getContext("2d");
  const { path, box } = frame(symbol.frame, size);
  ctx.scale(ratio, ratio);
  const outline = new Path2D(path);
  // A white edge, then a thin dark one, so a symbol stands out on the photo basemap too.
  ctx.lineJoin = "round";
  ctx.lineWidth = 3;
  ctx.strokeStyle = "#ffffff";
  ctx.stroke(outline);
  ctx.fillStyle = symbol.color;
  ctx.fill(outline);
  ctx.lineWidth = 0.75;
  ctx.strokeStyle = "rgba(0, 0, 0, 0.6)";
  ctx.stroke(outline);
  const [x, y, w] = box;
  ctx.translate(x, y);
  ctx.scale(w / VIEWBOX, w / VIEWBOX);
  ctx.fillStyle = symbol.ink;
  ctx.fill(new Path2D(table.pictograms[symbol.pictogram] ?? ""));
  return { image: ctx.getImageData(0, 0, px, px), pixelRatio: ratio };
}
