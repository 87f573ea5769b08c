// The leader's blur tool: on the photo, drag rectangles (mouse, pen or touch) over faces,
// 表札 and number plates; preview the blurred picture; then release it to the public (the
// server blurs its own copy with the rectangles as fractions of the photo) or withhold it.
// "Blur the whole photo" is the way for a person who cannot drag.
import { h } from "../../common/dom.js";
import { t, tx } from "../../common/i18n.js";

const MIN_FRACTION = 0.01;

export function blurTool(photo, { onRelease, onWithhold, onClose }) {
  const rects = []; // [x0, y0, x1, y1] as fractions
  let preview = false;
  let dragging = null;
  const canvas = h("canvas", { class: "sm-blur-canvas", "aria-label": t("sm.blur_canvas") });
  const image = new Image();
  const status = h("p", { class: "hint", role: "status" });
  const ctx = canvas.getContext("2d");

  function draw(extra) {
    if (!image.naturalWidth) return;
    const w = canvas.width;
    const hgt = canvas.height;
    ctx.filter = "none";
    ctx.drawImage(image, 0, 0, w, hgt);
    const all = extra ? [...rects, extra] : rects;
    for (const [x0, y0, x1, y1] of all) {
      const box = [x0 * w, y0 * hgt, (x1 - x0) * w, (y1 - y0) * hgt];
      if (preview) {
        ctx.save();
        ctx.beginPath();
        ctx.rect(...box);
        ctx.clip();
        ctx.filter = "blur(12px)";
        ctx.drawImage(image, 0, 0, w, hgt);
        ctx.restore();
      } else {
        ctx.lineWidth = 3;
        ctx.strokeStyle = "#ffbf47";
        ctx.fillStyle = "rgba(26, 26, 26, 0.35)";
        ctx.fillRect(...box);
        ctx.strokeRect(...box);
      }
    }
    status.textContent = t("sm.blur_count", { count: rects.length });
  }

  image.onload = () => {
    const width = Math.min(image.naturalWidth, 1200);
    canvas.width = width;
    canvas.height = Math.round((image.naturalHeight / image.naturalWidth) * width);
    draw();
  };
  image.src = photo.url;

  function fraction(event) {
    const box = canvas.getBoundingClientRect();
    const clamp = (v) => Math.min(1, Math.max(0, v));
    return [clamp((event.clientX - box.left) / box.width), clamp((event.clientY - box.top) / box.height)];
  }
  const rectOf = (a, b) => [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1])];
  canvas.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    dragging = fraction(event);
  });
  canvas.addEventListener("pointermove", (event) => {
    if (dragging) draw(rectOf(dragging, fraction(event)));
  });
  canvas.addEventListener("pointerup", (event) => {
    if (!dragging) return;
    const r = rectOf(dragging, fraction(event));
    dragging = null;
    if (r[2] - r[0] >= MIN_FRACTION && r[3] - r[1] >= MIN_FRACTION) rects.push(r);
    draw();
  });

  const previewButton = h("button", { type: "button", "aria-pressed": "false" }, tx("sm.blur_preview"));
  previewButton.addEventListener("click", () => {
    preview = !preview;
    previewButton.setAttribute("aria-pressed", String(preview));
    draw();
  });
  const round = (v) => Math.round(v * 10000) / 10000;
  return h(
    "div",
    { class: "sm-blur" },
    h("h2", { id: "blur-heading", tabindex: -1 }, tx("sm.blur_heading")),
    h("p", {}, tx("sm.blur_intro")),
    h("div", { class: "sm-blur-frame" }, canvas),
    status,
    h(
      "div",
      { class: "sm-form-buttons" },
      previewButton,
      h("button", { type: "button", onclick: () => { rects.pop(); draw(); } }, tx("sm.blur_undo")),
    ),
    h(
      "div",
      { class: "sm-form-buttons" },
      h(
        "button",
        { type: "button", class: "primary", onclick: () => onRelease({ blur: rects.map((r) => r.map(round)), blur_all: false }) },
        t("sm.blur_release"),
      ),
      h("button", { type: "button", onclick: () => onRelease({ blur: [], blur_all: true }) }, tx("sm.blur_all")),
      h("button", { type: "button", onclick: onWithhold }, tx("sm.blur_withhold")),
      h("button", { type: "button", onclick: onClose }, tx("sm.close")),
    ),
  );
}
