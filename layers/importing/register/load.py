"""The register import: each row read and checked as it streams (columns.py), copied into a
temporary table, then matched to its facility and placed by set-based statements, in one
transaction: all rows or none (unless --skip-invalid), every bad row named by its line.

A row names its facility by ID (facility.source_id) or by name: the exact name, else the
name with width and spacing folded. A name shared by several facilities is refused, except
where all but one of them are roles a building plays (a 住民センター that is also a 指定避難所
is one building with one facility of a building's kind)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from geo.formats import FormatError, is_csv, open_csv
from layers.importing.register.columns import COLUMNS, Column, find_columns, seismic_standard
from layers.importing.rejects import Rejection, Rejects
from layers.importing.rows import ImportOptions, ImportResult, batches, refuse_nul
from layers.importing.values import ImportRefused, RowError, shown, text_of
from layers.store.db import psycopg_connect

LAYER = "facility_building"
# The table's column widths (layers/city/buildings.py): a longer cell is the row's fault.
NAME_LIMIT = 200
SOURCE_ID_LIMIT = 100

# What the temporary table holds per row, in COPY order after the line number.
STAGED = (
    ("facility_ref", "text"),
    ("facility_name", "text"),
    ("name", "text"),
    ("built_year", "int"),
    ("floor_area_m2", "float8"),
    ("structure", "text"),
    ("storeys", "int"),
    ("seismic_standard", "text"),
    ("seismic_diagnosis_year", "int"),
    ("retrofit_year", "int"),
    ("is_value", "float8"),
    ("cost_category", "text"),
    ("owner", "text"),
    ("owner_name", "text"),
    ("in_use", "boolean"),
    ("note", "text"),
    ("source_id", "text"),
    ("extra", "jsonb"),
)
STAGE = "CREATE TEMP TABLE register_stage (n bigint, {}) ON COMMIT DROP".format(
    ", ".join(f"{name} {type_}" for name, type_ in STAGED)
)
COPY = "COPY register_stage (n, {}) FROM STDIN".format(", ".join(name for name, _ in STAGED))

# Kinds a facility row has for a role its building plays, not for a building of its own.
ROLE_KINDS = [
    "evacuation_site",
    "shelter",
    "tsunami_evacuation_building",
    "first_aid_station",
    "aed",
    "sandbag_station",
    "play_equipment",
    "streetlight",
]
FOLD = "regexp_replace(normalize({}, NFKC), '\\s+', '', 'g')"

# Candidates by the first way that finds any: ID, exact name, folded name.
MATCH = f"""
CREATE TEMP TABLE register_match ON COMMIT DROP AS
WITH candidate AS (
    SELECT s.n, f.id, f.kind, 1 AS how FROM register_stage s
    JOIN facility f ON f.source_id = s.facility_ref
    UNION ALL
    SELECT s.n, f.id, f.kind, 2 FROM register_stage s
    JOIN facility f ON f.name = s.facility_name WHERE s.facility_ref IS NULL
    UNION ALL
    SELECT s.n, f.id, f.kind, 3 FROM register_stage s
    JOIN facility f ON {FOLD.format("f.name")} = {FOLD.format("s.facility_name")}
    WHERE s.facility_ref IS NULL
), best AS (
    SELECT *, min(how) OVER (PARTITION BY n) AS first_how,
        kind <> ALL(%(roles)s::text[]) AS building
    FROM candidate
)
SELECT n,
    CASE WHEN count(*) = 1 THEN min(id)
         WHEN count(*) FILTER (WHERE building) = 1 THEN min(id) FILTER (WHERE building)
    END AS facility_id,
    -- How many the name could mean: the building kinds when several, else all.
    CASE WHEN count(*) FILTER (WHERE building) > 1 THEN count(*) FILTER (WHERE building)
         ELSE count(*) END AS found
FROM best WHERE how = first_how GROUP BY n
"""

UNMATCHED = """
SELECT s.n, coalesce(s.facility_ref, s.facility_name), s.facility_ref IS NOT NULL, m.found
FROM register_stage s LEFT JOIN register_match m USING (n)
WHERE m.facility_id IS NULL ORDER BY s.n
"""

# The 自治会 / 行政区 an owner cell names, by its name as the district table has it.
OWNERS = f"""
CREATE TEMP TABLE register_owner ON COMMIT DROP AS
SELECT s.n, min(d.id) AS district_id, count(d.id) AS found
FROM register_stage s
LEFT JOIN district d ON d.level <> 'city'
    AND (d.name = s.owner_name OR {FOLD.format("d.name")} = s.owner_name)
WHERE s.owner_name IS NOT NULL GROUP BY s.n
"""
UNOWNED = """
SELECT o.n, o.found, s.owner_name FROM register_owner o JOIN register_stage s USING (n)
WHERE o.found <> 1 ORDER BY o.n
"""

DUPLICATES = """
SELECT n, first_n, source_id FROM (
    SELECT n, source_id, min(n) OVER (PARTITION BY source_id) AS first_n FROM register_stage
) s WHERE n <> first_n ORDER BY n
"""

DROP_REFUSED = "DELETE FROM register_stage WHERE n = ANY(%(refused)s::bigint[])"

# Columns the file did not have keep what is stored: only the given ones are written.
UPSERT = """
INSERT INTO facility_building AS b (facility_id, name, built_year, floor_area_m2, structure,
    storeys, seismic_standard, seismic_diagnosis_year, retrofit_year, is_value, cost_category,
    owner, owner_district_id, in_use, note, extra, source, source_id)
SELECT m.facility_id, s.name, s.built_year, s.floor_area_m2, s.structure, s.storeys,
    s.seismic_standard, s.seismic_diagnosis_year, s.retrofit_year, s.is_value,
    coalesce(s.cost_category, f.cost_category), coalesce(s.owner, 'city'), o.district_id,
    coalesce(s.in_use, true), s.note, s.extra, %(source)s, s.source_id
FROM register_stage s
JOIN register_match m USING (n)
JOIN facility f ON f.id = m.facility_id
LEFT JOIN register_owner o USING (n)
ON CONFLICT (source, source_id) DO UPDATE SET {updates}, version = b.version + 1
WHERE ({stored}) IS DISTINCT FROM ({given})
"""
ALWAYS = ("facility_id", "name", "extra")
# Stored column ← file attribute(s) that give it.
GIVEN_BY = {
    "built_year": ("built_year",),
    "floor_area_m2": ("floor_area_m2",),
    "structure": ("structure",),
    "storeys": ("storeys",),
    "seismic_standard": ("seismic_standard", "built_year", "retrofit"),
    "seismic_diagnosis_year": ("diagnosis",),
    "retrofit_year": ("retrofit",),
    "is_value": ("is_value",),
    "cost_category": ("cost_category",),
    "owner": ("owner",),
    "owner_district_id": ("owner",),
    "in_use": ("in_use",),
    "note": ("note",),
}


def upsert_statement(present: set[str]) -> str:
    columns = [
        *ALWAYS,
        *(c for c, given in GIVEN_BY.items() if any(g in present for g in given)),
    ]
    return UPSERT.format(
        updates=", ".join(f"{c} = EXCLUDED.{c}" for c in columns),
        stored=", ".join(f"b.{c}" for c in columns),
        given=", ".join(f"EXCLUDED.{c}" for c in columns),
    )


def import_register(path: Path, options: ImportOptions, url: str | None = None) -> ImportResult:
    if not path.exists():
        raise ImportRefused(f"ファイル {path} がありません", f"file {path} does not exist")
    if not is_csv(path):
        raise ImportRefused(
            "施設台帳は CSV で取り込みます（UTF-8 または Shift_JIS）",
            "a facility register is imported from CSV (UTF-8 or Shift_JIS)",
        )
    for given, what in ((options.constants, "--set"), (options.value_maps, "--map-values")):
        if given:
            raise ImportRefused(
                f"{what} は施設台帳の取り込みでは使えません",
                f"{what} does not apply to a facility register",
            )
    source_name = options.source_name or path.stem
    if len(source_name) > SOURCE_ID_LIMIT:
        raise ImportRefused(
            f"データセット名が長すぎます（{SOURCE_ID_LIMIT} 文字まで）。"
            "--source で指定してください",
            f"the dataset name is too long (at most {SOURCE_ID_LIMIT}); give one with --source",
        )
    result = ImportResult(LAYER, path, "line")
    rejects = Rejects("line", options.rejects_path)
    try:
        with psycopg_connect(url) as conn:
            # An operator's bulk job, not a web request: no statement timeout.
            conn.execute("SET statement_timeout = 0")
            conn.commit()
            _load(conn, path, options, source_name, result, rejects)
            result.rejected, result.rejected_count = rejects.first(), rejects.count
            result.rejects_path = rejects.finish()
            if rejects.count and not options.skip_invalid:
                conn.rollback()
            else:
                conn.commit()
                result.committed = True
    except FormatError as exc:
        raise ImportRefused(exc.message_ja, exc.message_en) from None
    except (psycopg.errors.IntegrityError, psycopg.DataError) as exc:
        # A rule of the table the row checks do not know of: say which, change nothing.
        diag = exc.diag
        raise ImportRefused(
            f"データベースの制約に違反したため何も取り込みませんでした: {diag.message_primary}",
            f"nothing imported, a database rule refused the data: {diag.message_primary}",
        ) from None
    except psycopg.OperationalError as exc:
        raise ImportRefused(
            f"データベースとの接続でエラーが発生し、何も取り込みませんでした: {exc}",
            f"nothing imported, the database connection failed: {exc}",
        ) from None
    finally:
        rejects.discard()
    return result


def _load(
    conn: psycopg.Connection[Any],
    path: Path,
    options: ImportOptions,
    source_name: str,
    result: ImportResult,
    rejects: Rejects,
) -> None:
    source = open_csv(path, options.encoding)
    columns = find_columns(source.header, options.column_map)
    _check_header(columns, source.header)
    used = set(columns.values())
    extra = [(i, h) for i, h in enumerate(source.header) if i not in used]
    readers = [(c, columns[c.key]) for c in COLUMNS if c.key in columns]

    def rows() -> Iterator[tuple[Any, ...] | None]:
        for number, cells in source:
            result.read += 1
            try:
                refuse_nul(cells, source.header)
                yield (number, *_row(readers, cells), _extra(extra, cells))
            except RowError as exc:
                rejects.add(number, exc.ja, exc.en)
                yield None
            if options.progress is not None and result.read % 8192 == 0:
                options.progress(source.bytes_read, source.size)

    conn.execute(STAGE)
    with conn.cursor() as cur, cur.copy(COPY) as copy:
        for batch in batches(rows()):
            for row in batch:
                copy.write_row(row)
            rejects.flush()
    if options.progress is not None:
        options.progress(source.size, source.size)
    refused = _refuse_in_database(conn, rejects, result.unit)
    if rejects.count and not options.skip_invalid:
        return  # refused whole: nothing to place
    if refused:
        conn.execute(DROP_REFUSED, {"refused": refused})
    present = set(columns)
    if "seismic_standard" not in present and "built_year" in present:
        present.add("seismic_standard")
    conn.execute(upsert_statement(present).encode(), {"source": source_name})
    # Rows the register now holds as the file says, unchanged ones included.
    counted = conn.execute("SELECT count(*) FROM register_stage").fetchone()
    result.loaded = int(counted[0]) if counted else 0


def _check_header(columns: dict[str, int], header: list[str]) -> None:
    if "facility_ref" not in columns and "facility_name" not in columns:
        raise ImportRefused(
            "施設を示す列がありません（施設ID, 施設番号, 施設コード, 施設名, 施設名称）。"
            f"見出し: {', '.join(header)}",
            "no column names the facility (施設ID, 施設番号, 施設コード, 施設名, 施設名称); "
            f"header: {', '.join(header)}",
        )
    if "name" not in columns and "building_number" not in columns:
        raise ImportRefused(
            f"棟名の列がありません（棟名, 建物名, 棟番号）。見出し: {', '.join(header)}",
            f"no column names the building (棟名, 建物名, 棟番号); header: {', '.join(header)}",
        )


def _row(readers: list[tuple[Column, int]], cells: list[str]) -> tuple[Any, ...]:
    """The staged values of one row; every unreadable cell of it named at once."""
    values: dict[str, Any] = {}
    errors: list[RowError] = []
    for column, index in readers:
        text = text_of(cells[index]) if index < len(cells) else None
        if text is None:
            continue
        try:
            values[column.key] = column.read(text)
        except RowError as exc:
            errors.append(exc)
    name = values.get("name") or values.get("building_number")
    facility = values.get("facility_ref") or values.get("facility_name")
    if not facility:
        errors.append(RowError("施設ID・施設名が空です", "the facility's ID and name are empty"))
    if not name:
        errors.append(RowError("棟名が空です", "the building's name (棟名) is empty"))
    source_id = values.get("source_id") or f"{facility}/{name}"
    for text, limit, ja, en in (
        (name, NAME_LIMIT, "棟名", "building name"),
        (source_id, SOURCE_ID_LIMIT, "棟ID（または 施設/棟名）", "building ID (or facility/name)"),
    ):
        if text and len(text) > limit:
            errors.append(
                RowError(
                    f"{ja}が長すぎます（{len(text)} 文字、{limit} 文字まで）",
                    f"{en} is too long ({len(text)} characters, at most {limit})",
                )
            )
    if errors:
        raise RowError("; ".join(e.ja for e in errors), "; ".join(e.en for e in errors))
    diagnosed, diagnosis_year = values.get("diagnosis", (False, None))
    retrofitted, retrofit_year = values.get("retrofit", (False, None))
    owner, owner_name = values.get("owner", (None, None))
    return (
        values.get("facility_ref"),
        values.get("facility_name"),
        name,
        values.get("built_year"),
        values.get("floor_area_m2"),
        values.get("structure"),
        values.get("storeys"),
        seismic_standard(values.get("seismic_standard"), values.get("built_year"), retrofitted),
        diagnosis_year if diagnosed else None,
        retrofit_year if retrofitted else None,
        values.get("is_value"),
        values.get("cost_category"),
        owner,
        owner_name,
        values.get("in_use"),
        values.get("note"),
        source_id,
    )


def _extra(extra: list[tuple[int, str]], cells: list[str]) -> Jsonb:
    return Jsonb({h: cells[i] for i, h in extra if i < len(cells) and text_of(cells[i])})


def _refuse_in_database(conn: psycopg.Connection[Any], rejects: Rejects, unit: str) -> list[int]:
    """Rows refused by what only the database knows: no such facility (or several), no such
    自治会, a building ID twice in the file. Their numbers, to drop them from the stage."""
    found: list[Rejection] = []
    conn.execute(MATCH, {"roles": ROLE_KINDS})
    for n, named, by_id, count in conn.execute(UNMATCHED):
        found.append(_unmatched(n, named, by_id, count))
    conn.execute(OWNERS)
    for n, count, owner in conn.execute(UNOWNED):
        many = "ありません" if count == 0 else f" {count} 件あります"
        found.append(
            Rejection(
                n,
                f"所有者 {shown(owner)} に当たる地区（自治会・行政区）が{many}",
                f"owner {shown(owner)} matches {count} districts (expected one)",
            )
        )
    for n, first, building in conn.execute(DUPLICATES):
        found.append(
            Rejection(
                n,
                f"棟ID {shown(building)} が {first} 行目と重複しています",
                f"building ID {shown(building)} repeats {unit} {first}",
            )
        )
    refused = sorted({r.number for r in found})
    by_number = sorted(found, key=lambda r: r.number)
    rejects.merge(_joined(by_number))
    return refused


def _joined(found: list[Rejection]) -> Iterator[Rejection]:
    """One rejection per row, its reasons joined."""
    i = 0
    while i < len(found):
        j = i
        while j + 1 < len(found) and found[j + 1].number == found[i].number:
            j += 1
        group = found[i : j + 1]
        yield Rejection(
            found[i].number,
            "; ".join(r.reason_ja for r in group),
            "; ".join(r.reason_en for r in group),
        )
        i = j + 1


def _unmatched(n: int, named: str, by_id: bool, count: int | None) -> Rejection:
    what_ja, what_en = ("施設ID", "facility ID") if by_id else ("施設名", "facility name")
    if not count:
        return Rejection(
            n,
            f"{what_ja} {shown(named)} の施設がありません",
            f"no facility with {what_en} {shown(named)}",
        )
    hint_ja, hint_en = (
        ("", "") if by_id else ("（施設IDで指定してください）", " (name it by its ID)")
    )
    return Rejection(
        n,
        f"{what_ja} {shown(named)} に当たる施設が {count} 件あります{hint_ja}",
        f"{what_en} {shown(named)} matches {count} facilities{hint_en}",
    )
