"""Reading OGC API requests: format and language negotiation, and the items parameters.

Every parameter is checked here. On items an unknown or malformed one is a 400 problem
naming it (OGC API - Features wants 400, and a silently ignored typo returns the wrong
features). The other pages ignore what they do not use: GDAL passes a connection string's
parameters (`OAPIF:…/ogc?crs=…`) to every page it reads."""

from __future__ import annotations

import math
from collections.abc import Iterable

from fastapi import Request

from layers.registry import Field
from layers.serving import features as fq
from layers.serving.cql2 import compile_filter, parse_filter
from layers.store.refusals import ParameterRefused
from layers.store.sql import BIGINT_MAX

CQL_TEXT_DRAFT = "cql-text"  # the draft's name for cql2-text

ITEMS_PARAMETERS = frozenset(
    {
        "f",
        "limit",
        "offset",
        "bbox",
        "bbox-crs",
        "crs",
        "datetime",
        "properties",
        "sortby",
        "filter",
        "filter-lang",
        "filter-crs",
        "lang",
    }
)


def check_parameters(
    request: Request, allowed: Iterable[str], *, others_ignored: bool = False
) -> None:
    known = set(allowed)
    for name in request.query_params:
        if name not in known:
            if others_ignored:
                continue
            listed = ", ".join(sorted(known)) or "(なし / none)"
            raise ParameterRefused(
                name,
                f"不明なパラメータ {name} です。使えるもの: {listed}",
                f"unknown query parameter {name!r}; allowed: {listed}",
            )
        if len(request.query_params.getlist(name)) > 1:
            raise ParameterRefused(
                name, f"パラメータ {name} が複数あります。", f"parameter {name!r} given twice"
            )


def english(request: Request) -> bool:
    """Japanese unless ?lang=en, or the caller's first language is English."""
    chosen = request.query_params.get("lang")
    if chosen in ("ja", "en"):
        return chosen == "en"
    first = request.headers.get("accept-language", "").split(",")[0].strip().lower()
    return first.startswith("en")


def _one(request: Request, name: str) -> str | None:
    return request.query_params.get(name)


def parse_items(
    request: Request, v: fq.View, zone: int | None, *, nearest: bool = False
) -> fq.ItemsQuery:
    """The items parameters as a query over ``v`` (400 problems for anything wrong).
    ``nearest``: the web map's ``near=lon,lat`` is taken too (nearest first, with each
    feature's distance and 町丁目); OGC API items do not know it."""
    allowed = ITEMS_PARAMETERS | ({"near"} if nearest else set())
    by_field = {f.name: f for f in v.fields if f.name not in allowed}
    check_parameters(request, allowed | by_field.keys())
    q = fq.ItemsQuery(v)
    near = _one(request, "near") if nearest else None
    if near is not None:
        q.near = _near(near)
    choices = fq.crs_choices(zone)
    q.limit = _limit(_one(request, "limit"))
    q.offset = _offset(_one(request, "offset"))
    crs = _one(request, "crs")
    if crs is not None:
        q.crs = fq.find_crs("crs", crs, choices)
    geom = fq.column(v.layer.geometry_column)
    bbox = _one(request, "bbox")
    bbox_crs = _one(request, "bbox-crs")
    if bbox_crs is not None and bbox is None:
        raise ParameterRefused(
            "bbox-crs", "bbox-crs には bbox が必要です。", "bbox-crs without bbox"
        )
    if bbox is not None:
        crs_of_box = fq.find_crs("bbox-crs", bbox_crs, choices) if bbox_crs else fq.CRS84
        q.conditions.append(fq.bbox_condition(fq.parse_bbox(bbox, crs_of_box), geom, q.params))
    when = _one(request, "datetime")
    if when is not None:
        interval = fq.parse_datetime(when)
        temporal = v.temporal
        # A collection without a time of its own ignores datetime (OGC API - Features
        # Part 1, 7.15.4); the value is still checked, so a typo is not silently lost.
        if temporal is not None:
            column = fq.column(temporal.name)
            q.conditions.append(fq.interval_condition(column, interval, q.params))
    q.properties = _properties(_one(request, "properties"), v)
    q.sortby = _sortby(_one(request, "sortby"), v)
    for name, f in by_field.items():
        value = _one(request, name)
        if value is not None:
            typed = fq.field_value(name, f, value)
            q.conditions.append(fq.field_condition(f, typed, q.params))
    _filter(request, q, choices)
    return q


def _near(text: str) -> tuple[float, float]:
    parts = text.split(",")
    try:
        lon, lat = (float(p) for p in parts)
    except ValueError:
        lon = lat = math.nan
    if len(parts) != 2 or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ParameterRefused(
            "near",
            f"near={text[:60]} は「経度,緯度」（例 138.3,34.86）で指定してください。",
            f"near={text[:60]!r} must be 'longitude,latitude' (e.g. 138.3,34.86)",
        )
    return lon, lat


def _filter(request: Request, q: fq.ItemsQuery, choices: tuple[fq.Crs, ...]) -> None:
    text = _one(request, "filter")
    lang = _one(request, "filter-lang") or "cql2-text"
    # GDAL (3.6 to 3.12) knows the draft's name only, and sends -where as a filter only
    # when the API lists it; its text is CQL2 text as far as it goes.
    lang = "cql2-text" if lang == CQL_TEXT_DRAFT else lang
    if lang not in ("cql2-text", "cql2-json"):
        raise ParameterRefused(
            "filter-lang",
            f"filter-lang={lang} には対応していません（cql2-text / cql2-json / cql-text）。",
            f"unsupported filter-lang {lang!r}; use cql2-text, cql2-json or cql-text",
        )
    filter_crs = _one(request, "filter-crs")
    crs = fq.find_crs("filter-crs", filter_crs, choices) if filter_crs else fq.CRS84
    if text is None:
        return
    tree = parse_filter(text, lang)
    q.conditions.append(compile_filter(tree, q.view, crs, q.params))


def _limit(text: str | None) -> int:
    if text is None:
        return fq.DEFAULT_LIMIT
    try:
        value = int(text)
    except ValueError:
        raise ParameterRefused(
            "limit", f"limit={text} は整数ではありません。", f"limit {text!r} is not an integer"
        ) from None
    # Out-of-range limits are clamped, not refused (OGC API - Features 7.15.3).
    return min(max(value, 1), fq.MAX_LIMIT)


def _offset(text: str | None) -> int:
    if text is None:
        return 0
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= BIGINT_MAX:
        raise ParameterRefused(
            "offset",
            f"offset={text} は0以上の整数で指定してください。",
            f"offset {text!r} must be an integer from 0 to {BIGINT_MAX}",
        )
    return value


def _properties(text: str | None, v: fq.View) -> tuple[Field, ...] | None:
    if text is None:
        return None
    chosen = []
    for name in (n.strip() for n in text.split(",")):
        if not name:
            continue
        f = v.field(name)
        if f is None:
            raise ParameterRefused(
                "properties",
                f"properties の {name} はこのコレクションの項目ではありません。",
                f"properties: {name!r} is not a property of this collection",
            )
        if f not in chosen:
            chosen.append(f)
    return tuple(chosen)


def _sortby(text: str | None, v: fq.View) -> tuple[fq.Sort, ...]:
    if text is None:
        return ()
    keys = []
    for raw in text.split(","):
        # A '+' arrives as a space when the client did not percent-encode it.
        key = raw.strip()
        descending = key.startswith("-")
        name = key.lstrip("+-").strip()
        f = v.field(name) if name else None
        if f is None:
            raise ParameterRefused(
                "sortby",
                f"sortby の {name or raw!r} はこのコレクションの項目ではありません。",
                f"sortby: {name or raw!r} is not a property of this collection",
            )
        keys.append(fq.Sort(f, descending))
    return tuple(keys)
