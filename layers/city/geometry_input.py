"""A place drawn by a caller (GeoJSON from a request), checked before the database sees it:
valid, of an allowed kind, in longitude/latitude order and in Japan, repaired where the
repair keeps its meaning. A wrong CRS or swapped axes is refused here with the reason."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import shapely

from geo.geometry import GeometryError, parse_geojson_geometry, validate_lonlat
from layers.store.refusals import Refused


def geometry_refused(exc: GeometryError) -> Refused:
    return Refused(
        exc.message_ja,
        exc.message_en,
        status=422,
        type_="/problems/invalid-geometry",
        code=exc.code,
    )


def geometry_input(
    obj: dict[str, Any], allowed: Iterable[str], *, repair: bool = True
) -> shapely.Geometry:
    """``repair=False`` refuses what is invalid rather than storing a repaired shape."""
    try:
        return validate_lonlat(parse_geojson_geometry(obj), allowed=set(allowed), repair=repair)
    except GeometryError as exc:
        raise geometry_refused(exc) from None
