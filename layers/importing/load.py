"""`machimap import LAYER FILE`: stream a file into a layer, all-or-nothing by default.

Rows are checked in Python as they stream (layers/importing/rows.py: types, coordinates,
geometry validity), copied into a temporary table with COPY, then placed in one set-based
statement that assigns districts and refuses what lies outside the city. Everything happens
in one transaction, so an error or an interrupt leaves the database exactly as it was.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import psycopg
import shapely
from psycopg import sql

from geo.crs import STORAGE_SRID
from geo.formats import VECTOR_SUFFIXES, ChooseLayer, FormatError, is_csv, is_vector
from layers.city.districts import PARENTS_SQL
from layers.city.locating import Locator
from layers.importing.plan import Plan
from layers.importing.register import load as register
from layers.importing.rejects import Rejection, Rejects
from layers.importing.rows import (
    ImportOptions,
    ImportResult,
    batches,
    csv_rows,
    geometries,
    implausible,
    to_multi,
    vector_rows,
)
from layers.importing.values import ImportRefused, shown
from layers.registry import PG_TYPES, Layer, get_layer
from layers.store.db import psycopg_connect

__all__ = ["ImportOptions", "ImportRefused", "ImportResult", "import_file"]

KIND_SOURCE = "kind_source"
STAGED_KINDS = "SELECT kind, kind_source, count(*) FROM import_stage GROUP BY kind, kind_source"


def import_file(
    layer_id: str,
    path: Path,
    options: ImportOptions,
    url: str | None = None,
) -> ImportResult:
    if layer_id == register.LAYER:  # buildings of facilities: not a map layer of their own
        return register.import_register(path, options, url)
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
    if options.member is not None and is_csv(path):
        raise ImportRefused(
            "--member は zip や複数のレイヤを持つファイルで使います（CSV はひとつの表です）",
            "--member chooses a layer of a zip or a multi-layer file; a CSV is one table",
        )
    result = ImportResult(layer.id, path, "line" if is_csv(path) else "feature")
    rejects = Rejects(result.unit, options.rejects_path)
    try:
        with psycopg_connect(url) as conn:
            # The service's statement timeout guards web requests; a million-row import is
            # an operator's deliberate bulk job. Committed at once so it outlives a rollback.
            conn.execute("SET statement_timeout = 0")
            conn.commit()
            _load(conn, layer, path, options, result, rejects)
            result.rejected, result.rejected_count = rejects.first(), rejects.count
            # Before the commit: a rejects file that cannot be written refuses the import.
            result.rejects_path = rejects.finish()
            if rejects.count and not options.skip_invalid:
                conn.rollback()
            else:
                conn.commit()
                result.committed = True
    except ChooseLayer as exc:
        raise ImportRefused(
            f"{exc.message_ja}。--member でひとつを選んでください（または zip を展開して"
            "ひとつのファイルを取り込んでください）",
            f"{exc.message_en}; choose one with --member NAME (or unzip the archive and "
            "import one file)",
            layers=exc.names,
        ) from None
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
    finally:
        rejects.discard()  # only a refusal or an interruption leaves one to discard
    return result


def _dataset_name(path: Path, member: str | None) -> str:
    """The default source name: the file's, or with --member the member's or layer's, so
    two layers of one zip imported into one map layer do not share upsert keys."""
    if member is None:
        return path.stem
    name = PurePosixPath(member.rpartition(":")[2]).name
    suffix = PurePosixPath(name).suffix
    return name[: -len(suffix)] if suffix.lower() in VECTOR_SUFFIXES else name


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
    rejects: Rejects,
    *,
    allow_direct: bool = True,
) -> None:
    """Stream the file into the database: COPY straight into the layer's table when nothing
    stored can conflict, otherwise into a staging table followed by one upsert."""
    source_name = options.source_name or _dataset_name(path, options.member)
    if is_csv(path):
        rows = csv_rows(layer, path, options, result, rejects)
    elif is_vector(path):
        rows = vector_rows(layer, path, options, result, rejects)
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
        # Where each row's inferred kind came from, for the summary after duplicates go.
        staged = [*columns, *([KIND_SOURCE] if plan.inference else [])]
        types[KIND_SOURCE] = "text"
        conn.execute(
            sql.SQL("CREATE TEMP TABLE import_stage (n bigint, {}) ON COMMIT DROP").format(
                sql.SQL(", ").join(
                    sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(types[c])) for c in staged
                )
            )
        )
        copy_sql = sql.SQL("COPY import_stage (n, {}) FROM STDIN").format(
            sql.SQL(", ").join(map(sql.Identifier, staged))
        )
    locator = Locator(conn, _tolerance(conn)) if layer.located else None
    try:
        with conn.cursor() as cur, cur.copy(copy_sql) as copy:
            for batch in batches(rows):
                if batch:
                    _copy_batch(copy, batch, layer, plan, locator, rejects, source_name, direct)
                rejects.flush()  # every rejection up to this batch's last row is known
    except psycopg.errors.UniqueViolation:
        if not direct:
            raise
        conn.rollback()  # two rows of the file share a key: the staged path names them
        result.read, result.repaired = 0, 0
        rejects.reset()
        _load(conn, layer, path, options, result, rejects, allow_direct=False)
        return
    if direct:
        result.loaded = result.read - rejects.count
        if plan.inference is not None:
            result.kinds = _kinds(plan.inference.counts)
    else:
        _reject_duplicates(conn, layer, plan, result, rejects)
        if plan.inference is not None:
            result.kinds = _kinds(_staged_kinds(conn))
        _place(conn, layer, columns, result, plan.fill_only)
    if layer.id == "district":
        conn.execute(PARENTS_SQL)


def _copy_batch(
    copy: psycopg.Copy,
    batch: list[tuple[Any, ...]],
    layer: Layer,
    plan: Plan,
    locator: Locator | None,
    rejects: Rejects,
    source_name: str,
    direct: bool,
) -> None:
    geoms = geometries(batch)
    refused = implausible(batch, geoms, rejects)
    ids = None
    if locator is not None:
        found = locator.locate(geoms)
        ids = found.district_ids
        if refused is not None:
            found.outside &= ~refused
        for k in np.flatnonzero(found.outside):
            x, y = shapely.point_on_surface(geoms[k]).coords[0]
            rejects.add(
                int(batch[k][0]),
                f"市の区域外です（経度 {x:.6f}, 緯度 {y:.6f}）",
                f"outside the city boundary ({x:.6f}, {y:.6f})",
            )
    if layer.geometry_type.startswith("Multi"):
        geoms = to_multi(geoms)
    width = len(plan.fields)
    ewkb = shapely.to_wkb(shapely.set_srid(geoms, STORAGE_SRID), hex=True, include_srid=True)
    inference = plan.inference
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
        if inference is None:
            copy.write_row(cells if direct else [row[0], *cells])
        elif direct:
            copy.write_row(cells)
            inference.copied(int(row[0]))
        else:
            copy.write_row([row[0], *cells, inference.pending[int(row[0])][1]])
    if inference is not None:
        inference.pending.clear()  # the batch's rejected rows: never counted


def _tolerance(conn: psycopg.Connection[Any]) -> float:
    row = conn.execute("SELECT machimap_tolerance_m()").fetchone()
    return float(row[0]) if row else 50.0


def _reject_duplicates(
    conn: psycopg.Connection[Any],
    layer: Layer,
    plan: Plan,
    result: ImportResult,
    rejects: Rejects,
) -> None:
    """Two rows of one file with the same key: the later ones are refused, naming the first.
    They are set aside in the database and streamed from it in order, never held here."""
    key = [k for k in layer.upsert_key if k != layer.source_column]
    staged = {f.name for f in plan.fields}
    if not key or not set(key) <= staged:
        return
    cols = sql.SQL(", ").join(sql.Identifier(k) for k in key)
    found = conn.execute(
        sql.SQL(
            "CREATE TEMP TABLE import_duplicate ON COMMIT DROP AS SELECT n, first_n, {cols} "
            "FROM (SELECT n, {cols}, min(n) OVER (PARTITION BY {cols}) AS first_n "
            "FROM import_stage WHERE {notnull}) s WHERE n <> first_n"
        ).format(
            cols=cols,
            notnull=sql.SQL(" AND ").join(
                sql.SQL("{} IS NOT NULL").format(sql.Identifier(k)) for k in key
            ),
        )
    ).rowcount
    if not found:
        return
    conn.execute("DELETE FROM import_stage s USING import_duplicate d WHERE s.n = d.n")
    with conn.cursor() as cur:
        rows = cur.stream(
            sql.SQL("SELECT n, first_n, {cols} FROM import_duplicate ORDER BY n").format(cols=cols)
        )
        rejects.merge(_duplicate(row, result.unit) for row in rows)


def _duplicate(row: tuple[Any, ...], unit: str) -> Rejection:
    n, first, *values = row
    key = ", ".join(shown(str(v)) for v in values)
    return Rejection(
        n,
        f"キー（{key}）が {first} 番と重複しています",
        f"duplicate key ({key}), same as {unit} {first}",
    )


def _place(
    conn: psycopg.Connection[Any],
    layer: Layer,
    staged: list[str],
    result: ImportResult,
    fill_only: frozenset[str] = frozenset(),
) -> None:
    """One statement from the staging table into the layer, updating rows whose key exists.
    Geometries are staged already in the column's type (see _to_multi). A fill_only column
    (a guessed cost category) is written where the stored row has none, never over it."""
    columns = [c for c in staged if c != layer.geometry_column]
    conflict: sql.Composable = sql.SQL("")
    if layer.upsert_key:
        updates = [c for c in staged if c not in layer.upsert_key]
        conflict = sql.SQL(" ON CONFLICT ({}) DO UPDATE SET {}").format(
            sql.SQL(", ").join(sql.Identifier(k) for k in layer.upsert_key),
            sql.SQL(", ").join(
                sql.SQL("{c} = coalesce({t}.{c}, EXCLUDED.{c})").format(
                    c=sql.Identifier(c), t=sql.Identifier(layer.table)
                )
                if c in fill_only
                else sql.SQL("{c} = EXCLUDED.{c}").format(c=sql.Identifier(c))
                for c in updates
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


def _staged_kinds(conn: psycopg.Connection[Any]) -> Counter[tuple[str, str]]:
    rows = conn.execute(STAGED_KINDS).fetchall()
    return Counter({(kind, source): count for kind, source, count in rows})


def _kinds(counts: Counter[tuple[str, str]]) -> list[tuple[str, str, int]]:
    return [(kind, source, n) for (kind, source), n in counts.most_common()]


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
