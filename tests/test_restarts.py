"""A running server survives its database restarting: while the database is away every
answer is a 503 problem with Retry-After, and once it is back the server answers again
without being restarted, even when the cluster had to come back on another port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from layers.schema import migrate
from layers.store.embedded import EmbeddedCluster
from tests.conftest import ROOT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    base: str
    cluster: EmbeddedCluster
    env: dict[str, str]

    def get(self, path: str) -> httpx.Response:
        return httpx.get(self.base + path, timeout=30)

    def machimap(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "api.cli", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


def _until_ok(served: Served, path: str, timeout_s: float = 30.0) -> httpx.Response:
    deadline = time.monotonic() + timeout_s
    while True:
        answer = served.get(path)
        if answer.status_code == 200 or time.monotonic() > deadline:
            return answer
        time.sleep(0.2)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """An embedded cluster of the test's own (no DATABASE_URL) and a server over it."""
    # Under the project, not /tmp: as root the cluster account must be able to enter it.
    data_dir = ROOT / ".machimap-test" / f"restart-{uuid.uuid4().hex[:8]}"
    cluster = EmbeddedCluster(data_dir)
    migrate.upgrade(cluster.start())
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env |= {
        "MACHIMAP_DATA_DIR": str(data_dir),
        "MACHIMAP_MEDIA_DIR": str(tmp_path / "media"),
        "MACHIMAP_OUTBOX_INTERVAL_S": "0",
        "MACHIMAP_RATE_LIMIT_ENABLED": "false",
    }
    port = _free_port()
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "uvicorn", "--factory", "api.app:create_app"),
            *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    served = Served(f"http://127.0.0.1:{port}", cluster, env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if served.get("/health").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((tmp_path / "server.log").read_text()[-2000:])
            time.sleep(0.2)
        yield served
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
        cluster.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def _while_down(served: Served) -> None:
    for path in ("/api/layers", "/api/report-categories", "/tiles/hazard/14/14487/6497.mvt"):
        answer = served.get(path)
        assert answer.status_code == 503, (path, answer.status_code, answer.text[:300])
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert int(answer.headers["Retry-After"]) > 0
        body = answer.json()
        assert body["detail_ja"] and body["detail"]
    assert served.get("/health").status_code == 503


def test_the_server_outlives_machimap_db_stop_and_start(served: Served) -> None:
    assert served.get("/api/layers").status_code == 200
    port = served.cluster.status().port
    stopped = served.machimap("db", "stop")
    assert stopped.returncode == 0, stopped.stderr
    _while_down(served)
    started = served.machimap("db", "start")
    assert started.returncode == 0, started.stderr
    # The connections the server held do not keep the port: the cluster is back on it.
    assert served.cluster.status().port == port
    assert _until_ok(served, "/api/layers").status_code == 200
    assert _until_ok(served, "/tiles/hazard/14/14487/6497.mvt").status_code in (200, 204)


def test_the_server_follows_the_cluster_to_another_port(served: Served) -> None:
    assert served.get("/api/layers").status_code == 200
    port = served.cluster.status().port
    assert port is not None
    served.cluster.stop()
    # Someone else listens on the old port while the database is down.
    squatter = socket.socket()
    squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    squatter.bind(("127.0.0.1", port))
    squatter.listen()
    try:
        served.cluster.start()
        moved = served.cluster.status().port
        assert moved is not None and moved != port
        assert _until_ok(served, "/api/layers").status_code == 200
        assert _until_ok(served, "/tiles/hazard/14/14487/6497.mvt").status_code in (200, 204)
    finally:
        squatter.close()


def test_the_server_outlives_pg_ctl_restart(served: Served) -> None:
    assert served.get("/api/layers").status_code == 200
    served.cluster.restart()
    assert _until_ok(served, "/api/layers", timeout_s=10).status_code == 200
