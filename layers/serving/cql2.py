"""CQL2 filters (OGC API - Features Part 3) as SQL conditions with bind parameters.

cql2 (the Rust parser) reads cql2-text and cql2-json into the JSON form; this module walks
that tree. Only queryables become columns (the caller's visible fields and the geometry),
every literal becomes a bind parameter with an explicit cast, and operand types are
checked here, so a filter can neither name a private field nor inject SQL, and a type
mismatch is a 400, not a database error. Declared classes: basic-cql2,
advanced-comparison-operators, case-insensitive-comparison, basic-spatial-functions(-plus),
spatial-functions, temporal-functions, property-property.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import cql2
import shapely
import shapely.geometry

from geo.crs import STORAGE_SRID
from layers.serving.features import (
    GEOMETRY,
    Crs,
    Params,
    View,
    column,
    parse_bbox,
    parse_instant,
    segment_length,
)
from layers.store.refusals import ParameterRefused

FILTER_MAX_CHARS = 20_000
FILTER_MAX_NODES = 1_000
# Levels of nesting (each operator and its args list count as two).
FILTER_MAX_DEPTH = 64
IN_MAX_VALUES = 1_000

_KIND = {
    "string": "string",
    "integer": "number",
    "number": "number",
    "boolean": "boolean",
    "date": "date",
    "datetime": "timestamp",
    "string[]": "array",
}
_COMPARISONS = {"=": "=", "<>": "<>", "<": "<", ">": ">", "<=": "<=", ">=": ">="}
_SPATIAL = {
    "s_intersects": "ST_Intersects",
    "s_equals": "ST_Equals",
    "s_disjoint": "ST_Disjoint",
    "s_touches": "ST_Touches",
    "s_within": "ST_Within",
    "s_overlaps": "ST_Overlaps",
    "s_crosses": "ST_Crosses",
    "s_contains": "ST_Contains",
}
# Allen's interval relations over [s1, e1] (first argument) and [s2, e2]; instants have s = e.
_TEMPORAL = {
    "t_after": "{s1} > {e2}",
    "t_before": "{e1} < {s2}",
    "t_contains": "{s1} < {s2} AND {e1} > {e2}",
    "t_disjoint": "({e1} < {s2} OR {s1} > {e2})",
    "t_during": "{s1} > {s2} AND {e1} < {e2}",
    "t_equals": "{s1} = {s2} AND {e1} = {e2}",
    "t_finishedby": "{s1} < {s2} AND {e1} = {e2}",
    "t_finishes": "{s1} > {s2} AND {e1} = {e2}",
    "t_intersects": "{s1} <= {e2} AND {e1} >= {s2}",
    "t_meets": "{e1} = {s2}",
    "t_metby": "{s1} = {e2}",
    "t_overlappedby": "{s1} > {s2} AND {s1} < {e2} AND {e1} > {e2}",
    "t_overlaps": "{s1} < {s2} AND {e1} > {s2} AND {e1} < {e2}",
    "t_startedby": "{s1} = {s2} AND {e1} > {e2}",
    "t_starts": "{s1} = {s2} AND {e1} < {e2}",
}


# CQL2 array functions over a string[] property and a list of values.
_ARRAY = {
    "a_equals": "{a} = {b}",
    "a_contains": "{a} @> {b}",
    "a_containedby": "{a} <@ {b}",
    "a_overlaps": "{a} && {b}",
}


@dataclass(frozen=True)
class Operand:
    sql: str
    kind: str  # string number boolean timestamp date geometry array interval
    end: str | None = None  # intervals: the end; sql is the start


class _Compiler:
    def __init__(self, v: View, crs: Crs, params: Params):
        self.view, self.crs, self.params = v, crs, params
        self.nodes = 0

    def fail(self, ja: str, en: str) -> ParameterRefused:
        return ParameterRefused("filter", ja, en)

    def predicate(self, node: Any) -> str:
        self._count()
        if isinstance(node, bool):
            return "true" if node else "false"
        if not isinstance(node, dict):
            raise self.fail("条件式ではありません。", f"not a predicate: {json.dumps(node)[:80]}")
        if "property" in node:
            operand = self.operand(node)
            if operand.kind != "boolean":
                raise self.fail("真偽値でない項目は条件になりません。", "not a boolean property")
            return operand.sql
        op = str(node.get("op", "")).lower()
        args = node.get("args")
        if not isinstance(args, list):
            raise self.fail("args がありません。", f"'{op}' needs args")
        if op in ("and", "or"):
            if len(args) < 2:
                raise self.fail(f"{op} には2つ以上の条件が必要です。", f"'{op}' needs 2+ args")
            joined = f" {op.upper()} ".join(self.predicate(a) for a in args)
            return f"({joined})"
        if op == "not":
            self._arity(op, args, 1)
            return f"(NOT {self.predicate(args[0])})"
        if op in _COMPARISONS:
            self._arity(op, args, 2)
            a, b = self.operand(args[0]), self.operand(args[1])
            self._comparable(op, a, b)
            return f"({a.sql} {_COMPARISONS[op]} {b.sql})"
        if op == "isnull":
            self._arity(op, args, 1)
            a = self.operand(args[0])
            return f"({a.sql} IS NULL)"
        if op == "like":
            self._arity(op, args, 2)
            a, b = self.operand(args[0]), self.operand(args[1])
            if a.kind != "string" or b.kind != "string":
                raise self.fail("LIKE は文字列どうしで使います。", "LIKE compares strings")
            return f"({a.sql} LIKE {b.sql})"
        if op == "between":
            self._arity(op, args, 3)
            a, lo, hi = (self.operand(x) for x in args)
            self._comparable(op, a, lo)
            self._comparable(op, a, hi)
            return f"({a.sql} BETWEEN {lo.sql} AND {hi.sql})"
        if op == "in":
            self._arity(op, args, 2)
            a = self.operand(args[0])
            values = args[1]
            if not isinstance(values, list) or not values or len(values) > IN_MAX_VALUES:
                raise self.fail(
                    f"IN には1〜{IN_MAX_VALUES}個の値のリストが必要です。",
                    f"IN needs a list of 1 to {IN_MAX_VALUES} values",
                )
            items = [self.operand(x) for x in values]
            for item in items:
                self._comparable(op, a, item)
            return f"({a.sql} IN ({', '.join(i.sql for i in items)}))"
        if op in _SPATIAL:
            self._arity(op, args, 2)
            a, b = self.operand(args[0]), self.operand(args[1])
            if a.kind != "geometry" or b.kind != "geometry":
                raise self.fail(f"{op} は図形どうしで使います。", f"{op} compares geometries")
            return f"{_SPATIAL[op]}({a.sql}, {b.sql})"
        if op in _ARRAY:
            self._arity(op, args, 2)
            return "(" + _ARRAY[op].format(a=self.array(args[0]), b=self.array(args[1])) + ")"
        if op in _TEMPORAL:
            self._arity(op, args, 2)
            a, b = self.temporal(args[0]), self.temporal(args[1])
            s1, e1 = a.sql, a.end or a.sql
            s2, e2 = b.sql, b.end or b.sql
            return "(" + _TEMPORAL[op].format(s1=s1, e1=e1, s2=s2, e2=e2) + ")"
        raise self.fail(
            f"演算子・関数 {op!r} には対応していません。",
            f"unsupported operator or function {op!r}",
        )

    def operand(self, node: Any) -> Operand:
        self._count()
        if isinstance(node, bool):
            return Operand(self.params.add(node, "boolean"), "boolean")
        if isinstance(node, int | float):
            if not math.isfinite(node):
                raise self.fail("数値が不正です。", "invalid number")
            if float(node).is_integer() and abs(node) < 2**53:
                return Operand(self.params.add(int(node), "bigint"), "number")
            return Operand(self.params.add(float(node), "float8"), "number")
        if isinstance(node, str):
            return Operand(self.params.add(node, "text"), "string")
        if not isinstance(node, dict):
            raise self.fail("値が読めません。", f"unsupported value {json.dumps(node)[:80]}")
        if "property" in node:
            return self.property(node["property"])
        if "timestamp" in node:
            moment = parse_instant("filter", str(node["timestamp"]))
            return Operand(self.params.add(moment, "timestamptz"), "timestamp")
        if "date" in node:
            try:
                day = date.fromisoformat(str(node["date"]))
            except ValueError:
                raise self.fail("日付が読めません。", f"invalid date {node['date']!r}") from None
            return Operand(self.params.add(day, "date"), "date")
        if "interval" in node:
            raise self.fail(
                "INTERVAL は時間の関数（T_...）の中でだけ使えます。",
                "INTERVAL is only allowed in temporal functions (T_...)",
            )
        if "bbox" in node:
            return Operand(self.bbox(node["bbox"]), "geometry")
        if "type" in node and ("coordinates" in node or "geometries" in node):
            return Operand(self.geometry(node), "geometry")
        op = str(node.get("op", "")).lower()
        if op == "casei":
            args = node.get("args")
            if not isinstance(args, list):
                raise self.fail("CASEI の引数がありません。", "CASEI needs an argument")
            self._arity(op, args, 1)
            inner = self.operand(args[0])
            if inner.kind != "string":
                raise self.fail("CASEI は文字列に使います。", "CASEI takes a string")
            return Operand(f"lower({inner.sql})", "string")
        raise self.fail(
            f"演算子・関数 {op or '?'!r} には対応していません。",
            f"unsupported operator or function {op or json.dumps(node)[:80]!r}",
        )

    def array(self, node: Any) -> str:
        """A string[] property, or a list of strings bound as one text[] parameter."""
        if isinstance(node, dict) and "property" in node:
            operand = self.property(node["property"])
            if operand.kind != "array":
                raise self.fail(
                    f"{node['property']!r} は配列の項目ではありません。",
                    f"{node['property']!r} is not an array property",
                )
            return f"{operand.sql}::text[]"
        if (
            not isinstance(node, list)
            or len(node) > IN_MAX_VALUES
            or not all(isinstance(x, str) for x in node)
        ):
            raise self.fail(
                f"配列の関数には項目か、{IN_MAX_VALUES}個までの文字列のリストを渡してください。",
                f"array functions take an array property or a list of up to {IN_MAX_VALUES} "
                "strings",
            )
        self.nodes += len(node)
        return self.params.add(list(node), "text[]")

    def property(self, name: Any) -> Operand:
        layer = self.view.layer
        if name == GEOMETRY:
            return Operand(column(layer.geometry_column), "geometry")
        f = self.view.field(str(name)) if isinstance(name, str) else None
        if f is None:
            # Private fields are as unknown as missing ones: filtering on them would leak.
            raise self.fail(
                f"{name!r} は検索できる項目（queryables）ではありません。",
                f"{name!r} is not a queryable of this collection",
            )
        return Operand(column(f.name), _KIND[f.type])

    def temporal(self, node: Any) -> Operand:
        if isinstance(node, dict) and "interval" in node:
            ends = node["interval"]
            if not isinstance(ends, list) or len(ends) != 2:
                raise self.fail("INTERVAL には2つの値が必要です。", "INTERVAL needs 2 values")
            return Operand(
                self._interval_end(ends[0], end=False),
                "interval",
                self._interval_end(ends[1], True),
            )
        operand = self.operand(node)
        if operand.kind == "date":
            # A day is the interval from its start to its end, in Japan.
            day_start = f"({operand.sql}::timestamp AT TIME ZONE 'Asia/Tokyo')"
            day_end = f"({day_start} + interval '1 day' - interval '1 microsecond')"
            return Operand(day_start, "interval", day_end)
        if operand.kind != "timestamp":
            raise self.fail(
                "時間の関数には日時の項目か TIMESTAMP / DATE / INTERVAL を指定します。",
                "temporal functions take timestamps, dates or intervals",
            )
        return operand

    def _interval_end(self, value: Any, end: bool) -> str:
        if isinstance(value, dict):
            if "property" in value:
                operand = self.property(value["property"])
                if operand.kind != "timestamp":
                    raise self.fail("INTERVAL の項目は日時型です。", "interval ends are timestamps")
                return operand.sql
            value = value.get("timestamp", value.get("date"))
        if not isinstance(value, str):
            raise self.fail("INTERVAL の値が読めません。", "invalid INTERVAL end")
        if value in ("..", ""):
            return self.params.add("infinity" if end else "-infinity", "timestamptz")
        return self.params.add(parse_instant("filter", value, end=end), "timestamptz")

    def geometry(self, node: Mapping[str, Any]) -> str:
        try:
            geom = shapely.geometry.shape(node)
        except Exception:  # shapely raises several types for malformed GeoJSON
            geom = None
        if geom is None or geom.is_empty or not shapely.is_valid(geom):
            raise self.fail("図形が不正です。", "invalid geometry literal")
        if self.crs.northing_first:
            geom = shapely.transform(geom, lambda c: c[:, ::-1])
        geom = shapely.force_2d(geom)
        return self._in_storage(self.params.add(shapely.to_wkb(geom), "bytea"))

    def bbox(self, numbers: Any) -> str:
        if not isinstance(numbers, list):
            raise self.fail("BBOX が読めません。", "invalid BBOX")
        box = parse_bbox(",".join(str(n) for n in numbers), self.crs)
        x0, y0, x1, y1 = box.coords
        env = (
            f"ST_MakeEnvelope({self.params.add(x0)}, {self.params.add(y0)}, "
            f"{self.params.add(x1)}, {self.params.add(y1)}, {self.crs.srid})"
        )
        if self.crs.srid == STORAGE_SRID:
            return env
        seg = segment_length(x0, x1, y0, y1, self.params)
        return f"ST_Transform(ST_Segmentize({env}, {seg}), 4326)"

    def _in_storage(self, wkb: str) -> str:
        if self.crs.srid == STORAGE_SRID:
            return f"ST_GeomFromWKB({wkb}, 4326)"
        return f"ST_Transform(ST_GeomFromWKB({wkb}, {self.crs.srid}), 4326)"

    def _comparable(self, op: str, a: Operand, b: Operand) -> None:
        if a.kind != b.kind or a.kind in ("geometry", "array"):
            raise self.fail(
                f"{op} の両辺の型が合いません（{a.kind} と {b.kind}）。",
                f"{op}: cannot compare {a.kind} with {b.kind}",
            )

    def _arity(self, op: str, args: list[Any], n: int) -> None:
        if len(args) != n:
            raise self.fail(f"{op} の引数は{n}個です。", f"'{op}' takes {n} arguments")

    def _count(self) -> None:
        self.nodes += 1
        if self.nodes > FILTER_MAX_NODES:
            raise self.fail("条件式が複雑すぎます。", "the filter is too complex")


def parse_filter(text: str, lang: str) -> Any:
    """CQL2 text or JSON to its JSON form (cql2, the Rust parser, does the parsing)."""
    if len(text) > FILTER_MAX_CHARS:
        raise ParameterRefused("filter", "filter が長すぎます。", "filter too long")
    try:
        expr = cql2.parse_text(text) if lang == "cql2-text" else cql2.parse_json(text)
        tree = expr.to_json()
    except Exception as exc:  # cql2 raises ParseError / ValueError with a readable message
        message = " ".join(str(exc).split())[:300]
        raise ParameterRefused(
            "filter", f"filter を解釈できません: {message}", f"cannot parse filter: {message}"
        ) from None
    if _depth(tree) > FILTER_MAX_DEPTH:
        raise ParameterRefused(
            "filter",
            f"filter の入れ子が深すぎます（{FILTER_MAX_DEPTH}段まで）。",
            f"the filter nests deeper than {FILTER_MAX_DEPTH} levels",
        )
    return tree


def _depth(tree: Any) -> int:
    """How deep the parsed filter nests, counted without recursion: the compiler recurses
    once per level, and a filter of thousands of NOTs must not reach Python's limit."""
    deepest, pending = 0, [(tree, 1)]
    while pending:
        node, depth = pending.pop()
        deepest = max(deepest, depth)
        children = node.values() if isinstance(node, dict) else node
        if isinstance(node, dict | list):
            pending.extend((child, depth + 1) for child in children)
    return deepest


def compile_filter(tree: Any, v: View, crs: Crs, params: Params) -> str:
    return _Compiler(v, crs, params).predicate(tree)
