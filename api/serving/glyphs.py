"""The map's label glyphs: the PBF ranges MapLibre asks for at
`GET /tiles/glyphs/{fontstack}/{range}.pbf`, built at install from a Debian font by
web/scripts/build-glyphs.mjs (`make glyphs`) into web/glyphs, never taken from a CDN.

MapLibre draws kana and kanji with the device's Japanese font (`localIdeographFontFamily`,
web/src/common/basemap.js) and never asks for those ranges; these files give the rest of a
name (digits, Latin, dashes, ①) in one face. Every range the font covers is built all the
same, so a client that turns local drawing off still gets Japanese text."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from layers.store.refusals import ParameterRefused, Refused

# The one face the style's labels use, as web/scripts/build-glyphs.mjs names its directory.
FONT = "BIZ UDPGothic"
MEDIA_TYPE = "application/x-protobuf"
BLOCK = 256
LAST = 0xFFFF
# The URL names no version, so not `immutable`; a month keeps glyphs out of the way of
# every later map view, and the ETag makes a check after that cheap.
CACHE_CONTROL = "public, max-age=2592000"
_RANGE = re.compile(r"^(\d{1,5})-(\d{1,5})$")


@dataclass(frozen=True)
class GlyphRange:
    body: bytes
    gzipped: bytes  # b"" when the build wrote no .gz beside it
    etag: str  # unquoted: the route adds the content-coding


def glyphs_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "web" / "glyphs"


def served_fonts() -> list[str]:
    root = glyphs_dir()
    return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


def _parse(codepoints: str) -> tuple[int, int]:
    m = _RANGE.match(codepoints)
    start, end = (int(m.group(1)), int(m.group(2))) if m else (-1, -1)
    if not m or start % BLOCK or end != start + BLOCK - 1 or end > LAST:
        raise ParameterRefused(
            "range",
            f"文字の範囲 {codepoints[:20]!r} は 0-255、256-511 … 65280-65535 のように"
            "256 文字ずつの範囲で指定してください。",
            f"range {codepoints[:20]!r} must be a block of 256 code points: 0-255, "
            "256-511 … 65280-65535",
        )
    return start, end


def glyph_range(fontstack: str, codepoints: str) -> GlyphRange:
    """One built range; a 400 for a range that is no block, a 404 for a font machimap does
    not serve or a block of code points the font has no glyph in (MapLibre then draws those
    characters locally)."""
    start, end = _parse(codepoints)
    fonts = served_fonts()
    if fontstack not in fonts:
        raise Refused(
            f"フォント {fontstack[:100]!r} の文字は配信していません。",
            f"no glyphs for the font {fontstack[:100]!r}",
            status=404,
            fonts=fonts,
        )
    path = glyphs_dir() / fontstack / f"{start}-{end}.pbf"
    if not path.is_file():
        raise Refused(
            f"フォント {fontstack!r} には {start}-{end} の文字がありません。",
            f"the font {fontstack!r} has no glyphs in {start}-{end}",
            status=404,
        )
    stat = path.stat()
    return _load(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _load(path: Path, mtime_ns: int, size: int) -> GlyphRange:
    # Keyed by mtime and size too, so a rebuild (`make glyphs`) is served without a restart.
    body = path.read_bytes()
    gz = path.with_name(path.name + ".gz")
    gzipped = gz.read_bytes() if gz.is_file() else b""
    return GlyphRange(body, gzipped, hashlib.sha256(body).hexdigest()[:32])
