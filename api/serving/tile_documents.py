"""The documents describing the vector tiles: TileJSON 3.0.0 for any layer set and the
MapLibre style (version 8) of the public layers over 地理院タイル. The tiles themselves and
the facts these documents state are layers/serving/tiles.py's."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from layers.policy import ANONYMOUS, RowFilter, row_filter
from layers.registry import Field, Layer, get_layer
from layers.serving import tiles
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
                    "line-color": _colour(str(s.get("line", colour))),
                    "line-width": float(s.get("width", 2)),
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
                    "circle-color": colour,
                    "circle-radius": ["interpolate", ["linear"], ["zoom"], 10, 2.5, 16, 6],
                    "circle-stroke-color": "#ffffff",
                    "circle-stroke-width": 1,
                },
            }
        )
    return out


def style(base_url: str) -> dict[str, Any]:
    """A MapLibre style (version 8) of every layer anyone may see over 地理院タイル 淡色地図.

    No symbol (label) layers: MapLibre needs a glyphs URL for text and machimap serves no
    font PBFs, so names are shown by the web map's popups rather than on the map."""
    layers = [get_layer(i) for i in tiles.anonymous_layer_ids()]
    filters = [row_filter(ANONYMOUS, layer) for layer in layers]
    info = tilejson(layers, filters, base_url)
    # Areas below lines below points, each group in registry order.
    order = {"MultiPolygon": 0, "Polygon": 0, "MultiLineString": 1, "LineString": 1}
    drawn = sorted(layers, key=lambda lay: order.get(lay.geometry_type, 2))
    return {
        "version": 8,
        "name": "machimap",
        "metadata": {"machimap:layers": [layer.id for layer in layers]},
        "center": info["center"][:2],
        "zoom": info["center"][2],
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
        },
        "layers": [
            # Drawn first so the map is readable when the basemap cannot be reached.
            {"id": "background", "type": "background", "paint": {"background-color": "#f4f3ef"}},
            {"id": "gsi-pale", "type": "raster", "source": "gsi-pale"},
            *(style_layer for layer in drawn for style_layer in _style_layers(layer)),
        ],
    }
