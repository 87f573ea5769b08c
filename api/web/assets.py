"""The web pages Vite builds into web/dist (see web/README.md), and how a page the server
renders itself loads one of Vite's script entries.

Vite writes the static pages (index.html …) with their fingerprinted asset names already
in them. A server-rendered page (the /ogc pages, the API reference) finds the same names
in Vite's manifest (dist/.vite/manifest.json), walking the entry's imports as Vite does for
an HTML entry: every stylesheet any imported chunk carries, and a modulepreload for each
chunk, so the browser fetches them in parallel instead of one import at a time."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import Any

from layers.store.settings import get_settings

MANIFEST = Path(".vite") / "manifest.json"


def dist_dir() -> Path:
    configured = get_settings().web_dist
    return configured or Path(__file__).resolve().parents[2] / "web" / "dist"


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
