"""Removing photo files no row refers to any more.

Files are written before the transaction that records them (layers/reports/intake.py), so
a submission that fails after that leaves an unreferenced file. It is never served (photos
are served only through their attachment rows) and takes only disk. Files younger than
the grace period are left alone: they may belong to a submission still in flight."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from layers.media.storage import MediaStore

# One PostgreSQL advisory lock (per database) keeps deletion away from files being copied:
# gc holds it exclusively while it decides and deletes, a backup shares it from before its
# snapshot until it has copied every file that snapshot refers to (layers/backup), and a
# restore holds it exclusively while it writes files and the rows referring to them. The key
# is the eight bytes "mm-media".
FILES_LOCK = int.from_bytes(b"mm-media", "big")

REFERENCED = text(
    """SELECT k FROM attachment,
        LATERAL (VALUES (storage_key), (thumbnail_key), (public_key), (public_thumbnail_key))
        AS keys(k)
    WHERE k IS NOT NULL"""
)


@dataclass(frozen=True)
class Collected:
    kept: int
    removed: int
    young: int  # unreferenced, but within the grace period


def collect(session: Session, store: MediaStore, grace_s: float, dry_run: bool) -> Collected:
    _wait_for_backups(session)
    # Listed before the references are read: a file written after the listing is not seen,
    # and one recorded after the read is younger than any sensible grace period.
    files = list(store.files())
    referenced = set(session.scalars(REFERENCED))
    cutoff = time.time() - grace_s
    kept = removed = young = 0
    for key, mtime in files:
        if key in referenced:
            kept += 1
        elif mtime > cutoff:
            young += 1
        elif dry_run or store.delete_unless_touched(key, cutoff):
            removed += 1
        else:  # stored again since the listing (MediaStore.put touches it)
            young += 1
    return Collected(kept, removed, young)


def _wait_for_backups(session: Session) -> None:
    """Waits until no backup or restore is copying files, then holds the files' lock until
    the transaction ends. gc is a cron job: waiting for a backup to finish is what it should
    do, and the wait is a backup's length, so statement_timeout does not cut it short."""
    timeout = session.execute(text("SHOW statement_timeout")).scalar_one()
    session.execute(text("SET LOCAL statement_timeout = 0"))
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FILES_LOCK})
    session.execute(text("SELECT set_config('statement_timeout', :t, true)"), {"t": timeout})
