"""The one symbol table: every kind has a symbol, and no two kinds of any layers share a
shape (frame and pictogram), so they stay apart in greyscale and for colour-blind readers."""

from __future__ import annotations

from collections import Counter
from enum import StrEnum

import pytest

from layers.city.facilities import FacilityKind
from layers.city.hazards import HazardKind
from layers.groups.model import SafetyFeatureKind
from layers.serving.symbols import all_symbols, layer_symbols, table

OKABE_ITO = {"#000000", "#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7"}


def _luminance(colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(colour[i : i + 2], 16) / 255) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize(
    ("layer_id", "kinds"),
    [("facility", FacilityKind), ("hazard", HazardKind), ("safety_map_feature", SafetyFeatureKind)],
)
def test_every_kind_has_its_own_symbol(layer_id: str, kinds: type[StrEnum]) -> None:
    found = layer_symbols(layer_id)
    assert found is not None
    field, by_value, _ = found
    assert field == "kind"
    assert {k.value for k in kinds} == set(by_value)


def test_no_two_kinds_of_any_layer_share_a_shape() -> None:
    shapes = Counter((s.frame, s.pictogram) for _, _, s in all_symbols())
    assert [shape for shape, n in shapes.items() if n > 1] == []


def test_each_layer_has_a_frame_of_its_own() -> None:
    frames = [entry["frame"] for entry in table()["layers"].values()]
    assert len(frames) == len(set(frames))


def test_colours_are_colour_blind_safe_and_the_pictogram_is_legible() -> None:
    for layer_id, value, symbol in all_symbols():
        assert symbol.color in OKABE_ITO, (layer_id, value)
        # WCAG 1.4.11: a graphic needed to understand the map has 3:1 against its ground.
        assert _contrast(symbol.color, symbol.ink) >= 3, (layer_id, value)
        assert symbol.pictogram in table()["pictograms"], (layer_id, value)
