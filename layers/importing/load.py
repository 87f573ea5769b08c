"""`machimap import LAYER FILE`: stream a file into a layer, all-or-nothing by default.

Rows are checked in Python as they stream (types, coordinates, geometry validity), copied
into a temporary table with COPY, then placed in one set-based statement that assigns
districts and refuses what lies outside the city. Everything happens in one transaction, so
an error or an interrupt leaves the database exactly as it was.
"""

from __future__ import annotations

import csv
import math
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
import shapely
from psycopg import sql
from psycopg.types.json import Jsonb

from geo.crs import STORAGE_SRID, to_storage
from geo.formats import (
    LATITUDE_NAMES,
    LONGITUDE_NAMES,
    FormatError,
    is_csv,
    is_vector,
    normalize_column,
    open_csv,
    open_vector,
)
from geo.geometry import JAPAN_BOUNDS, GeometryError, check_lonlat, validate_many
from layers.city.locating import Locator
from layers.registry import PG_TYPES, Field, Layer, get_layer
from layers.store.db import psycopg_connect
from layers.store.refusals import Refused

TRUTHY = {"○", "◯", "〇", "1", "有", "あり", "true", "yes", "y", "t", "✓", "●"}
EXCEL_EPOCH = date(1899, 12, 30)
JST = timedelta(hours=9)


class ImportRefused(Refused):
    """The import as a whole is refused (bad options, unreadable file); nothing changed."""


@dataclass
class Rejection:
    number: int  # CSV: line in the file (header = 1); other formats: feature number (1-based)
    reason_ja: str
    reason_en: str


@dataclass
class ImportResult:
    layer: str
    path: Path
    unit: str  # "line" or "feature"
    read: int = 0
    loaded: int = 0
    repaired: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    committed: bool = False


class RowError(ValueError):
    def __init__(self, ja: str, en: str):
        super().__init__(en)
        self.ja, self.en = ja, en


# -- value conversion -------------------------------------------------------------------------
def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    text = str(value).strip()
    return text or None


def _number_text(raw: str) -> str:
    # "32,500 " and full-width digits are common in city spreadsheets.
    return unicodedata.normalize("NFKC", raw).replace(",", "").replace(" ", "")


def convert(f: Field, value: Any) -> Any:
    text = _text(value)
    if text is None:
        if f.required:
            raise RowError(f"「{f.title_ja}」が空です", f"'{f.name}' is required")
        return None
    try:
        if f.type == "string":
            if f.choices is not None and text not in {c.value for c in f.choices}:
                allowed = ", ".join(c.value for c in f.choices)
                raise RowError(
                    f"「{f.title_ja}」の値 {text!r} は使えません（{allowed}）",
                    f"'{f.name}' has unknown value {text!r} (allowed: {allowed})",
                )
            return text
        if f.type == "integer":
            number = float(_number_text(text))
            if not number.is_integer():
                raise ValueError(text)
            return int(number)
        if f.type == "number":
            number = float(_number_text(text))
            if not math.isfinite(number):
                raise ValueError(text)
            return number
        if f.type == "boolean":
            return text.lower() in TRUTHY
        if f.type == "date":
            return _parse_date(text)
        if f.type == "datetime":
            return _parse_datetime(text)
        if f.type == "string[]":
            return [part.strip() for part in text.replace("；", ";").split(";") if part.strip()]
    except RowError:
        raise
    except (ValueError, OverflowError):
        kind = {"integer": "整数", "number": "数値", "date": "日付", "datetime": "日時"}.get(
            f.type, f.type
        )
        raise RowError(
            f"「{f.title_ja}」の値 {text!r} は{kind}として読めません",
            f"'{f.name}' value {text!r} is not a valid {f.type}",
        ) from None
    raise AssertionError(f.type)


def _parse_date(text: str) -> date:
    normalized = _number_text(text).replace("/", "-").replace(".", "-")
    if normalized.isdigit() and len(normalized) <= 5:  # Excel serial date
        return EXCEL_EPOCH + timedelta(days=int(normalized))
    return date.fromisoformat(normalized[:10])


def _parse_datetime(text: str) -> datetime:
    normalized = unicodedata.normalize("NFKC", text).replace("/", "-")
    try:
        parsed = datetime.fromisoformat(normalized)
    except ValueError:
        parsed = datetime.combine(_parse_date(normalized), datetime.min.time())
    if parsed.tzinfo is None:  # Japanese open data gives local time without an offset
        parsed = parsed.replace(tzinfo=UTC) - JST
    return parsed


# -- the column plan ----------------------------------------------------------------------
@dataclass
class Plan:
    """Which source column feeds which field: decided once from the header, used per row."""

    fields: list[Field]
    sources: list[int | None]  # column index per field, None when a constant or absent
    constants: dict[str, Any]
    flags: dict[str, list[tuple[int, str]]]  # string[] field -> (column index, value)
    extra: list[tuple[int, str]]  # unmapped columns kept in "extra" (empty unless the layer has it)

    def __post_init__(self) -> None:
        self._steps = [
            (self.constants[f.name], None, -1, ())
            if f.name in self.constants
            else (None, _converter(f), -1 if index is None else index, self.flags.get(f.name, ()))
            for f, index in zip(self.fields, self.sources, strict=True)
        ]

    def row_values(self, cells: list[Any]) -> list[Any]:
        values: list[Any] = []
        width = len(cells)
        for constant, conv, index, flags in self._steps:
            if conv is None:
                values.append(constant)
                continue
            value = conv(cells[index] if 0 <= index < width else None)
            if flags:
                flagged = [v for i, v in flags if _truthy(cells, i)]
                value = sorted({*(value or []), *flagged}) if flagged or value else []
            values.append(value)
        return values

    def extra_of(self, cells: list[Any]) -> Jsonb:
        return Jsonb(
            {
                name: cells[i]
                for i, name in self.extra
                if i < len(cells) and _text(cells[i]) is not None
            }
        )


def _converter(f: Field) -> Callable[[Any], Any]:
    """The per-row conversion for a field; plain text, the common case, skips convert()."""
    if f.type == "string" and f.choices is None:

        def text(value: Any) -> Any:
            stripped = value.strip() if isinstance(value, str) else _text(value)
            return stripped or convert(f, None)

        return text
    return lambda value: convert(f, value)


def _truthy(cells: list[Any], index: int) -> bool:
    text = _text(cells[index]) if index < len(cells) else None
    return text is not None and text.lower() in TRUTHY


def make_plan(
    layer: Layer,
    header: list[str],
    constants: dict[str, str],
    column_map: dict[str, str],
    skip: set[int],
) -> Plan:
    normalized = [normalize_column(h) for h in header]
    fields = [f for f in layer.fields if f.importable]
    known = {f.name for f in fields}
    for name in [*constants, *column_map.values()]:
        if name not in known:
            raise ImportRefused(
                f"レイヤ {layer.id} に項目 {name} はありません（{', '.join(sorted(known))}）",
                f"layer {layer.id} has no field {name} (fields: {', '.join(sorted(known))})",
            )
    by_field = {target: src for src, target in column_map.items()}
    sources: list[int | None] = []
    used = set(skip)
    for f in fields:
        candidates = [by_field[f.name]] if f.name in by_field else [f.name, *f.aliases]
        index = next(
            (
                normalized.index(normalize_column(c))
                for c in candidates
                if normalize_column(c) in normalized
                and normalized.index(normalize_column(c)) not in used
            ),
            None,
        )
        if f.name in by_field and index is None:
            raise ImportRefused(
                f"列 {by_field[f.name]} がファイルにありません",
                f"column {by_field[f.name]} is not in the file",
            )
        sources.append(index if f.name not in constants else None)
        if index is not None and f.name not in constants:
            used.add(index)
    flags: dict[str, list[tuple[int, str]]] = {}
    for f in fields:
        for column, value in f.flags:
            key = normalize_column(column)
            if key in normalized:
                flags.setdefault(f.name, []).append((normalized.index(key), value))
                used.add(normalized.index(key))
    missing = [
        f
        for f, s in zip(fields, sources, strict=True)
        if f.required and s is None and f.name not in constants
    ]
    if missing:
        names = ", ".join(f.name for f in missing)
        hint = " ".join(f"--set {f.name}=..." for f in missing)
        raise ImportRefused(
            f"必須項目 {names} に当たる列がありません。"
            f"{hint} で値を指定するか --map で列を指定してください",
            f"no column for required field(s) {names}; give a value with {hint} or map a column "
            "with --map COLUMN=FIELD",
        )
    mapped = [
        i
        for i, f in enumerate(fields)
        if sources[i] is not None or f.name in constants or f.name in flags
    ]
    fields = [fields[i] for i in mapped]
    sources = [sources[i] for i in mapped]
    try:
        checked = {name: convert(layer.field(name), value) for name, value in constants.items()}
    except RowError as exc:
        raise ImportRefused(exc.ja, exc.en) from None
    extra = [(i, header[i]) for i in range(len(header)) if i not in used] if layer.has_extra else []
    return Plan(fields, sources, checked, flags, extra)


# -- the import -----------------------------------------------------------------------------
@dataclass
class ImportOptions:
    constants: dict[str, str] = field(default_factory=dict)
    column_map: dict[str, str] = field(default_factory=dict)
    skip_invalid: bool = False
    rejects_path: Path | None = None
    encoding: str | None = None
    src_epsg: int | None = None  # for vector files without a CRS
    source_name: str | None = None
    progress: Callable[[int, int | None], None] | None = None  # (done, total)


def import_file(
    layer_id: str,
    path: Path,
    options: ImportOptions,
    url: str | None = None,
) -> ImportResult:
    try:
        layer = get_layer(layer_id)
    except KeyError as exc:
        raise ImportRefused(f"レイヤ {layer_id} はありません", str(exc.args[0])) from None
    if not layer.importable:
        raise ImportRefused(
            f"レイヤ {layer.id} は取り込みできません", f"layer {layer.id} cannot be imported"
        )
    if not path.exists():
        raise ImportRefused(f"ファイル {path} がありません", f"file {path} does not exist")
    result = ImportResult(layer.id, path, "line" if is_csv(path) else "feature")
    try:
        with psycopg_connect(url) as conn:
            # The service's statement timeout guards web requests; a million-row import is
            # an operator's deliberate bulk job. Committed at once so it outlives a rollback.
            conn.execute("SET statement_timeout = 0")
            conn.commit()
            _load(conn, layer, path, options, result)
            if result.rejected and not options.skip_invalid:
                conn.rollback()
                return result
            conn.commit()
            result.committed = True
    except FormatError as exc:
        raise ImportRefused(exc.message_ja, exc.message_en) from None
    except psycopg.errors.IntegrityError as exc:
        # A database rule the row checks above do not know about: say which, change nothing.
        diag = exc.diag
        raise ImportRefused(
            f"データベースの制約に違反したため何も取り込みませんでした: {diag.message_primary}",
            f"nothing imported, a database rule refused the data: {diag.message_primary}"
            + (f" ({diag.message_detail})" if diag.message_detail else ""),
        ) from None
    except psycopg.OperationalError as exc:
        # Lost connection, cancelled statement, server shut down: the transaction is gone.
        raise ImportRefused(
            f"データベースとの接続でエラーが発生し、何も取り込みませんでした: {exc}",
            f"nothing imported, the database connection failed: {exc}",
        ) from None
    if result.rejected and options.rejects_path is not None:
        write_rejects(result, options.rejects_path)
    return result


BATCH = 10_000


def _value_columns(layer: Layer, plan: Plan) -> list[str]:
    columns = [f.name for f in plan.fields]
    if layer.source_column:
        columns.append(layer.source_column)
    if plan.extra:
        columns.append("extra")
    return columns


def _can_copy_directly(
    conn: psycopg.Connection[Any], layer: Layer, plan: Plan, source_name: str
) -> bool:
    """Direct COPY is safe when no stored row can share an upsert key with this file and no
    blank cell would need a column default (COPY does not apply defaults to given columns)."""
    table = layer.model.__table__
    for f in plan.fields:
        col = table.columns[f.name]
        if col.server_default is not None and not col.nullable and f.name not in plan.constants:
            return False
    if not layer.upsert_key:
        return True
    fixed = dict(plan.constants)
    if layer.source_column:
        fixed[layer.source_column] = source_name
    scope = [k for k in layer.upsert_key if k in fixed]
    if not scope:
        return False
    where = sql.SQL(" AND ").join(
        sql.SQL("{} = {}").format(sql.Identifier(k), sql.Literal(fixed[k])) for k in scope
    )
    found = conn.execute(
        sql.SQL("SELECT EXISTS (SELECT 1 FROM {} WHERE {})").format(
            sql.Identifier(layer.table), where
        )
    ).fetchone()
    return found == (False,)


def _load(
    conn: psycopg.Connection[Any],
    layer: Layer,
    path: Path,
    options: ImportOptions,
    result: ImportResult,
    *,
    allow_direct: bool = True,
) -> None:
    """Stream the file into the database: COPY straight into the layer's table when nothing
    stored can conflict, otherwise into a staging table followed by one upsert."""
    source_name = options.source_name or path.stem
    if is_csv(path):
        rows = _csv_rows(layer, path, options, result)
    elif is_vector(path):
        rows = _vector_rows(layer, path, options, result)
    else:
        raise ImportRefused(
            f"{path.suffix} 形式には対応していません（CSV, GeoJSON, GeoPackage, Shapefile の zip）",
            f"unsupported format {path.suffix} (CSV, GeoJSON, GeoPackage, zipped Shapefile)",
        )
    plan = next(rows)  # the generator yields its plan first, then the rows
    assert isinstance(plan, Plan)
    values = _value_columns(layer, plan)
    located = ["district_id"] if layer.located else []
    direct = allow_direct and _can_copy_directly(conn, layer, plan, source_name)
    columns = [*values, *located, layer.geometry_column]
    if direct:
        copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(layer.table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
    else:
        types = {f.name: PG_TYPES[f.type] for f in plan.fields}
        types.update(
            {
                layer.source_column or "": "text",
                "extra": "jsonb",
                "district_id": "bigint",
                layer.geometry_column: "geometry",
            }
        )
        conn.execute(
            sql.SQL("CREATE TEMP TABLE import_stage (n bigint, {}) ON COMMIT DROP").format(
                sql.SQL(", ").join(
                    sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(types[c])) for c in columns
                )
            )
        )
        copy_sql = sql.SQL("COPY import_stage (n, {}) FROM STDIN").format(
            sql.SQL(", ").join(map(sql.Identifier, columns))
        )
    locator = Locator(conn, _tolerance(conn)) if layer.located else None
    width = len(plan.fields)
    try:
        with conn.cursor() as cur, cur.copy(copy_sql) as copy:
            for batch in _batches(rows):
                geoms = _geometries(batch)
                refused = _implausible(batch, geoms, result)
                ids = None
                if locator is not None:
                    found = locator.locate(geoms)
                    ids = found.district_ids
                    if refused is not None:
                        found.outside &= ~refused
                    for k in np.flatnonzero(found.outside):
                        x, y = shapely.point_on_surface(geoms[k]).coords[0]
                        result.rejected.append(
                            Rejection(
                                int(batch[k][0]),
                                f"市の区域外です（経度 {x:.6f}, 緯度 {y:.6f}）",
                                f"outside the city boundary ({x:.6f}, {y:.6f})",
                            )
                        )
                if layer.geometry_type.startswith("Multi"):
                    geoms = _to_multi(geoms)
                ewkb = shapely.to_wkb(
                    shapely.set_srid(geoms, STORAGE_SRID), hex=True, include_srid=True
                )
                for i, row in enumerate(batch):
                    if refused is not None and refused[i]:
                        continue
                    cells: list[Any] = list(row[1 : width + 1])
                    if layer.source_column:
                        cells.append(source_name)
                    if plan.extra:
                        cells.append(row[width + 1])
                    if ids is not None:
                        if found.outside[i]:
                            continue
                        cells.append(int(ids[i]) if ids[i] >= 0 else None)
                    cells.append(ewkb[i])
                    copy.write_row(cells if direct else [row[0], *cells])
    except psycopg.errors.UniqueViolation:
        if not direct:
            raise
        conn.rollback()  # two rows of the file share a key: the staged path names them
        result.read, result.rejected, result.repaired = 0, [], 0
        _load(conn, layer, path, options, result, allow_direct=False)
        return
    if direct:
        result.loaded = result.read - len(result.rejected)
        result.rejected.sort(key=lambda r: r.number)
    else:
        _reject_duplicates(conn, layer, plan, result)
        _place(conn, layer, columns, result)
    if layer.id == "district":
        assign_district_parents(conn)


def as_multi(geom: shapely.Geometry) -> shapely.Geometry:
    """A single polygon or line as the Multi* type a layer's column holds; others as given."""
    if geom.geom_type == "Polygon":
        return shapely.MultiPolygon([geom])
    if geom.geom_type == "LineString":
        return shapely.MultiLineString([geom])
    return geom


def _to_multi(geoms: Any) -> Any:
    """Single polygons or lines into the Multi* type the layer's column holds."""
    out = geoms.copy()
    for i, g in enumerate(geoms):
        out[i] = as_multi(g)
    return out


def _implausible(batch: list[tuple[Any, ...]], geoms: Any, result: ImportResult) -> Any:
    """Coordinates of a CSV batch that are not plausibly in Japan (swapped, out of range):
    found with numpy, explained row by row by check_lonlat. None when all are fine."""
    if batch[0][-1] is not None:
        return None  # GIS files were checked feature by feature while reading
    lon = shapely.get_x(geoms)
    lat = shapely.get_y(geoms)
    x0, y0, x1, y1 = JAPAN_BOUNDS
    bad = ~(
        np.isfinite(lon) & np.isfinite(lat) & (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
    )
    if not bad.any():
        return None
    for k in np.flatnonzero(bad):
        try:
            check_lonlat(float(lon[k]), float(lat[k]))
        except GeometryError as exc:
            result.rejected.append(Rejection(int(batch[k][0]), exc.message_ja, exc.message_en))
    return bad


def _tolerance(conn: psycopg.Connection[Any]) -> float:
    row = conn.execute("SELECT machimap_tolerance_m()").fetchone()
    return float(row[0]) if row else 50.0


def _batches(rows: Iterator[Plan | tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        assert isinstance(row, tuple)
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _geometries(batch: list[tuple[Any, ...]]) -> Any:
    """Rows end with (lon, lat, geometry): CSV rows carry coordinates, GIS rows a geometry."""
    if batch[0][-1] is None:
        return shapely.points(np.array([r[-3] for r in batch]), np.array([r[-2] for r in batch]))
    geoms = np.empty(len(batch), dtype=object)
    geoms[:] = [r[-1] for r in batch]
    return geoms


def _csv_rows(
    layer: Layer, path: Path, options: ImportOptions, result: ImportResult
) -> Iterator[Plan | tuple[Any, ...]]:
    source = open_csv(path, options.encoding)
    lat_i = source.column_index(LATITUDE_NAMES)
    lon_i = source.column_index(LONGITUDE_NAMES)
    if lat_i is None or lon_i is None:
        raise ImportRefused(
            "緯度・経度の列が見つかりません（列名: 緯度, 経度 / latitude, longitude）",
            "no latitude/longitude columns found (expected 緯度/経度 or latitude/longitude)",
        )
    plan = make_plan(layer, source.header, options.constants, options.column_map, {lat_i, lon_i})
    yield plan
    progress, total = options.progress, source.size
    for number, cells in source:
        result.read += 1
        try:
            lat_text, lon_text = _text(cells[lat_i]), _text(cells[lon_i])
            if lat_text is None or lon_text is None:
                raise RowError("緯度・経度が空です", "latitude/longitude is empty")
            try:
                lon, lat = float(lon_text), float(lat_text)
            except ValueError:
                try:  # full-width digits and thousands separators, rarely
                    lon, lat = float(_number_text(lon_text)), float(_number_text(lat_text))
                except ValueError:
                    raise RowError(
                        f"緯度・経度が数値ではありません（{lat_text}, {lon_text}）",
                        f"latitude/longitude are not numbers ({lat_text}, {lon_text})",
                    ) from None
            # Plausibility (in Japan, not swapped) is checked a batch at a time in _load.
            values = plan.row_values(cells)
        except (RowError, GeometryError) as exc:
            ja, en = (
                (exc.ja, exc.en) if isinstance(exc, RowError) else (exc.message_ja, exc.message_en)
            )
            result.rejected.append(Rejection(number, ja, en))
            continue
        if plan.extra:  # only when the file has columns the layer does not keep
            yield (number, *values, plan.extra_of(cells), lon, lat, None)
        else:
            yield (number, *values, lon, lat, None)
        if progress is not None and result.read % 8192 == 0:
            progress(source.bytes_read, total)
    if progress is not None:
        progress(total, total)


GEOMETRY_FAMILIES = {
    "Point": {"Point"},
    "MultiPolygon": {"Polygon", "MultiPolygon"},
    "MultiLineString": {"LineString", "MultiLineString"},
    "Geometry": {"Point", "LineString", "MultiLineString", "Polygon", "MultiPolygon"},
}


def _vector_rows(
    layer: Layer, path: Path, options: ImportOptions, result: ImportResult
) -> Iterator[Plan | tuple[Any, ...]]:
    source = open_vector(path, encoding=options.encoding)
    src_epsg = source.src_epsg or options.src_epsg
    if src_epsg is None:
        raise ImportRefused(
            "ファイルに座標参照系がありません。--crs EPSG:6668 のように指定してください",
            "the file has no coordinate reference system; give one with --crs (e.g. EPSG:6668)",
        )
    plan = make_plan(layer, source.field_names, options.constants, options.column_map, set())
    yield plan
    allowed = GEOMETRY_FAMILIES[layer.geometry_type]
    names = source.field_names
    for batch in source.batches:
        geoms = batch.geometries
        if src_epsg != STORAGE_SRID:
            present = ~shapely.is_missing(geoms)
            geoms = geoms.copy()
            geoms[present] = [to_storage(g, src_epsg) for g in geoms[present]]
        fixed, errors, notes = validate_many(geoms, allowed=allowed)
        columns = [batch.columns.get(name, []) for name in names]
        for offset in range(len(geoms)):
            number = batch.first_number + offset
            result.read += 1
            cells = [column[offset] for column in columns]
            error = errors[offset]
            try:
                if error is not None:
                    raise error
                values = plan.row_values(cells)
                if notes[offset]:
                    result.repaired += 1
                check_extent(fixed[offset])
            except (RowError, GeometryError) as exc:
                ja, en = (
                    (exc.ja, exc.en)
                    if isinstance(exc, RowError)
                    else (exc.message_ja, exc.message_en)
                )
                result.rejected.append(Rejection(number, ja, en))
                continue
            extra = [plan.extra_of(cells)] if plan.extra else []
            yield (number, *values, *extra, None, None, fixed[offset])
        if options.progress is not None:
            options.progress(result.read, source.feature_count)


def check_extent(geom: shapely.Geometry) -> None:
    """A feature whose coordinates are not in Japan was read in the wrong CRS or swapped."""
    x0, y0, x1, y1 = shapely.bounds(geom)
    for lon, lat in ((x0, y0), (x1, y1)):
        check_lonlat(float(lon), float(lat))


def _reject_duplicates(
    conn: psycopg.Connection[Any], layer: Layer, plan: Plan, result: ImportResult
) -> None:
    """Two rows of one file with the same key: the later ones are refused, naming the first."""
    key = [k for k in layer.upsert_key if k != layer.source_column]
    staged = {f.name for f in plan.fields}
    if not key or not set(key) <= staged:
        return
    cols = sql.SQL(", ").join(sql.Identifier(k) for k in key)
    rows = conn.execute(
        sql.SQL(
            "SELECT n, first_n, {k} FROM (SELECT n, {cols}, min(n) OVER (PARTITION BY {cols}) "
            "AS first_n FROM import_stage WHERE {notnull}) s WHERE n <> first_n ORDER BY n"
        ).format(
            k=sql.SQL(", ").join(sql.Identifier(k) for k in key),
            cols=cols,
            notnull=sql.SQL(" AND ").join(
                sql.SQL("{} IS NOT NULL").format(sql.Identifier(k)) for k in key
            ),
        )
    ).fetchall()
    if not rows:
        return
    for n, first, *values in rows:
        shown = ", ".join(str(v) for v in values)
        result.rejected.append(
            Rejection(
                n,
                f"キー（{shown}）が {first} 番と重複しています",
                f"duplicate key ({shown}), same as {result.unit} {first}",
            )
        )
    conn.execute("DELETE FROM import_stage WHERE n = ANY(%s)", ([r[0] for r in rows],))


def _place(
    conn: psycopg.Connection[Any], layer: Layer, staged: list[str], result: ImportResult
) -> None:
    """One statement from the staging table into the layer, updating rows whose key exists.
    Geometries are staged already in the column's type (see _to_multi)."""
    columns = [c for c in staged if c != layer.geometry_column]
    conflict: sql.Composable = sql.SQL("")
    if layer.upsert_key:
        updates = [c for c in staged if c not in layer.upsert_key]
        conflict = sql.SQL(" ON CONFLICT ({}) DO UPDATE SET {}").format(
            sql.SQL(", ").join(sql.Identifier(k) for k in layer.upsert_key),
            sql.SQL(", ").join(
                sql.SQL("{c} = EXCLUDED.{c}").format(c=sql.Identifier(c)) for c in updates
            ),
        )
    statement = sql.SQL(
        "INSERT INTO {table} ({cols}, {gcol}) SELECT {sel}, l.{gcol} FROM import_stage l{conflict}"
    ).format(
        table=sql.Identifier(layer.table),
        cols=sql.SQL(", ").join(map(sql.Identifier, columns)),
        gcol=sql.Identifier(layer.geometry_column),
        sel=sql.SQL(", ").join(_select_expr(layer, c) for c in columns),
        conflict=conflict,
    )
    result.loaded = conn.execute(statement).rowcount
    result.rejected.sort(key=lambda r: r.number)


def _select_expr(layer: Layer, column: str) -> sql.Composable:
    """A blank cell in a column with a database default takes the default, as an omitted
    column would."""
    expr = sql.SQL("l.{}").format(sql.Identifier(column))
    col = layer.model.__table__.columns[column]
    default = getattr(col.server_default, "arg", None)
    if default is None or col.nullable:
        return expr
    fallback = sql.Literal(default) if isinstance(default, str) else sql.SQL(default.text)
    return sql.SQL("coalesce({}, {})").format(expr, fallback)


def assign_district_parents(conn: psycopg.Connection[Any]) -> None:
    """Each district's parent is the finest coarser district containing its interior point."""
    conn.execute(
        "UPDATE district c SET parent_id = (SELECT p.id FROM district p"
        " WHERE p.depth < c.depth AND ST_Intersects(p.geom, ST_PointOnSurface(c.geom))"
        " ORDER BY p.depth DESC LIMIT 1) WHERE c.depth > 0"
    )


def write_rejects(result: ImportResult, path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([result.unit, "理由", "reason"])
        for r in result.rejected:
            writer.writerow([r.number, r.reason_ja, r.reason_en])
