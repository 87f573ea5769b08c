"""Residents keep submitting reports with photos while the service meets what a city's
operations meet: the database restarted with `machimap db stop && machimap db start` and with
`pg_ctl restart`, and one of the server's workers killed with SIGKILL. The service runs as
deploy/ ships it: `machimap serve --workers 2` behind nginx, over an embedded cluster of the
module's own (the suite's cluster must not be restarted under the other tests).

The clients and the reconciliation are the report benchmark's (bench/reports/run.py, which
runs the same faults at scale with `--fault`): every acknowledged submission is stored
exactly once with its photos, every answer for a key names the same report, a 5xx is
retried with the same Idempotency-Key, and the server recovers without being restarted.
Bounded: a few clients, a window of seconds per fault, loopback only.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import shutil
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import psycopg
import pytest
from uvicorn.supervisors import multiprocess

from api.cli import supervisor
from bench.reports import faults
from bench.reports.run import (
    City,
    Factory,
    Phase,
    make_base_photos,
    reconcile,
    run_phase,
    server_errors,
)
from layers.schema import migrate
from layers.store.db import libpq_url
from layers.store.embedded import EmbeddedCluster
from tests.conftest import ROOT
from tests.test_restarts import _free_port
from tests.test_workers import Instance, Process, _serve_command, start_nginx

CLIENTS = 6
WARMUP_S = 0.5
# The fault comes a third of the way in; clients keep submitting until the window closes,
# after the database is back (two `machimap db` commands take seconds of their own).
WINDOW_S = {"db-restart": 15.0, "pg-ctl-restart": 8.0, "kill-worker": 8.0}
RECOVERY_LIMIT_S = 30.0
# Around 焼津市役所; the module's database has no city boundary, so any point is inside.
POINTS = tuple((138.3187 + i * 0.002, 34.8669 + (i % 5) * 0.002) for i in range(20))


@dataclass
class Service:
    cluster: EmbeddedCluster
    url: str  # the owner's, for reconciling
    server: Instance  # `machimap serve --workers 2`
    nginx: Process
    nginx_port: int
    media: Path
    city: City

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.nginx_port}"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    tmp = tmp_path_factory.mktemp("faults")
    # Under the project, not /tmp: as root the cluster account must be able to enter it.
    data_dir = ROOT / ".machimap-test" / f"faults-{uuid.uuid4().hex[:8]}"
    cluster = EmbeddedCluster(data_dir)
    started: list[Process] = []
    try:
        url = cluster.start()
        migrate.upgrade(url)
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            row = conn.execute(
                "INSERT INTO report_category (code, name_ja, name_en, icon) "
                "VALUES ('road', '道路の損傷', 'Road damage', 'road') RETURNING id"
            ).fetchone()
        assert row is not None
        city = City((("road", int(row[0]), None),), POINTS)

        env = {
            k: v
            for k, v in os.environ.items()
            if k != "DATABASE_URL" and not k.startswith("MACHIMAP_")
        }
        env |= {
            "MACHIMAP_DATA_DIR": str(data_dir),
            "MACHIMAP_MEDIA_DIR": str(tmp / "media"),
            "MACHIMAP_OUTBOX_INTERVAL_S": "0",
            "MACHIMAP_RATE_LIMIT_ENABLED": "false",
            "MACHIMAP_FORWARDED_ALLOW_IPS": "127.0.0.1",
            "MACHIMAP_LOG_LEVEL": "warning",
        }
        port = _free_port()
        server = Instance(
            _serve_command(port, "--workers", "2"), env, tmp / "server.log", port=port
        )
        server.start()
        started.append(server)
        server.wait_ready()

        # Both upstream lines name the one instance: its two workers share the port.
        nginx, nginx_port = start_nginx(tmp, port, port)
        started.append(nginx)
        yield Service(cluster, url, server, nginx, nginx_port, tmp / "media", city)
    finally:
        for process in reversed(started):
            process.stop(signal.SIGQUIT if process.command[0] == "nginx" else signal.SIGTERM)
        cluster.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.mark.parametrize("fault", ["db-restart", "pg-ctl-restart", "kill-worker"])
def test_every_acknowledged_report_survives_the_fault_exactly_once(
    service: Service, fault: str
) -> None:
    assert service.server.process is not None
    supervisor = service.server.process.pid
    log = service.server.log
    log_start = log.stat().st_size
    run_id = f"faults-{fault}-{uuid.uuid4().hex[:6]}"
    factory = Factory(run_id, service.city, make_base_photos(2, service.city.points), 20261207)

    def inject() -> faults.Injected:
        return faults.inject(fault, service.base, service.cluster, supervisor)

    def submit() -> Phase:
        return asyncio.run(
            run_phase(
                service.base, factory, fault, True, CLIENTS, WARMUP_S, WINDOW_S[fault], inject
            )
        )

    # A thread of its own: the browser tests' Playwright keeps an event loop running in
    # this one for the whole session.
    with ThreadPoolExecutor(max_workers=1) as own_thread:
        phase = own_thread.submit(submit).result()
    assert phase.fault is not None and phase.unfinished == 0
    result = reconcile(service.url, run_id, phase, service.media)
    attempts = [a for r in phase.records for a in r.attempts]
    seen = faults.seen(phase.fault, attempts)
    logged, first = server_errors(log, log_start)
    print(
        f"\n{fault}: {result.submissions} submissions, {result.acknowledged} acknowledged, "
        f"lost {result.lost}, duplicated {result.duplicated}, "
        f"attachments {result.attachments}"
    )
    print("\n".join(faults.describe(phase.fault, seen)))

    # Every submission got through in the end, stored once, with its photos and files.
    assert result.problems == 0, result.examples
    assert result.submissions > 0 and result.unacknowledged == 0, result.examples
    # What failed was a 503 problem with Retry-After (the server's own, or nginx's when a
    # worker died under a request), or a connection cut: never a bare 5xx, never a 4xx.
    assert seen.bare_server_errors == 0, seen.answers
    refused = [a for a in attempts if a.status is not None and 400 <= a.status < 500]
    assert not refused, [(a.status, a.detail) for a in refused[:3]]
    # Recovered by itself: the same server process answers again, soon after the database.
    assert service.server.alive() and service.server.process.pid == supervisor
    assert phase.fault.recovered, phase.fault
    lag = phase.fault.lag_s
    assert lag is None or lag < RECOVERY_LIMIT_S, phase.fault
    # A cut-off client's request is the only error the server may log.
    unexpected = {m: n for m, n in logged.items() if not m.endswith("ClientDisconnect")}
    assert not unexpected, (unexpected, first)

    if fault == "db-restart":
        # The database was away for seconds: the watcher and the clients met it, and the
        # clients were told to come back.
        assert phase.fault.database_back is not None and phase.fault.service_down is not None
        assert seen.server_errors > 0, seen.answers
    if fault == "kill-worker":
        assert phase.fault.respawned is not None, phase.fault.notes
        assert len(faults.workers_of(supervisor)) == 2


def test_a_worker_killed_while_its_health_check_waits_is_noticed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """uvicorn's supervisor holds both ends of the ping pipe, so a worker dying with a ping
    outstanding closes nothing: unpatched, the check waits out its whole timeout (60 s under
    `machimap serve`) before a replacement starts. api/cli/supervisor.py looks in between."""
    monkeypatch.setattr(multiprocess.Process, "_healthcheck", multiprocess.Process._healthcheck)
    supervisor.notice_dead_workers()
    assert multiprocess.Process._healthcheck is supervisor._healthcheck

    spawn = multiprocessing.get_context("spawn")
    parent_conn, child_conn = spawn.Pipe()
    worker = spawn.Process(target=time.sleep, args=(600,))  # alive, never answers a ping
    worker.start()
    held = SimpleNamespace(parent_conn=parent_conn, child_conn=child_conn, process=worker)
    answers: list[bool | None] = []
    checking = threading.Thread(target=lambda: answers.append(supervisor._healthcheck(held, 600)))
    checking.start()
    try:
        time.sleep(0.5)
        assert checking.is_alive()  # a live worker that does not answer is waited for
        assert worker.pid is not None
        os.kill(worker.pid, signal.SIGKILL)
        checking.join(timeout=60)
        assert not checking.is_alive(), "the health check kept waiting for a dead worker"
        assert answers == [None]
    finally:
        if worker.is_alive():
            worker.kill()
        worker.join()
