"""The staff's path: the queue, moderation and publication (text corrected, photos blurred),
honest closing, duplicates, reassignment and hazards, each step audited; and what the public
then sees (and never sees) of a sensitive report."""

from __future__ import annotations

import io
from typing import Any

import mapbox_vector_tile
from fastapi.testclient import TestClient
from PIL import Image

from tests.conftest import make_person, new_client, signed_in, sql_value
from tests.test_photos import noise
from tests.test_reports import TOKEN, form, photo_file

TILE = "/tiles/report/16/{x}/{y}.mvt"


def _staff(department: str = "road") -> TestClient:
    return signed_in(make_person(f"staff-{department}@example.jp", "staff", department=department))


def _new_report(client: TestClient | None = None, **fields: Any) -> dict[str, Any]:
    big = io.BytesIO()
    noise((400, 300)).save(big, "JPEG")
    answer = (client or new_client()).post(
        "/api/reports",
        data=form(consent_publish="true", contact_email="taro@example.jp", notify="true")
        | {k: str(v) for k, v in fields.items()},
        files=[photo_file(big.getvalue())],
    )
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _audit(url: str, actor_id: int, table: str) -> int:
    return int(
        sql_value(
            url,
            "SELECT count(*) FROM audit_log WHERE actor_user_id = %s AND subject_layer = %s",
            actor_id,
            table,
        )
    )


def test_queue_is_per_department_oldest_first_with_filters(demo_url: str) -> None:
    staff = _staff()
    queue = staff.get("/api/triage/reports", params={"status": "submitted", "limit": 500}).json()
    assert queue["type"] == "FeatureCollection"
    props = [f["properties"] for f in queue["features"]]
    assert props and {p["department"] for p in props} == {"road"}
    assert {p["status"] for p in props} == {"submitted"}
    ages = [p["age_days"] for p in props]
    assert ages == sorted(ages, reverse=True)  # oldest first
    everyone = staff.get("/api/triage/reports", params={"department": "all"}).json()
    assert everyone["numberMatched"] == 160
    old = staff.get("/api/triage/reports", params={"department": "all", "min_age_days": 90}).json()
    assert all(f["properties"]["age_days"] >= 90 for f in old["features"])
    assert 0 < old["numberMatched"] < 160
    bad = staff.get("/api/triage/reports", params={"status": "fixed"})
    assert bad.status_code == 400 and "fixed" in bad.json()["detail"]
    assert (
        signed_in(make_person("resident@example.jp")).get("/api/triage/reports").status_code == 403
    )


def test_publish_with_a_blurred_photo_then_the_public_sees_the_blurred_one(
    demo_url: str,
) -> None:
    report = _new_report()
    public_id = report["public_id"]
    staff_person = make_person("road@example.jp", "staff", department="road")
    staff = signed_in(staff_person)
    anonymous = new_client()
    assert anonymous.get(f"/api/reports/{public_id}").status_code == 401
    photo_id = report["photos"][0]["id"]
    published = staff.post(
        f"/api/triage/reports/{public_id}/publish",
        json={
            "public_description": "道路に穴があいています（位置を確認中）。",
            "photos": [{"id": photo_id, "blur": [[0.0, 0.0, 0.5, 0.5]]}],
        },
    )
    assert published.status_code == 200, published.text
    public = anonymous.get(f"/api/reports/{public_id}").json()
    assert public["public_description"] == "道路に穴があいています（位置を確認中）。"
    assert "description" not in public and "contact" not in public
    assert public["photos"][0]["blurred"] is True
    seen = anonymous.get(public["photos"][0]["url"])
    assert seen.status_code == 200 and "public" in seen.headers["cache-control"]
    original = new_client().get(
        public["photos"][0]["url"], headers={TOKEN: report["tracking_token"]}
    )
    assert original.content != seen.content  # the reporter and staff keep the original
    blurred = Image.open(io.BytesIO(seen.content)).convert("L")
    sharp = Image.open(io.BytesIO(original.content)).convert("L")

    def spread(im: Image.Image, box: tuple[int, int, int, int]) -> float:
        values = list(im.crop(box).tobytes())
        mean = sum(values) / len(values)
        return sum((v - mean) ** 2 for v in values) / len(values)

    assert spread(blurred, (0, 0, 200, 150)) < spread(sharp, (0, 0, 200, 150)) / 10
    # Published: in the OGC API for anyone, with the moderated text only.
    items = anonymous.get("/api/layers/report/features", params={"public_id": public_id}).json()
    assert items["numberReturned"] == 1
    assert items["features"][0]["properties"]["public_description"].startswith("道路に穴")
    assert "description" not in items["features"][0]["properties"]
    assert _audit(demo_url, staff_person.id, "report") >= 1
    assert _audit(demo_url, staff_person.id, "attachment") >= 1


def test_status_flow_honest_closing_and_notifications(demo_url: str) -> None:
    report = _new_report()
    url = f"/api/triage/reports/{report['public_id']}"
    staff_person = make_person("road2@example.jp", "staff", department="road")
    staff = signed_in(staff_person)
    for status in ("accepted", "in_progress", "resolved"):
        answer = staff.post(f"{url}/status", json={"status": status, "public_comment": status})
        assert answer.status_code == 200, answer.text
    assert staff.post(f"{url}/status", json={"status": "resolved"}).status_code == 409
    assert staff.post(f"{url}/status", json={"status": "submitted"}).status_code == 422
    nobody = staff.post(f"{url}/status", json={"status": "closed_not_responsible"})
    assert nobody.status_code == 422 and "responsible_party" in nobody.json()["detail"]
    closed = staff.post(
        f"{url}/status",
        json={
            "status": "closed_not_responsible",
            "responsible_party": "静岡県 島田土木事務所（県道の管理者）",
            "public_comment": "県道のため県に連絡しました。",
            "internal_note": "担当者に電話済み",
        },
    ).json()
    assert closed["responsible_party"].startswith("静岡県")
    history = closed["history"]
    assert [h["to"] for h in history] == [
        "submitted",
        "accepted",
        "in_progress",
        "resolved",
        "closed_not_responsible",
    ]
    assert history[-1]["internal_note"] == "担当者に電話済み"  # staff see it
    mine = (
        new_client()
        .get(f"/api/reports/{report['public_id']}", headers={TOKEN: report["tracking_token"]})
        .json()
    )
    assert mine["history"][-1]["internal_note"] is None  # the reporter does not
    sent = sql_value(demo_url, "SELECT count(*) FROM notification WHERE kind = 'report_status'")
    assert sent == 4
    notes = sql_value(demo_url, "SELECT string_agg(body, '') FROM notification")
    assert "担当者に電話済み" not in notes
    assert _audit(demo_url, staff_person.id, "report_status_change") == 4


def test_rejecting_needs_a_reason_and_staff_of_another_department_may_not_act(
    demo_url: str,
) -> None:
    report = _new_report()
    url = f"/api/triage/reports/{report['public_id']}"
    parks = _staff("parks")
    assert parks.post(f"{url}/status", json={"status": "accepted"}).status_code == 403
    road = _staff()
    assert road.post(f"{url}/status", json={"status": "rejected"}).status_code == 422
    # Handing it to parks moves it into their queue and out of road's hands.
    assert road.post(f"{url}/assign", json={"department": "parks"}).status_code == 200
    assert road.post(f"{url}/status", json={"status": "accepted"}).status_code == 403
    rejected = parks.post(
        f"{url}/status", json={"status": "rejected", "public_comment": "私有地内のため。"}
    )
    assert rejected.status_code == 200


def test_a_duplicate_joins_the_original_and_its_supporters(demo_url: str) -> None:
    first = _new_report()
    second = _new_report(lat="34.86691")
    staff = _staff()
    staff.post(f"/api/triage/reports/{first['public_id']}/publish", json={})
    supported = new_client().post(
        f"/api/reports/{second['public_id']}/support", headers={"X-Device-Id": "device-1234"}
    )
    assert supported.status_code == 401  # not published yet
    staff.post(f"/api/triage/reports/{second['public_id']}/publish", json={})
    new_client().post(
        f"/api/reports/{second['public_id']}/support", headers={"X-Device-Id": "device-1234"}
    )
    new_client().post(
        f"/api/reports/{first['public_id']}/support", headers={"X-Device-Id": "device-1234"}
    )
    closed = staff.post(
        f"/api/triage/reports/{second['public_id']}/status",
        json={"status": "closed_duplicate", "duplicate_of": first["public_id"]},
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["duplicate_of"] == first["public_id"]
    # The same device counts once; the duplicate's reporter counts as a supporter.
    count = sql_value(
        demo_url, "SELECT supporter_count FROM report WHERE public_id = %s", first["public_id"]
    )
    assert count == 2
    itself = staff.post(
        f"/api/triage/reports/{first['public_id']}/status",
        json={"status": "closed_duplicate", "duplicate_of": second["public_id"]},
    )
    assert itself.status_code == 422


def test_a_report_becomes_a_hazard(demo_url: str) -> None:
    report = _new_report()
    staff = _staff()
    url = f"/api/triage/reports/{report['public_id']}/hazard"
    assert staff.post(url, json={}).status_code == 400
    made = staff.post(url, json={"kind": "road_damage", "severity": 3}).json()
    hazard = sql_value(
        demo_url,
        "SELECT source || ':' || severity || ':' || title FROM hazard WHERE id = %s",
        made["hazard_id"],
    )
    assert hazard == "report:3:道路の損傷"  # never the reporter's own words
    records = new_client().get(f"/api/layers/hazard/features/{made['hazard_id']}/records")
    assert records.status_code == 200


def _tile_of(lon: float, lat: float, z: int = 16) -> tuple[int, int]:
    import math

    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def test_a_sensitive_report_is_only_ever_an_area_count_for_the_public(demo_url: str) -> None:
    report = _new_report(
        category="suspicious_person", description="CANARY-SENSITIVE 黒い服の男性が声をかけてきた"
    )
    public_id = report["public_id"]
    crisis = _staff("crisis")
    published = crisis.post(f"/api/triage/reports/{public_id}/publish", json={})
    assert published.status_code == 200
    anonymous = new_client()
    assert anonymous.get(f"/api/reports/{public_id}").status_code == 401
    assert anonymous.get(report["photos"][0]["url"].split("?")[0]).status_code == 401
    items = anonymous.get("/api/layers/report/features", params={"limit": 1000}).text
    assert public_id not in items and "CANARY-SENSITIVE" not in items
    x, y = _tile_of(138.3187, 34.8669)
    tile = anonymous.get(TILE.format(x=x, y=y))
    if tile.status_code == 200:
        layers = mapbox_vector_tile.decode(tile.content)
        ids = [
            f["properties"].get("public_id") for f in layers.get("report", {}).get("features", [])
        ]
        assert public_id not in ids
    near = anonymous.get(
        "/api/reports/nearby",
        params={"category": "suspicious_person", "lat": 34.8669, "lon": 138.3187},
    )
    assert near.json() == []
    areas = anonymous.get("/api/reports/areas").text
    assert "suspicious_person" in areas and public_id not in areas
    assert "CANARY-SENSITIVE" not in areas and "138.3187," not in areas
    # Staff see the exact report.
    assert crisis.get(f"/api/triage/reports/{public_id}").json()["geometry"]["coordinates"] == [
        138.3187,
        34.8669,
    ]


def test_the_catalogue_is_data_administrators_change(demo_url: str) -> None:
    admin = signed_in(make_person("admin@example.jp", "admin"))
    added = admin.post(
        "/api/admin/report-categories",
        json={
            "code": "graffiti",
            "name_ja": "落書き",
            "name_en": "Graffiti",
            "icon": "paint",
            "department": "environment",
        },
    )
    assert added.status_code == 201, added.text
    assert added.json()["department"]["code"] == "environment"
    assert (
        admin.post(
            "/api/admin/report-categories",
            json={"code": "graffiti", "name_ja": "x", "name_en": "x", "icon": "x"},
        ).status_code
        == 409
    )
    assert (
        admin.patch(
            "/api/admin/report-categories/graffiti", json={"department": "nowhere"}
        ).status_code
        == 422
    )
    # A new report in it is routed to its department at once.
    public_id = (
        new_client()
        .post("/api/reports", data=form(category="graffiti", description="壁に落書き"))
        .json()["public_id"]
    )
    assert (
        sql_value(
            demo_url,
            "SELECT d.code FROM report r JOIN department d ON d.id = r.department_id "
            "WHERE r.public_id = %s",
            public_id,
        )
        == "environment"
    )
    # Retired: no longer offered, and new reports in it are refused.
    admin.patch("/api/admin/report-categories/graffiti", json={"active": False})
    codes = [c["code"] for c in new_client().get("/api/report-categories").json()]
    assert "graffiti" not in codes and "road_damage" in codes
    refused = new_client().post("/api/reports", data=form(category="graffiti"))
    assert refused.status_code == 422
