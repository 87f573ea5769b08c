// Category symbols differ in shape as well as colour, so they stay apart for colour-blind
// readers and in greyscale print. Colours are the Okabe–Ito palette. The same drawing
// serves the map (an image added to MapLibre) and the legends and lists (inline SVG).

const PALETTE = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000"];
const SHAPES = ["circle", "square", "triangle", "diamond", "star", "hexagon", "cross", "pentagon"];

// Known category icons (the catalogue's `icon`) keep a fixed symbol; others are assigned
// in order, so a city's new category still gets a distinct one.
const FIXED = {
  lightbulb: { shape: "star", color: "#e69f00" },
  road: { shape: "square", color: "#000000" },
  water: { shape: "triangle", color: "#0072b2" },
  tree: { shape: "hexagon", color: "#009e73" },
  trash: { shape: "diamond", color: "#d55e00" },
  school: { shape: "pentagon", color: "#cc79a7" },
  child: { shape: "pentagon", color: "#cc79a7" }, // 通学路 (the demo's school_route)
  person: { shape: "cross", color: "#56b4e9" },
  house: { shape: "circle", color: "#d55e00" },
};

export function symbolFor(icon, index = 0) {
  return FIXED[icon] || { shape: SHAPES[index % SHAPES.length], color: PALETTE[index % PALETTE.length] };
}

function points(shape, c, r) {
  const poly = (n, start, radius = r) =>
    Array.from({ length: n }, (_, i) => {
      const a = start + (i * 2 * Math.PI) / n;
      return [c + radius * Math.cos(a), c + radius * Math.sin(a)];
    });
  switch (shape) {
    case "square":
      return [[c - r * 0.85, c - r * 0.85], [c + r * 0.85, c - r * 0.85], [c + r * 0.85, c + r * 0.85], [c - r * 0.85, c + r * 0.85]];
    case "triangle":
      return poly(3, -Math.PI / 2, r * 1.1).map(([x, y]) => [x, y + r * 0.15]);
    case "diamond":
      return poly(4, -Math.PI / 2);
    case "pentagon":
      return poly(5, -Math.PI / 2);
    case "hexagon":
      return poly(6, 0);
    case "star":
      return Array.from({ length: 10 }, (_, i) => {
        const a = -Math.PI / 2 + (i * Math.PI) / 5;
        const radius = i % 2 ? r * 0.45 : r;
        return [c + radius * Math.cos(a), c + radius * Math.sin(a)];
      });
    case "cross": {
      const w = r * 0.38;
      return [[c - w, c - r], [c + w, c - r], [c + w, c - w], [c + r, c - w], [c + r, c + w], [c + w, c + w], [c + w, c + r], [c - w, c + r], [c - w, c + w], [c - r, c + w], [c - r, c - w], [c - w, c - w]];
    }
    default:
      return null; // circle
  }
}

/** Inline SVG markup for a symbol (decorative: the text beside it names the category). */
export function symbolSvg({ shape, color }, size = 20) {
  const c = size / 2;
  const r = size / 2 - 2;
  const pts = points(shape, c, r);
  const body = pts
    ? `<polygon points="${pts.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" ")}"`
    : `<circle cx="${c}" cy="${c}" r="${r}"`;
  return `<svg class="symbol" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}" aria-hidden="true" focusable="false">${body} fill="${color}" stroke="#ffffff" stroke-width="1.5"/></svg>`;
}

/** The symbol drawn into ImageData for map.addImage (pixelRatio 2 for sharp edges). */
export function symbolImage({ shape, color }, size = 22, ratio = 2) {
  const px = size * ratio;
  const canvas = document.createElement("canvas");
  canvas.width = px;
  canvas.height = px;
  const ctx = canvas.getContext("2d");
  const c = px / 2;
  const r = px / 2 - 3 * ratio;
  const pts = points(shape, c, r);
  ctx.beginPath();
  if (pts) {
    ctx.moveTo(...pts[0]);
    for (const p of pts.slice(1)) ctx.lineTo(...p);
    ctx.closePath();
  } else {
    ctx.arc(c, c, r, 0, 2 * Math.PI);
  }
  ctx.fillStyle = color;
  ctx.fill();
  ctx.lineWidth = 2 * ratio;
  ctx.strokeStyle = "#ffffff";
  ctx.stroke();
  return { image: ctx.getImageData(0, 0, px, px), pixelRatio: ratio };
}
