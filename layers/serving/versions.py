"""The current version of each layer, known in-process without a query per request.

Every write to a layer's table bumps ``layer_metadata.version`` (migration 0002) and
announces it with ``NOTIFY machimap_layer_version, '<layer_id>:<version>'`` (migration
0004). A background thread LISTENs and keeps the versions here current; anything that caches
a layer's data (tiles, ETags) keys it by these versions, so a write makes old entries
unreachable instead of stale.

Correctness does not depend on the listener: until it is connected, and whenever it has
failed, ``get`` reads the versions from the database at most once per ``FALLBACK_TTL_S``.
A layer without a metadata row has version 0; the rows are created on first use, because
a layer without one would never change version.

API:
- ``get(layer_ids)``: the versions, in the order asked.
- ``observe(layer_id, version)``: a version read elsewhere (in the same statement as the
  data it belongs to), moving the in-process version forward before the notification comes.
- ``listening()``: whether notifications are being received (for health and tests).
- ``stop()``: end the listener and forget everything (tests and the CLI switch databases;
  a different engine from ``layers.store.db.get_engine()`` also starts afresh by itself).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from typing import Any

import psycopg
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from layers.registry import layer_ids
from layers.store.db import live_url, psycopg_connect
from layers.store.per_engine import PerEngine

log = logging.getLogger(__name__)

CHANNEL = "machimap_layer_version"
FALLBACK_TTL_S = 1.0
# The listener re-reads every version this often, which also notices a dead connection
# that never raised an error.
RESYNC_S = 30.0
_POLL_S = 1.0  # how often the listener checks whether it should stop
_MAX_BACKOFF_S = 30.0
_SELECT = "SELECT layer_id, version FROM layer_metadata"


class _Tracker:
    """The versions of one database (one engine), with its listener thread."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._versions: dict[str, int] = {}
        self._lock = threading.Lock()  # guards _versions updates and _read_at
        self._refresh_lock = threading.Lock()
        self._read_at = float("-inf")
        self._rows_ensured = False
        self._listening = False
        self._stopped = threading.Event()
        self._refresh()  # creates missing metadata rows; raises if the database is down
        self._thread = threading.Thread(
            target=self._listen, name="machimap-layer-versions", daemon=True
        )
        self._thread.start()

    # --- reading ---------------------------------------------------------------------------

    def get(self, ids: Iterable[str]) -> tuple[int, ...]:
        if not self._listening and time.monotonic() - self._read_at > FALLBACK_TTL_S:
            self._refresh()
        versions = self._versions
        return tuple(versions.get(i, 0) for i in ids)

    def _refresh(self) -> None:
        with self._refresh_lock:
            if self._listening or time.monotonic() - self._read_at <= FALLBACK_TTL_S:
                return  # another thread has just read them, or the listener took over
            with Session(self.engine) as session:
                if not self._rows_ensured:
                    self._ensure_rows(session)
                rows = session.execute(text(_SELECT)).tuples().all()
            self._replace(dict(rows))

    def _ensure_rows(self, session: Session) -> None:
        from layers.serving.publishing import sync_layer_metadata

        present = set(session.execute(text("SELECT layer_id FROM layer_metadata")).scalars())
        if not set(layer_ids()) <= present:
            sync_layer_metadata(session)
            session.commit()
        self._rows_ensured = True

    def _replace(self, versions: dict[str, int]) -> None:
        """A complete read from the database: the truth, even if a version went back
        (a restored database)."""
        with self._lock:
            self._versions = versions
            self._read_at = time.monotonic()

    def observe(self, layer_id: str, version: int) -> None:
        with self._lock:
            if version > self._versions.get(layer_id, 0):
                self._versions = {**self._versions, layer_id: version}

    # --- listening -------------------------------------------------------------------------

    def _listen(self) -> None:
        backoff = 0.5
        while not self._stopped.is_set():
            try:
                with psycopg_connect(live_url(self.engine), autocommit=True) as conn:
                    # LISTEN before reading, so no write falls between the two.
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._replace(dict(conn.execute(_SELECT).fetchall()))
                    self._listening = True
                    backoff = 0.5
                    self._follow(conn)
            except psycopg.Error as exc:
                if self._listening or backoff == 0.5:
                    log.warning("layer version listener failed, polling instead: %s", exc)
                if "does not exist" in str(exc):
                    return  # the database was dropped (tests); nothing left to follow
            finally:
                self._listening = False
            self._stopped.wait(backoff)
            backoff = min(backoff * 2, _MAX_BACKOFF_S)

    def _follow(self, conn: psycopg.Connection[Any]) -> None:
        synced = time.monotonic()
        while not self._stopped.is_set():
            for note in conn.notifies(timeout=_POLL_S):
                layer_id, _, version = note.payload.rpartition(":")
                if version.isdigit():
                    self.observe(layer_id, int(version))
            if time.monotonic() - synced > RESYNC_S:
                self._replace(dict(conn.execute(_SELECT).fetchall()))
                synced = time.monotonic()

    def stop(self) -> None:
        self._stopped.set()
        self._listening = False


_trackers = PerEngine(_Tracker, _Tracker.stop)


def _tracker() -> _Tracker:
    return _trackers.get()


def get(ids: Iterable[str]) -> tuple[int, ...]:
    """The current version of each layer id, in order (0 for a layer never written)."""
    return _tracker().get(ids)


def observe(layer_id: str, version: int) -> None:
    """A version read from the database along with data; versions only move forward here."""
    _tracker().observe(layer_id, version)


def listening() -> bool:
    return _tracker()._listening


def stop() -> None:
    _trackers.reset()
