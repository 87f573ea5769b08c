"""Hostile input gets a clear 4xx, in Japanese and English, and changes nothing: NUL bytes
and other control characters, digits int() cannot read, numbers beyond bigint, JSON and
filters nested past any use, bodies over their limit (declared or streamed), coordinates
that are not numbers, and a report's area that would need repairing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import PASSWORD, make_person, new_client, signed_in, sql_value
from tests.test_reports import LAT, LON, counts, form, photo_file

NUL = "\x00"


def _refused(answer: Any, status: int = 400) -> dict[str, Any]:
    assert answer.status_code == status, (answer.status_code, answer.text[:400])
    assert answer.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = answer.json()
    assert body["detail"] and body["detail_ja"]
    return body


def test_nul_and_control_characters_are_refused_everywhere(demo_url: str) -> None:
    client = new_client()
    before = counts(demo_url)
    # The report form, as JSON and as multipart, and its fields.
    _refused(client.post("/api/reports", json={**form(), "description": f"穴{NUL}です"}))
    _refused(client.post("/api/reports", data=form(description=f"穴{NUL}です")))
    _refused(
        client.post("/api/reports", data=form(contact_name="\x07bell"), files=[]),
    )
    _refused(client.post("/api/reports", json={**form(), "description": "\u0000"}))
    # Queries: place search, nearby, OGC equality and CQL2 literals, the path itself.
    _refused(client.get("/api/places", params={"q": f"焼津{NUL}"}))
    _refused(
        client.get("/api/reports/nearby", params={"category": f"road{NUL}", "lat": LAT, "lon": LON})
    )
    _refused(client.get("/ogc/collections/facility/items", params={"name": f"a{NUL}"}))
    _refused(client.get("/ogc/collections/facility/items", params={"filter": f"name = 'a{NUL}'"}))
    _refused(client.get("/api/layers/%00"))
    # Sign-in and sign-up, form-encoded and JSON.
    _refused(client.post("/auth/login", json={"email": f"a{NUL}@example.jp", "password": "x"}))
    _refused(
        client.post(
            "/auth/signup",
            data={"email": "new@example.jp", "display_name": f"太{NUL}郎", "password": PASSWORD},
        )
    )
    # A staff member's admin search, a group's map title.
    admin = signed_in(make_person("admin@example.jp", "admin"))
    _refused(admin.get("/api/admin/users", params={"q": f"x{NUL}"}))
    staff = signed_in(make_person("staff@example.jp", "staff", department="community"))
    group = staff.post("/api/groups", json={"name": "テスト会", "kind": "other"}).json()["id"]
    leader = make_person("leader@example.jp", groups={group: "leader"})
    _refused(signed_in(leader).post(f"/api/groups/{group}/safety-maps", json={"title": NUL}))
    assert counts(demo_url) == before
    assert sql_value(demo_url, "SELECT count(*) FROM safety_map WHERE group_id = %s", group) == 0
    # Open311 answers in its own format.
    answer = client.post("/open311/v2/requests.json", data={"service_code": f"road{NUL}"})
    assert answer.status_code == 400
    assert answer.json()[0]["code"] == 400


def test_digits_int_cannot_read_and_numbers_beyond_bigint(demo_url: str) -> None:
    client = new_client()
    # A typed path parameter: not an id at all is a 400 naming it.
    assert "group_id" in _refused(client.get("/api/groups/%C2%B3"))["detail"]  # superscript 3
    _refused(client.get("/api/groups/%D9%A3"))  # Arabic-Indic three
    _refused(client.get("/api/groups/99999999999999999999"))
    _refused(client.get("/api/reports/areas", params={"cell": "\u00b3"}))
    _refused(client.get("/api/groups", params={"offset": "9223372036854775808"}))
    _refused(client.get("/api/groups", params={"district_id": "99999999999999999999"}))
    _refused(client.get("/ogc/collections/hazard_points/items", params={"offset": str(2**63)}))
    assert (
        client.get("/ogc/collections/hazard_points/items/99999999999999999999").status_code == 404
    )
    assert client.get("/ogc/collections/hazard_points/items/%C2%B3").status_code == 404
    _refused(client.get("/ogc/collections/hazard_points/items", params={"id": str(2**70)}))
    _refused(client.get("/api/layers/hazard/features/99999999999999999999/records"))
    staff = signed_in(make_person("road@example.jp", "staff", department="road"))
    _refused(staff.get("/api/triage/reports", params={"district": str(2**64)}))
    admin = signed_in(make_person("admin@example.jp", "admin"))
    _refused(admin.get("/api/admin/audit", params={"subject_id": str(2**64)}))
    _refused(admin.patch(f"/api/admin/users/{2**64}", json={"display_name": "x"}))


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_deep_json_and_deep_filters(demo_url: str) -> None:
    client = new_client()
    deep = '{"category": "road_damage", "description": "x", "lat": 34.8669, "lon": 138.3187, '
    deep += f'"geometry": {_nested(1000)}}}'
    _refused(
        client.post("/api/reports", content=deep, headers={"content-type": "application/json"})
    )
    staff = signed_in(make_person("staff@example.jp", "staff", department="community"))
    body = json.dumps({"name": "会", "kind": "other"})[:-1] + f', "x": {_nested(1000)}}}'
    _refused(staff.post("/api/groups", content=body, headers={"content-type": "application/json"}))
    nots = "NOT " * 2000 + "severity > 2"
    _refused(client.get("/ogc/collections/hazard_points/items", params={"filter": nots}))
    # Nesting that data really has is fine: a multipolygon is four levels deep.
    fine = client.post("/api/reports", json={**form(), "description": "[[[[x]]]]"})
    assert fine.status_code == 201, fine.text


def test_asset_names_that_cannot_be_files() -> None:
    client = new_client()
    _refused(client.get("/assets/%00"))
    assert client.get("/assets/" + "a" * 5000).status_code == 404


@pytest.fixture
def small_bodies(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from layers.store.settings import get_settings

    monkeypatch.setenv("MACHIMAP_MAX_BODY_BYTES", "2000")
    monkeypatch.setenv("MACHIMAP_PHOTO_MAX_BYTES", "100000")
    monkeypatch.setenv("MACHIMAP_PHOTO_MAX_COUNT", "2")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _chunks(total: int, size: int = 4096) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        piece = min(size, total - sent)
        sent += piece
        yield b" " * piece


def test_bodies_over_their_limit_declared_or_streamed(demo_url: str, small_bodies: None) -> None:
    client = new_client()
    before = counts(demo_url)
    padded = json.dumps({**form(), "description": "あ" * 3000})
    body = _refused(
        client.post("/api/reports", content=padded, headers={"content-type": "application/json"}),
        413,
    )
    assert body["limit_bytes"] == 2000
    # Streamed without a length: counted as it arrives.
    streamed = client.post(
        "/api/reports",
        content=_chunks(50_000),
        headers={"content-type": "application/json", "transfer-encoding": "chunked"},
    )
    _refused(streamed, 413)
    upload = client.post(
        "/api/reports",
        content=_chunks(2 * 100_000 + 1_000_000 + 50_000),
        headers={"content-type": "multipart/form-data; boundary=xyz"},
    )
    _refused(upload, 413)
    # A photo route allows photos: the same small form with a small photo passes.
    from tests.test_photos import camera_jpeg

    photo = camera_jpeg()
    assert len(photo) < 100_000
    ok = client.post("/api/reports", data=form(), files=[photo_file(photo)])
    assert ok.status_code == 201, ok.text
    assert counts(demo_url)[0] == before[0] + 1
    # Open311's own, smaller limit, in its own error format.
    open311 = client.post(
        "/open311/v2/requests.xml",
        content=b"x" * 70_000,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert open311.status_code == 413
    assert open311.text.startswith("<?xml") and "<errors>" in open311.text


NAN_LINE = (
    '{"type": "LineString", "coordinates": [[138.3187, 34.8669], [NaN, 34.867], [138.32, 34.868]]}'
)


def test_coordinates_that_are_not_numbers_are_refused(demo_url: str) -> None:
    before = counts(demo_url)
    client = new_client()
    report = client.post("/api/reports", data=form(geometry=NAN_LINE))
    assert _refused(report, 422)["code"] == "not_a_number"
    staff = signed_in(make_person("staff@example.jp", "staff", department="road"))
    hazard = (
        '{"type": "Feature", "properties": {"kind": "road_damage", "title": "穴", '
        '"severity": 2}, "geometry": ' + NAN_LINE + "}"
    )
    answer = staff.post(
        "/api/layers/hazard/features",
        content=hazard,
        headers={"content-type": "application/json"},
    )
    assert answer.status_code in (400, 422), answer.text
    assert "not_a_number" in answer.text
    assert counts(demo_url) == before
    assert sql_value(demo_url, "SELECT count(*) FROM hazard WHERE title = '穴'") == 0


def test_a_report_area_that_would_need_repairing_is_refused(demo_url: str) -> None:
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[138.318, 34.866], [138.320, 34.868], [138.320, 34.866], [138.318, 34.868],
             [138.318, 34.866]]
        ],
    }  # fmt: skip
    before = counts(demo_url)
    answer = new_client().post("/api/reports", data=form(geometry=json.dumps(bowtie)))
    assert _refused(answer, 422)["code"] == "invalid_geometry"
    assert counts(demo_url) == before


def test_a_new_password_revokes_api_tokens(db_url: str) -> None:
    person = make_person("taro@example.jp")
    browser = signed_in(person)
    token = browser.post("/api/me/tokens", json={"name": "script", "scopes": ["read"]})
    assert token.status_code == 201
    program = TestClient(browser.app, base_url="https://testserver")
    program.headers["Authorization"] = f"Bearer {token.json()['token']}"
    assert program.get("/api/me").status_code == 200
    changed = browser.post(
        "/auth/password",
        json={"current_password": PASSWORD, "new_password": "another long passphrase"},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["api_tokens_revoked"] == 1
    assert program.get("/api/me").status_code == 401
