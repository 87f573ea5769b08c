"""Stored photo files: `machimap media gc`."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli.common import database, media_app
from layers.schema import migrate


@media_app.command("gc")
def media_gc(
    grace_hours: Annotated[
        float, typer.Option(min=1.0, help="keep unreferenced files younger than this")
    ] = 24.0,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="only count")] = False,
) -> None:
    """Delete photo files no attachment refers to (left by failed submissions)."""
    from layers.media.gc import collect
    from layers.media.storage import media_store
    from layers.store.db import session_scope

    migrate.upgrade(database())
    with session_scope() as db:
        result = collect(db, media_store(), grace_hours * 3600, dry_run)
    verb = "would remove" if dry_run else "removed"
    typer.echo(
        f"kept {result.kept}, {verb} {result.removed}, "
        f"unreferenced but younger than {grace_hours:g} h: {result.young}"
    )
