"""Loading data: `machimap import LAYER FILE` and `machimap demo`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from tqdm import tqdm

from api.cli.common import app, database, fail
from geo.crs import parse_crs
from geo.formats import is_csv
from layers.schema import migrate

if TYPE_CHECKING:
    from layers.importing.load import ImportResult


def _pairs(values: list[str], what: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            fail(
                f"{what} は KEY=VALUE の形で指定してください: {item}",
                f"{what} takes KEY=VALUE, got {item!r}",
                code=2,
            )
        pairs[key.strip()] = value.strip()
    return pairs


@app.command("import")
def import_command(
    layer: Annotated[
        str,
        typer.Argument(
            help="Layer id, e.g. facility, hazard, district; facility_building for a register"
        ),
    ],
    file: Annotated[Path, typer.Argument(help="CSV, GeoJSON, GeoPackage or zipped Shapefile")],
    set_: Annotated[list[str], typer.Option("--set", help="FIELD=VALUE for every row")] = [],  # noqa: B006
    map_: Annotated[list[str], typer.Option("--map", help="COLUMN=FIELD")] = [],  # noqa: B006
    map_values: Annotated[
        list[str],
        typer.Option(
            "--map-values",
            help="COLUMN=VALUE:kind, the kind of rows whose COLUMN is VALUE (kinds inferred)",
        ),
    ] = [],  # noqa: B006
    skip_invalid: Annotated[bool, typer.Option(help="Load the good rows, list the rest")] = False,
    rejects: Annotated[Path | None, typer.Option(help="Write rejected rows to this CSV")] = None,
    encoding: Annotated[str | None, typer.Option(help="Override detection (cp932, utf-8)")] = None,
    crs: Annotated[str | None, typer.Option(help="CRS of a file that does not declare one")] = None,
    source: Annotated[
        str | None, typer.Option(help="Dataset name (default: file name, or the --member's)")
    ] = None,
    member: Annotated[
        str | None,
        typer.Option(help="The layer to import from a zip or GeoPackage holding several"),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
    level: Annotated[
        str, typer.Option(help="population only: town (町丁目) or district (自治会)")
    ] = "town",
    as_of: Annotated[
        str | None, typer.Option(help="population only: the table's date (YYYY-MM-DD)")
    ] = None,
) -> None:
    """Import a file into a layer: all rows or none, unless --skip-invalid. `population`
    loads a population table (地域・年齢別人口 or code,name,population), replacing its level."""
    if layer == "population":
        _import_population(file, level, as_of, encoding, source)
        return
    from layers.importing.inference import parse_value_map
    from layers.importing.load import ImportOptions, ImportRefused, import_file

    try:
        value_maps = [parse_value_map(item) for item in map_values]
    except ImportRefused as exc:
        fail(exc.message_ja, exc.message_en, code=2)
        return
    url = database()
    migrate.upgrade(url)
    try:
        src_epsg = parse_crs(crs) if crs else None
    except ValueError as exc:
        fail(f"座標参照系 {crs} が分かりません。", str(exc), code=2)
        return
    bar = (
        None
        if quiet
        # CSV progress is measured in bytes read, other formats in features.
        else tqdm(
            total=None,
            unit="B" if is_csv(file) else " features",
            unit_scale=is_csv(file),
            file=sys.stderr,
            desc=f"{file.name} → {layer}",
        )
    )

    def progress(done: int, total: int | None) -> None:
        if bar is not None:
            bar.total = total
            bar.n = done
            bar.refresh()

    options = ImportOptions(
        constants=_pairs(set_, "--set"),
        column_map=_pairs(map_, "--map"),
        skip_invalid=skip_invalid,
        rejects_path=rejects
        or (file.with_name(file.stem + ".rejects.csv") if skip_invalid else None),
        encoding=encoding,
        src_epsg=src_epsg,
        source_name=source,
        member=member,
        value_maps=value_maps,
        progress=progress,
    )
    try:
        result = import_file(layer, file, options, url)
    except ImportRefused as exc:
        if bar is not None:
            bar.close()
        fail(exc.message_ja, exc.message_en, code=2)
        return
    if bar is not None:
        bar.close()
    _show_rejected(result)
    if not result.committed:
        fail(
            f"{result.rejected_count} 件の不正な行があるため、何も取り込みませんでした"
            "（--skip-invalid で正しい行だけを取り込めます）。",
            f"{result.rejected_count} invalid row(s): nothing was imported "
            "(use --skip-invalid to load the valid rows)",
        )
    extra = f", {result.repaired} repaired" if result.repaired else ""
    typer.echo(
        f"{result.loaded} loaded, {result.rejected_count} rejected{extra} "
        f"({result.read} read from {file.name})"
    )
    if result.rejects_path:
        typer.echo(f"rejected rows written to {result.rejects_path}")
    _show_kinds(result)


def _import_population(
    file: Path, level: str, as_of: str | None, encoding: str | None, source: str | None
) -> None:
    from datetime import date

    from layers.planning import population
    from layers.store.db import session_scope
    from layers.store.refusals import Refused

    url = database()
    migrate.upgrade(url)
    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        fail(f"--as-of {as_of} は日付ではありません", f"--as-of {as_of!r} is not a date", code=2)
        return
    try:
        content = population.decode(file.read_bytes(), encoding)
        with session_scope() as db:
            loaded = population.load(
                db, content, level=level, as_of=day, source=source or file.name
            )
    except OSError as exc:
        fail(f"{file} を読めません", f"cannot read {file}: {exc}", code=2)
        return
    except Refused as exc:
        for row in exc.extra.get("rows", [])[5:]:
            typer.echo(f"line {row['line']}: {row['message_ja']} / {row['message_en']}", err=True)
        fail(exc.message_ja, exc.message_en)
        return
    typer.echo(
        f"{loaded.rows} {loaded.level} rows, {loaded.population} people loaded "
        f"({loaded.layout} layout, from {file.name})"
    )


def _show_kinds(result: ImportResult) -> None:
    """How many rows got which inferred kind, and from what: a column, or the default."""
    if not result.kinds:
        return
    from layers.city.facilities import FacilityKind
    from layers.city.facility_kinds import KIND_NAMES_JA
    from layers.importing.inference import DEFAULT

    by_kind: dict[str, list[tuple[str, int]]] = {}
    for kind, source, count in result.kinds:
        by_kind.setdefault(kind, []).append((source, count))
    typer.echo("種別の推定 / kinds inferred (種別 件数 (根拠) / kind rows (from)):")
    for kind, sources in sorted(by_kind.items(), key=lambda k: (-sum(n for _, n in k[1]), k[0])):
        total = sum(n for _, n in sources)
        froms = ", ".join(
            f"{'既定 default' if source == DEFAULT else source} {n}"
            for source, n in sorted(sources, key=lambda s: (s[0] == DEFAULT, -s[1], s[0]))
        )
        typer.echo(f"  {kind}（{KIND_NAMES_JA[FacilityKind(kind)]}） {total} ({froms})")


def _show_rejected(result: ImportResult) -> None:
    """The first rejections (the import keeps only those), then how many more and where."""
    unit_ja = "行目" if result.unit == "line" else "件目"
    for r in result.rejected:
        typer.echo(
            f"{result.unit} {r.number}: {r.reason_en} / {r.number}{unit_ja}: {r.reason_ja}",
            err=True,
        )
    more = result.rejected_count - len(result.rejected)
    if more and result.rejects_path:
        typer.echo(
            f"... and {more} more; all {result.rejected_count} are in {result.rejects_path}"
            f" / ほか {more} 件（全 {result.rejected_count} 件は {result.rejects_path}）",
            err=True,
        )
    elif more:
        typer.echo(
            f"... and {more} more (--rejects FILE writes them all)"
            f" / ほか {more} 件（--rejects FILE ですべてを書き出せます）",
            err=True,
        )
    if result.rejects_path and not result.committed and not more:
        typer.echo(f"rejected rows written to {result.rejects_path}", err=True)


@app.command()
def demo() -> None:
    """Load the demo city (焼津市, real open data plus marked synthetic records). Idempotent."""
    from layers.demo.load import load_demo

    url = database()
    migrate.upgrade(url)
    for line in load_demo(url):
        typer.echo(line)
