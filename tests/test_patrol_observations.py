"""What a patrol noticed: a note and a photo at a place, about a feature nearby, seen by the
group alone, and 「市に知らせる」 — the observation sent to the city as a resident report
through the reports' own intake, linked both ways, stored once however often it is sent."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import make_person, new_client, signed_in, sql_value
from tests.test_groups import Town, build_town
from tests.test_patrol_tracks import fix, walk
from tests.test_photos import camera_jpeg

# One photo for the whole module: a retry sends the very same bytes.
PHOTO = camera_jpeg()


@pytest.fixture
def town(demo_url: str, no_rate_limits: None) -> Town:
    return build_town(demo_url)


def a_facility(url: str) -> tuple[int, float, float]:
    row = sql_value(
        url,
        "SELECT json_build_array(id, ST_X(geom), ST_Y(geom)) FROM facility "
        "WHERE GeometryType(geom) = 'POINT' ORDER BY id LIMIT 1",
    )
    return int(row[0]), float(row[1]), float(row[2])


def a_walk(client: TestClient, group_id: int) -> int:
    answer = client.post(
        f"/api/groups/{group_id}/patrols", json=walk([fix(i, i) for i in range(5)])
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def observe(
    client: TestClient, patrol_id: int, key: str | None = None, photo: bool = True, **fields: Any
) -> Any:
    files = [("photo", ("light.jpg", PHOTO, "image/jpeg"))] if photo else []
    headers = {"Idempotency-Key": key} if key else {}
    data = {"note": "防犯灯が消えている", **{k: str(v) for k, v in fields.items()}}
    return client.post(
        f"/api/patrols/{patrol_id}/observations", data=data, files=files, headers=headers
    )


def counts(url: str) -> tuple[int, int, int]:
    """Observations, reports from patrols and attachments made since the demo city's own."""
    return (
        int(sql_value(url, "SELECT count(*) FROM patrol_observation WHERE author_user_id > 0")),
        int(sql_value(url, "SELECT count(*) FROM report WHERE source = 'patrol'")),
        int(
            sql_value(
                url,
                "SELECT count(*) FROM attachment WHERE subject_layer = 'patrol_observation' "
                "OR (subject_layer = 'report' AND subject_id IN "
                "(SELECT id FROM report WHERE source = 'patrol'))",
            )
        ),
    )


def test_an_observation_sent_to_the_city_becomes_a_report_staff_see_from_the_patrol(
    town: Town,
) -> None:
    member = signed_in(town.member_a)
    patrol_id = a_walk(member, town.group_a)
    facility_id, lon, lat = a_facility(town.url)
    near = member.get(
        f"/api/groups/{town.group_a}/nearby", params={"lon": lon + 0.0001, "lat": lat}
    )
    assert near.status_code == 200, near.text
    offered = near.json()["features"]
    assert {"layer": "facility", "id": facility_id} in [
        {"layer": f["layer"], "id": f["id"]} for f in offered
    ]
    assert offered == sorted(offered, key=lambda f: f["distance_m"])
    assert all(f["distance_m"] <= 100 for f in offered)

    answer = observe(
        member,
        patrol_id,
        key="obs-0001-abcdef",
        lon=lon + 0.0001,
        lat=lat,
        observed_at="2026-12-01T07:20:00+09:00",
        subject_layer="facility",
        subject_id=facility_id,
        report_category="streetlight_out",
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    public_id = body["report"]["public_id"]
    assert body["report"]["tracking_url"].startswith("http")
    assert body["subject"] == {"layer": "facility", "id": facility_id}
    assert len(body["photos"]) == 1
    # The photo is the group's; the report carries the same stored photo for moderation.
    assert counts(town.url)[:2] == (1, 1)
    assert counts(town.url)[2] == 2
    photo = member.get(body["photos"][0]["url"])
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"

    # Sent again (the answer was lost): the same observation and the same report.
    again = observe(
        member,
        patrol_id,
        key="obs-0001-abcdef",
        lon=lon + 0.0001,
        lat=lat,
        observed_at="2026-12-01T07:20:00+09:00",
        subject_layer="facility",
        subject_id=facility_id,
        report_category="streetlight_out",
    )
    assert again.status_code == 201, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert (again.json()["id"], again.json()["report"]["public_id"]) == (body["id"], public_id)
    assert counts(town.url)[:2] == (1, 1)
    assert counts(town.url)[2] == 2

    staff = signed_in(town.staff).get(f"/api/reports/{public_id}")
    assert staff.status_code == 200, staff.text
    report = staff.json()
    assert report["source"] == "patrol"
    assert report["patrol"]["group_name"] == "本町一丁目自治会"
    assert (report["patrol"]["patrol_id"], report["patrol"]["observation_id"]) == (
        patrol_id,
        body["id"],
    )
    assert report["description"] == "防犯灯が消えている"
    assert len(report["photos"]) == 1
    # The resident view of the report never names the group or the patrol.
    assert "patrol" not in new_client().get(f"/api/reports/{public_id}").text

    # The facility's records: the group sees its observation; the public and staff do not.
    records = f"/api/layers/facility/features/{facility_id}/records"
    mine = member.get(records).json()
    assert any(
        r["kind"] == "patrol_observation" and r["report"] == public_id for r in mine["records"]
    )
    for other in (new_client(), signed_in(town.staff), signed_in(town.leader_b)):
        seen = other.get(records).json()["records"]
        assert all(r["kind"] != "patrol_observation" for r in seen)

    # The patrol lists it with its report and photo.
    patrol = member.get(f"/api/patrols/{patrol_id}").json()
    listed = patrol["observations"]["features"][0]["properties"]
    assert listed["report"] == public_id and len(listed["photos"]) == 1


def test_an_observation_is_sent_later_once_and_a_retry_gets_the_same_report(town: Town) -> None:
    member = signed_in(town.member_a)
    patrol_id = a_walk(member, town.group_a)
    kept = observe(member, patrol_id, lon=138.3190, lat=34.8670)
    assert kept.status_code == 201 and kept.json()["report"] is None
    observation_id = kept.json()["id"]
    path = f"/api/patrol-observations/{observation_id}/report"
    body = {"category": "streetlight_out", "consent_publish": True}
    headers = {"Idempotency-Key": "send-0001-abcdef"}
    sent = member.post(path, json=body, headers=headers)
    assert sent.status_code == 201, sent.text
    retry = member.post(path, json=body, headers=headers)
    assert retry.status_code == 201 and retry.json()["public_id"] == sent.json()["public_id"]
    twice = member.post(path, json=body, headers={"Idempotency-Key": "send-0002-abcdef"})
    assert twice.status_code == 409
    assert sent.json()["public_id"] in twice.json()["detail"]
    assert counts(town.url)[:2] == (1, 1)
    consent = sql_value(
        town.url,
        "SELECT consent_publish FROM report WHERE public_id = %s",
        sent.json()["public_id"],
    )
    assert consent is True


def test_another_group_reaches_neither_the_observation_nor_its_photo(town: Town) -> None:
    member = signed_in(town.member_a)
    patrol_id = a_walk(member, town.group_a)
    made = observe(member, patrol_id, lon=138.3190, lat=34.8670).json()
    stranger = make_person("stranger@example.jp")
    for outsider in (signed_in(town.leader_b), signed_in(town.staff), signed_in(stranger)):
        assert observe(outsider, patrol_id, lon=138.3190, lat=34.8670).status_code in (403, 404)
        assert outsider.get(made["photos"][0]["url"]).status_code in (403, 404)
        sent = outsider.post(
            f"/api/patrol-observations/{made['id']}/report", json={"category": "streetlight_out"}
        )
        assert sent.status_code in (403, 404)
        nearby = outsider.get(
            f"/api/groups/{town.group_a}/nearby", params={"lon": 138.319, "lat": 34.867}
        )
        assert nearby.status_code in (403, 404)
    assert new_client().get(made["photos"][0]["url"]).status_code == 401
    assert counts(town.url)[:2] == (1, 0)


@pytest.mark.parametrize(
    ("fields", "status", "says"),
    [
        ({"note": ""}, 400, "note"),
        ({"lon": 138.319}, 400, "lon and lat"),
        ({"lon": 2.35, "lat": 48.85}, 422, "Japan"),
        ({"subject_layer": "report", "subject_id": 1}, 422, "subject_layer"),
        ({"subject_layer": "facility", "subject_id": 999999}, 422, "no facility 999999"),
        ({"observed_at": "2026-12-01T07:20:00"}, 400, "observed_at"),
        ({"report_category": "no_such_thing", "lon": 138.319, "lat": 34.867}, 422, "no_such"),
        ({"report_category": "streetlight_out"}, 422, "without a place"),
    ],
)
def test_bad_observations_are_refused_and_store_nothing(
    town: Town, fields: dict[str, Any], status: int, says: str
) -> None:
    member = signed_in(town.member_a)
    patrol_id = a_walk(member, town.group_a)
    before = counts(town.url)
    answer = observe(member, patrol_id, **fields)
    assert answer.status_code == status, answer.text
    problem = answer.json()
    assert says in problem["detail"] + str(problem.get("errors", "")), problem
    assert problem["detail_ja"]
    assert counts(town.url) == before
