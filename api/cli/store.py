"""The database and the server: `machimap setup`, `machimap db …` and `machimap serve`."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from api.cli.common import app, database, db_app, fail
from layers.schema import migrate
from layers.store.db import embedded_cluster, libpq_url, psycopg_connect, session_scope
from layers.store.embedded import EmbeddedError, install_system_packages
from layers.store.refusals import Refused
from layers.store.settings import get_settings

# The advisory lock key held while `serve` migrates ("mmmigrat" in ASCII).
MIGRATING_LOCK = 0x6D6D_6D69_6772_6174


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
    from layers.store.db import get_engine

    current = migrate.current_revision(get_engine())
    head = migrate.head_revision()
    typer.echo(f"schema: {current or 'empty'} (latest {head})")


@db_app.command("url")
def dburl() -> None:
    """Print the database URL (starts the embedded database if needed)."""
    typer.echo(libpq_url(database()))


@db_app.command("psql", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def db_psql(ctx: typer.Context) -> None:
    """Open psql on the database; extra arguments go to psql."""
    url = libpq_url(database())
    os.execvp("psql", ["psql", url, *ctx.args])


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply migrations up to REVISION (default: the latest). Safe to repeat."""
    migrate.upgrade(database(), revision)
    with session_scope() as session:
        from layers.serving.publishing import sync_layer_metadata

        sync_layer_metadata(session)
    typer.echo(f"schema at {revision}")


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[
        str,
        typer.Argument(
            help='A revision id, "base" (drops everything), or "-1" for one step (after "--").'
        ),
    ],
    force: Annotated[
        bool, typer.Option("--force", help="Go ahead even if data is lost; prints what was.")
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", help="Confirm dropping the whole schema without a prompt.")
    ] = False,
) -> None:
    """Revert migrations down to REVISION. Refused, changing nothing, if data would be lost
    (each migration declares what its downgrade destroys) unless --force; "base" drops the
    whole schema and asks first (--yes for scripts)."""
    url = database()
    try:
        plan = migrate.plan_downgrade(url, revision)
        refusal = plan.refusal(force)
        if refusal is not None:
            raise refusal
        if not plan.undone:
            typer.echo(f"schema already at {plan.target or 'base'}; nothing to undo")
            return
        if plan.drops_schema and not yes:
            _confirm_dropping_everything(plan.database)
        done = migrate.downgrade(url, revision, force=force)
    except Refused as exc:
        fail(exc.message_ja, exc.message_en)
    typer.echo(f"schema at {done.target or 'base'} (undone: {', '.join(done.undone)})")
    if done.lost:
        typer.echo("失われたデータ:\n" + "\n".join(f"  {c.line_ja()}" for c in done.lost))
        typer.echo("lost:\n" + "\n".join(f"  {c.line_en()}" for c in done.lost))


def _confirm_dropping_everything(name: str) -> None:
    typer.echo(
        f"データベース {name} のスキーマをすべて削除します（すべての表とその行）。\n"
        f"This drops the whole schema of database {name}: every table and all of its rows."
    )
    try:
        typed = typer.prompt(
            f"続けるにはデータベース名 ({name}) か base と入力 / "
            f"type the database name ({name}) or base to go ahead",
            default="",
            show_default=False,
        )
    except typer.Abort:
        typed = ""
    if typed.strip() not in (name, "base"):
        fail(
            "確認されませんでした。何も削除していません（スクリプトからは --yes）。",
            "not confirmed: nothing was dropped (from a script, pass --yes)",
        )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option()] = None,
    port: Annotated[int | None, typer.Option()] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Worker processes (default MACHIMAP_WORKERS, else 1)."),
    ] = None,
) -> None:
    """Start the database if needed, apply migrations and serve the API, in --workers
    processes sharing one port (SIGHUP replaces them one at a time; docs/deploy.md)."""
    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    from api import logs
    from api.cli import supervisor

    settings = get_settings()
    url = database()
    with _alone(url):
        migrate.upgrade(url)
        with session_scope() as session:
            from layers.serving.publishing import sync_layer_metadata

            sync_layer_metadata(session)
    json_logs = settings.log_format == "json"
    supervisor.notice_dead_workers()
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        log_level=settings.log_level,
        log_config=logs.uvicorn_log_config(settings.log_level) if json_logs else LOGGING_CONFIG,
        # In JSON, api/logs.py writes one line per request, with its request id.
        access_log=not json_logs,
        # Forwarded headers are trusted only as MACHIMAP_FORWARDED_ALLOW_IPS says (api/app.py),
        # never by uvicorn's own default.
        proxy_headers=False,
        timeout_graceful_shutdown=settings.shutdown_grace_s,
        # A replacement worker (SIGHUP) imports the app and opens its pools before the old one
        # is retired; uvicorn's 5 s is too short for that on a busy two-core machine, and the
        # reload would be abandoned.
        timeout_worker_healthcheck=60,
    )


@contextmanager
def _alone(url: str) -> Iterator[None]:
    """Instances started together (a boot, a deployment) migrate one after the other: the
    first applies what is new, the next find nothing to do."""
    with psycopg_connect(url, autocommit=True) as conn:
        conn.execute("SET statement_timeout = 0")  # a long migration elsewhere is waited for
        conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATING_LOCK,))
        yield  # closing the connection releases the lock, also on failure
