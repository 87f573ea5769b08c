"""Browser tests: Debian's Chromium, driven by Playwright, against a real machimap server
(uvicorn in a child process) on a database of its own holding the demo city.

Every page a test opens is watched: a console error, an uncaught exception or a request to
any host but the server and the configured basemap fails the test. Each test leaves
screenshots in tests/artifacts/browser/. The basemap is answered locally with plain tiles
(this machine has no internet), or made to fail for the fallback test."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from layers.store.embedded import EmbeddedCluster
from layers.store.settings import get_settings
from tests.conftest import DEMO_TEMPLATE, ROOT, Person, _admin, _recreate

pw = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "tests" / "artifacts" / "browser"
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
BASEMAP_ORIGIN = get_settings().basemap_origin
PHONE = {"width": 390, "height": 844}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    url: str  # http://localhost:PORT (Chromium treats localhost as a secure context)
    database_url: str
    media_dir: Path

    def person(self, email: str, role: str = "resident", department: str | None = None) -> Person:
        """A real account in the server's database."""
        from layers.store.db import reset_caches
        from tests.conftest import make_person

        saved = os.environ.get("DATABASE_URL")
        os.environ["DATABASE_URL"] = self.database_url
        reset_caches()
        try:
            return make_person(email, role, department=department)
        finally:
            if saved is None:
                os.environ.pop("DATABASE_URL", None)
            else:
                os.environ["DATABASE_URL"] = saved
            reset_caches()

    def sql(self, query: str, *params: object) -> Any:
        from tests.conftest import sql_value

        return sql_value(self.database_url, query, *params)


@pytest.fixture(scope="session")
def live_server(
    cluster: EmbeddedCluster,
    demo_template_url: str,
    demo_media: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveServer]:
    with _running_server(cluster, tmp_path_factory, {}, demo_media) as server:
        yield server


@pytest.fixture
def start_server(
    cluster: EmbeddedCluster,
    demo_template_url: str,
    demo_media: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[dict[str, str]], LiveServer]]:
    """Starts another server with settings of its own (MACHIMAP_* variables), stopped after
    the test: for what a city configures."""
    with ExitStack() as stack:
        yield lambda env: stack.enter_context(
            _running_server(cluster, tmp_path_factory, env, demo_media)
        )


@contextmanager
def _running_server(
    cluster: EmbeddedCluster,
    tmp_path_factory: pytest.TempPathFactory,
    settings: dict[str, str],
    demo_media: Path,
) -> Iterator[LiveServer]:
    if not CHROMIUM.exists():
        pytest.fail("Debian chromium is missing: run `make test` (apt-get install chromium)")
    name = f"t_browser_{uuid.uuid4().hex[:8]}"
    database_url = _recreate(cluster, name, DEMO_TEMPLATE)
    port = _free_port()
    url = f"http://localhost:{port}"
    media = tmp_path_factory.mktemp("browser-media")
    shutil.copytree(demo_media, media, dirs_exist_ok=True)  # the demo map's photos
    env = {
        **os.environ,
        "DATABASE_URL": cluster.app_url(name),
        "MACHIMAP_MIGRATION_URL": database_url,
        "MACHIMAP_PUBLIC_URL": url,
        "MACHIMAP_MEDIA_DIR": str(media),
        "MACHIMAP_OUTBOX_INTERVAL_S": "0",
        # One browser signs in and submits many times from 127.0.0.1.
        "MACHIMAP_RATE_LIMIT_ENABLED": "false",
        **settings,
    }
    log = (tmp_path_factory.mktemp("browser-server") / "server.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "api.app:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"machimap did not start; see {log.name}")
            time.sleep(0.2)
        yield LiveServer(url, database_url, media)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        with _admin(cluster) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    with pw.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _plain_tile() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (256, 256), (236, 236, 230)).save(out, "PNG")
    return out.getvalue()


PLAIN_TILE = _plain_tile()


@dataclass
class Watched:
    """What a page did that a person would not see: errors and where it connected."""

    console_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    basemap_requests: int = 0
    allowed_errors: list[re.Pattern[str]] = field(default_factory=list)


@dataclass
class Browse:
    """Opens watched pages; at the end of the test, screenshots each and fails on what was
    seen."""

    browser: Any
    server: LiveServer
    test_name: str
    pages: list[tuple[Any, Watched]] = field(default_factory=list)

    def open(
        self,
        path: str = "/",
        *,
        viewport: dict[str, int] | None = None,
        basemap: str = "plain",  # "plain" tiles, or "fail" (the basemap is unreachable)
        context: Any = None,
        **context_options: Any,
    ) -> Any:
        if context is None:
            context = self.browser.new_context(
                base_url=self.server.url,
                viewport=viewport or {"width": 1280, "height": 860},
                locale="ja-JP",
                timezone_id="Asia/Tokyo",
                **context_options,
            )
        page = context.new_page()
        watched = Watched()
        server_origin = self.server.url

        def on_console(message: Any) -> None:
            if message.type == "error":
                where = message.location.get("url", "") if message.location else ""
                text = f"{message.text} ({where})"
                if not any(p.search(text) for p in watched.allowed_errors):
                    watched.console_errors.append(text)

        def on_request(request: Any) -> None:
            url = request.url
            if url.startswith(("data:", "blob:")):
                return
            origin = re.match(r"^[a-z]+://[^/]+", url)
            origin_text = origin.group(0) if origin else url
            if origin_text == BASEMAP_ORIGIN:
                watched.basemap_requests += 1
            elif origin_text != server_origin:
                watched.foreign_requests.append(url)

        page.on("console", on_console)
        page.on("pageerror", lambda error: watched.console_errors.append(f"uncaught: {error}"))
        page.on("request", on_request)
        if basemap == "fail":
            page.route(f"{BASEMAP_ORIGIN}/**", lambda route: route.abort("internetdisconnected"))
            # The browser's own line for each refused tile is expected here, nothing else.
            watched.allowed_errors.append(re.compile(re.escape(BASEMAP_ORIGIN)))
        else:
            page.route(
                f"{BASEMAP_ORIGIN}/**",
                lambda route: route.fulfill(status=200, content_type="image/png", body=PLAIN_TILE),
            )
        self.pages.append((page, watched))
        if path:
            page.goto(path)
        return page

    def shot(self, page: Any, label: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.test_name}-{label}.png"
        page.screenshot(path=str(path), full_page=False)
        return path

    def watched(self, page: Any) -> Watched:
        return next(w for p, w in self.pages if p is page)

    def finish(self) -> list[str]:
        problems: list[str] = []
        for n, (page, watched) in enumerate(self.pages):
            if not page.is_closed():
                try:
                    self.shot(page, f"end-{n}")
                except Exception as exc:  # a crashed page still reports its errors
                    problems.append(f"page {n}: no screenshot ({exc})")
            problems += [f"page {n} console: {e}" for e in watched.console_errors]
            problems += [f"page {n} requested another host: {u}" for u in watched.foreign_requests]
        for page, _ in self.pages:
            if not page.is_closed():
                page.context.close()
        return problems


@pytest.fixture
def browse(
    browser: Any, live_server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[Browse]:
    session = Browse(browser, live_server, re.sub(r"\W+", "_", request.node.name))
    yield session
    problems = session.finish()
    assert not problems, "\n".join(problems)


def axe_violations(page: Any, serious_only: bool = True) -> list[dict[str, Any]]:
    """axe-core (from npm) run in the page: the violations of impact serious or critical."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
        }"""
    )
    violations: list[dict[str, Any]] = result
    if serious_only:
        violations = [v for v in violations if v["impact"] in ("serious", "critical")]
    return violations


def assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    assert not violations, json.dumps(violations, ensure_ascii=False, indent=1)


def sign_in(page: Any, person: Person) -> None:
    """Signs in through the real form on /staff (the same request a person's browser sends)."""
    page.goto("/staff")
    page.get_by_label(re.compile("メールアドレス|E-mail")).fill(person.email)
    page.get_by_label(re.compile("パスワード|Password")).fill(person.password)
    page.get_by_role("button", name=re.compile("ログイン|Sign in")).click()
