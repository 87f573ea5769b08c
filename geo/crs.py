"""Coordinate reference systems used by machimap and transformations between them."""

from __future__ import annotations

import functools
import inspect
import re

import numpy as np
import pyproj
import shapely
from numpy.typing import ArrayLike, NDArray

# Everything is stored in EPSG:4326 (lon/lat order) because
#  * GeoJSON (RFC 7946) and OGC API - Features default output are CRS84, so the common read
#    path needs no transformation at all;
#  * vector/raster tiles are Web Mercator and PostGIS transforms 4326 -> 3857 directly;
#  * JGD2011 (EPSG:6668) and WGS 84 are both realisations aligned to ITRF and agree to a few
#    centimetres, which is far below mapping accuracy, so input in 6668 is stored through the
#    identity transformation (PROJ's "JGD2011 to WGS 84 (1)" is a null transformation too).
STORAGE_SRID = 4326
JGD2011_GEOGRAPHIC = 6668
WEB_MERCATOR = 3857

# EPSG codes of the JGD2011 plane rectangular zones I..XIX are consecutive.
_PLANE_ZONE_BASE = 6668
_PLANE_ZONES = range(1, 20)
_JGD2011_PLANE_EPSG = range(_PLANE_ZONE_BASE + 1, _PLANE_ZONE_BASE + 20)

# DOMAIN.md §3. Keys are the full prefecture names; the short form (without 都/府/県) is
# accepted too because both spellings are common in municipal data.
_PREFECTURE_ZONE: dict[str, int] = {
    "長崎県": 1,
    **dict.fromkeys(["福岡県", "佐賀県", "熊本県", "大分県", "宮崎県", "鹿児島県"], 2),
    **dict.fromkeys(["山口県", "島根県", "広島県"], 3),
    **dict.fromkeys(["香川県", "愛媛県", "徳島県", "高知県"], 4),
    **dict.fromkeys(["兵庫県", "鳥取県", "岡山県"], 5),
    **dict.fromkeys(["京都府", "大阪府", "福井県", "滋賀県", "三重県", "奈良県", "和歌山県"], 6),
    **dict.fromkeys(["石川県", "富山県", "岐阜県", "愛知県"], 7),
    **dict.fromkeys(["新潟県", "長野県", "山梨県", "静岡県"], 8),
    # Zone IX is mainland Tokyo; 小笠原 (XIV) and the remote islands need an explicit zone.
    **dict.fromkeys(
        ["東京都", "福島県", "栃木県", "茨城県", "埼玉県", "千葉県", "群馬県", "神奈川県"], 9
    ),
    **dict.fromkeys(["青森県", "秋田県", "山形県", "岩手県", "宮城県"], 10),
    # 北海道 (XI-XIII) and 沖縄県 (XV-XVII) span several zones; these defaults (the middle
    # zone, the main island) are only a fallback and a city there must set its zone explicitly.
    "北海道": 12,
    "沖縄県": 15,
}
_PREFECTURE_ALIASES: dict[str, str] = {
    name[:-1]: name for name in _PREFECTURE_ZONE if name[-1] in "都府県"
}


def plane_zone_epsg(zone: int) -> int:
    """EPSG code of JGD2011 plane rectangular zone ``zone`` (1..19 for I..XIX)."""
    if isinstance(zone, bool) or not isinstance(zone, int) or zone not in _PLANE_ZONES:
        raise ValueError(
            f"plane rectangular zone must be an integer from 1 to 19 (I..XIX), got {zone!r}"
        )
    return _PLANE_ZONE_BASE + zone


def zone_for_prefecture(name: str) -> int:
    """Plane rectangular zone number for a prefecture name such as "静岡県" or "静岡"."""
    key = name.strip()
    key = _PREFECTURE_ALIASES.get(key, key)
    try:
        return _PREFECTURE_ZONE[key]
    except KeyError:
        raise ValueError(f"unknown prefecture name: {name!r}") from None


@functools.lru_cache(maxsize=64)
def transformer(src: int, dst: int) -> pyproj.Transformer:
    """Cached lon/lat-ordered transformer; building one costs milliseconds, using it does not."""
    return pyproj.Transformer.from_crs(src, dst, always_xy=True)


def transform_xy(
    xs: ArrayLike, ys: ArrayLike, src: int, dst: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Transform coordinate sequences; always returns float64 arrays (pyproj mirrors input type)."""
    x = np.asarray(xs, dtype=np.float64)
    y = np.asarray(ys, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"xs and ys differ in shape: {x.shape} vs {y.shape}")
    if src == dst:
        return x.copy(), y.copy()
    ox, oy = transformer(src, dst).transform(x, y)
    return np.asarray(ox, dtype=np.float64), np.asarray(oy, dtype=np.float64)


# `interleaved` appeared in shapely 2.1; the interleaved (N, 2) form works everywhere.
_HAS_INTERLEAVED = "interleaved" in inspect.signature(shapely.transform).parameters


def _apply(geom: shapely.Geometry, src: int, dst: int) -> shapely.Geometry:
    if src == dst:
        return geom
    tr = transformer(src, dst)
    # Z is passed through pyproj (height is unchanged between these CRSs) but only requested
    # when present, because include_z=True would invent NaN heights for 2D input.
    if shapely.has_z(geom):
        if _HAS_INTERLEAVED:
            return shapely.transform(geom, tr.transform, include_z=True, interleaved=False)
        return shapely.transform(
            geom, lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1], c[:, 2])), True
        )
    if _HAS_INTERLEAVED:
        return shapely.transform(geom, tr.transform, interleaved=False)
    return shapely.transform(geom, lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1])))


def _is_jgd2011(epsg: int) -> bool:
    return epsg == JGD2011_GEOGRAPHIC or epsg in _JGD2011_PLANE_EPSG


def to_storage(geom: shapely.Geometry, src_epsg: int) -> shapely.Geometry:
    """Transform ``geom`` from ``src_epsg`` to the storage CRS (EPSG:4326, lon/lat)."""
    if src_epsg in (STORAGE_SRID, JGD2011_GEOGRAPHIC):
        return geom
    if _is_jgd2011(src_epsg):
        # Unproject to JGD2011 geographic only; see STORAGE_SRID for why 6668 == 4326 here.
        return _apply(geom, src_epsg, JGD2011_GEOGRAPHIC)
    return _apply(geom, src_epsg, STORAGE_SRID)


def to_plane(geom: shapely.Geometry, zone: int) -> shapely.Geometry:
    """Project a stored (lon/lat) geometry to plane rectangular ``zone`` (metres, x=east)."""
    return _apply(geom, JGD2011_GEOGRAPHIC, plane_zone_epsg(zone))


def from_plane(geom: shapely.Geometry, zone: int) -> shapely.Geometry:
    """Inverse of :func:`to_plane`: plane rectangular ``zone`` -> storage lon/lat."""
    return _apply(geom, plane_zone_epsg(zone), JGD2011_GEOGRAPHIC)


_CRS84_FORMS = {
    "crs84",
    "ogc:crs84",
    "urn:ogc:def:crs:ogc:1.3:crs84",
    "urn:ogc:def:crs:ogc::crs84",
    "http://www.opengis.net/def/crs/ogc/1.3/crs84",
    "https://www.opengis.net/def/crs/ogc/1.3/crs84",
}
_EPSG_PATTERNS = (
    re.compile(r"(?:epsg:)?(\d+)"),
    re.compile(r"urn:ogc:def:crs:epsg:[^:]*:(\d+)"),
    re.compile(r"https?://www\.opengis\.net/def/crs/epsg/[^/]+/(\d+)"),
)


@functools.lru_cache(maxsize=256)
def _known_epsg(code: int) -> bool:
    try:
        pyproj.CRS.from_epsg(code)
    except pyproj.exceptions.CRSError:
        return False
    return True


def parse_crs(value: str | int) -> int:
    """EPSG code from an int, "EPSG:n", an OGC URN/URI, or a CRS84 identifier (-> 4326).

    CRS84 maps to 4326 because storage is lon/lat anyway; callers that must honour the
    lat/lon axis order of EPSG:4326 in OGC API output have to track that separately.
    """
    code: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        code = value
    elif isinstance(value, str):
        text = value.strip().lower()
        if text in _CRS84_FORMS:
            return STORAGE_SRID
        for pattern in _EPSG_PATTERNS:
            match = pattern.fullmatch(text)
            if match:
                code = int(match.group(1))
                break
    if code is None or code <= 0 or not _known_epsg(code):
        raise ValueError(f"unsupported or unknown CRS: {value!r}")
    return code
