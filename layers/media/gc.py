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
        else:
            removed += 1
            if not dry_run:
                store.delete(key)
    return Collected(kept, removed, young)
