"""Backups: `machimap backup FILE` and `machimap restore FILE` (layers/backup)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import app, fail
from layers.store.embedded import EmbeddedError
from layers.store.refusals import Refused

WAIT_HELP = "seconds to wait for media gc, a backup or a restore holding the media files"


@contextmanager
def _refusals() -> Iterator[None]:
    """Ends the command with both messages of a refusal, or of a cluster that cannot start."""
    try:
        yield
    except EmbeddedError as exc:
        fail("データベースを起動できません。", str(exc))
    except Refused as exc:
        fail(exc.message_ja, exc.message_en)


def _say(message: str) -> None:
    typer.echo(message, err=True)


def _mb(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB"


@app.command("backup")
def backup_command(
    file: Annotated[Path, typer.Argument(help="the backup file to write (a tar); never replaced")],
    allow_missing_media: Annotated[
        bool,
        typer.Option(
            "--allow-missing-media",
            help="write the backup even if files the database refers to are missing from "
            "the media store, recording them in the manifest",
        ),
    ] = False,
    wait: Annotated[float, typer.Option(min=0.0, help=WAIT_HELP)] = 600.0,
) -> None:
    """Back up the database (one snapshot) and the photo files it refers to into FILE."""
    from layers.backup.make import backup

    with _refusals():
        made = backup(file, allow_missing_media=allow_missing_media, wait_s=wait, say=_say)
    m = made.manifest
    media = sum(f.size for f in m.media.files)
    typer.echo(
        f"バックアップを作成しました / backup written: {made.path} "
        f"({_mb(made.size)}, {made.seconds:.1f} s)\n"
        f"  スキーマ / schema {m.schema_revision or '-'}; 表 / tables {len(m.tables)}, "
        f"行 / rows {sum(m.tables.values()):,}; 写真ファイル / media files "
        f"{len(m.media.files):,} ({_mb(media)})"
    )
    if m.media.missing:
        typer.echo(
            f"  欠けていた写真ファイル（目録に記録） / missing media files, recorded in the "
            f"manifest: {len(m.media.missing)}"
        )


@app.command("restore")
def restore_command(
    file: Annotated[Path, typer.Argument(help="a file `machimap backup` wrote")],
    force: Annotated[
        bool,
        typer.Option("--force", help="replace what the target database already holds"),
    ] = False,
    wait: Annotated[float, typer.Option(min=0.0, help=WAIT_HELP)] = 600.0,
) -> None:
    """Restore FILE into the database (DATABASE_URL / MACHIMAP_MIGRATION_URL, or the embedded
    cluster under MACHIMAP_DATA_DIR, set up if needed) and the media store, check it against
    the backup's manifest and upgrade an older schema."""
    from layers.backup.restore import restore

    with _refusals():
        done = restore(file, force=force, wait_s=wait, say=_say)
    m = done.manifest
    if done.problems:
        listed = "\n".join(f"  {p}" for p in done.problems)
        fail(
            f"復元しましたが、目録と合わない点があります（スキーマは更新していません）:\n{listed}",
            f"restored, but the result does not match the manifest (the schema was not "
            f"upgraded):\n{listed}",
        )
    upgraded = f" → {done.revision}" if done.revision != done.restored_revision else ""
    media = sum(f.size for f in m.media.files)
    typer.echo(
        f"復元しました / restored into {done.target} ({done.seconds:.1f} s)\n"
        f"  バックアップ / backup: {m.created_at}, machimap {m.machimap_version}\n"
        f"  スキーマ / schema {done.restored_revision or '-'}{upgraded}; 表 / tables "
        f"{len(m.tables)}, 行 / rows {done.rows:,} (目録どおり / as in the manifest)\n"
        f"  写真ファイル / media files {len(m.media.files):,} ({_mb(media)}): "
        f"{done.files_written:,} written, {done.files_present:,} already there, all hashes "
        f"checked\n"
        f"  {done.app_role}"
    )
    if done.replaced:
        typer.echo(f"  置き換えたオブジェクト / objects replaced (--force): {done.replaced}")
    if done.not_ours:
        typer.echo(
            f"  PostGIS の表の追加行と権限は復元していません（所有者でないため） / rows and "
            f"grants of PostGIS's own tables left out (not the restoring role's): "
            f"{', '.join(done.not_ours)}"
        )
    if m.media.missing:
        keys = "\n".join(f"    {k}" for k in m.media.missing[:10])
        typer.echo(
            f"  バックアップ時に欠けていた写真ファイル / media files missing when the backup "
            f"was taken: {len(m.media.missing)}\n{keys}"
        )
