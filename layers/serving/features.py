"""SQL for OGC API - Features (api/serving/routes/ogc.py): which layers and fields a caller sees,
the supported output CRSs, and the one statement that builds a whole GeoJSON page.

PostGIS writes the GeoJSON text; Python only passes the bytes on. The statement text depends
on the layer and on the *shape* of the request (which parameters are present, the filter's
structure), never on its values: those are bind parameters, so psycopg prepares each shape
once (planned per request: see run_items). Table and column names come only from the
registry. CQL2 filters are translated in layers/serving/cql2.py.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from geo.crs import JGD2011_GEOGRAPHIC, STORAGE_SRID, WEB_MERCATOR, parse_crs, plane_zone_epsg
from layers.places.describe import nearest_town_join
from layers.policy import Actor, RowFilter, private_fields_visible, reads_nothing, row_filter
from layers.registry import LAYERS, PG_TYPES, Field, GeometryPart, Layer
from layers.store.db import get_engine
from layers.store.refusals import ParameterRefused
from layers.store.sql import literal

CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{}"
# Dates without a time (datetime=2024-05-01, DATE('2024-05-01')) are days in Japan.
JST = timezone(timedelta(hours=9))
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
# Above this many rows an unfiltered page reports the planner's row estimate as numberMatched
# instead of counting the whole table on every page.
ESTIMATE_ABOVE = 200_000


# --- coordinate reference systems ----------------------------------------------------------


@dataclass(frozen=True)
class Crs:
    uri: str
    srid: int
    # Axis order by authority: EPSG:4326/6668 are latitude first, the JGD2011 plane
    # rectangular zones northing (X) first; CRS84 and EPSG:3857 are east first.
    northing_first: bool
    geographic: bool

    @property
    def decimals(self) -> int:
        return 7 if self.geographic else 3  # about 1 cm in degrees, 1 mm in metres


CRS84 = Crs(CRS84_URI, STORAGE_SRID, northing_first=False, geographic=True)
WGS84_LATLON = Crs(EPSG_URI.format(4326), STORAGE_SRID, northing_first=True, geographic=True)
JGD2011 = Crs(EPSG_URI.format(6668), JGD2011_GEOGRAPHIC, northing_first=True, geographic=True)
MERCATOR = Crs(EPSG_URI.format(3857), WEB_MERCATOR, northing_first=False, geographic=False)


def crs_choices(plane_zone: int | None) -> tuple[Crs, ...]:
    """The CRSs features can be asked in; the city's plane rectangular zone when one is set."""
    choices = [CRS84, WGS84_LATLON, JGD2011, MERCATOR]
    if plane_zone is not None:
        epsg = plane_zone_epsg(plane_zone)
        choices.append(Crs(EPSG_URI.format(epsg), epsg, northing_first=True, geographic=False))
    return tuple(choices)


def find_crs(parameter: str, value: str, choices: Sequence[Crs]) -> Crs:
    """The supported CRS named by a URI (also accepted: EPSG:n and OGC URNs)."""
    text = value.strip()
    for crs in choices:
        if text == crs.uri:
            return crs
    try:
        code = parse_crs(text)
    except ValueError:
        code = None
    if code is not None:
        lowered = text.lower()
        if code == STORAGE_SRID and "crs84" in lowered:
            return CRS84
        for crs in choices:
            if crs.srid == code and crs is not CRS84:
                return crs
    supported = ", ".join(c.uri for c in choices)
    raise ParameterRefused(
        parameter,
        f"{parameter} の座標参照系 {value} には対応していません。対応: {supported}",
        f"unsupported {parameter} {value!r}; supported: {supported}",
    )


# --- what a caller sees of a layer ----------------------------------------------------------

GEOMETRY = "geometry"  # the queryable name of every layer's geometry column


@dataclass(frozen=True)
class View:
    """One layer, or one geometry part of a mixed layer, as one caller may see it."""

    layer: Layer
    row_filter: RowFilter | None
    fields: tuple[Field, ...]
    # Only the public rows: a layer its curators unpublished (layer_metadata.is_public) is
    # then withheld altogether.
    public_only: bool
    part: GeometryPart | None = None

    @property
    def id(self) -> str:
        """The collection id: the layer's, or ``<layer>_<part>`` (hazard_points)."""
        return self.layer.id if self.part is None else f"{self.layer.id}_{self.part.suffix}"

    @property
    def geometry_type(self) -> str:
        return self.layer.geometry_type if self.part is None else self.part.geometry_type

    def geometry(self, alias: str = "t") -> str:
        """The geometry as output: a part of lines or areas is all Multi, as it declares."""
        geom = column(self.layer.geometry_column, alias)
        return f"ST_Multi({geom})" if self.part is not None and self.part.multi else geom

    def field(self, name: str) -> Field | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None

    @property
    def temporal(self) -> Field | None:
        name = self.layer.temporal_field
        return self.field(name) if name else None


def view(layer: Layer, actor: Actor) -> View | None:
    """What ``actor`` may read of ``layer``; None when no row at all."""
    condition = row_filter(actor, layer)
    if reads_nothing(condition):
        return None
    fields = layer.fields if private_fields_visible(actor, layer) else layer.public_fields
    public_only = condition == row_filter(Actor(), layer)
    return View(layer, condition, fields, public_only)


def views(actor: Actor) -> list[View]:
    """The layers as the caller sees them, mixed geometries together (the web map's)."""
    return [v for v in (view(layer, actor) for layer in LAYERS) if v is not None]


def collection_views(actor: Actor) -> list[View]:
    """The OGC API's collections: each layer, a mixed one split into its geometry parts."""
    out: list[View] = []
    for v in views(actor):
        out.extend([replace(v, part=p) for p in v.layer.parts] or [v])
    return out


def _where_visible(v: View) -> str:
    conditions = [f"({v.row_filter})"] if v.row_filter else []
    if v.part is not None:
        kinds = ", ".join(literal(k) for k in v.part.stored)
        conditions.append(f'ST_GeometryType("{v.layer.geometry_column}") IN ({kinds})')
    return " AND ".join(conditions) or "true"


def _gate(v: View) -> str:
    """Condition that the layer is published, for callers who see only public rows. A layer
    without a metadata row yet is public, as in layers/serving/publishing.py."""
    if not v.public_only:
        return "true"
    return (
        "NOT EXISTS (SELECT 1 FROM layer_metadata WHERE layer_id = %(layer_id)s AND NOT is_public)"
    )


def published(v: View, metadata: Mapping[str, bool]) -> bool:
    return not v.public_only or metadata.get(v.layer.id, True)


def column(name: str, alias: str = "t") -> str:
    return f'{alias}."{name}"'


# --- extents, cached per layer version ------------------------------------------------------


@dataclass(frozen=True)
class Extent:
    bbox: tuple[float, float, float, float] | None
    interval: tuple[datetime | None, datetime | None] | None


_EXTENT_TTL_S = 60.0
_extents: dict[tuple[str, str, int, str | None], tuple[float, Extent]] = {}
_extents_lock = threading.Lock()


def extent(v: View, version: int) -> Extent:
    """Spatial (and temporal) extent of the rows ``v`` shows. Cached per layer version; the
    TTL covers changes the version does not see (a safety map published, a category made
    sensitive), which only move an extent, never show a row."""
    engine = get_engine()
    key = (str(engine.url), v.id, version, v.row_filter)
    now = time.monotonic()
    with _extents_lock:
        hit = _extents.get(key)
        if hit is not None and now - hit[0] < _EXTENT_TTL_S:
            return hit[1]
    temporal = v.temporal
    tcol = column(temporal.name) if temporal else "NULL::timestamptz"
    sql = (
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e), t0, t1 FROM ("
        f"SELECT ST_Extent({column(v.layer.geometry_column)}) AS e,"
        f" min({tcol}) AS t0, max({tcol}) AS t1"
        f' FROM "{v.layer.table}" t WHERE {_where_visible(v)}) s'
    )
    with engine.connect() as conn:
        row = conn.exec_driver_sql(sql).one()
    bbox = None if row[0] is None else (float(row[0]), float(row[1]), float(row[2]), float(row[3]))
    interval = (row[4], row[5]) if temporal and row[4] is not None else None
    result = Extent(bbox, interval)
    with _extents_lock:
        if len(_extents) > 256:
            _extents.clear()
        _extents[key] = (now, result)
    return result


def city_zone() -> int | None:
    with get_engine().connect() as conn:
        zone = conn.exec_driver_sql("SELECT plane_zone FROM city WHERE id = 1").scalar()
    return int(zone) if zone is not None else None


# --- bind parameters -----------------------------------------------------------------------


@dataclass
class Params:
    values: dict[str, Any] = field(default_factory=dict)

    def add(self, value: Any, cast: str | None = None) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        ref = f"%({name})s"
        return f"{ref}::{cast}" if cast else ref


# --- parameter parsing that does not depend on the web framework ---------------------------


def parse_instant(parameter: str, text: str, *, end: bool = False) -> datetime:
    """An RFC 3339 date-time (with offset or Z), or a date meaning that day in Japan."""
    value = text.strip()
    # GDAL turns a date in -where into "2022-06-01T": that day, as a bare date is.
    value = value[:-1] if len(value) == 11 and value.endswith(("T", "t")) else value
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            start = datetime(day.year, day.month, day.day, tzinfo=JST)
            return start + timedelta(days=1, microseconds=-1) if end else start
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ParameterRefused(
            parameter,
            f"{parameter} の日時 {text!r} が読めません"
            "（RFC 3339、例: 2024-05-01T09:00:00+09:00）。",
            f"{parameter}: {text!r} is not an RFC 3339 date-time with a time zone "
            "(e.g. 2024-05-01T09:00:00+09:00) or a date",
        )
    return moment


Interval = tuple[datetime | None, datetime | None]


def parse_datetime(text: str) -> Interval:
    """The datetime parameter: an instant, or an interval with '..' or empty for open ends."""
    if "/" not in text:
        if text.strip() in ("", ".."):
            raise ParameterRefused("datetime", "datetime が空です。", "datetime is empty")
        if len(text.strip().rstrip("Tt")) == 10:  # a whole day
            return (parse_instant("datetime", text), parse_instant("datetime", text, end=True))
        moment = parse_instant("datetime", text)
        return (moment, moment)
    first, _, second = text.partition("/")
    start = None if first.strip() in ("", "..") else parse_instant("datetime", first)
    end = None if second.strip() in ("", "..") else parse_instant("datetime", second, end=True)
    if start is None and end is None:
        raise ParameterRefused(
            "datetime", "datetime の両端が開いています。", "datetime: both ends open"
        )
    if start is not None and end is not None and start > end:
        raise ParameterRefused(
            "datetime", "datetime の開始が終了より後です。", "datetime: start after end"
        )
    return (start, end)


@dataclass(frozen=True)
class BBox:
    coords: tuple[float, float, float, float]  # as sent, in crs axis order
    crs: Crs


def parse_bbox(text: str, crs: Crs) -> BBox:
    parts = text.split(",")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        numbers = []
    if len(numbers) not in (4, 6) or not all(math.isfinite(n) for n in numbers):
        raise ParameterRefused(
            "bbox",
            "bbox は4つ（または6つ）の数値をカンマ区切りで指定してください。",
            "bbox must be 4 (or 6) comma-separated numbers",
        )
    if len(numbers) == 6:  # heights are not stored: drop them
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    x0, y0, x1, y1 = numbers
    if crs.northing_first:
        x0, y0, x1, y1 = y0, x0, y1, x1
    if y0 > y1 or (not crs.geographic and x0 > x1):
        raise ParameterRefused(
            "bbox", "bbox の下限が上限より大きくなっています。", "bbox: lower corner above upper"
        )
    if crs.geographic and (max(abs(y0), abs(y1)) > 90 or max(abs(x0), abs(x1)) > 180):
        raise ParameterRefused(
            "bbox", "bbox の緯度経度が範囲外です。", "bbox: longitude or latitude out of range"
        )
    return BBox((x0, y0, x1, y1), crs)  # now east-first


def bbox_condition(box: BBox, geom: str, params: Params) -> str:
    x0, y0, x1, y1 = box.coords
    if box.crs.geographic:
        if x0 > x1:  # crosses the antimeridian
            a = _envelope_4326(x0, y0, 180.0, y1, params)
            b = _envelope_4326(-180.0, y0, x1, y1, params)
            return f"(ST_Intersects({geom}, {a}) OR ST_Intersects({geom}, {b}))"
        return f"ST_Intersects({geom}, {_envelope_4326(x0, y0, x1, y1, params)})"
    # The envelope is transformed, never the column, so the spatial index serves the query.
    env = (
        f"ST_MakeEnvelope({params.add(x0)}, {params.add(y0)}, {params.add(x1)}, "
        f"{params.add(y1)}, {box.crs.srid})"
    )
    seg = segment_length(x0, x1, y0, y1, params)
    return f"ST_Intersects({geom}, ST_Transform(ST_Segmentize({env}, {seg}), 4326))"


def segment_length(x0: float, x1: float, y0: float, y1: float, params: Params) -> str:
    # Densify the edges so the transformed envelope follows the curved lines.
    return params.add(max(max(x1 - x0, y1 - y0) / 32.0, 1.0), "float8")


def _envelope_4326(x0: float, y0: float, x1: float, y1: float, params: Params) -> str:
    return (
        f"ST_MakeEnvelope({params.add(x0)}, {params.add(y0)}, {params.add(x1)}, "
        f"{params.add(y1)}, 4326)"
    )


def interval_condition(col: str, interval: Interval, params: Params) -> str:
    start, end = interval
    if start is not None and start == end:
        return f"{col} = {params.add(start)}"
    conditions = []
    if start is not None:
        conditions.append(f"{col} >= {params.add(start)}")
    if end is not None:
        conditions.append(f"{col} <= {params.add(end)}")
    return " AND ".join(conditions)


def field_value(parameter: str, f: Field, text: str) -> Any:
    """A query-parameter value as the field's type."""
    try:
        if f.type == "integer":
            return int(text)
        if f.type == "number":
            number = float(text)
            if not math.isfinite(number):
                raise ValueError(text)
            return number
        if f.type == "boolean":
            if text.lower() not in ("true", "false"):
                raise ValueError(text)
            return text.lower() == "true"
        if f.type == "date":
            return date.fromisoformat(text)
        if f.type == "datetime":
            return parse_instant(parameter, text)
    except ValueError:
        raise ParameterRefused(
            parameter,
            f"{parameter} の値 {text!r} は {f.title_ja} の型（{f.type}）に合いません。",
            f"{parameter}: {text!r} is not a valid {f.type}",
        ) from None
    return text


def field_condition(f: Field, value: Any, params: Params) -> str:
    if f.type == "string[]":
        return f"{params.add(value)}::text = ANY({column(f.name)})"
    return f"{column(f.name)} = {params.add(value, PG_TYPES[f.type])}"


# --- the items and item statements ----------------------------------------------------------


@dataclass(frozen=True)
class Sort:
    field: Field
    descending: bool


@dataclass
class ItemsQuery:
    view: View
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    crs: Crs = CRS84
    properties: tuple[Field, ...] | None = None  # None: every visible field
    sortby: tuple[Sort, ...] = ()
    # Conditions already compiled against ``params`` (bbox, datetime, filter, field values).
    conditions: list[str] = field(default_factory=list)
    params: Params = field(default_factory=Params)
    # The web map's list: nearest first from this (lon, lat), each feature with its
    # straight-line distance and 町丁目 (not an OGC parameter).
    near: tuple[float, float] | None = None

    @property
    def output_fields(self) -> tuple[Field, ...]:
        return self.view.fields if self.properties is None else self.properties


def geometry_sql(geom: str, crs: Crs) -> str:
    expr = geom if crs.srid == STORAGE_SRID else f"ST_Transform({geom}, {crs.srid})"
    if crs.northing_first:
        expr = f"ST_FlipCoordinates({expr})"
    return f"coalesce(ST_AsGeoJSON({expr}, {crs.decimals}, 0), 'null')"


def properties_sql(fields: Sequence[Field], alias: str) -> str:
    pairs = ", ".join(f"{literal(f.name)}, {column(f.name, alias)}" for f in fields)
    return f"json_build_object({pairs})::text"


def feature_sql(
    v: View, fields: Sequence[Field], crs: Crs, alias: str, links: str, near: bool = False
) -> str:
    """One GeoJSON Feature as text; ``links`` is SQL for the text inside its links array.
    ``near``: the properties end with the page's distance_m and town (see items_sql)."""
    properties = properties_sql(fields, alias)
    if near:
        properties = (
            f"(({properties})::jsonb || jsonb_build_object('distance_m', {alias}.mm_distance,"
            f" 'town', {alias}.mm_town))::text"
        )
    return (
        f"""'{{"type":"Feature","id":' || {alias}."id" || ',"geometry":' || """
        f"{geometry_sql(v.geometry(alias), crs)}"
        f""" || ',"properties":' || {properties}"""
        f""" || ',"links":[' || {links} || ']}}'"""
    )


def _order(sortby: Sequence[Sort], alias: str) -> str:
    keys = [f"{column(s.field.name, alias)} {'DESC' if s.descending else 'ASC'}" for s in sortby]
    return ", ".join([*keys, f'{alias}."id"'])


def items_sql(q: ItemsQuery, estimate: bool) -> str:
    """The whole FeatureCollection as UTF-8 bytes, or no row when the layer is withheld.

    Parameters the caller fills: limit, offset, layer_id, head (the members before
    "features", as JSON text ending in a comma-free links list), next (a ',{...}' link or
    ''), related_head/related_tail (the per-feature records link around its id).
    ``estimate``: numberMatched may be the planner's estimate (an unfiltered huge layer, or
    geometry part of one)."""
    layer, v = q.view.layer, q.view
    where = " AND ".join([_where_visible(v), *q.conditions])
    table = f'"{layer.table}"'
    columns = {"id", layer.geometry_column, *(f.name for f in q.output_fields)}
    columns |= {s.field.name for s in q.sortby}
    selected = ", ".join(column(c) for c in sorted(columns))
    page_from = f"{table} t"
    page_order, body_order = _order(q.sortby, "t"), _order(q.sortby, "p")
    if q.near is not None:
        # Nearest first by the index (KNN), each with its distance in metres and 町丁目.
        geom = column(layer.geometry_column)
        here = "ST_SetSRID(ST_MakePoint(%(near_lon)s, %(near_lat)s), 4326)"
        selected += (
            f", round(ST_Distance({geom}::geography, {here}::geography))::int AS mm_distance,"
            " town.name AS mm_town"
        )
        page_from += " " + nearest_town_join(f"ST_PointOnSurface({geom})")
        page_order = f'{geom} <-> {here}, t."id"'
        body_order = 'p.mm_distance, p."id"'
    related = '%(related_head)s || p."id" || %(related_tail)s'
    if estimate:
        # A geometry part's rows: the planner's estimate (run_items), which the statistics
        # of the part's geometry-type index (migration 0010) make close.
        rows = "c.reltuples" if v.part is None else "%(part_rows)s::float8"
        matched = (
            "SELECT CASE WHEN r.est > %(estimate_above)s THEN r.est"
            f" ELSE (SELECT count(*) FROM {table} t WHERE {where}) END AS n,"
            " r.est > %(estimate_above)s AS estimated"
            f" FROM (SELECT ({rows})::bigint AS est FROM pg_class c"
            f" WHERE c.oid = {literal(table)}::regclass) r"
        )
    else:
        matched = f"SELECT count(*) AS n, false AS estimated FROM {table} t WHERE {where}"
    return (
        f"WITH page AS (SELECT {selected} FROM {page_from} WHERE {where}"
        f" ORDER BY {page_order} LIMIT %(limit)s OFFSET %(offset)s)"
        """ SELECT convert_to('{"type":"FeatureCollection","numberMatched":' || m.n"""
        """ || ',"numberReturned":' || f.k || ',' || %(head)s"""
        " || CASE WHEN f.k = %(limit)s AND (m.estimated OR %(offset)s + f.k < m.n)"
        " THEN %(next)s ELSE '' END"
        """ || '],"features":[' || coalesce(f.body, '') || ']}', 'UTF8')"""
        f" FROM (SELECT count(*) AS k, string_agg("
        f"{feature_sql(v, q.output_fields, q.crs, 'p', related, q.near is not None)}, ','"
        f" ORDER BY {body_order}) AS body FROM page p) f,"
        f" ({matched}) m"
        f" WHERE {_gate(v)}"
    )


@contextmanager
def _evaluable() -> Iterator[None]:
    """Data exceptions (SQLSTATE class 22) and PostGIS/GEOS errors come from values in the
    request, e.g. coordinates outside what a projection can take: the caller's to fix."""
    try:
        yield
    except DBAPIError as exc:
        state = getattr(exc.orig, "sqlstate", None) or ""
        if state.startswith("22") or state == "XX000":
            raise ParameterRefused(
                "filter",
                "この条件では検索できません（座標や値を確認してください）。",
                "the query cannot be evaluated with these values (check coordinates and values)",
            ) from None
        raise


def run_items(q: ItemsQuery, links: ItemsLinks) -> bytes | None:
    """Run the items statement; None when the layer is withheld from this caller."""
    estimate = q.view.row_filter is None and not q.conditions
    values = {
        **q.params.values,
        "limit": q.limit,
        "offset": q.offset,
        "layer_id": q.view.layer.id,
        "head": links.head,
        "next": links.next,
        "related_head": links.related_head,
        "related_tail": links.related_tail,
        "estimate_above": ESTIMATE_ABOVE,
        **({"near_lon": q.near[0], "near_lat": q.near[1]} if q.near else {}),
    }
    # Planned per request's values (session_options: plan_cache_mode), parsed once.
    with _evaluable(), get_engine().connect() as conn:
        if estimate and q.view.part is not None:
            values["part_rows"] = _planned_rows(conn, q.view)
        row = conn.exec_driver_sql(items_sql(q, estimate), values).first()
    return None if row is None else bytes(row[0])


def _planned_rows(conn: Connection, v: View) -> float:
    """How many rows of the table the planner expects in this geometry part."""
    sql = f'EXPLAIN (FORMAT JSON) SELECT 1 FROM "{v.layer.table}" t WHERE {_where_visible(v)}'
    plan = conn.exec_driver_sql(sql).scalar_one()
    document = json.loads(plan) if isinstance(plan, str) else plan
    return float(document[0]["Plan"]["Plan Rows"])


@dataclass(frozen=True)
class ItemsLinks:
    """JSON text pieces the statement splices in (built, and so escaped, by json.dumps)."""

    head: str  # '"timeStamp":"...","links":[{self},{alternate},...' (array left open)
    next: str  # ',{next link}' or ''
    related_head: str  # '{"rel":"related",...,"href":"https://.../features/'
    related_tail: str  # '/records"}'


def related_link_parts(records_prefix: str, title: str) -> tuple[str, str]:
    """The per-feature records link split around the feature id."""
    marker = "\x00ID\x00"
    text = json.dumps(
        {
            "rel": "related",
            "href": f"{records_prefix}{marker}/records",
            "type": "application/json",
            "title": title,
        },
        ensure_ascii=False,
    )
    head, _, tail = text.partition(json.dumps(marker)[1:-1])
    return head, tail


def run_item(
    v: View, feature_id: int, crs: Crs, links: Sequence[Mapping[str, Any]], related: tuple[str, str]
) -> bytes | None:
    """One feature as UTF-8 GeoJSON bytes, or None when missing or not visible."""
    head = ",".join(json.dumps(link, ensure_ascii=False) for link in links)
    links_sql = "%(links)s || ',' || %(related_head)s || t.\"id\" || %(related_tail)s"
    sql = (
        f"SELECT convert_to({feature_sql(v, v.fields, crs, 't', links_sql)}, 'UTF8')"
        f' FROM "{v.layer.table}" t WHERE t."id" = %(id)s AND {_where_visible(v)} AND {_gate(v)}'
    )
    values = {
        "id": feature_id,
        "links": head,
        "related_head": related[0],
        "related_tail": related[1],
        "layer_id": v.layer.id,
    }
    with _evaluable(), get_engine().connect() as conn:
        row = conn.exec_driver_sql(sql, values).first()
    return None if row is None else bytes(row[0])
