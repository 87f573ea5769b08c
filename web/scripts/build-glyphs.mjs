// Builds the map's label glyphs: signed-distance-field PBFs, one file per block of 256
// code points, as MapLibre asks for them at GET /tiles/glyphs/{fontstack}/{range}.pbf.
//
//   node scripts/build-glyphs.mjs FONT_FILE OUT_DIR
//
// writes OUT_DIR/<family style>/<start>-<end>.pbf (+ .gz, served to browsers that accept
// gzip) for every block the font covers, and nothing for the blocks it does not: the server
// answers those 404, and MapLibre then draws the character with a local font instead of
// leaving a gap. fontnik is Mapbox's own glyph builder (FreeType + the SDF code MapLibre's
// glyphs were always made with); its npm package ships the native binary for linux-x64, so
// nothing is downloaded or compiled here. The directory is replaced whole, so a half-built
// one is never served.
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import fontnik from "fontnik";

const load = promisify(fontnik.load);
const range = promisify(fontnik.range);
const BLOCK = 256;
// Glyph PBFs stop at the Basic Multilingual Plane: MapLibre draws anything beyond locally.
const LAST = 0xffff;

const [fontFile, outArg, licence] = process.argv.slice(2);
if (!fontFile || !outArg) {
  console.error("usage: node scripts/build-glyphs.mjs FONT_FILE OUT_DIR [LICENCE_FILE]");
  process.exit(2);
}
const out = resolve(outArg);
const font = readFileSync(fontFile);
const faces = await load(font);
if (faces.length !== 1) {
  // fontnik writes every face of a collection into each file; MapLibre would mix them.
  console.error(`${fontFile}: ${faces.length} faces; give a font file with exactly one`);
  process.exit(1);
}
const [face] = faces;
// The name MapLibre asks for (the style's text-font). MapLibre 6 also uses it as the CSS
// font-family it draws kana and kanji with on the device, so a Regular face is named by its
// family alone: where BIZ UDPGothic is installed (Windows 10 and later, Debian's package) the
// whole name is then one face; elsewhere the browser's Japanese sans-serif draws those.
const fontstack =
  face.style_name === "Regular" ? face.family_name : `${face.family_name} ${face.style_name}`;
const covered = face.points.filter((p) => p <= LAST).map((p) => Math.floor(p / BLOCK));
const blocks = [...new Set(covered)].sort((a, b) => a - b);

// --- the baseline ---------------------------------------------------------------------------
// A glyph's `top` in these files counts from FreeType's ascender, while MapLibre puts the
// kana and kanji it draws on the device 27.5 px (at the 24 px the files are drawn at) below
// that origin. With this font's taller ascender the digits of 焼津第3自治会 would sit 2 px
// above the kanji beside them, so every glyph is moved down by the difference, measured on
// "H" (it stands on the baseline).
const DEVICE_BASELINE = 27.5;

function varint(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return [value, at];
    shift += 7;
  }
}

function writeVarint(value) {
  const out = [];
  while (value >= 0x80) {
    out.push((value % 0x80) | 0x80);
    value = Math.floor(value / 0x80);
  }
  out.push(value);
  return Buffer.from(out);
}

/** [field, wire type, value] of one message: varints as numbers, the rest as bytes. */
function fields(bytes) {
  const found = [];
  let at = 0;
  while (at < bytes.length) {
    let key;
    [key, at] = varint(bytes, at);
    const [field, wire] = [key >>> 3, key & 7];
    if (wire === 0) {
      let value;
      [value, at] = varint(bytes, at);
      found.push([field, wire, value]);
    } else if (wire === 2) {
      let size;
      [size, at] = varint(bytes, at);
      found.push([field, wire, bytes.subarray(at, at + size)]);
      at += size;
    } else {
      throw new Error(`unexpected wire type ${wire} in a glyph PBF`);
    }
  }
  return found;
}

function encode(message) {
  const out = [];
  for (const [field, wire, value] of message) {
    out.push(writeVarint(field * 8 + wire));
    if (wire === 2) out.push(writeVarint(value.length), value);
    else out.push(writeVarint(value));
  }
  return Buffer.concat(out);
}

const zigzag = (n) => (n >= 0 ? n * 2 : -n * 2 - 1);
const unzigzag = (z) => (z % 2 ? -(z + 1) / 2 : z / 2);
const GLYPH_TOP = 6;

/** The PBF with each glyph's top (glyphs > fontstack 1 > glyph 3 > top 6) moved by `by`. */
function shiftTops(pbf, by) {
  const glyph = (bytes) =>
    encode(fields(bytes).map(([f, w, v]) => (f === GLYPH_TOP ? [f, w, zigzag(unzigzag(v) + by)] : [f, w, v])));
  const stack = (bytes) => encode(fields(bytes).map(([f, w, v]) => (f === 3 ? [f, w, glyph(v)] : [f, w, v])));
  return encode(fields(pbf).map(([f, w, v]) => (f === 1 ? [f, w, stack(v)] : [f, w, v])));
}

/** How far below the file's origin the font's baseline is, from the glyph of "H". */
function baseline(pbf) {
  for (const [f, , stack] of fields(pbf)) {
    if (f !== 1) continue;
    for (const [g, , glyph] of fields(stack)) {
      if (g !== 3) continue;
      const parts = new Map(fields(glyph).map(([field, , value]) => [field, value]));
      if (parts.get(1) === "H".codePointAt(0)) return parts.get(4) - unzigzag(parts.get(GLYPH_TOP));
    }
  }
  return DEVICE_BASELINE;
}

const shift = Math.round(baseline(await range({ font, start: 0, end: BLOCK - 1 })) - DEVICE_BASELINE);

const staging = join(dirname(out), `.${basename(out)}.building`);
rmSync(staging, { recursive: true, force: true });
const dir = join(staging, fontstack);
mkdirSync(dir, { recursive: true });
let bytes = 0;
for (const block of blocks) {
  const start = block * BLOCK;
  const end = start + BLOCK - 1;
  const pbf = shiftTops(await range({ font, start, end }), shift);
  writeFileSync(join(dir, `${start}-${end}.pbf`), pbf);
  writeFileSync(join(dir, `${start}-${end}.pbf.gz`), gzipSync(pbf, { level: 9 }));
  bytes += pbf.length;
}
// The SIL Open Font License asks for its text to travel with anything made from the font.
if (licence && existsSync(licence)) cpSync(licence, join(staging, `${fontstack}.LICENSE.txt`));
rmSync(out, { recursive: true, force: true });
renameSync(staging, out);
console.log(
  `glyphs: ${blocks.length} ranges of "${fontstack}" (${(bytes / 1e6).toFixed(1)} MB, ` +
    `baseline moved ${shift} px) in ${out}`,
);
