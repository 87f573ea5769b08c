// Horizontal bar charts drawn as inline SVG with DOM calls (no chart library, no style
// attributes). Each group's name sits on its own line above its bars, so long Japanese
// department names never squeeze the bars on a narrow screen. Series differ in colour and
// in fill (solid or hatched), and every bar carries its number as text. The chart is an
// image with a title and description; the table next to it is the accessible alternative.
import { s, h, uid } from "../common/dom.js";

const WIDTH = 640;
const LABEL = 22; // a group name's line
const BAR = 18;
const BAR_GAP = 4;
const GROUP_GAP = 14;
const AXIS = 28;
const VALUE_ROOM = 88; // room right of the longest bar for its number

function niceStep(max) {
  const rough = max / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const scaled = rough / power;
  const nice = [1, 2, 2.5, 5, 10].find((n) => scaled <= n);
  // Whole numbers on the axis: counts and days are never shown in fractions of one.
  return Math.max(1, nice * power);
}

function fillFor(serie, index, defs, chartId) {
  if (!serie.hatched) return serie.color;
  const id = `${chartId}-hatch-${index}`;
  defs.append(
    s(
      "pattern",
      { id, patternUnits: "userSpaceOnUse", width: 7, height: 7, patternTransform: "rotate(45)" },
      s("rect", { width: 7, height: 7, fill: serie.color }),
      s("line", { x1: 1.5, y1: 0, x2: 1.5, y2: 7, stroke: "#ffffff", "stroke-width": 2.5 }),
    ),
  );
  return `url(#${id})`;
}

/**
 * @param {object} options
 * @param {string} options.title - the chart's title (also its accessible name)
 * @param {string} options.description - what it shows and where the numbers are
 * @param {{name: string, color: string, hatched?: boolean}[]} options.series
 * @param {{label: string, values: (number|null)[]}[]} options.groups
 * @param {(value: number) => string} options.format - a bar's number as text
 * @param {(value: number) => string} options.tick - an axis label
 * @param {string} options.empty - the text of a bar with no value
 */
export function barChart({ title, description, series, groups, format, tick, empty }) {
  const chartId = uid("chart");
  const titleId = `${chartId}-title`;
  const descId = `${chartId}-desc`;
  const values = groups.flatMap((g) => g.values).filter((v) => v !== null && v !== undefined);
  const max = Math.max(0, ...values);
  const step = niceStep(max > 0 ? max : 1);
  const top = Math.max(step, Math.ceil(max / step) * step);
  const plot = WIDTH - VALUE_ROOM;
  const x = (value) => (value / top) * plot;
  const groupHeight = LABEL + series.length * (BAR + BAR_GAP) + GROUP_GAP;
  const height = groups.length * groupHeight + AXIS;

  const defs = s("defs");
  const fills = series.map((serie, index) => fillFor(serie, index, defs, chartId));
  const grid = s("g", { class: "chart-grid", "aria-hidden": "true" });
  const axisY = groups.length * groupHeight;
  const barsHeight = series.length * (BAR + BAR_GAP) - BAR_GAP;
  for (let v = 0; v <= top + step / 2; v += step) {
    // Lines run beside the bars only, never through a group's name.
    groups.forEach((group, gi) => {
      const y1 = gi * groupHeight + LABEL - 2;
      grid.append(
        s("line", {
          x1: x(v) + 0.5,
          x2: x(v) + 0.5,
          y1,
          y2: y1 + barsHeight + 4 + (gi === groups.length - 1 ? GROUP_GAP : 0),
          class: v === 0 ? "axis" : "gridline",
        }),
      );
    });
    grid.append(
      s("text", {
        x: x(v),
        y: axisY + 18,
        "text-anchor": v === 0 ? "start" : "middle",
        class: "tick",
        text: tick(v),
      }),
    );
  }
  const bars = s("g", { class: "chart-bars" });
  groups.forEach((group, gi) => {
    const y0 = gi * groupHeight;
    bars.append(s("text", { x: 0, y: y0 + 16, class: "group-label", text: group.label }));
    series.forEach((serie, si) => {
      const value = group.values[si];
      const y = y0 + LABEL + si * (BAR + BAR_GAP);
      if (value === null || value === undefined) {
        bars.append(s("text", { x: 4, y: y + 13, class: "bar-value empty", text: empty }));
        return;
      }
      const w = Math.max(value > 0 ? 2 : 0, x(value));
      bars.append(
        s("rect", {
          x: 0,
          y,
          width: w,
          height: BAR,
          fill: fills[si],
          stroke: serie.color,
          "stroke-width": 1,
          class: "bar",
          "data-value": value,
        }),
        s("text", { x: w + 6, y: y + 13, class: "bar-value", text: format(value) }),
      );
    });
  });
  const svg = s(
    "svg",
    {
      class: "chart",
      viewBox: `0 0 ${WIDTH} ${height}`,
      width: "100%",
      role: "img",
      "aria-labelledby": `${titleId} ${descId}`,
      focusable: "false",
    },
    s("title", { id: titleId, text: title }),
    s("desc", { id: descId, text: description }),
    defs,
    grid,
    bars,
  );
  // The SVG's aspect ratio keeps its text readable as the column narrows.
  svg.setAttribute("preserveAspectRatio", "xMinYMin meet");

  const legend =
    series.length > 1
      ? h(
          "ul",
          { class: "chart-legend", "aria-hidden": "true" },
          series.map((serie, index) =>
            h(
              "li",
              {},
              s(
                "svg",
                { width: 28, height: 16, viewBox: "0 0 28 16", class: "swatch" },
                s("defs", {}, legendPattern(serie, index, chartId)),
                s("rect", {
                  x: 1,
                  y: 1,
                  width: 26,
                  height: 14,
                  fill: serie.hatched ? `url(#${chartId}-legend-${index})` : serie.color,
                  stroke: serie.color,
                }),
              ),
              serie.name,
            ),
          ),
        )
      : null;
  return h("div", { class: "chart-box" }, legend, svg);
}

function legendPattern(serie, index, chartId) {
  if (!serie.hatched) return null;
  return s(
    "pattern",
    {
      id: `${chartId}-legend-${index}`,
      patternUnits: "userSpaceOnUse",
      width: 7,
      height: 7,
      patternTransform: "rotate(45)",
    },
    s("rect", { width: 7, height: 7, fill: serie.color }),
    s("line", { x1: 1.5, y1: 0, x2: 1.5, y2: 7, stroke: "#ffffff", "stroke-width": 2.5 }),
  );
}
