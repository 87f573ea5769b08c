"""The media files' lock (layers/media/gc.py FILES_LOCK), taken by a backup (shared: backups
only read, so two may run together) and a restore (exclusive, like gc). A backup or restore
waits for the holder up to a limit, saying once whom it waits for, then refuses naming it;
gc simply waits (a cron job that runs after the backup is what is wanted)."""

from __future__ import annotations

import time
from collections.abc import Callable

from layers.backup.inventory import Conn
from layers.media.gc import FILES_LOCK
from layers.store.refusals import Refused

_HOLDERS = """
SELECT l.pid, coalesce(a.usename, '?'), coalesce(nullif(a.application_name, ''), '-'),
       l.mode, to_char(a.xact_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS "UTC"')
  FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
 WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
   AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
   AND l.classid::bigint = %s AND l.objid::bigint = %s AND l.pid <> pg_backend_pid()
 ORDER BY l.pid
"""


def hold(conn: Conn, *, exclusive: bool, wait_s: float, say: Callable[[str], None]) -> None:
    """Holds the lock on this session until it closes, or Refused after ``wait_s``."""
    take = "pg_try_advisory_lock" if exclusive else "pg_try_advisory_lock_shared"
    deadline = time.monotonic() + wait_s
    told = False
    while True:
        got = conn.execute(f"SELECT {take}(%s)", (FILES_LOCK,)).fetchone()
        if got and got[0]:
            return
        who = holders(conn)
        if time.monotonic() >= deadline:
            raise Refused(
                "写真ファイルは別の処理が使用中です（media gc、バックアップまたは復元）: "
                f"{who}。終わってからやり直すか、--wait で待つ時間を延ばしてください。",
                f"the media files are in use by another job (media gc, a backup or a restore): "
                f"{who}; try again when it has finished, or wait longer with --wait",
                status=409,
            )
        if not told:
            say(f"待機中 / waiting for: {who}")
            told = True
        time.sleep(min(0.5, max(deadline - time.monotonic(), 0.01)))


def holders(conn: Conn) -> str:
    rows = conn.execute(_HOLDERS, (FILES_LOCK >> 32, FILES_LOCK & 0xFFFFFFFF)).fetchall()
    if not rows:
        return "pid ?"  # released between the two queries
    return "; ".join(
        f"pid {pid} ({user}, {app}, "
        f"{'media gc or a restore' if mode == 'ExclusiveLock' else 'a backup'}"
        f"{', since ' + since if since else ''})"
        for pid, user, app, mode, since in rows
    )
