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

const staging = join(dirname(out), `.${basename(out)}.building`);
rmSync(staging, { recursive: true, force: true });
const dir = join(staging, fontstack);
mkdirSync(dir, { recursive: true });
let bytes = 0;
for (const block of blocks) {
  const start = block * BLOCK;
  const end = start + BLOCK - 1;
  const pbf = await range({ font, start, end });
  writeFileSync(join(dir, `${start}-${end}.pbf`), pbf);
  writeFileSync(join(dir, `${start}-${end}.pbf.gz`), gzipSync(pbf, { level: 9 }));
  bytes += pbf.length;
}
// The SIL Open Font License asks for its text to travel with anything made from the font.
if (licence && existsSync(licence)) cpSync(licence, join(staging, `${fontstack}.LICENSE.txt`));
rmSync(out, { recursive: true, force: true });
renameSync(staging, out);
console.log(
  `glyphs: ${blocks.length} ranges of "${fontstack}" (${(bytes / 1e6).toFixed(1)} MB) in ${out}`,
);
