"""Several machimap processes behind nginx, as deploy/ ships them (issue 13).

The stack is real and lives on loopback only: two `machimap serve` instances over one
database of the module's own, Debian's redis-server for the rate-limit counters and nginx
running deploy/nginx/machimap.conf as shipped, its placeholders filled in as envsubst would.
Two instances on two ports make "which worker answered" observable (each has its own JSON
log); `machimap serve --workers 2` and its SIGHUP reload are tested on their own.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
import mapbox_vector_tile
import psutil
import psycopg
import pytest
from fastapi.testclient import TestClient
from starlette.types import Receive, Scope, Send

from api.logs import JsonLines, RequestLog, request_id_of
from layers.accounts import outbox
from layers.store.db import libpq_url, reset_caches, session_scope
from layers.store.embedded import EmbeddedCluster
from tests.conftest import DEMO_TEMPLATE, PASSWORD, ROOT, _recreate, make_person, sql_value
from tests.test_restarts import _free_port

NGINX_CONF = ROOT / "deploy" / "nginx" / "machimap.conf"
PLACEHOLDERS = (
    "MACHIMAP_LISTEN",
    "MACHIMAP_UPSTREAM_1",
    "MACHIMAP_UPSTREAM_2",
    "MACHIMAP_CACHE_DIR",
    "MACHIMAP_LOG_DIR",
)
CITY_HALL = "/tiles/hazard/14/14487/6497.mvt"  # 焼津市役所, lon 138.3187 lat 34.8669
REPORTS = "/tiles/report/8/226/101.mvt"  # staff see more reports: Vary: Cookie
NGINX_REQUEST_ID = re.compile(r"[0-9a-f]{32}")
SENT_LOG = "MM_TEST_SENT_LOG"
STAFF = "douro@example.jp"


def render(template: str, values: dict[str, str]) -> str:
    """What `envsubst '${MACHIMAP_LISTEN} …'` does to the shipped file (docs/deploy.md):
    the named placeholders are replaced, nginx's own $variables are not."""
    assert set(values) == set(PLACEHOLDERS)
    for name, value in values.items():
        template = template.replace("${" + name + "}", value)
    assert "${" not in template
    return template


def record_sent(message: outbox.Notification) -> None:
    """The stack's notification sender (MACHIMAP_NOTIFICATION_SENDER): appends which
    process sent which message, and when, one JSON line each."""
    started = time.time()
    time.sleep(0.02)  # long enough for two senders to overlap if they could
    line = {"id": message.id, "pid": os.getpid(), "start": started, "end": time.time()}
    with open(os.environ[SENT_LOG], "a", encoding="utf-8") as sent:
        sent.write(json.dumps(line) + "\n")


# --- the processes ------------------------------------------------------------------------


def _wait_for(
    check: Callable[[], bool], what: str, timeout_s: float, alive: Callable[[], bool]
) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if check():
                return
        except httpx.HTTPError:
            pass
        if not alive():
            raise RuntimeError(f"{what} exited")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} not ready in {timeout_s} s")
        time.sleep(0.1)


@dataclass
class Process:
    """A server process with its output in a file of its own."""

    command: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    _out: IO[bytes] | None = None

    def start(self) -> None:
        self._out = self.log.open("ab")
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, stdout=self._out, stderr=subprocess.STDOUT
        )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.alive():
            assert self.process is not None
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self._out is not None:
            self._out.close()
            self._out = None

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@dataclass
class Instance(Process):
    """One `machimap serve` on a port of its own."""

    port: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start_and_wait(self) -> None:
        self.start()
        self.wait_ready()

    def wait_ready(self) -> None:
        ready = lambda: httpx.get(self.base + "/health/ready", timeout=5).status_code == 200  # noqa: E731
        try:
            _wait_for(ready, f"machimap on port {self.port}", 120, self.alive)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}\n{self.output()[-3000:]}") from exc

    def log_lines(self) -> list[dict[str, Any]]:
        """The JSON lines of its log (uvicorn's supervisor may print text before them)."""
        lines = []
        for raw in self.output().splitlines():
            if raw.startswith("{"):
                lines.append(json.loads(raw))
        return lines

    def request_line(self, request_id: str) -> dict[str, Any] | None:
        for line in self.log_lines():
            if line.get("request_id") == request_id and line["logger"] == "machimap.request":
                return line
        return None


@dataclass
class Stack:
    url: str  # the database, as its owner
    env: dict[str, str]
    workers: list[Instance]
    nginx: Process
    nginx_port: int
    tmp: Path
    staff_password: str = PASSWORD
    processes: list[Process] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.nginx_port}"

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.get(self.base + path, timeout=30, **kwargs)

    def line_for(self, request_id: str) -> tuple[int, dict[str, Any]] | None:
        """Which instance logged this request, and its line."""
        for index, worker in enumerate(self.workers):
            line = worker.request_line(request_id)
            if line is not None:
                return index, line
        return None

    def wait_for_line(self, request_id: str) -> tuple[int, dict[str, Any]]:
        deadline = time.monotonic() + 5
        while (found := self.line_for(request_id)) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert found is not None, request_id
        return found


def _serve_command(port: int, *extra: str) -> list[str]:
    return [
        *(sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1"),
        *("--port", str(port), *extra),
    ]


def _nginx_main_conf(tmp: Path, site: Path) -> str:
    """The parts of /etc/nginx/nginx.conf the site file needs, pointed at the test's own
    directory: no system pid file, log or temporary path is touched."""
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi", "cache", "logs"):
        (tmp / name).mkdir(exist_ok=True)
    # As root, nginx's workers would otherwise run as nobody, who cannot enter tmp.
    user = "user root;" if os.geteuid() == 0 else ""
    return f"""
daemon off;
{user}
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/logs/error.log;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {site};
}}
"""


def start_nginx(tmp: Path, upstream_1: int, upstream_2: int) -> tuple[Process, int]:
    """nginx with deploy/nginx/machimap.conf as shipped, in front of two ports of
    loopback, on a free port of its own; all its files under tmp."""
    port = _free_port()
    site = tmp / "machimap.conf"
    site.write_text(
        render(
            NGINX_CONF.read_text(),
            {
                "MACHIMAP_LISTEN": f"127.0.0.1:{port}",
                "MACHIMAP_UPSTREAM_1": f"127.0.0.1:{upstream_1}",
                "MACHIMAP_UPSTREAM_2": f"127.0.0.1:{upstream_2}",
                "MACHIMAP_CACHE_DIR": str(tmp / "cache"),
                "MACHIMAP_LOG_DIR": str(tmp / "logs"),
            },
        )
    )
    (tmp / "nginx.conf").write_text(_nginx_main_conf(tmp, site))
    nginx = Process(
        [
            *("nginx", "-p", str(tmp), "-c", str(tmp / "nginx.conf")),
            *("-e", str(tmp / "logs" / "error.log")),
        ],
        {"PATH": os.environ.get("PATH", "")},
        tmp / "nginx.out",
    )
    nginx.start()
    return nginx, port


def _start_redis(tmp: Path) -> tuple[Process, int]:
    port = _free_port()
    redis = Process(
        [
            *("redis-server", "--bind", "127.0.0.1", "--port", str(port)),
            *("--save", "", "--appendonly", "no", "--dir", str(tmp)),
        ],
        {"PATH": os.environ.get("PATH", "")},
        tmp / "redis.log",
    )
    redis.start()
    ping = lambda: _redis_cli(port, "PING") == "PONG"  # noqa: E731
    _wait_for(ping, "redis-server", 20, redis.alive)
    return redis, port


def _redis_cli(port: int, *args: str) -> str:
    done = subprocess.run(
        ["redis-cli", "-p", str(port), *args], capture_output=True, text=True, timeout=10
    )
    return done.stdout.strip()


@pytest.fixture(scope="module")
def stack(
    cluster: EmbeddedCluster, demo_template_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("stack")
    name = f"t_{uuid.uuid4().hex[:12]}"
    url = _recreate(cluster, name, DEMO_TEMPLATE)
    started: list[Process] = []
    try:
        redis, redis_port = _start_redis(tmp)
        started.append(redis)
        env = {k: v for k, v in os.environ.items() if not k.startswith("MACHIMAP_")}
        env |= {
            "DATABASE_URL": cluster.app_url(name),
            "MACHIMAP_MIGRATION_URL": url,
            "MACHIMAP_MEDIA_DIR": str(tmp / "media"),
            "MACHIMAP_LOG_FORMAT": "json",
            "MACHIMAP_FORWARDED_ALLOW_IPS": "127.0.0.1",
            "MACHIMAP_RATE_LIMIT_STORAGE": f"redis://127.0.0.1:{redis_port}",
            "MACHIMAP_OUTBOX_INTERVAL_S": "0.2",
            "MACHIMAP_NOTIFICATION_SENDER": "tests.test_workers:record_sent",
            "MACHIMAP_TILE_MAX_AGE_S": "1",
            # The test speaks plain HTTP on loopback; browsers would keep a Secure cookie.
            "MACHIMAP_COOKIE_SECURE": "false",
            SENT_LOG: str(tmp / "sent.jsonl"),
        }
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("DATABASE_URL", env["DATABASE_URL"])
            patch.setenv("MACHIMAP_MIGRATION_URL", url)
            reset_caches()
            make_person(STAFF, "staff", department="road")
        reset_caches()

        workers = []
        for index in (1, 2):
            port = _free_port()
            worker = Instance(_serve_command(port), env, tmp / f"worker{index}.log", port=port)
            worker.start()
            started.append(worker)
            workers.append(worker)
        for worker in workers:
            worker.wait_ready()

        nginx, nginx_port = start_nginx(tmp, workers[0].port, workers[1].port)
        started.append(nginx)
        stack = Stack(url, env, workers, nginx, nginx_port, tmp, processes=started)
        live = lambda: stack.get("/health/live").status_code == 200  # noqa: E731
        _wait_for(live, "nginx", 20, nginx.alive)
        yield stack
    finally:
        for process in reversed(started):
            # nginx: SIGQUIT is its graceful stop; the others stop on SIGTERM.
            process.stop(signal.SIGQUIT if process.command[0] == "nginx" else signal.SIGTERM)
        with psycopg.connect(cluster.admin_conninfo(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _sign_in_staff(stack: Stack) -> httpx.Client:
    client = httpx.Client(base_url=stack.base, timeout=30)
    answer = client.post("/auth/login", json={"email": STAFF, "password": stack.staff_password})
    assert answer.status_code == 200, answer.text
    client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return client


def _hazard_ids(response: httpx.Response) -> set[int]:
    assert response.status_code == 200, response.text
    layers = mapbox_vector_tile.decode(response.content)
    return {int(f["id"]) for f in layers["hazard"]["features"]}


def _last_failed_sign_in_ip(stack: Stack) -> str:
    return str(
        sql_value(
            stack.url,
            "SELECT host(ip) FROM audit_log WHERE action = 'auth.sign_in_failed' "
            "ORDER BY id DESC LIMIT 1",
        )
    )


def _from(address: str, base: str) -> httpx.Client:
    """A client speaking from another loopback address than nginx's 127.0.0.1."""
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=base, transport=transport, timeout=30)


# --- nginx as shipped ---------------------------------------------------------------------


def test_the_shipped_config_names_its_placeholders_and_our_largest_body() -> None:
    from api.guard import body_limit
    from layers.store.settings import Settings

    text = NGINX_CONF.read_text()
    assert set(re.findall(r"\$\{(\w+)\}", text)) == set(PLACEHOLDERS)
    # The envsubst line the header tells operators to run names exactly these.
    command = next(line for line in text.splitlines() if "envsubst '" in line)
    assert set(re.findall(r"\$\{(\w+)\}", command)) == set(PLACEHOLDERS)
    largest = body_limit("/api/reports", "multipart/form-data; boundary=x", Settings())
    assert re.search(rf"^\s*client_max_body_size {largest};", text, re.M), largest
    assert largest > Settings().max_body_bytes


def test_tiles_and_assets_are_cached_by_nginx_as_machimap_says(stack: Stack) -> None:
    first, again = stack.get(CITY_HALL), stack.get(CITY_HALL)
    assert first.status_code == again.status_code == 200
    assert again.headers["x-cache-status"] == "HIT"
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["cache-control"] == "public, max-age=1"
    conditional = stack.get(CITY_HALL, headers={"If-None-Match": first.headers["etag"]})
    assert conditional.status_code == 304

    # Once max-age has passed nginx asks with the ETag; machimap's 304 keeps the entry.
    # nginx counts in whole seconds: an entry of max-age=1 is stale 2 s later at the latest.
    time.sleep(2.1)
    revalidated = stack.get(CITY_HALL)
    assert revalidated.headers["x-cache-status"] == "REVALIDATED"
    assert revalidated.headers["etag"] == first.headers["etag"]

    # Public for anonymous callers but different for staff (Vary: Cookie): never stored.
    for _ in range(2):
        reports = stack.get(REPORTS)
        assert reports.status_code == 200 and "Cookie" in reports.headers["vary"]
        assert reports.headers["x-cache-status"] == "MISS"
    # A staff member's answer is private: not stored, and never served to anyone else.
    staff = _sign_in_staff(stack)
    private = staff.get(REPORTS)
    assert private.headers["cache-control"].startswith("private")
    assert private.headers["x-cache-status"] == "MISS"
    assert len(private.content) > len(stack.get(REPORTS).content)

    assets = sorted(p.name for p in (ROOT / "web" / "dist" / "assets").glob("*.js"))
    assert assets, "web/dist is built by make install"
    asset = f"/assets/{assets[0]}"
    stack.get(asset)
    cached = stack.get(asset)
    assert cached.headers["x-cache-status"] == "HIT"
    assert "immutable" in cached.headers["cache-control"]

    # Pages and the API pass through, uncached.
    assert "x-cache-status" not in stack.get("/api/layers").headers


def _declare(stack: Stack, path: str, content_type: str, length: int) -> tuple[bytes, bytes]:
    """A request declaring a body it never sends: nginx refuses from the header alone."""
    with socket.create_connection(("127.0.0.1", stack.nginx_port), timeout=30) as raw:
        raw.sendall(
            f"POST {path} HTTP/1.1\r\nHost: machimap\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {length}\r\n\r\n".encode()
        )
        answer = b""
        while b"\r\n\r\n" not in answer and (chunk := raw.recv(65536)):
            answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        length = int(re.findall(rb"\r\nContent-Length: (\d+)", head)[0])
        while len(body) < length and (chunk := raw.recv(65536)):
            body += chunk
    return head, body


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/api/reports", "multipart/form-data; boundary=x"),
        ("/api/reports/R-1/photos", "multipart/form-data; boundary=x"),
        ("/api/reports/photo-location", "multipart/form-data; boundary=x"),
        ("/api/layers/hazard/features", "application/json"),
        ("/auth/login", "application/json"),
        ("/open311/v2/requests.json", "application/x-www-form-urlencoded"),
        ("/open311/v2/requests.xml", "application/x-www-form-urlencoded"),
    ],
)
def test_nginx_refuses_bodies_over_machimap_s_own_limits_as_machimap_would(
    stack: Stack, path: str, content_type: str
) -> None:
    from api.guard import body_limit, too_large
    from api.reports.open311.formats import error_response, format_of_path
    from layers.store.settings import Settings

    limit = body_limit(path, content_type, Settings())
    head, body = _declare(stack, path, content_type, limit + 1)
    assert head.startswith(b"HTTP/1.1 413 "), head
    if path.startswith("/open311/"):
        ours = error_response(too_large(limit), format_of_path(path))
        assert f"\r\nContent-Type: {ours.media_type}\r\n".encode() in head
        assert body == ours.body
        return
    assert b"\r\nContent-Type: application/problem+json\r\n" in head
    problem = json.loads(body)
    assert problem["limit_bytes"] == limit
    assert problem["type"] == "/problems/too-large" and problem["detail_ja"]


def test_a_body_within_the_limit_reaches_machimap(stack: Stack) -> None:
    from layers.store.settings import Settings

    size = Settings().max_body_bytes - 100
    answer = httpx.post(
        stack.base + "/api/layers/hazard/features",
        content=b"[" + b"1," * (size // 2 - 1) + b"1]",
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    # machimap's answer (an anonymous write), not nginx's 413.
    assert answer.status_code == 401, answer.text[:300]
    assert answer.json()["detail_ja"]


# --- proxy trust, request ids and logs ----------------------------------------------------


def test_x_forwarded_for_is_believed_from_nginx_only(stack: Stack) -> None:
    forged = {"X-Forwarded-For": "203.0.113.7"}
    attempt = {"email": "nobody@example.jp", "password": "wrong password"}
    direct = _from("127.0.0.2", stack.workers[0].base).post(
        "/auth/login", json=attempt, headers=forged
    )
    assert direct.status_code == 401
    assert _last_failed_sign_in_ip(stack) == "127.0.0.2"  # the connection, not the header
    line = stack.wait_for_line(direct.headers["x-request-id"])[1]
    assert line["client"] == "127.0.0.2"

    proxied = _from("127.0.0.3", stack.base).post("/auth/login", json=attempt, headers=forged)
    assert proxied.status_code == 401
    # nginx replaced the forged header with the address it saw; machimap believed nginx.
    assert _last_failed_sign_in_ip(stack) == "127.0.0.3"
    assert stack.wait_for_line(proxied.headers["x-request-id"])[1]["client"] == "127.0.0.3"


def test_a_request_through_nginx_is_logged_under_nginx_s_request_id(stack: Stack) -> None:
    answer = stack.get("/api/layers", headers={"X-Request-Id": "made-up-by-the-client"})
    assert answer.status_code == 200
    request_id = answer.headers["x-request-id"]
    assert NGINX_REQUEST_ID.fullmatch(request_id)  # nginx's $request_id, not the client's
    _, line = stack.wait_for_line(request_id)
    assert line["method"] == "GET" and line["path"] == "/api/layers"
    assert line["status"] == 200 and line["level"] == "info"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["client"] == "127.0.0.1"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])
    # nginx's own access log carries the same id.
    deadline = time.monotonic() + 5
    access = stack.tmp / "logs" / "machimap.access.log"
    while request_id not in access.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    logged = [json.loads(x) for x in access.read_text().splitlines() if request_id in x]
    assert logged and logged[0]["request_id"] == request_id and logged[0]["status"] == 200


def test_a_request_id_is_taken_when_sane_and_made_otherwise(stack: Stack) -> None:
    direct = stack.workers[0].base + "/health/live"
    sane = "trace-4bf92f3577b34da6.a3ce929d0e0e4736"
    assert httpx.get(direct, headers={"X-Request-Id": sane}).headers["x-request-id"] == sane
    for insane in ("short", "x" * 129, "has spaces in it", "日本語のリクエストID", "a\tb-c-d-e"):
        made = httpx.get(direct, headers={b"X-Request-Id": insane.encode()})
        assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"]), insane
    assert request_id_of(None) != request_id_of(None)


def test_a_failing_request_is_logged_as_an_error_with_its_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("the disk is on fire")

    client = TestClient(RequestLog(broken), raise_server_exceptions=False)
    with caplog.at_level(logging.INFO, logger="machimap.request"):
        client.get("/somewhere?token=secret", headers={"X-Request-Id": "failing-request-01"})
    [record] = [r for r in caplog.records if r.name == "machimap.request"]
    assert record.levelno == logging.ERROR
    line = json.loads(JsonLines().format(record))
    assert line["request_id"] == "failing-request-01"
    assert line["status"] == 500 and line["path"] == "/somewhere"
    assert "the disk is on fire" in line["error"]
    assert "secret" not in json.dumps(line)  # query strings are never logged


# --- state shared across processes -------------------------------------------------------


def test_sign_in_failures_are_counted_across_workers_in_redis(stack: Stack) -> None:
    from limits import parse_many

    from layers.store.settings import Settings

    allowed = min(item.amount for item in parse_many(Settings().rate_limit_sign_in_failures))
    client = httpx.Client(base_url=stack.base, timeout=30)
    attempt = {"email": "target@example.jp", "password": "not it"}
    answers = [client.post("/auth/login", json=attempt) for _ in range(allowed + 1)]
    # The same count as one process: every failure counted, wherever it was answered.
    assert [a.status_code for a in answers] == [401] * allowed + [429]
    assert int(answers[-1].headers["Retry-After"]) > 0
    served_by = {stack.wait_for_line(a.headers["x-request-id"])[0] for a in answers}
    assert served_by == {0, 1}, "nginx spreads the attempts over both instances"
    port = stack.env["MACHIMAP_RATE_LIMIT_STORAGE"].rsplit(":", 1)[1]
    assert _redis_cli(int(port), "--scan", "--pattern", "LIMITS*sign_in_failures*")


def test_an_edit_reaches_the_tiles_of_every_worker(stack: Stack) -> None:
    before = [httpx.get(w.base + CITY_HALL, timeout=30) for w in stack.workers]
    etag = before[0].headers["etag"]
    assert before[1].headers["etag"] == etag  # both workers have built and cached it
    old_ids = _hazard_ids(before[0])
    assert _hazard_ids(before[1]) == old_ids
    assert stack.get(CITY_HALL).headers["etag"] == etag

    staff = _sign_in_staff(stack)
    created = staff.post(
        "/api/layers/hazard/features",
        json={
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [138.3187, 34.8669]},
            "properties": {"kind": "road_damage", "title": "ワーカー間の穴"},
        },
    )
    assert created.status_code == 201, created.text
    new_id = int(created.json()["id"])

    # Each worker hears of the new layer version (LISTEN/NOTIFY) and stops serving its
    # cached tile; within a couple of seconds even on a loaded machine.
    for worker in stack.workers:
        deadline = time.monotonic() + 5
        while True:
            now = httpx.get(worker.base + CITY_HALL, timeout=30)
            if now.headers["etag"] != etag or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert now.headers["etag"] != etag, worker.port
        assert _hazard_ids(now) == old_ids | {new_id}
    # nginx's copy expires after max-age and revalidation fetches the new tile.
    deadline = time.monotonic() + 10
    while (through := stack.get(CITY_HALL)).headers["etag"] == etag:
        assert time.monotonic() < deadline, "nginx kept serving the old tile"
        time.sleep(0.2)
    assert new_id in _hazard_ids(through)


def test_n_workers_send_each_notification_exactly_once(stack: Stack) -> None:
    sent_log = Path(stack.env[SENT_LOG])
    sent_log.touch()
    queued: list[int] = []
    for wave in range(3):
        with psycopg.connect(libpq_url(stack.url)) as conn:
            rows = conn.execute(
                "INSERT INTO notification (kind, recipient, subject, body) "
                "SELECT 'test', 'wave' || %s || '-' || g || '@example.jp', '件名', '本文' "
                "FROM generate_series(1, 15) AS g RETURNING id",
                (wave,),
            ).fetchall()
        queued += [row[0] for row in rows]
        time.sleep(0.3)
    deadline = time.monotonic() + 30
    while sql_value(stack.url, "SELECT count(*) FROM notification WHERE sent_at IS NULL"):
        assert time.monotonic() < deadline, "the outbox was not sent"
        time.sleep(0.1)
    sent = [json.loads(line) for line in sent_log.read_text().splitlines()]
    ids = [s["id"] for s in sent if s["id"] in set(queued)]
    assert sorted(ids) == sorted(queued)  # every one, none twice
    _assert_one_sender_at_a_time(sent)


def _assert_one_sender_at_a_time(sent: list[dict[str, Any]]) -> None:
    ordered = sorted(sent, key=lambda s: s["start"])
    for earlier, later in itertools.pairwise(ordered):
        if earlier["pid"] != later["pid"]:
            assert later["start"] >= earlier["end"], (earlier, later)


def test_two_senders_in_one_database_never_send_a_message_twice(db_url: str) -> None:
    def queue(count: int) -> None:
        sql_value(
            db_url,
            "INSERT INTO notification (kind, recipient, subject, body) "
            "SELECT 'test', 'n' || g || '@example.jp', 's', 'b' "
            "FROM generate_series(1, %s) AS g RETURNING id",
            count,
        )

    sent: list[dict[str, Any]] = []

    def recorder(who: str) -> outbox.Sender:
        def send(message: outbox.Notification) -> None:
            started = time.time()
            time.sleep(0.005)
            sent.append({"id": message.id, "pid": who, "start": started, "end": time.time()})

        return send

    def race(work: Callable[[str], object]) -> None:
        barrier = threading.Barrier(2)

        def run(who: str) -> None:
            barrier.wait()
            work(who)

        threads = [threading.Thread(target=run, args=(who,)) for who in ("a", "b")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    # The row locks alone (SKIP LOCKED): small batches, so both take some.
    def batches(who: str) -> None:
        while True:
            with session_scope() as db:
                if outbox.deliver_pending(db, recorder(who), limit=5) == 0:
                    return

    queue(40)
    race(batches)
    assert sorted(s["id"] for s in sent) == sorted(set(s["id"] for s in sent))
    assert len(sent) == 40

    # deliver_all, as every worker's loop runs it: one sender at a time.
    sent.clear()
    queue(40)
    race(lambda who: outbox.deliver_all(batch=5, sender=recorder(who)))
    assert len(sent) == len({s["id"] for s in sent}) == 40
    _assert_one_sender_at_a_time(sent)


def test_a_sender_finding_another_at_work_leaves_the_outbox_to_it(db_url: str) -> None:
    sql_value(
        db_url,
        "INSERT INTO notification (kind, recipient, subject, body) "
        "VALUES ('test', 'a@example.jp', 's', 'b') RETURNING id",
    )
    sent: list[int] = []
    with psycopg.connect(libpq_url(db_url), autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", (outbox.SENDING_LOCK,))
        assert outbox.deliver_all(sender=lambda m: sent.append(m.id)) == 0
    assert outbox.deliver_all(sender=lambda m: sent.append(m.id)) == 1
    assert len(sent) == 1


# --- workers and restarts -----------------------------------------------------------------


class _Traffic:
    """GETs in a loop from a thread while processes come and go; bounded in count. Each on
    a connection of its own, as nginx speaks to machimap (deploy/nginx/machimap.conf: an
    idle kept-alive connection may be closed by a retiring worker just as a request goes)."""

    def __init__(self, url: str, limit: int = 5000) -> None:
        self.url, self.limit = url, limit
        self.statuses: list[int | str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set() and len(self.statuses) < self.limit:
            try:
                self.statuses.append(httpx.get(self.url, timeout=30).status_code)
            except httpx.HTTPError as exc:
                self.statuses.append(type(exc).__name__)
            time.sleep(0.01)

    def __enter__(self) -> _Traffic:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=60)


def _children(pid: int) -> set[int]:
    """uvicorn's live worker processes (multiprocessing's spawn)."""
    found = set()
    for child in psutil.Process(pid).children():
        try:
            if child.status() != psutil.STATUS_ZOMBIE and "spawn_main" in " ".join(child.cmdline()):
                found.add(child.pid)
        except psutil.Error:  # gone between listing and asking: a retired worker
            continue
    return found


def test_a_rolling_restart_behind_nginx_fails_no_request(stack: Stack) -> None:
    with _Traffic(stack.base + "/api/layers") as traffic:
        for worker in stack.workers:
            time.sleep(0.5)
            worker.stop()
            time.sleep(1.0)  # requests keep coming while it is down
            worker.start_and_wait()
        time.sleep(0.5)
    assert len(traffic.statuses) >= 20
    assert set(traffic.statuses) == {200}, [s for s in traffic.statuses if s != 200][:5]
    # Both are back and serving.
    for worker in stack.workers:
        assert httpx.get(worker.base + "/health/ready").status_code == 200


def test_serve_workers_run_n_processes_and_sighup_replaces_them_without_a_failure(
    stack: Stack,
) -> None:
    port = _free_port()
    served = Instance(
        _serve_command(port, "--workers", "2"), stack.env, stack.tmp / "serve2.log", port=port
    )
    served.start()
    try:
        served.wait_ready()
        assert served.process is not None
        parent = served.process.pid
        deadline = time.monotonic() + 60
        while len(first := _children(parent)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(first) == 2
        with _Traffic(served.base + "/api/layers") as traffic:
            time.sleep(0.3)
            os.kill(parent, signal.SIGHUP)
            deadline = time.monotonic() + 90
            while True:
                now = _children(parent)
                if (len(now) == 2 and not now & first) or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            time.sleep(0.3)
        assert len(now) == 2 and not now & first, (first, now, served.output()[-2000:])
        assert len(traffic.statuses) >= 10
        assert set(traffic.statuses) == {200}, [s for s in traffic.statuses if s != 200][:5]
        pids = {line["pid"] for line in served.log_lines() if line["logger"] == "machimap.request"}
        assert pids & now, "the new workers answer"
    finally:
        served.stop()
