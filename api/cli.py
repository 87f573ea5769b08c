"""`machimap`: the operator's command line (serve, database, city, import, demo)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from tqdm import tqdm

from geo.crs import parse_crs
from geo.formats import is_csv
from layers import migrate
from layers.db import database_url, embedded_cluster, libpq_url, session_scope
from layers.embedded import EmbeddedError, install_system_packages
from layers.settings import get_settings

app = typer.Typer(
    help="machimap — 協働のまちづくりのための地図サービス / community mapping for cities",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(
    help="The database (embedded PostGIS unless DATABASE_URL is set).", no_args_is_help=True
)
city_app = typer.Typer(help="The city this instance serves.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(city_app, name="city")


def fail(message_ja: str, message_en: str, code: int = 1) -> None:
    typer.echo(f"エラー: {message_ja}\nerror: {message_en}", err=True)
    raise typer.Exit(code)


def _url() -> str:
    try:
        return database_url()
    except EmbeddedError as exc:
        fail("データベースを起動できません。", str(exc))
        raise  # unreachable; fail() exits


@app.command()
def setup() -> None:
    """Install PostgreSQL + PostGIS where possible (root with apt), else say what to install."""
    try:
        typer.echo(install_system_packages())
    except EmbeddedError as exc:
        fail("PostgreSQL/PostGIS がありません。", str(exc))


@db_app.command("start")
def db_start() -> None:
    """Start the embedded PostGIS (initialising it on first use)."""
    if get_settings().database_url:
        typer.echo("DATABASE_URL is set: machimap uses that database and starts none.")
        return
    try:
        embedded_cluster().start()
    except EmbeddedError as exc:
        fail("データベースを起動できません。", str(exc))
    status = embedded_cluster().status()
    typer.echo(f"running on 127.0.0.1:{status.port} (data: {status.data_dir})")


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded PostGIS."""
    try:
        stopped = embedded_cluster().stop()
    except EmbeddedError as exc:
        fail("データベースを停止できません。", str(exc))
        return
    typer.echo("stopped" if stopped else "not running")


@db_app.command("status")
def db_status() -> None:
    """Whether the database runs, where, and its schema revision."""
    if get_settings().database_url:
        typer.echo("external database (DATABASE_URL)")
    else:
        status = embedded_cluster().status()
        if not status.running:
            typer.echo(f"stopped (data: {status.data_dir})")
            raise typer.Exit(3)
        typer.echo(
            f"running on 127.0.0.1:{status.port}, pid {status.pid} (data: {status.data_dir})"
        )
    from layers.db import get_engine

    current = migrate.current_revision(get_engine())
    head = migrate.head_revision()
    typer.echo(f"schema: {current or 'empty'} (latest {head})")


@db_app.command("url")
def db_url() -> None:
    """Print the database URL (starts the embedded database if needed)."""
    typer.echo(libpq_url(_url()))


@db_app.command("psql", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def db_psql(ctx: typer.Context) -> None:
    """Open psql on the database; extra arguments go to psql."""
    url = libpq_url(_url())
    os.execvp("psql", ["psql", url, *ctx.args])


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply migrations up to REVISION (default: the latest). Safe to repeat."""
    migrate.upgrade(_url(), revision)
    with session_scope() as session:
        from layers.publishing import sync_layer_metadata

        sync_layer_metadata(session)
    typer.echo(f"schema at {revision}")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument()] = "base") -> None:
    """Revert migrations down to REVISION (default: base, an empty database)."""
    migrate.downgrade(_url(), revision)
    typer.echo(f"schema at {revision}")


@city_app.command("set")
def city_set(
    code: Annotated[str, typer.Option(help="全国地方公共団体コード (6 digits)")],
    name: Annotated[str, typer.Option(help="City name, e.g. 焼津市")],
    prefecture: Annotated[str, typer.Option(help="e.g. 静岡県")],
    zone: Annotated[int | None, typer.Option(help="平面直角座標系 zone 1-19")] = None,
    name_en: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Set the city this instance serves."""
    from geo.crs import zone_for_prefecture
    from layers.city import set_city

    migrate.upgrade(_url())
    try:
        plane_zone = zone if zone is not None else zone_for_prefecture(prefecture)
    except ValueError as exc:
        fail("都道府県から座標系の系番号が分かりません。--zone で指定してください。", str(exc))
        return
    from sqlalchemy.exc import IntegrityError

    try:
        with session_scope() as session:
            set_city(
                session,
                code=code,
                name=name,
                prefecture=prefecture,
                plane_zone=plane_zone,
                name_en=name_en,
            )
    except IntegrityError as exc:
        fail("市の設定が正しくありません（コードは6桁、系番号は1-19）。", str(exc.orig))
    typer.echo(f"{name} ({code}), plane rectangular zone {plane_zone}")


@city_app.command("show")
def city_show() -> None:
    """Show the configured city."""
    from layers.city import get_city

    with session_scope() as session:
        city = get_city(session)
        if city is None:
            fail(
                "市が設定されていません。`machimap city set` で設定してください。",
                "no city configured: run `machimap city set`",
            )
            return
        typer.echo(
            f"{city.name} {city.name_en or ''} code={city.code} "
            f"prefecture={city.prefecture} zone={city.plane_zone}"
        )


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
    layer: Annotated[str, typer.Argument(help="Layer id, e.g. facility, hazard, district")],
    file: Annotated[Path, typer.Argument(help="CSV, GeoJSON, GeoPackage or zipped Shapefile")],
    set_: Annotated[list[str], typer.Option("--set", help="FIELD=VALUE for every row")] = [],  # noqa: B006
    map_: Annotated[list[str], typer.Option("--map", help="COLUMN=FIELD")] = [],  # noqa: B006
    skip_invalid: Annotated[bool, typer.Option(help="Load the good rows, list the rest")] = False,
    rejects: Annotated[Path | None, typer.Option(help="Write rejected rows to this CSV")] = None,
    encoding: Annotated[str | None, typer.Option(help="Override detection (cp932, utf-8)")] = None,
    crs: Annotated[str | None, typer.Option(help="CRS of a file that does not declare one")] = None,
    source: Annotated[str | None, typer.Option(help="Dataset name (default: file name)")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Import a file into a layer: all rows or none, unless --skip-invalid."""
    from layers.importing import ImportError_, ImportOptions, import_file

    url = _url()
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
        progress=progress,
    )
    try:
        result = import_file(layer, file, options, url)
    except ImportError_ as exc:
        if bar is not None:
            bar.close()
        fail(exc.message_ja, exc.message_en, code=2)
        return
    if bar is not None:
        bar.close()
    unit_ja = "行目" if result.unit == "line" else "件目"
    for r in result.rejected:
        typer.echo(
            f"{result.unit} {r.number}: {r.reason_en} / {r.number}{unit_ja}: {r.reason_ja}",
            err=True,
        )
    if not result.committed:
        fail(
            f"{len(result.rejected)} 件の不正な行があるため、何も取り込みませんでした"
            "（--skip-invalid で正しい行だけを取り込めます）。",
            f"{len(result.rejected)} invalid row(s): nothing was imported "
            "(use --skip-invalid to load the valid rows)",
        )
    extra = f", {result.repaired} repaired" if result.repaired else ""
    typer.echo(
        f"{result.loaded} loaded, {len(result.rejected)} rejected{extra} "
        f"({result.read} read from {file.name})"
    )
    if result.rejected and options.rejects_path:
        typer.echo(f"rejected rows written to {options.rejects_path}")


@app.command()
def demo() -> None:
    """Load the demo city (焼津市, real open data plus marked synthetic records). Idempotent."""
    from layers.demo.load import load_demo

    url = _url()
    migrate.upgrade(url)
    for line in load_demo(url):
        typer.echo(line)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option()] = None,
    port: Annotated[int | None, typer.Option()] = None,
) -> None:
    """Start the database if needed, apply migrations and serve the API."""
    import uvicorn

    settings = get_settings()
    url = _url()
    migrate.upgrade(url)
    with session_scope() as session:
        from layers.publishing import sync_layer_metadata

        sync_layer_metadata(session)
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        log_level=settings.log_level,
    )


def main() -> None:
    app()
