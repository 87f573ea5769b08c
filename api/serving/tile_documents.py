"""The documents describing the vector tiles: TileJSON 3.0.0 for any layer set and the
MapLibre style (version 8) of the public layers over 地理院タイル, with their names as
labels. The tiles themselves and the facts these documents state are
layers/serving/tiles.py's; the labels' glyphs are api/serving/glyphs.py's."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from api.serving import glyphs
from layers.city.districts import DistrictLevel
from layers.city.facilities import FacilityKind
from layers.policy import ANONYMOUS, RowFilter, row_filter
from layers.registry import Field, Layer, get_layer
from layers.serving import tiles
from layers.serving.symbols import layer_symbols
from layers.store.settings import get_settings

# --- TileJSON -------------------------------------------------------------------------------

_MVT_TYPES = {
    "string": "String",
    "integer": "Number",
    "number": "Number",
    "boolean": "Boolean",
    "date": "String (YYYY-MM-DD)",
    "datetime": "String (ISO 8601, UTC)",
    "string[]": "String (comma-separated)",
}
WORLD = (-180.0, -85.0511287798066, 180.0, 85.0511287798066)


def tiles_url(base_url: str, layers: Sequence[Layer]) -> str:
    spec = ",".join(layer.id for layer in layers)
    return f"{base_url.rstrip('/')}/tiles/{spec}/{{z}}/{{x}}/{{y}}.mvt"


def _field_description(f: Field) -> str:
    return f"{_MVT_TYPES[f.type]}: {f.title_ja} / {f.title_en}"


def _center_zoom(bounds: Sequence[float]) -> int:
    span = max(bounds[2] - bounds[0], bounds[3] - bounds[1], 1e-6)
    return max(0, min(tiles.ADVERTISED_MAX_ZOOM, int(math.log2(360 / span))))


def tilejson(
    layers: Sequence[Layer], filters: Sequence[RowFilter | None], base_url: str
) -> dict[str, Any]:
    """TileJSON 3.0.0 for a layer set as this caller sees it: bounds are those of the rows
    the caller may see (the demo city's, not the world's)."""
    facts = tiles.tileset_facts(layers, filters)
    bounds = [round(v, 6) for v in facts.bounds] if facts.bounds else list(WORLD)
    zoom = _center_zoom(bounds)
    max_zoom = min(tiles.ADVERTISED_MAX_ZOOM, get_settings().tile_max_zoom)
    titles, vector_layers, sources, licences = [], [], [], []
    for layer in layers:
        about = facts.layers[layer.id]
        title = f"{about.title_ja} / {about.title_en}"
        titles.append(title)
        vector_layers.append(
            {
                "id": layer.id,
                "description": " ".join(filter(None, (f"{title}.", about.description))),
                "minzoom": 0,
                "maxzoom": max_zoom,
                "fields": {f.name: _field_description(f) for f in layer.public_fields},
            }
        )
        # One 出典 naming each source once, in the order the layers come.
        for name in (about.attribution or "").split("、"):
            if name.strip() and name.strip() not in sources:
                sources.append(name.strip())
        if about.licence and about.licence not in licences:
            licences.append(about.licence)
    return {
        "tilejson": "3.0.0",
        "name": "、".join(titles),
        "description": "machimap の地図レイヤ / machimap map layers",
        "attribution": " / ".join(
            [
                *([f"出典：{'、'.join(sources)}"] if sources else []),
                *(f"ライセンス：{lic}" for lic in licences),
            ]
        ),
        "scheme": "xyz",
        "tiles": [tiles_url(base_url, layers)],
        "minzoom": 0,
        "maxzoom": max_zoom,
        "bounds": bounds,
        "center": [
            round((bounds[0] + bounds[2]) / 2, 6),
            round((bounds[1] + bounds[3]) / 2, 6),
            zoom,
        ],
        "vector_layers": vector_layers,
    }


# --- the MapLibre style ---------------------------------------------------------------------

_HEX8 = re.compile(r"^#([0-9a-fA-F]{2})([0-9a-fA-F]{2})([0-9a-fA-F]{2})([0-9a-fA-F]{2})$")


def _colour(value: str) -> str:
    """Registry colours may be #rrggbbaa; spell those as rgba(), which every renderer reads."""
    m = _HEX8.match(value)
    if not m:
        return value
    r, g, b, a = (int(part, 16) for part in m.groups())
    return f"rgba({r}, {g}, {b}, {round(a / 255, 3)})"


def _kind_filter(kind: str) -> list[Any]:
    # MapLibre versions disagree on whether "geometry-type" says MultiPolygon; accept both.
    return ["in", ["geometry-type"], ["literal", [kind, f"Multi{kind}"]]]


def _point_colour(layer: Layer, colour: str) -> Any:
    """Points coloured by kind from the symbol table, as the web map draws them."""
    symbols = layer_symbols(layer.id)
    if symbols is None or not any(f.name == symbols[0] for f in layer.public_fields):
        return colour
    field, by_value, default = symbols
    pairs = [x for value, symbol in by_value.items() for x in (value, symbol.color)]
    return ["match", ["get", field], *pairs, default.color]


def _by_value(layer: Layer, key: str, default: Any) -> Any:
    """A paint value chosen by a field's value where the registry's style has a "by" table
    (roads: emergency routes bold, planned roads thin), else the layer's one value."""
    by = layer.style.get("by")
    if not by or not any(f.name == by["field"] for f in layer.public_fields):
        return default
    pairs = [
        x
        for value, paint in by["values"].items()
        if key in paint
        for x in (value, _colour(paint[key]) if isinstance(paint[key], str) else paint[key])
    ]
    return ["match", ["get", by["field"]], *pairs, default] if pairs else default


def _style_layers(layer: Layer) -> list[dict[str, Any]]:
    """Fill, line and circle layers drawn from the registry's style (Okabe-Ito colours)."""
    s = layer.style
    base = {"source": "machimap", "source-layer": layer.id}
    colour = _colour(str(s.get("color", s.get("line", "#000000"))))
    out: list[dict[str, Any]] = []
    areas = layer.geometry_type in ("Polygon", "MultiPolygon", "Geometry")
    lines = layer.geometry_type in ("LineString", "MultiLineString", "Geometry") or areas
    points = layer.geometry_type in ("Point", "MultiPoint", "Geometry")
    mixed = layer.geometry_type == "Geometry"
    if areas:
        fill = _colour(str(s["fill"])) if "fill" in s else colour
        out.append(
            {
                "id": f"{layer.id}-fill",
                "type": "fill",
                **base,
                **({"filter": _kind_filter("Polygon")} if mixed else {}),
                "paint": {"fill-color": fill, "fill-opacity": 0.25 if mixed else 1},
            }
        )
    if lines:
        out.append(
            {
                "id": f"{layer.id}-line",
                "type": "line",
                **base,
                **({"filter": ["!", _kind_filter("Point")]} if mixed else {}),
                "paint": {
                    "line-color": _by_value(layer, "line", _colour(str(s.get("line", colour)))),
                    "line-width": _by_value(layer, "width", float(s.get("width", 2))),
                },
            }
        )
    if points:
        # Severity decides which hazard is drawn on top (MVT order is the tile's cap order).
        has_severity = any(f.name == "severity" for f in layer.public_fields)
        sort_key = ["coalesce", ["get", "severity"], 0] if has_severity else None
        out.append(
            {
                "id": f"{layer.id}-circle",
                "type": "circle",
                **base,
                **({"filter": _kind_filter("Point")} if mixed else {}),
                **({"layout": {"circle-sort-key": sort_key}} if sort_key else {}),
                "paint": {
                    "circle-color": _point_colour(layer, colour),
                    "circle-radius": ["interpolate", ["linear"], ["zoom"], 10, 2.5, 16, 6],
                    "circle-stroke-color": "#ffffff",
                    "circle-stroke-width": 1,
                },
            }
        )
    return out


# --- labels ---------------------------------------------------------------------------------

# The tiles the area names are placed from: the same district tiles, never closer than the
# zoom whose one tile holds the whole city (LABEL_SOURCE_ZOOMS bound it).
LABEL_SOURCE = "machimap-labels"
LABEL_SOURCE_ZOOMS = (8, 14)


@dataclass(frozen=True)
class _Label:
    """Names of one registry layer's features from a zoom on: each district level where its
    areas are a few hundred pixels across, so one level is named at a time."""

    layer: str
    id: str
    minzoom: float
    maxzoom: float | None = None
    filter: list[Any] | None = None
    colour: str = "#2b353d"
    point: bool = False  # under a point's symbol, not in the middle of an area
    # MapLibre names an area once per tile it crosses; from LABEL_SOURCE a district lies in
    # one tile, so it is named once.
    whole: bool = False


def _one_of(field: str, values: Sequence[str]) -> list[Any]:
    return ["in", ["get", field], ["literal", [str(v) for v in values]]]


# 避難所 and the other places people must find in a disaster are named sooner than the rest.
_SAFETY_KINDS = [
    kind.value
    for kind in (
        FacilityKind.city_hall,
        FacilityKind.branch_office,
        FacilityKind.shelter,
        FacilityKind.evacuation_site,
        FacilityKind.tsunami_evacuation_building,
        FacilityKind.first_aid_station,
    )
]
_FACILITY_TEXT = "#00466e"  # the facilities' Okabe-Ito blue, darkened for small text
_LABELS = (
    # The city level is not named: the map shows one city. At the whole-city view the
    # 自治会 would be smaller than their names, so names start a step closer.
    _Label(
        "district",
        "district-label-area",
        12,
        14,
        _one_of("level", [DistrictLevel.area]),
        whole=True,
    ),
    _Label(
        "district",
        "district-label-neighbourhood",
        14,
        16,
        _one_of("level", [DistrictLevel.neighbourhood]),
        whole=True,
    ),
    # 町丁目 are small enough to lie in one street-level tile, and too small to survive the
    # simplification of a tile holding the whole city.
    _Label("district", "district-label-block", 16, None, _one_of("level", [DistrictLevel.block])),
    # A later layer is placed first where labels collide, so the safety places come last.
    _Label(
        "facility",
        "facility-label",
        16,
        filter=["!", _one_of("kind", _SAFETY_KINDS)],
        colour=_FACILITY_TEXT,
        point=True,
    ),
    _Label(
        "facility",
        "facility-label-safety",
        14.5,
        filter=_one_of("kind", _SAFETY_KINDS),
        colour=_FACILITY_TEXT,
        point=True,
    ),
)
_HALO = "rgba(255, 255, 255, 0.9)"


def _label_layer(label: _Label) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "text-field": ["get", "name"],
        "text-font": [glyphs.FONT],
        "text-size": ["interpolate", ["linear"], ["zoom"], 12, 11.5, 16, 13, 18, 15],
        # Most names (焼津第3自主防災会) fit on one line; longer ones wrap in two.
        "text-max-width": 10,
        "text-padding": 4,
    }
    if label.point:
        layout |= {"text-anchor": "top", "text-offset": [0, 0.9]}
    return {
        "id": label.id,
        "type": "symbol",
        "source": LABEL_SOURCE if label.whole else "machimap",
        "source-layer": label.layer,
        "minzoom": label.minzoom,
        **({"maxzoom": label.maxzoom} if label.maxzoom is not None else {}),
        **({"filter": label.filter} if label.filter else {}),
        "layout": layout,
        # A white halo reads over 地理院タイル, the hazard areas and the plain background alike.
        "paint": {
            "text-color": label.colour,
            "text-halo-color": _HALO,
            "text-halo-width": 2,
            "text-halo-blur": 0.5,
        },
    }


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return min(int((lon + 180) / 360 * n), n - 1), min(int(y), n - 1)


def _one_tile_zoom(bounds: Sequence[float]) -> int:
    """The deepest zoom whose one tile holds the whole box, within LABEL_SOURCE_ZOOMS: the
    label source's maxzoom, so MapLibre enlarges that tile instead of fetching closer ones.
    Below zoom 8 the tiles' simplification would blur even a 自治会 (a city spanning two zoom-8
    tiles gets its areas named once more at that edge)."""
    low, high = LABEL_SOURCE_ZOOMS
    for z in range(high, low, -1):
        corners = {_tile_of(lon, lat, z) for lon in bounds[0::2] for lat in bounds[1::2]}
        if len(corners) == 1:
            return z
    return low


def glyphs_url(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/tiles/glyphs/{{fontstack}}/{{range}}.pbf"


_PAINT_ORDER = {"fill": 0, "line": 1}  # then circles and symbols


def style(base_url: str) -> dict[str, Any]:
    """A MapLibre style (version 8) of every layer anyone may see over 地理院タイル 淡色地図,
    with names written on the map: districts by level as the zoom goes in, 避難所 and other
    safety places from zoom 14.5, every facility from 16.

    Labels are drawn with machimap's own glyphs (the `glyphs` URL), over every other layer."""
    layers = [get_layer(i) for i in tiles.anonymous_layer_ids()]
    filters = [row_filter(ANONYMOUS, layer) for layer in layers]
    info = tilejson(layers, filters, base_url)
    # Areas below lines below points, each group in registry order.
    order = {"MultiPolygon": 0, "Polygon": 0, "MultiLineString": 1, "LineString": 1}
    drawn = sorted(layers, key=lambda lay: order.get(lay.geometry_type, 2))
    shown = [label for label in _LABELS if label.layer in {layer.id for layer in layers}]
    named = [get_layer(i) for i in dict.fromkeys(label.layer for label in shown if label.whole)]
    return {
        "version": 8,
        "name": "machimap",
        "metadata": {
            "machimap:layers": [layer.id for layer in layers],
            # The public map asks for clustered tiles (?clusters=true) and draws the MVT
            # layer "clusters" below this zoom (layers/serving/tiles.py).
            "machimap:cluster_below_zoom": get_settings().map_cluster_below_zoom,
            # The SIL Open Font License travels with glyphs made from the font.
            "machimap:glyphs-licence": (
                f"{glyphs.FONT}: SIL Open Font License 1.1, © 2022 The BIZ UDGothic Project Authors"
            ),
        },
        "center": info["center"][:2],
        "zoom": info["center"][2],
        "glyphs": glyphs_url(base_url),
        "sources": {
            "gsi-pale": {
                "type": "raster",
                "tiles": [tiles.GSI_PALE],
                "tileSize": 256,
                "maxzoom": 18,
                "attribution": tiles.GSI_ATTRIBUTION,
            },
            "machimap": {
                "type": "vector",
                "tiles": info["tiles"],
                "minzoom": info["minzoom"],
                "maxzoom": info["maxzoom"],
                "bounds": info["bounds"],
                "attribution": info["attribution"],
            },
            # The same tiles of the named areas, never closer than one tile for the city.
            **(
                {
                    LABEL_SOURCE: {
                        "type": "vector",
                        "tiles": [tiles_url(base_url, named)],
                        "minzoom": info["minzoom"],
                        "maxzoom": _one_tile_zoom(info["bounds"]),
                        "bounds": info["bounds"],
                    }
                }
                if named
                else {}
            ),
        },
        "layers": [
            # Drawn first so the map is readable when the basemap cannot be reached.
            {"id": "background", "type": "background", "paint": {"background-color": "#f4f3ef"}},
            {"id": "gsi-pale", "type": "raster", "source": "gsi-pale"},
            # Every layer's areas, then lines, then points: a mixed layer's flood areas
            # would otherwise cover the shelters of the layers drawn before it.
            *sorted(
                (style_layer for layer in drawn for style_layer in _style_layers(layer)),
                key=lambda style_layer: _PAINT_ORDER.get(style_layer["type"], 2),
            ),
            # Names over everything: under the many hazard and report points of the centre
            # they could not be read, and a name hides only the points of a 12 px line.
            *(_label_layer(label) for label in shown),
        ],
    }
