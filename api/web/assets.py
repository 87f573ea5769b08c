"""The web pages Vite builds into web/dist (see web/README.md), and how a page the server
renders itself loads one of Vite's script entries.

Vite writes the static pages (index.html …) with their fingerprinted asset names already
in them. A server-rendered page (the /ogc pages, the API reference) finds the same names
in Vite's manifest (dist/.vite/manifest.json), walking the entry's imports as Vite does for
an HTML entry: every stylesheet any imported chunk carries, and a modulepreload for each
chunk, so the browser fetches them in parallel instead of one import at a time."""

from __future__ import annotations

import json
import mimetypes
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import FileResponse, Response

from api.caching import etag_of, matches
from layers.store.refusals import Refused
from layers.store.settings import ALL_LANGUAGES, get_settings

MANIFEST = Path(".vite") / "manifest.json"
IMMUTABLE = "public, max-age=31536000, immutable"
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("text/javascript", ".mjs")
mimetypes.add_type("application/json", ".map")


def dist_dir() -> Path:
    configured = get_settings().web_dist
    return configured or Path(__file__).resolve().parents[2] / "web" / "dist"


@lru_cache(maxsize=512)
def _etag(path: Path, mtime_ns: int, size: int) -> str:
    return etag_of(path.read_bytes())


def _accepted(header: str) -> set[str]:
    accepted = set()
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        if params.strip().replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000"):
            continue
        accepted.add(name.strip().lower())
    return accepted


def serve_built(request: Request, path: Path, cache_control: str) -> Response:
    """A built file with its ETag, as the gzip or brotli copy the browser accepts."""
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if media_type.startswith("text/") or media_type == "application/json":
        media_type += "; charset=utf-8"
    stat = path.stat()
    etag = _etag(path, stat.st_mtime_ns, stat.st_size)
    headers = {"Cache-Control": cache_control, "Vary": "Accept-Encoding", "ETag": etag}
    if matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    accepted = _accepted(request.headers.get("accept-encoding", ""))
    for encoding, suffix in ENCODINGS:
        compressed = path.with_name(path.name + suffix)
        if encoding in accepted and compressed.is_file():
            headers["Content-Encoding"] = encoding
            return FileResponse(compressed, media_type=media_type, headers=headers)
    return FileResponse(path, media_type=media_type, headers=headers)


# The resident pages learn the city's languages from this tag, written by the build with all
# of them: the menu and ?lang= are decided before the first paint, with no request of their own.
LANGUAGES_TAG = '<meta name="machimap-languages" content="{}" />'


@lru_cache(maxsize=16)
def _with_languages(path: Path, mtime_ns: int, offered: str) -> bytes:
    built = LANGUAGES_TAG.format(" ".join(ALL_LANGUAGES))
    return path.read_bytes().replace(built.encode(), LANGUAGES_TAG.format(offered).encode())


def built_page(request: Request, name: str, cache_control: str) -> Response:
    """One of the pages Vite built (index.html, track.html …); 503 when none is built."""
    path = dist_dir() / name
    if not path.is_file():
        raise Refused(
            "画面がまだビルドされていません。`make install` を実行してください。",
            "The web pages are not built: run `make install` (npm run build in web/).",
            status=503,
        )
    languages = get_settings().languages
    if languages == ALL_LANGUAGES:
        return serve_built(request, path, cache_control)
    # A city offering fewer languages: the page rewritten (a few KB, uncompressed).
    body = _with_languages(path, path.stat().st_mtime_ns, " ".join(languages))
    headers = {"Cache-Control": cache_control, "ETag": etag_of(body)}
    if matches(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="text/html; charset=utf-8", headers=headers)


@dataclass(frozen=True)
class Entry:
    script: str  # /assets/name-HASH.js
    styles: tuple[str, ...]
    preloads: tuple[str, ...]

    def tags(self) -> str:
        """The <head> tags that load the entry: stylesheets first, then the module."""
        lines = [f'<link rel="stylesheet" href="{escape(href)}">' for href in self.styles]
        lines += [f'<link rel="modulepreload" href="{escape(href)}">' for href in self.preloads]
        lines.append(f'<script type="module" src="{escape(self.script)}"></script>')
        return "\n".join(lines)


@lru_cache(maxsize=8)
def _manifest(path: Path, mtime_ns: int) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def entry(source: str) -> Entry | None:
    """The built files of the script entry ``source`` (as web/vite.config.js names it,
    "src/serving/ogc.js"); None when the pages are not built, so a page still renders
    without its script."""
    path = dist_dir() / MANIFEST
    try:
        manifest = _manifest(path, path.stat().st_mtime_ns)
    except (OSError, ValueError):
        return None
    if source not in manifest:
        return None
    styles: list[str] = []
    preloads: list[str] = []
    seen: set[str] = set()

    def walk(key: str) -> None:
        if key in seen:
            return
        seen.add(key)
        chunk = manifest[key]
        for imported in chunk.get("imports", []):
            walk(imported)
            preloads.append("/" + manifest[imported]["file"])
        styles.extend("/" + css for css in chunk.get("css", []) if "/" + css not in styles)

    walk(source)
    return Entry("/" + manifest[source]["file"], tuple(styles), tuple(dict.fromkeys(preloads)))
