"""`machimap backup FILE`: the database as of one snapshot and exactly the files it refers to.

Consistency: one REPEATABLE READ transaction exports its snapshot; pg_dump dumps that very
snapshot (--snapshot), and the same transaction reads the row counts and the media keys. A
report committed a moment later is in neither the dump nor the file list; one committed
before is in both, and its files are already on disk, because a submission writes its files
before the transaction that records them (layers/media/stored.py put_files).

Exclusion: from before the snapshot until the last file is copied the backup shares the media
files' lock, which `machimap media gc` takes exclusively, so gc cannot delete a file the
backup is about to copy (layers/backup/lock.py).
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import io
import os
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from layers.backup import inventory
from layers.backup.archive import CHUNK, add, add_file
from layers.backup.clients import Clients, find_clients, reach, run
from layers.backup.inventory import Conn
from layers.backup.lock import hold
from layers.backup.manifest import (
    DUMP,
    MANIFEST,
    MEDIA,
    DefaultPrivilege,
    DumpFile,
    Manifest,
    Media,
    MediaFile,
    digest_of,
    listed,
)
from layers.backup.where import Database, database

# The store's own: a rename survives a crash only once its directory is on disk too.
from layers.media.storage import MediaStore, fsync_dir, media_store
from layers.store.refusals import Refused
from layers.store.settings import Settings

APPLICATION = "machimap backup"


@dataclass(frozen=True)
class Made:
    path: Path
    size: int
    manifest: Manifest
    seconds: float


@dataclass(frozen=True)
class _Snapshot:
    revision: str | None
    tables: dict[str, int]
    roles: tuple[str, ...]
    default_privileges: tuple[DefaultPrivilege, ...]
    keys: list[str]


def backup(
    path: Path,
    *,
    allow_missing_media: bool = False,
    wait_s: float = 600.0,
    say: Callable[[str], None] = lambda _: None,
    settings: Settings | None = None,
) -> Made:
    started = time.monotonic()
    path = path.absolute()
    if path.exists():
        raise Refused(
            f"{path} は既にあります。上書きしません。別の名前を指定してください。",
            f"{path} already exists and is not overwritten; give another name",
            status=409,
        )
    if not path.parent.is_dir():
        raise Refused(
            f"ディレクトリ {path.parent} がありません。", f"no directory {path.parent}", status=404
        )
    db = database(settings)
    store = media_store(settings)
    with db.connect(APPLICATION) as conn:
        server_version, postgis_version = inventory.versions(conn)
        clients = find_clients(db.bindir, server_version)
        hold(conn, exclusive=False, wait_s=wait_s, say=say)
        # Beside the backup (same file system): the dump is written once and then moved
        # into the tar by reading, never held in memory.
        with tempfile.TemporaryDirectory(dir=path.parent, prefix=f".{path.name}.") as work:
            dump = Path(work) / DUMP
            say("データベースを書き出しています / dumping the database")
            snapshot = _dump(conn, db, clients, dump)
            present, missing = _present(store, snapshot.keys)
            if missing and not allow_missing_media:
                raise _missing_refusal(missing, store)
            n = len(present)
            say(f"写真ファイル {n} 件を書き込みます / writing {n} media files")
            manifest = _write(
                path,
                dump,
                store,
                present,
                Manifest(
                    machimap_version=_version(),
                    created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                    schema_revision=snapshot.revision,
                    database=str(conn.info.dbname),
                    server_version=server_version,
                    postgis_version=postgis_version,
                    dump=DumpFile(size=0, sha256="0" * 64, pg_dump_version=clients.version),
                    tables=snapshot.tables,
                    roles=snapshot.roles,
                    default_privileges=snapshot.default_privileges,
                    media=Media(files=(), missing=tuple(missing)),
                ),
            )
    return Made(path, path.stat().st_size, manifest, time.monotonic() - started)


def _dump(conn: Conn, db: Database, clients: Clients, dump: Path) -> _Snapshot:
    """pg_dump of one exported snapshot, and what that same snapshot holds."""
    conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    try:
        row = conn.execute("SELECT pg_export_snapshot()").fetchone()
        assert row is not None
        snapshot = _Snapshot(
            revision=inventory.revision(conn),
            tables=inventory.table_counts(conn),
            roles=inventory.grantees(conn),
            default_privileges=inventory.default_privileges(conn),
            keys=inventory.referenced_keys(conn),
        )
        # The exporting transaction stays open until pg_dump is done: the snapshot lives
        # only as long as it does.
        target = reach(db.url, APPLICATION)
        run(
            [
                clients.path("pg_dump"),
                "--format=custom",
                f"--snapshot={row[0]}",
                f"--file={dump}",
                f"--dbname={target.conninfo}",
            ],
            target.env,
            "pg_dump",
            "pg_dump",
        )
    finally:
        conn.execute("ROLLBACK")  # read only: nothing to keep
    return snapshot


def _present(store: MediaStore, keys: list[str]) -> tuple[list[str], list[str]]:
    present: list[str] = []
    missing: list[str] = []
    for key in keys:
        try:
            store.path(key)
        except Refused:
            missing.append(key)
        else:
            present.append(key)
    return present, missing


def _missing_refusal(missing: list[str], store: MediaStore) -> Refused:
    names = listed(missing)
    return Refused(
        f"データベースが参照する写真ファイル {len(missing)} 件が {store.root} にありません:\n"
        f"{names}\nバックアップは作成していません。"
        "欠けたまま作るには --allow-missing-media を付けてください（目録に記録されます）。",
        f"{len(missing)} media files the database refers to are missing from {store.root}:\n"
        f"{names}\nNo backup was written. To write one without them, recording them in the "
        "manifest as missing, use --allow-missing-media.",
        status=409,
        missing=missing,
    )


def _write(path: Path, dump: Path, store: MediaStore, keys: list[str], draft: Manifest) -> Manifest:
    """The tar under a temporary name, renamed into place once complete and on disk."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        # Readable by its owner only: it holds residents' contacts and the server's secret.
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)  # a partial file left by a crash keeps its old mode otherwise
        with open(fd, "wb") as out:
            # Uncompressed: photos are compressed already, and so is the custom-format dump.
            # The copy buffer is larger than tarfile's 16 KiB, which makes a large dump crawl.
            with tarfile.TarFile(
                fileobj=out, mode="w", format=tarfile.PAX_FORMAT, copybufsize=CHUNK
            ) as tar:
                dump_size, dump_sha = add_file(tar, DUMP, dump)
                files: list[MediaFile] = []
                damaged: list[str] = []
                for key in keys:
                    size, sha = add_file(tar, MEDIA + key, store.path(key))
                    if sha != digest_of(key):
                        damaged.append(key)
                    else:
                        files.append(MediaFile(key=key, size=size, sha256=sha))
                if damaged:
                    raise _damaged_refusal(damaged, store)
                manifest = draft.model_copy(
                    update={
                        "dump": draft.dump.model_copy(
                            update={"size": dump_size, "sha256": dump_sha}
                        ),
                        "media": draft.media.model_copy(update={"files": tuple(files)}),
                    }
                )
                data = manifest.to_json()
                add(tar, MANIFEST, io.BytesIO(data), len(data), time.time())
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        raise
    fsync_dir(path.parent)
    return manifest


def _damaged_refusal(damaged: list[str], store: MediaStore) -> Refused:
    names = listed(damaged)
    return Refused(
        f"{store.root} の写真ファイル {len(damaged)} 件の内容が名前（SHA-256）と合いません"
        f"（破損）:\n{names}\nバックアップは作成していません。以前のバックアップから戻すか、"
        "ファイルを取り除いて --allow-missing-media で作成してください。",
        f"{len(damaged)} media files in {store.root} no longer match their name (SHA-256), "
        f"they are damaged:\n{names}\nNo backup was written. Put them back from an earlier "
        "backup, or remove them and back up with --allow-missing-media.",
        status=409,
        damaged=damaged,
    )


def _version() -> str:
    try:
        return importlib.metadata.version("machimap")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"
