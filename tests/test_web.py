"""Serving the built pages: fingerprinted assets cached as immutable, pages revalidated,
the precompressed copy the browser accepts, nothing outside the build, and a clear answer
when the pages were never built. The last test reads the real build (`make install`)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import brotli
import pytest
from fastapi.testclient import TestClient

from layers.store.settings import get_settings
from tests.conftest import ROOT, new_client

BUILT = ROOT / "web" / "dist"


@pytest.fixture
def dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    assets = tmp_path / "assets"
    assets.mkdir()
    body = "console.log('machimap');\n" * 200
    (assets / "map-AbC123.js").write_text(body)
    (assets / "map-AbC123.js.gz").write_bytes(gzip.compress(body.encode()))
    (assets / "map-AbC123.js.br").write_bytes(brotli.compress(body.encode()))
    (tmp_path / "index.html").write_text('<!doctype html><html lang="ja"></html>')
    (tmp_path / "secret.txt").write_text("not an asset")
    monkeypatch.setenv("MACHIMAP_WEB_DIST", str(tmp_path))
    get_settings.cache_clear()
    return tmp_path


def _client() -> TestClient:
    return new_client()


def test_assets_are_immutable_and_served_precompressed(dist: Path) -> None:
    client = _client()
    plain = client.get("/assets/map-AbC123.js", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200
    assert plain.headers["content-type"].startswith("text/javascript")
    assert plain.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert plain.headers["vary"] == "Accept-Encoding"
    assert "content-encoding" not in plain.headers
    gz = client.get("/assets/map-AbC123.js", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["content-encoding"] == "gzip" and gz.text == plain.text
    br = client.get("/assets/map-AbC123.js", headers={"Accept-Encoding": "gzip, br"})
    assert br.headers["content-encoding"] == "br" and br.text == plain.text
    refused = client.get("/assets/map-AbC123.js", headers={"Accept-Encoding": "br;q=0, gzip"})
    assert refused.headers["content-encoding"] == "gzip"


def test_an_unchanged_asset_is_not_sent_again(dist: Path) -> None:
    client = _client()
    etag = client.get("/assets/map-AbC123.js").headers["etag"]
    again = client.get("/assets/map-AbC123.js", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""


def test_pages_are_revalidated_on_every_visit(dist: Path) -> None:
    page = _client().get("/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["cache-control"] == "no-cache"
    # The strict policy applies to the pages: scripts only from machimap itself.
    assert "script-src 'self'" in page.headers["content-security-policy"]


@pytest.mark.parametrize(
    "name",
    ["../index.html", "..%2Fsecret.txt", "map-AbC123.js.gz", "missing.js", "%2e%2e/secret.txt"],
)
def test_nothing_outside_the_assets_is_served(dist: Path, name: str) -> None:
    response = _client().get(f"/assets/{name}")
    assert response.status_code == 404
    assert "not an asset" not in response.text


def test_pages_that_were_never_built_say_how_to_build_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MACHIMAP_WEB_DIST", str(tmp_path / "nothing"))
    get_settings.cache_clear()
    response = _client().get("/report")
    assert response.status_code == 503
    assert "make install" in response.json()["detail"]
    assert "make install" in response.json()["detail_ja"]


@pytest.mark.parametrize(
    "page", ["index.html", "report.html", "staff.html", "track.html", "groups.html", "walk.html"]
)
def test_the_real_build_loads_only_fingerprinted_assets_of_its_own(page: str) -> None:
    assert (BUILT / page).exists(), "web/ is not built: `make install` builds it"
    html = (BUILT / page).read_text()
    assert '<html lang="ja">' in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), "a page loads another host"
    assert "<script>" not in html and "style=" not in html  # the CSP allows neither
    assets = re.findall(r"""(?:src|href)="/assets/([^"]+)\"""", html)
    assert assets, "the page loads no built asset"
    for name in assets:
        assert re.search(r"-[\w-]{8}\.(js|css)$", name), f"{name} has no content hash"
        assert (BUILT / "assets" / name).is_file()
        assert (BUILT / "assets" / f"{name}.br").is_file() or (
            BUILT / "assets" / name
        ).stat().st_size < 1024


def test_the_walk_pages_service_worker_is_served_beside_the_pages_it_may_control() -> None:
    """Under /groups/ (a worker's scope cannot reach above its own path), revalidated like
    a page so a new build replaces it; the walk page itself is the built walk.html."""
    client = _client()
    worker = client.get("/groups/walk-sw.js")
    assert worker.status_code == 200
    assert worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["cache-control"] == "no-cache"
    assert "machimap-walk-v1" in worker.text
    page = client.get("/groups/1/walk")
    assert page.status_code == 200
    assert page.text == (BUILT / "walk.html").read_text()


def test_the_planning_address_plans_quote_opens_the_staff_pages_planning_view() -> None:
    answer = _client().get("/staff/planning?lang=en", follow_redirects=False)
    assert answer.status_code == 308
    assert answer.headers["location"] == "/staff?lang=en#/planning"
    assert _client().get("/staff/planning", follow_redirects=False).headers["location"] == (
        "/staff#/planning"
    )
