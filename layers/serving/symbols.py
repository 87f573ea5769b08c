"""The one symbol table (symbols.json beside this file): which frame, pictogram and colour
each kind of feature is drawn with. The web pages import the same file at build time, and
the server's map style colours its circles from it, so a kind looks alike on the public
map, its legend and list, the report form, the staff pages and in GIS clients.

The pictograms are Mapbox's Maki icons (CC0 1.0), taken as path data from the npm package
@mapbox/maki 8.2.0 so the server and a printed map need no icon font or network."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

TABLE_PATH = Path(__file__).with_name("symbols.json")


@dataclass(frozen=True)
class Symbol:
    frame: str  # the layer's shape: square, triangle, circle, diamond
    pictogram: str  # a Maki icon name, a key of table()["pictograms"]
    color: str  # fill, from the Okabe-Ito palette
    ink: str  # the pictogram's colour, legible on the fill


@cache
def table() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(TABLE_PATH.read_text(encoding="utf-8"))
    return loaded


def _symbol(frame: str, entry: dict[str, Any]) -> Symbol:
    return Symbol(frame, entry["pictogram"], entry["color"], entry["ink"])


def layer_symbols(layer_id: str) -> tuple[str, dict[str, Symbol], Symbol] | None:
    """A layer's symbol field, its symbols by value and the default, or None for a layer
    drawn with one style."""
    entry = table()["layers"].get(layer_id)
    if entry is None:
        return None
    frame = entry["frame"]
    values = {value: _symbol(frame, e) for value, e in entry["values"].items()}
    return entry["field"], values, _symbol(frame, entry["default"])


def all_symbols() -> list[tuple[str, str, Symbol]]:
    """Every (layer, value, symbol) of the table, spares of report categories included
    (as value "spare:<n>"): what must stay apart from each other."""
    out: list[tuple[str, str, Symbol]] = []
    for layer_id, entry in table()["layers"].items():
        frame = entry["frame"]
        out.extend((layer_id, v, _symbol(frame, e)) for v, e in entry["values"].items())
        spares = enumerate(entry.get("spare", []))
        out.extend((layer_id, f"spare:{n}", _symbol(frame, e)) for n, e in spares)
    return out
