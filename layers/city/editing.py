"""Staff edits of the city's own layers, one GeoJSON Feature at a time.

Properties are checked against the layer registry with the importer's value conversion, so
both write paths read a value the same way (vocabularies, numbers, local time as JST). The API
is stricter on form: JSON types are checked first, since an API client (unlike a CSV cell)
says whether it means the number 3 or the text "3", and dates must be ISO 8601.
Geometries go through the same validation as imported ones. The database keeps the last word:
district assignment, the city boundary (SQLSTATE MM001), CHECK constraints and the audit
trigger all run on the statements built here, inside the caller's transaction.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import psycopg
import shapely
from geoalchemy2.shape import from_shape
from sqlalchemy import (
    ARRAY,
    BigInteger,
    CheckConstraint,
    Column,
    SmallInteger,
    String,
    Table,
    UniqueConstraint,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from geo.crs import STORAGE_SRID
from geo.geometry import GeometryError, parse_geojson_geometry, validate
from layers.city.districts import PARENTS_SQL
from layers.importing.rows import GEOMETRY_FAMILIES, as_multi, check_extent
from layers.importing.values import RowError, convert
from layers.registry import LAYERS, Field, Layer
from layers.store.refusals import Refused
from layers.store.sql import BIGINT_MAX

# The city's own layers. Group-access layers (community safety maps) belong to their groups
# and are edited under the groups' rules, not by staff through Action.layer_edit.
EDITABLE: tuple[Layer, ...] = tuple(
    layer for layer in LAYERS if layer.importable and layer.access == "public"
)
_EDITABLE_BY_ID = {layer.id: layer for layer in EDITABLE}

_MEMBERS = frozenset({"type", "id", "geometry", "properties", "bbox"})
_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "date": (str,),
    "datetime": (str,),
    "integer": (int, float),
    "number": (int, float),
    "boolean": (bool,),
    "string[]": (list,),
}
_JSON_TYPE_JA = {
    "string": "文字列",
    "date": "日付の文字列（YYYY-MM-DD）",
    "datetime": "日時の文字列（ISO 8601）",
    "integer": "整数",
    "number": "数値",
    "boolean": "真偽値（true/false）",
    "string[]": "文字列の配列",
}
_JSON_TYPE_EN = {
    "date": "an ISO date string (YYYY-MM-DD)",
    "datetime": "an ISO 8601 date-time string",
    "boolean": "true or false",
    "string[]": "an array of strings",
}
# The importer also reads Excel serial numbers and 2024/05/01; an API client sends ISO 8601.
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)?)?"
)


@dataclass(frozen=True)
class Issue:
    member: str  # where in the Feature: "properties.kind", "geometry", "type" ...
    ja: str
    en: str
    code: str | None = None  # a geometry error's code (geo.geometry.GeometryError)
    allowed: tuple[str, ...] = ()  # the vocabulary of a choice field


def _refusal(issues: list[Issue]) -> Refused:
    """One 400 naming every mistake in the body, so a form can mark all fields at once."""
    errors = [
        {
            "member": i.member,
            "detail": i.en,
            "detail_ja": i.ja,
            **({"code": i.code} if i.code else {}),
            **({"allowed": list(i.allowed)} if i.allowed else {}),
        }
        for i in issues
    ]
    if len(issues) == 1:
        return Refused(issues[0].ja, issues[0].en, status=400, errors=errors)
    return Refused(
        f"{len(issues)}件の誤りがあります: " + "／".join(i.ja for i in issues),
        f"{len(issues)} problems: " + "; ".join(i.en for i in issues),
        status=400,
        errors=errors,
    )


# -- layers and features --------------------------------------------------------------------
def editable_layer(layer_id: str) -> Layer:
    layer = _EDITABLE_BY_ID.get(layer_id)
    if layer is None:
        names = ", ".join(_EDITABLE_BY_ID)
        raise Refused(
            f"レイヤ {layer_id} は編集できません（編集できるレイヤ: {names}）。",
            f"no editable layer {layer_id!r} (editable layers: {names})",
            status=404,
            editable=list(_EDITABLE_BY_ID),
        )
    return layer


def editable_fields(layer: Layer) -> tuple[Field, ...]:
    # Non-importable fields are computed or workflow values (report numbers, counts).
    return tuple(f for f in layer.fields if f.importable)


def _table(layer: Layer) -> Table:
    table = layer.model.__table__
    assert isinstance(table, Table)
    return table


def _not_found(layer: Layer, feature_id: int) -> Refused:
    return Refused(
        f"レイヤ「{layer.title_ja}」に地物 {feature_id} はありません。",
        f"layer {layer.id} has no feature {feature_id}",
        status=404,
    )


def _plausible_id(feature_id: int) -> bool:
    return 0 < feature_id <= BIGINT_MAX


# -- properties -----------------------------------------------------------------------------
def _int_range(column: Column[Any]) -> tuple[int, int]:
    if isinstance(column.type, SmallInteger):
        return -(2**15), 2**15 - 1
    if isinstance(column.type, BigInteger):
        return -(2**63), BIGINT_MAX
    return -(2**31), 2**31 - 1


def _max_length(column: Column[Any]) -> int | None:
    kind = column.type.item_type if isinstance(column.type, ARRAY) else column.type
    return kind.length if isinstance(kind, String) else None


def _wrong_type(f: Field, value: Any) -> Issue:
    shown = type(value).__name__ if isinstance(value, dict | list) else repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return Issue(
        f"properties.{f.name}",
        f"「{f.title_ja}」（{f.name}）は{_JSON_TYPE_JA[f.type]}で指定してください（{shown}）。",
        f"'{f.name}' must be {_JSON_TYPE_EN.get(f.type, f'a JSON {f.type}')} (got {shown})",
    )


def _value(f: Field, column: Column[Any], value: Any) -> Any:
    """The stored value of one property; RowError or _TypeMismatch says what is wrong."""
    if f.type == "string[]":
        return _string_list(f, column, value)
    expected = _JSON_TYPES[f.type]
    if not isinstance(value, expected) or (isinstance(value, bool) and bool not in expected):
        raise _TypeMismatch
    pattern = {"date": _ISO_DATE, "datetime": _ISO_DATETIME}.get(f.type)
    text = value.strip() if isinstance(value, str) else ""
    if pattern is not None and text and not pattern.fullmatch(text):
        raise _TypeMismatch
    stored = convert(f, value)
    if stored is None:
        return None
    if f.type == "integer":
        low, high = _int_range(column)
        if not low <= stored <= high:
            raise RowError(
                f"「{f.title_ja}」の値 {stored} は範囲外です（{low}〜{high}）",
                f"'{f.name}' value {stored} is out of range ({low}..{high})",
            )
    if f.type == "string":
        _check_length(f, column, stored)
        if f.choices is not None:
            return f.choices(stored)
    return stored


class _TypeMismatch(Exception):
    pass


def _check_length(f: Field, column: Column[Any], text: str) -> None:
    limit = _max_length(column)
    if limit is not None and len(text) > limit:
        raise RowError(
            f"「{f.title_ja}」は{limit}文字以内にしてください（{len(text)}文字）",
            f"'{f.name}' is longer than {limit} characters ({len(text)})",
        )


def _string_list(f: Field, column: Column[Any], value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _TypeMismatch
    # Each item is one string value: the same trimming and vocabulary check as a text field.
    item_field = replace(f, type="string", required=False)
    items: list[str] = []
    for number, raw in enumerate(value, 1):
        item = convert(item_field, raw)
        if item is None:
            raise RowError(
                f"「{f.title_ja}」の{number}番目が空です",
                f"'{f.name}' item {number} is empty",
            )
        _check_length(f, column, item)
        if item not in items:
            items.append(item)
    return items


def _properties(
    layer: Layer, properties: Mapping[str, Any], *, creating: bool
) -> tuple[dict[str, Any], list[Issue]]:
    """Column values from the Feature's properties, and what is wrong with them."""
    table = _table(layer)
    fields = {f.name: f for f in editable_fields(layer)}
    values: dict[str, Any] = {}
    issues: list[Issue] = []
    for name in properties:
        if name not in fields:
            known = ", ".join(fields)
            if name in table.columns or name == layer.geometry_column:
                ja = f"項目 {name} はシステムが設定するため編集できません（使える項目: {known}）。"
                en = f"property {name!r} is kept by the system and cannot be edited"
            else:
                ja = (
                    f"項目 {name} はレイヤ「{layer.title_ja}」にありません（使える項目: {known}）。"
                )
                en = f"property {name!r} is unknown in layer {layer.id}"
            issues.append(Issue(f"properties.{name}", ja, f"{en} (properties: {known})"))
    if creating:
        for absent in fields.values():
            if absent.required and absent.name not in properties:
                issues.append(
                    Issue(
                        f"properties.{absent.name}",
                        f"必須項目「{absent.title_ja}」（{absent.name}）がありません。",
                        f"required property {absent.name!r} is missing",
                    )
                )
    for name, raw in properties.items():
        f = fields.get(name)
        if f is None:
            continue
        column = table.columns[name]
        member = f"properties.{name}"
        try:
            stored = None if raw is None else _value(f, column, raw)
            if stored is None:
                stored = convert(f, None)  # a required field may not be emptied
        except _TypeMismatch:
            issues.append(_wrong_type(f, raw))
            continue
        except RowError as exc:
            allowed = tuple(c.value for c in f.choices) if f.choices is not None else ()
            issues.append(Issue(member, exc.ja + "。", exc.en, allowed=allowed))
            continue
        if stored is None and not column.nullable:
            if creating and column.server_default is not None:
                continue  # the column's default, as if the property had been left out
            issues.append(
                Issue(
                    member,
                    f"「{f.title_ja}」（{name}）は空にできません。",
                    f"{name!r} cannot be empty"
                    + (" (give [] for none)" if f.type == "string[]" else ""),
                )
            )
            continue
        values[name] = stored
    return values, issues


# -- geometry -------------------------------------------------------------------------------
def _geometry(layer: Layer, raw: Any) -> tuple[shapely.Geometry | None, str | None, list[Issue]]:
    """The geometry to store (repaired, promoted to Multi* where the column is), the repair
    note, and what is wrong."""
    try:
        if raw is None:
            raise GeometryError("empty_geometry", "geometry is missing", "ジオメトリがありません。")
        geom = parse_geojson_geometry(raw)
        if not geom.is_empty:
            # Swapped or out-of-Japan coordinates first: they explain the problem, while
            # the validity check would only report its symptoms.
            check_extent(geom)
        geom, note = validate(geom, allowed=GEOMETRY_FAMILIES[layer.geometry_type])
    except GeometryError as exc:
        return None, None, [Issue("geometry", exc.message_ja, exc.message_en, exc.code)]
    if layer.geometry_type.startswith("Multi"):
        geom = as_multi(geom)
    return geom, note, []


# -- the Feature body -----------------------------------------------------------------------
@dataclass(frozen=True)
class Edit:
    values: dict[str, Any]  # column -> value
    geometry: shapely.Geometry | None
    repaired: str | None  # what validation changed in the geometry, if anything


def parse_feature(layer: Layer, body: Any, *, feature_id: int | None = None) -> Edit:
    """A new feature (feature_id None: every required property and a geometry) or a partial
    update of one (any properties and/or the geometry). Raises Refused naming every
    mistake."""
    creating = feature_id is None
    if not isinstance(body, dict):
        kind = "null" if body is None else type(body).__name__
        raise Refused(
            f"本文はGeoJSONのFeature（オブジェクト）にしてください（{kind}）。",
            f"the body must be a GeoJSON Feature object (got {kind})",
            status=400,
        )
    issues: list[Issue] = []
    for name in body:
        if name not in _MEMBERS:
            issues.append(
                Issue(
                    name,
                    f"Featureのメンバー {name} は使えません（type, geometry, properties）。",
                    f"unexpected Feature member {name!r} (expected type, geometry, properties)",
                )
            )
    if (creating or "type" in body) and body.get("type") != "Feature":
        issues.append(
            Issue(
                "type",
                f'type は "Feature" にしてください（{body.get("type")!r}）。',
                f'type must be "Feature" (got {body.get("type")!r})',
            )
        )
    if "id" in body and (creating or body["id"] not in (feature_id, str(feature_id))):
        ja, en = (
            (
                "新しい地物のIDはサーバーが決めます。",
                "the id of a new feature is assigned by the server",
            )
            if creating
            else (
                f"本文のid {body['id']!r} がURLの {feature_id} と違います。",
                f"the body's id {body['id']!r} differs from {feature_id} in the URL",
            )
        )
        issues.append(Issue("id", ja, en))
    properties = body.get("properties")
    values: dict[str, Any] = {}
    if properties is not None and not isinstance(properties, dict):
        issues.append(
            Issue(
                "properties",
                "properties はオブジェクトにしてください。",
                f"properties must be an object (got {type(properties).__name__})",
            )
        )
    else:
        values, found = _properties(layer, properties or {}, creating=creating)
        issues.extend(found)
    geom, repaired = None, None
    if creating or "geometry" in body:
        geom, repaired, found = _geometry(layer, body.get("geometry"))
        issues.extend(found)
    if not creating and not properties and "geometry" not in body and not issues:
        issues.append(
            Issue(
                "properties",
                "変更する内容がありません（properties または geometry を指定してください）。",
                "nothing to change: give properties and/or a geometry",
            )
        )
    if issues:
        raise _refusal(issues)
    return Edit(values, geom, repaired)


# -- the statements -------------------------------------------------------------------------
def _with_geometry(layer: Layer, edit: Edit) -> dict[str, Any]:
    values = dict(edit.values)
    if edit.geometry is not None:
        values[layer.geometry_column] = from_shape(edit.geometry, srid=STORAGE_SRID)
    return values


def create_feature(session: Session, layer: Layer, body: Any) -> tuple[int, Edit]:
    """Insert a new feature; its district and the city boundary are the database's call."""
    edit = parse_feature(layer, body)
    table = _table(layer)
    statement = insert(table).values(_with_geometry(layer, edit)).returning(table.c.id)
    with _database_rules(layer):
        feature_id = int(session.execute(statement).scalar_one())
        if layer.id == "district":
            reparent_districts(session)
    return feature_id, edit


def update_feature(session: Session, layer: Layer, feature_id: int, body: Any) -> Edit:
    """Change only the given columns, so the audit log and every other column see exactly
    the edit and nothing else."""
    table = _table(layer)
    exists = (
        _plausible_id(feature_id)
        and session.execute(
            select(table.c.id).where(table.c.id == feature_id).with_for_update()
        ).first()
    )
    if not exists:
        raise _not_found(layer, feature_id)
    edit = parse_feature(layer, body, feature_id=feature_id)
    statement = update(table).where(table.c.id == feature_id).values(_with_geometry(layer, edit))
    with _database_rules(layer):
        session.execute(statement)
        if layer.id == "district" and (edit.geometry is not None or "level" in edit.values):
            reparent_districts(session)
    return edit


def delete_feature(session: Session, layer: Layer, feature_id: int) -> None:
    table = _table(layer)
    statement = delete(table).where(table.c.id == feature_id).returning(table.c.id)
    with _database_rules(layer):
        gone = _plausible_id(feature_id) and session.execute(statement).first()
        if not gone:
            raise _not_found(layer, feature_id)
        if layer.id == "district":
            reparent_districts(session)


def reparent_districts(session: Session) -> None:
    """Each district's parent is the finest coarser district containing its interior point
    (as the importer sets it); only rows whose parent changes are written, and so logged."""
    session.execute(text(PARENTS_SQL))


@contextmanager
def _database_rules(layer: Layer) -> Iterator[None]:
    """Constraint violations the checks above cannot foresee (a duplicate key, a CHECK such
    as severity 1-4, a district other districts lie in) as the caller's mistake. The city
    boundary (MM001) is not an integrity error and reaches the API's handler unchanged."""
    try:
        yield
    except IntegrityError as exc:
        if not isinstance(exc.orig, psycopg.Error):
            raise
        raise _integrity_refusal(layer, exc.orig) from None


def _constraint(table: Table, name: str | None) -> Any:
    for c in table.constraints:
        if c.name is not None and name in (c.name, f"ck_{table.name}_{c.name}"):
            return c
    return None


def _integrity_refusal(layer: Layer, error: psycopg.Error) -> Refused:
    # Statuses and problem type as api/errors.py gives any constraint violation; the text
    # here names the rule or key in the layer's terms.
    diag = error.diag
    found = _constraint(_table(layer), diag.constraint_name)
    if isinstance(error, psycopg.errors.UniqueViolation):
        key = (
            ", ".join(c.name for c in found.columns)
            if isinstance(found, UniqueConstraint)
            else str(diag.constraint_name)
        )
        return Refused(
            f"レイヤ「{layer.title_ja}」に同じ（{key}）の地物が既にあります。",
            f"layer {layer.id} already has a feature with the same ({key})",
            status=409,
            type_="/problems/constraint",
            constraint=diag.constraint_name,
        )
    if isinstance(error, psycopg.errors.CheckViolation):
        rule = str(found.sqltext) if isinstance(found, CheckConstraint) else diag.constraint_name
        return Refused(
            f"値がデータベースの規則に合いません: {rule}",
            f"a value breaks the layer's rule: {rule}",
            status=422,
            type_="/problems/constraint",
            constraint=diag.constraint_name,
        )
    if isinstance(error, psycopg.errors.ForeignKeyViolation):
        return Refused(
            f"ほかのデータ（{diag.table_name}）がこの地物を参照しているため削除できません。",
            f"other rows ({diag.table_name}) still refer to this feature",
            status=422,
            type_="/problems/constraint",
            constraint=diag.constraint_name,
        )
    return Refused(
        f"データベースの制約に違反しました: {diag.message_primary}",
        f"a database rule refused the edit: {diag.message_primary}",
        status=422,
        type_="/problems/constraint",
        constraint=diag.constraint_name,
    )


# -- reading back ---------------------------------------------------------------------------
def _json_value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def feature_json(session: Session, layer: Layer, feature_id: int) -> dict[str, Any]:
    """The stored feature as GeoJSON, geometry as PostGIS writes it."""
    table = _table(layer)
    fields = editable_fields(layer)
    row = session.execute(
        select(
            *(table.c[f.name] for f in fields),
            func.ST_AsGeoJSON(table.c[layer.geometry_column]).label("geometry"),
        ).where(table.c.id == feature_id)
    ).one_or_none()
    if row is None:
        raise _not_found(layer, feature_id)
    return {
        "type": "Feature",
        "id": feature_id,
        "properties": {f.name: _json_value(v) for f, v in zip(fields, row[:-1], strict=True)},
        "geometry": json.loads(row[-1]),
    }
