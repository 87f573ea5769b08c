"""Faults injected while residents submit reports (bench/reports/run.py ``--fault``, and
tests/test_faults.py): the database stopped and started again with ``machimap db``,
restarted with ``pg_ctl``, or one server worker killed with SIGKILL.

What a fault did to the submissions is reconciled by run.reconcile (lost, duplicated,
replays, photos). This module injects the fault, watches how long the service took to
answer again, and sums up what the clients saw meanwhile."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import httpx
import psutil
import psycopg

from layers.store.db import libpq_url
from layers.store.embedded import EmbeddedCluster, EmbeddedError

ROOT = Path(__file__).resolve().parents[2]
FAULTS = ("none", "db-restart", "pg-ctl-restart", "kill-worker")
DATABASE_FAULTS = ("db-restart", "pg-ctl-restart")
# How long `machimap db stop` leaves the database away before `machimap db start`: long
# enough for every client to meet it, as an operator's restart would.
DOWN_S = 2.0
# A read that needs the database: answering it again is what "recovered" means.
PROBE_PATH = "/api/report-categories"
PROBE_EVERY_S = 0.1
RECOVERY_CAP_S = 60.0
# uvicorn's supervisor replaces a dead worker within half a second. Plain uvicorn (the
# benchmark's server) waits out its health-check timeout instead when the kill came while it
# was pinging that worker; `machimap serve` looks in between (api/cli/supervisor.py).
RESPAWN_CAP_S = 90.0


class Answered(Protocol):
    """What faults needs of an attempt (run.Attempt)."""

    started: float
    elapsed: float
    status: int | None
    error: str
    retry_after: str | None
    content_type: str

    @property
    def ok(self) -> bool: ...

    @property
    def finished(self) -> float: ...


@dataclass
class Injected:
    """A fault's timeline (perf_counter), as a watcher saw it every PROBE_EVERY_S: the
    database taking connections or not, the service answering a database read or not."""

    name: str
    started: float
    ended: float = 0.0  # the fault's command returned (`machimap db start`, pg_ctl, kill)
    database_down: float | None = None
    database_back: float | None = None
    service_down: float | None = None  # the first probe without a 200
    service_back: float | None = None  # the first 200 after that
    respawned: float | None = None  # kill-worker: the supervisor has its workers again
    notes: list[str] = field(default_factory=list)

    @property
    def recovered(self) -> bool:
        return self.service_down is None or self.service_back is not None

    @property
    def unavailable_s(self) -> float | None:
        """How long the service did not answer (0 when it never stopped)."""
        if self.service_down is None:
            return 0.0
        return None if self.service_back is None else self.service_back - self.service_down

    @property
    def lag_s(self) -> float | None:
        """From the database taking connections again to the service answering again: the
        time to recover that is the service's own."""
        if self.database_back is None or self.service_back is None:
            return None
        return max(0.0, self.service_back - self.database_back)


def _machimap_db(action: str, cluster: EmbeddedCluster) -> None:
    """What an operator types: `machimap db stop` / `machimap db start` on this cluster."""
    keep = ("MACHIMAP_PG_BINDIR", "MACHIMAP_PG_USER")
    env = {
        k: v
        for k, v in os.environ.items()
        if k != "DATABASE_URL" and (not k.startswith("MACHIMAP_") or k in keep)
    }
    env["MACHIMAP_DATA_DIR"] = str(cluster.data_dir)
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "db", action],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"machimap db {action}: {done.stderr.strip()[-1000:]}")


def workers_of(supervisor: int) -> list[psutil.Process]:
    """uvicorn's live worker processes under its supervisor (not multiprocessing's helpers,
    not a killed worker the supervisor has yet to reap)."""
    workers = []
    for child in psutil.Process(supervisor).children():
        try:
            if child.status() != psutil.STATUS_ZOMBIE and "resource_tracker" not in " ".join(
                child.cmdline()
            ):
                workers.append(child)
        except psutil.Error:  # gone, or a zombie, between listing and looking
            continue
    return workers


def _watch(
    injected: Injected, base: str, cluster: EmbeddedCluster | None, done: threading.Event
) -> None:
    """Until the fault is over and the service answers again (at most RECOVERY_CAP_S)."""
    with httpx.Client(base_url=base, timeout=5) as probe:
        while True:
            now = time.perf_counter()
            if cluster is not None:
                try:
                    with psycopg.connect(libpq_url(cluster.url()), connect_timeout=2):
                        up = True
                except (psycopg.Error, EmbeddedError):
                    up = False
                if not up and injected.database_down is None:
                    injected.database_down = now
                elif up and injected.database_down is not None and injected.database_back is None:
                    injected.database_back = time.perf_counter()
            try:
                answered = probe.get(PROBE_PATH).status_code == 200
            except httpx.HTTPError:
                answered = False
            if not answered and injected.service_down is None:
                injected.service_down = now
            elif answered and injected.service_down is not None and injected.service_back is None:
                injected.service_back = time.perf_counter()
            database_over = injected.database_down is None or injected.database_back is not None
            over = done.is_set() and injected.recovered and database_over
            if over or time.perf_counter() - injected.started > RECOVERY_CAP_S:
                return
            time.sleep(PROBE_EVERY_S)


def inject(
    name: str, base: str, cluster: EmbeddedCluster | None, supervisor: int | None
) -> Injected:
    """Inject one fault, watching the database and the service meanwhile; return once the
    service answers a database read again (or RECOVERY_CAP_S has passed)."""
    if name in DATABASE_FAULTS and cluster is None:
        raise ValueError(f"{name} needs the embedded database")
    if name == "kill-worker" and supervisor is None:
        raise ValueError("kill-worker needs the server's supervisor process")
    injected = Injected(name, time.perf_counter())
    done = threading.Event()
    watcher = threading.Thread(target=_watch, args=(injected, base, cluster, done))
    watcher.start()
    try:
        if name == "db-restart":
            assert cluster is not None
            _machimap_db("stop", cluster)
            time.sleep(DOWN_S)
            _machimap_db("start", cluster)
        elif name == "pg-ctl-restart":
            assert cluster is not None
            cluster.restart()
        elif name == "kill-worker":
            assert supervisor is not None
            _kill_a_worker(injected, supervisor)
        injected.ended = time.perf_counter()
    finally:
        done.set()
        watcher.join()
    return injected


def _kill_a_worker(injected: Injected, supervisor: int) -> None:
    """SIGKILL one worker, then wait for the supervisor to have as many as before."""
    workers = workers_of(supervisor)
    if len(workers) < 2:
        raise RuntimeError(f"kill-worker needs 2 workers or more, found {len(workers)}")
    before = {w.pid for w in workers}
    victim = workers[0]
    injected.notes.append(f"killed worker {victim.pid} of {len(workers)}")
    victim.send_signal(signal.SIGKILL)
    killed = time.perf_counter()
    while time.perf_counter() - killed < RESPAWN_CAP_S:
        now = {w.pid for w in workers_of(supervisor)}
        if len(now) >= len(before) and now != before:
            injected.respawned = time.perf_counter()
            injected.notes.append(
                f"the supervisor had {len(now)} again after {injected.respawned - killed:.2f} s"
            )
            return
        time.sleep(PROBE_EVERY_S)


def told_to_retry(a: Answered) -> bool:
    """A 503 problem document with Retry-After: what the service answers while it cannot."""
    return (
        a.status == 503
        and bool(a.retry_after)
        and a.content_type.startswith("application/problem+json")
    )


@dataclass
class Seen:
    """What the clients saw of a fault: every answer from its start to the end of the run."""

    answers: Counter[str] = field(default_factory=Counter)
    server_errors: int = 0  # 5xx answers
    bare_server_errors: int = 0  # 5xx without a problem document or without Retry-After
    unanswered: int = 0  # connection errors and timeouts (not the cut-offs on purpose)
    last_failure_s: float | None = None  # after the fault's start
    first_ack_after_s: float | None = None  # of a request sent once the database was back


def seen(fault: Injected, attempts: Iterable[Answered]) -> Seen:
    result = Seen()
    for a in attempts:
        if a.finished < fault.started:
            continue
        if a.ok:
            result.answers[str(a.status)] += 1
            back = fault.database_back
            if back is not None and a.started >= back:
                after = a.finished - back
                if result.first_ack_after_s is None or after < result.first_ack_after_s:
                    result.first_ack_after_s = after
            continue
        failed_at = a.finished - fault.started
        if a.status is None:
            if a.error == "client deadline":
                continue
            result.unanswered += 1
            result.answers[f"no answer: {a.error}"] += 1
        else:
            result.answers[str(a.status)] += 1
            if a.status < 500:
                continue
            result.server_errors += 1
            result.bare_server_errors += not told_to_retry(a)
        if result.last_failure_s is None or failed_at > result.last_failure_s:
            result.last_failure_s = failed_at
    return result


def describe(fault: Injected, what: Seen) -> list[str]:
    def s(value: float | None) -> str:
        return "never" if value is None else f"{value:.2f} s"

    lines = [f"fault {fault.name}: {fault.ended - fault.started:.2f} s to inject"]
    lines += [f"  {note}" for note in fault.notes]
    if fault.database_down is not None:
        away = None if fault.database_back is None else fault.database_back - fault.database_down
        lines.append(f"  the database took no connections for {s(away)}")
    if fault.service_down is None:
        lines.append("  the service never stopped answering a database read")
    else:
        lines.append(f"  the service did not answer a database read for {s(fault.unavailable_s)}")
        if fault.database_back is not None:
            lines.append(
                f"  it answered again {s(fault.lag_s)} after the database took connections"
            )
    lines += [
        "  answers from the fault on: "
        + ", ".join(f"{k}: {v:,}" for k, v in sorted(what.answers.items())),
        f"  5xx: {what.server_errors} ({what.bare_server_errors} without a problem document "
        f"and Retry-After), no answer: {what.unanswered}; the last failure came "
        f"{s(what.last_failure_s)} after the fault began, the first acknowledgement of a "
        f"submission sent after it {s(what.first_ack_after_s)} after the database was back"
        if fault.database_back is not None
        else f"  5xx: {what.server_errors} ({what.bare_server_errors} without a problem "
        f"document and Retry-After), no answer: {what.unanswered}; the last failure came "
        f"{s(what.last_failure_s)} after the fault began",
    ]
    return lines
