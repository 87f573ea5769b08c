"""Markers and legend symbols in the web map's shapes (layers/serving/symbols.py; drawn as
web/src/common/symbols.js draws them): the layer's frame filled with the kind's colour,
with the place's number in it on the map, and the kind's pictogram in the legend."""

from __future__ import annotations

from functools import cache

from layers.serving.symbols import Symbol, layer_symbols, table

LAYER = "safety_map_feature"
VIEWBOX = 15  # Maki pictograms are drawn on a 15 × 15 grid


@cache
def kind_symbol(kind: str) -> Symbol:
    found = layer_symbols(LAYER)
    if found is None:  # the table always has the layer; a marker still needs a shape
        return Symbol("diamond", "marker", "#000000", "#ffffff")
    _field, values, default = found
    return values.get(kind, default)


def _f(n: float) -> str:
    return f"{n:.2f}".rstrip("0").rstrip(".")


def frame(kind: str, size: float) -> tuple[str, tuple[float, float, float]]:
    """The frame's outline centred on (0, 0) and the box (x, y, side) the pictogram fits in:
    web/src/common/symbols.js frame(), moved to the centre."""
    r = size / 2 - size * 0.07
    if kind == "square":
        s = r * 0.88
        k = s * 0.28
        path = (
            f"M{_f(-s + k)} {_f(-s)} H{_f(s - k)} Q{_f(s)} {_f(-s)} {_f(s)} {_f(-s + k)} "
            f"V{_f(s - k)} Q{_f(s)} {_f(s)} {_f(s - k)} {_f(s)} H{_f(-s + k)} "
            f"Q{_f(-s)} {_f(s)} {_f(-s)} {_f(s - k)} V{_f(-s + k)} Q{_f(-s)} {_f(-s)} "
            f"{_f(-s + k)} {_f(-s)} Z"
        )
        return path, (-s * 0.72, -s * 0.72, s * 1.44)
    if kind == "triangle":
        bottom, half, w = r * 0.78, r * 1.05, r * 0.95
        path = f"M0 {_f(-r)} L{_f(half)} {_f(bottom)} L{_f(-half)} {_f(bottom)} Z"
        return path, (-w / 2, bottom - w - r * 0.12, w)
    if kind == "diamond":
        w = r * 0.95
        return f"M0 {_f(-r)} L{_f(r)} 0 L0 {_f(r)} L{_f(-r)} 0 Z", (-w / 2, -w / 2, w)
    w = r * 1.2
    path = f"M{_f(-r)} 0 A{_f(r)} {_f(r)} 0 1 0 {_f(r)} 0 A{_f(r)} {_f(r)} 0 1 0 {_f(-r)} 0 Z"
    return path, (-w / 2, -w / 2, w)


def marker(kind: str, number: int, size: float) -> str:
    """A numbered marker of ``size`` units centred on (0, 0): the frame with a white edge
    (it stands out on any background), the number in the kind's ink."""
    symbol = kind_symbol(kind)
    # A number of three digits needs a wider frame than the pictogram did.
    grow = 1.0 if number < 100 else 1.15
    path, _box = frame(symbol.frame, size * grow)
    digits = str(number)
    font = size * (0.42 if len(digits) < 3 else 0.34)
    return (
        f'<path d="{path}" fill="{symbol.color}" stroke="#ffffff" '
        f'stroke-width="{_f(size * 0.09)}" stroke-linejoin="round"/>'
        f'<path d="{path}" fill="none" stroke="#000000" stroke-opacity="0.55" '
        f'stroke-width="{_f(size * 0.025)}" stroke-linejoin="round"/>'
        f'<text x="0" y="{_f(font * 0.36)}" text-anchor="middle" font-size="{_f(font)}" '
        f'font-weight="bold" fill="{symbol.ink}">{digits}</text>'
    )


def legend_symbol(kind: str, size_mm: float) -> str:
    """The kind's symbol with its pictogram, as inline SVG of ``size_mm``."""
    symbol = kind_symbol(kind)
    path, (x, y, w) = frame(symbol.frame, size_mm)
    pictogram = table()["pictograms"].get(symbol.pictogram, "")
    half = size_mm / 2
    return (
        f'<svg class="symbol" width="{_f(size_mm)}mm" height="{_f(size_mm)}mm" '
        f'viewBox="{_f(-half)} {_f(-half)} {_f(size_mm)} {_f(size_mm)}">'
        f'<path d="{path}" fill="{symbol.color}" stroke="#ffffff" '
        f'stroke-width="{_f(size_mm * 0.07)}" stroke-linejoin="round"/>'
        f'<path d="{pictogram}" fill="{symbol.ink}" '
        f'transform="translate({_f(x)} {_f(y)}) scale({w / VIEWBOX:.4f})"/></svg>'
    )


def number_badge(kind: str, number: int, size_mm: float) -> str:
    """The marker as it is on the map, for the list beside each place."""
    half = size_mm * 0.6
    return (
        f'<svg class="badge" width="{_f(half * 2)}mm" height="{_f(half * 2)}mm" '
        f'viewBox="{_f(-half)} {_f(-half)} {_f(half * 2)} {_f(half * 2)}">'
        f"{marker(kind, number, size_mm)}</svg>"
    )
