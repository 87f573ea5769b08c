"""Coordinate checks, geometry validation/repair and GeoJSON parsing with bilingual errors."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import shapely
import shapely.geometry
from numpy.typing import NDArray
from shapely.errors import ShapelyError

# (lon_min, lat_min, lon_max, lat_max); generous on purpose so that outlying islands
# (与那国島 ~122.9E, 沖ノ鳥島 ~20.4N, 南鳥島 ~153.98E, 択捉島 ~45.5N) are inside.
JAPAN_BOUNDS = (122.0, 20.0, 154.5, 46.0)

_SIMPLE_TYPES = ("Point", "LineString", "Polygon")
_GEOJSON_TYPES = frozenset(
    [*_SIMPLE_TYPES, *(f"Multi{t}" for t in _SIMPLE_TYPES), "GeometryCollection"]
)


class GeometryError(ValueError):
    """Rejected user input; ``code`` is for clients, the messages are for people."""

    def __init__(self, code: str, message_en: str, message_ja: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_en = message_en
        self.message_ja = message_ja

    def __reduce__(self) -> tuple[type[GeometryError], tuple[str, str, str]]:
        # Default exception pickling replays only args, which breaks process-pool imports.
        return (type(self), (self.code, self.message_en, self.message_ja))


def _in_japan(lon: float, lat: float) -> bool:
    lon_min, lat_min, lon_max, lat_max = JAPAN_BOUNDS
    return lon_min <= lon <= lon_max and lat_min <= lat <= lat_max


def check_lonlat(lon: float, lat: float) -> None:
    """Raise :class:`GeometryError` unless (lon, lat) is a plausible point in Japan."""
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        x = y = math.nan
    if not (math.isfinite(x) and math.isfinite(y)):
        raise GeometryError(
            "not_a_number",
            f"coordinates must be finite numbers (got lon={lon!r}, lat={lat!r})",
            f"座標が数値ではありません（経度 {lon!r}, 緯度 {lat!r}）。",
        )
    # Checked before the range test: swapped Japanese input has "latitude" 122-154, which
    # would otherwise only get an unhelpful out-of-range message.
    if not _in_japan(x, y) and _in_japan(y, x):
        raise GeometryError(
            "swapped_coordinates",
            f"latitude and longitude look swapped (lat={y:g}, lon={x:g}); in Japan latitude is"
            " about 20-46 and longitude about 122-154 (GeoJSON order is [longitude, latitude])",
            f"緯度と経度が入れ替わっているようです（緯度 {y:g}, 経度 {x:g}）。"
            "日本では緯度はおよそ20〜46、経度はおよそ122〜154です"
            "（GeoJSONでは［経度, 緯度］の順です）。",
        )
    if not (-180.0 <= x <= 180.0 and -90.0 <= y <= 90.0):
        raise GeometryError(
            "out_of_range",
            f"longitude must be within -180..180 and latitude within -90..90"
            f" (got lon={x:g}, lat={y:g})",
            f"経度は-180〜180、緯度は-90〜90の範囲で指定してください（経度 {x:g}, 緯度 {y:g}）。",
        )
    if not _in_japan(x, y):
        lon_min, lat_min, lon_max, lat_max = JAPAN_BOUNDS
        raise GeometryError(
            "outside_japan",
            f"point (lon={x:g}, lat={y:g}) is outside Japan"
            f" (longitude {lon_min:g}-{lon_max:g}, latitude {lat_min:g}-{lat_max:g})",
            f"地点（経度 {x:g}, 緯度 {y:g}）が日本の範囲外です"
            f"（経度 {lon_min:g}〜{lon_max:g}、緯度 {lat_min:g}〜{lat_max:g}）。",
        )


def point_from_lonlat(lon: float, lat: float) -> shapely.Point:
    check_lonlat(lon, lat)
    return shapely.Point(float(lon), float(lat))


def _allowed_type_ids(allowed: Iterable[str]) -> NDArray[Any]:
    try:
        return np.array([int(shapely.GeometryType[name.upper()]) for name in allowed])
    except KeyError as exc:
        # A typo such as "Multipolygon" would otherwise silently reject everything.
        raise ValueError(f"unknown geometry type name in allowed: {exc.args[0]!r}") from None


def _make_valid(geom: shapely.Geometry) -> shapely.Geometry:
    # "structure" keeps polygon areas instead of the linework method's fragments; it needs
    # shapely>=2.1 and GEOS>=3.10 (TypeError / ValueError otherwise).
    try:
        return shapely.make_valid(geom, method="structure", keep_collapsed=False)
    except (TypeError, ValueError):
        return shapely.make_valid(geom)


def _parts_of_dimension(geom: shapely.Geometry, dim: int) -> list[shapely.Geometry]:
    parts = shapely.get_parts(geom)
    # Nested collections (a GeometryCollection holding a MultiPolygon) need a second pass.
    parts = shapely.get_parts(parts)
    keep = (shapely.get_dimensions(parts) == dim) & ~shapely.is_empty(parts)
    return list(parts[keep])


_MULTI = {0: shapely.MultiPoint, 1: shapely.MultiLineString, 2: shapely.MultiPolygon}


def _repair(geom: shapely.Geometry) -> shapely.Geometry | None:
    try:
        fixed = _make_valid(geom)
    except ShapelyError:
        return None  # e.g. GEOS refuses non-finite coordinates
    dim = int(shapely.get_dimensions(geom))
    if geom.geom_type != "GeometryCollection":
        # Keep what the user meant (areas for polygons, lines for lines); collapsed slivers
        # of lower dimension would change the feature's type.
        parts = _parts_of_dimension(fixed, dim)
        if not parts:
            return None
        if len(parts) == 1 and not geom.geom_type.startswith("Multi"):
            fixed = parts[0]
        else:
            fixed = _MULTI[dim](parts)
    if fixed.is_empty or not fixed.is_valid or int(shapely.get_dimensions(fixed)) != dim:
        return None
    return fixed


def _finite(geoms: NDArray[Any]) -> NDArray[np.bool_]:
    """Per geometry: every x and y is a finite number (heights are dropped anyway). JSON
    parsers accept NaN and Infinity, and GEOS keeps them in a geometry."""
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    finite = np.ones(len(geoms), dtype=bool)
    finite[np.unique(index[~np.isfinite(coords).all(axis=1)])] = False
    return finite


def _not_finite() -> GeometryError:
    return GeometryError(
        "not_a_number",
        "coordinates must be finite numbers (NaN or Infinity found)",
        "座標に数値でない値（NaN・無限大）があります。",
    )


def validate(
    geom: shapely.Geometry, *, allowed: set[str] | None = None, repair: bool = True
) -> tuple[shapely.Geometry, str | None]:
    """Check ``geom``; return it (2D, possibly repaired) with a note describing any change."""
    if geom is None:
        raise GeometryError("empty_geometry", "geometry is missing", "ジオメトリがありません。")
    if not isinstance(geom, shapely.Geometry):
        raise GeometryError(
            "unsupported_type",
            f"expected a geometry, got {type(geom).__name__}",
            f"ジオメトリではありません（{type(geom).__name__}）。",
        )
    if geom.is_empty:
        raise GeometryError("empty_geometry", "geometry is empty", "ジオメトリが空です。")
    if not _finite(np.array([geom], dtype=object))[0]:
        # Before anything else: repair would drop such a vertex and store another shape.
        raise _not_finite()
    allowed_ids = _allowed_type_ids(allowed) if allowed is not None else None
    if allowed_ids is not None and shapely.get_type_id(geom) not in allowed_ids:
        names = ", ".join(sorted(allowed or ()))
        raise GeometryError(
            "unsupported_type",
            f"geometry type {geom.geom_type} is not allowed here (allowed: {names})",
            f"この項目では{geom.geom_type}は使用できません（使用可能: {names}）。",
        )
    notes: list[str] = []
    if shapely.has_z(geom):
        # Heights from GPS/phones are unreliable and the storage columns are 2D.
        geom = shapely.force_2d(geom)
        notes.append("dropped Z coordinates")
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        fixed = _repair(geom) if repair else None
        if fixed is None:
            how = "and could not be repaired" if repair else "(repair disabled)"
            raise GeometryError(
                "invalid_geometry",
                f"invalid geometry {how}: {reason}",
                f"ジオメトリが不正です（{reason}）。"
                + ("自動修復できませんでした。" if repair else ""),
            )
        if allowed_ids is not None and shapely.get_type_id(fixed) not in allowed_ids:
            raise GeometryError(
                "invalid_geometry",
                f"invalid geometry: {reason}; repair would turn it into a {fixed.geom_type},"
                " which is not allowed here",
                f"ジオメトリが不正です（{reason}）。修復すると{fixed.geom_type}になり、"
                "この項目では使用できません。",
            )
        geom = fixed
        notes.append(f"repaired: {reason}")
    return geom, "; ".join(notes) or None


def validate_lonlat(
    geom: shapely.Geometry, *, allowed: set[str] | None = None, repair: bool = True
) -> shapely.Geometry:
    """:func:`validate` for a longitude/latitude geometry, whose extent must also pass
    :func:`check_lonlat` (catches a wrong CRS or swapped axes before the database does)."""
    geom, _ = validate(geom, allowed=allowed, repair=repair)
    x0, y0, x1, y1 = shapely.bounds(geom)
    for lon, lat in ((x0, y0), (x1, y1)):
        check_lonlat(float(lon), float(lat))
    return geom


def validate_many(
    geoms: NDArray[Any] | Iterable[shapely.Geometry | None],
    *,
    allowed: set[str] | None = None,
    repair: bool = True,
) -> tuple[NDArray[Any], list[GeometryError | None], list[str | None]]:
    """Vectorised :func:`validate`; rejected rows are ``None`` in the returned array.

    Only rows that fail the cheap vectorised checks go through :func:`validate`, so a clean
    batch costs a handful of GEOS calls regardless of its size.
    """
    if isinstance(geoms, np.ndarray):
        arr = geoms.astype(object, copy=False)
    else:
        # Filling a preallocated object array stops numpy from trying to unpack geometries.
        items = list(geoms)
        arr = np.empty(len(items), dtype=object)
        arr[:] = items
    if arr.ndim != 1:
        raise ValueError(f"expected a 1-D array of geometries, got shape {arr.shape}")
    type_ids = shapely.get_type_id(arr)
    ok = shapely.is_valid(arr) & ~shapely.is_empty(arr) & ~shapely.has_z(arr) & (type_ids >= 0)
    ok &= _finite(arr)
    if allowed is not None:
        ok &= np.isin(type_ids, _allowed_type_ids(allowed))
    out = arr.copy()
    errors: list[GeometryError | None] = [None] * len(arr)
    notes: list[str | None] = [None] * len(arr)
    for i in np.flatnonzero(~ok).tolist():
        try:
            out[i], notes[i] = validate(arr[i], allowed=allowed, repair=repair)
        except GeometryError as exc:
            out[i] = None
            errors[i] = exc
    return out, errors, notes


def _geojson_error(en: str, ja: str) -> GeometryError:
    return GeometryError(
        "invalid_geojson", f"invalid GeoJSON geometry: {en}", f"GeoJSONのジオメトリが不正です: {ja}"
    )


def parse_geojson_geometry(obj: dict[str, Any] | str) -> shapely.Geometry:
    """Parse a GeoJSON geometry object (dict or JSON text); does not call :func:`validate`."""
    if isinstance(obj, str):
        try:
            obj = json.loads(obj)
        except json.JSONDecodeError as exc:
            raise _geojson_error(f"not JSON ({exc})", f"JSONではありません（{exc}）") from None
    if not isinstance(obj, dict):
        kind = type(obj).__name__
        raise _geojson_error(f"not an object but {kind}", f"オブジェクトではありません（{kind}）")
    gtype = obj.get("type")
    if gtype in ("Feature", "FeatureCollection"):
        raise _geojson_error(
            f"expected a geometry, got a {gtype} (pass its 'geometry' member)",
            f"ジオメトリではなく{gtype}です（'geometry'の中身を指定してください）",
        )
    if gtype not in _GEOJSON_TYPES:
        raise _geojson_error(f"unknown type {gtype!r}", f"不明なtypeです（{gtype!r}）")
    member = "geometries" if gtype == "GeometryCollection" else "coordinates"
    if not isinstance(obj.get(member), list):
        raise _geojson_error(f"{gtype} needs a '{member}' array", f"'{member}'の配列がありません")
    if gtype == "GeometryCollection":
        return shapely.GeometryCollection([parse_geojson_geometry(g) for g in obj[member]])
    try:
        return shapely.geometry.shape(obj)
    except (KeyError, TypeError, ValueError, IndexError, ShapelyError) as exc:
        raise _geojson_error(
            f"bad {gtype} coordinates ({exc})", f"座標が不正です（{exc}）"
        ) from None
