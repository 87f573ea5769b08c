"""Security headers on every answer; CORS open for the public read API only."""

from __future__ import annotations

from tests.conftest import make_person, new_client, signed_in

OTHER_SITE = {"Origin": "https://map.example.org"}


def test_pages_carry_a_strict_content_security_policy(db_url: str) -> None:
    response = new_client().get("/auth/verify-email?token=abcdefghijkl")
    csp = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"  # no inline scripts, no CDN
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "cyberjapandata.gsi.go.jp" in directives["img-src"]  # the basemap
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_errors_carry_the_headers_too(db_url: str) -> None:
    response = new_client().get("/api/me")
    assert response.status_code == 401
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response.headers


def test_public_reads_are_open_to_other_sites_without_credentials(db_url: str) -> None:
    client = new_client()
    response = client.get("/api/layers", headers=OTHER_SITE)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    preflight = client.options(
        "/api/layers/facility",
        headers={**OTHER_SITE, "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"


def test_private_and_write_routes_are_not_open_to_other_sites(db_url: str) -> None:
    client = signed_in(make_person("admin@example.jp", "admin"))
    for path in ("/api/me", "/api/admin/users", "/api/admin/audit", "/api/me/tokens"):
        response = client.get(path, headers=OTHER_SITE)
        assert response.status_code == 200, path
        assert "Access-Control-Allow-Origin" not in response.headers, path
    preflight = client.options(
        "/api/me/tokens", headers={**OTHER_SITE, "Access-Control-Request-Method": "POST"}
    )
    assert "Access-Control-Allow-Origin" not in preflight.headers
    write = new_client().post(
        "/auth/login", json={"email": "a@example.jp", "password": "x" * 12}, headers=OTHER_SITE
    )
    assert "Access-Control-Allow-Origin" not in write.headers
