"""Places of a safety map made together, through the API against a real database: authors
and their rights, versions checked on every save (412 with the current place), history and
restore, photos released blurred by leaders, starting points from the city's data, and an
outsider seeing only what was published."""

from __future__ import annotations

import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from tests.conftest import make_person, new_client, signed_in, sql_value
from tests.test_groups import (
    CITY_HALL,
    STREET,
    Town,
    add_feature,
    build_town,
    feature,
    new_map,
    point,
)
from tests.test_photos import camera_jpeg


@pytest.fixture
def town(db_url: str, no_rate_limits: None) -> Town:
    return build_town(db_url)


def _place(client: TestClient, map_id: int, **props: Any) -> dict[str, Any]:
    response = add_feature(client, map_id, feature(point(CITY_HALL), **props))
    assert response.status_code == 201, response.text
    assert response.headers["ETag"] == '"1"'
    body: dict[str, Any] = response.json()
    return body


def _url(map_id: int, place: dict[str, Any] | int, tail: str = "") -> str:
    place_id = place if isinstance(place, int) else place["id"]
    return f"/api/safety-maps/{map_id}/features/{place_id}{tail}"


def _save(client: TestClient, map_id: int, place: dict[str, Any], etag: str, **props: Any) -> Any:
    return client.patch(_url(map_id, place), json={"properties": props}, headers={"If-Match": etag})


def test_members_change_their_own_places_and_leaders_every_place(town: Town) -> None:
    leader, member = signed_in(town.leader_a), signed_in(town.member_a)
    second = make_person("member-a2@example.jp", groups={town.group_a: "member"})
    other = signed_in(second)
    map_id = new_map(member, town.group_a)
    mine = _place(member, map_id, detail="high_wall", note="塀が高い")
    assert mine["properties"]["mine"] and mine["properties"]["can_edit"]
    assert mine["properties"]["author"]["name"]
    assert mine["properties"]["number"] == 1

    seen_by_other = other.get(_url(map_id, mine)).json()
    assert not seen_by_other["properties"]["can_edit"]
    refused = _save(other, map_id, mine, '"1"', note="書き換え")
    assert refused.status_code == 403
    assert refused.json()["detail_ja"]
    assert other.delete(_url(map_id, mine)).status_code == 403
    theirs = _place(other, map_id, kind="help_place", detail="convenience_store")
    assert _save(other, map_id, theirs, '"1"', note="24時間").status_code == 200

    assert leader.get(_url(map_id, mine)).json()["properties"]["can_edit"]
    changed = _save(leader, map_id, mine, '"1"', note="塀が高く見通しが悪い")
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] == '"2"'
    assert changed.json()["properties"]["note"] == "塀が高く見通しが悪い"
    assert changed.json()["properties"]["author"]["id"] == town.member_a.id  # still hers


def test_a_second_save_on_an_old_version_is_a_conflict_that_loses_nothing(town: Town) -> None:
    leader, member = signed_in(town.leader_a), signed_in(town.member_a)
    map_id = new_map(member, town.group_a)
    place = _place(member, map_id, note="最初のメモ")

    assert member.patch(_url(map_id, place), json={"properties": {}}).status_code == 428
    first = _save(member, map_id, place, '"1"', note="メンバーの変更")
    assert first.status_code == 200
    late = _save(leader, map_id, place, '"1"', note="代表者の変更")
    assert late.status_code == 412
    problem = late.json()
    assert problem["type"].endswith("/problems/edit-conflict")
    assert problem["detail_ja"] and problem["detail"]
    assert problem["current"]["properties"]["note"] == "メンバーの変更"
    assert late.headers["ETag"] == '"2"'
    # The leader keeps their text by saving again on the version they were shown.
    again = _save(leader, map_id, place, late.headers["ETag"], note="代表者の変更")
    assert again.status_code == 200 and again.headers["ETag"] == '"3"'
    history = member.get(_url(map_id, place, "/history")).json()["versions"]
    assert [(v["version"], v["change"], v["note"]) for v in history] == [
        (3, "edited", "代表者の変更"),
        (2, "edited", "メンバーの変更"),
        (1, "added", "最初のメモ"),
    ]
    assert history[0]["changed_by"]["id"] == town.leader_a.id
    assert history[1]["changed_by"]["id"] == town.member_a.id
    # A weak or listed ETag matches too (RFC 9110); a stale delete is refused as well.
    assert _save(member, map_id, place, 'W/"9", W/"3"', note="x").status_code == 200
    assert member.delete(_url(map_id, place), headers={"If-Match": '"3"'}).status_code == 412


def test_deleting_and_restoring_are_one_action_each_and_kept(town: Town) -> None:
    member = signed_in(town.member_a)
    map_id = new_map(member, town.group_a)
    place = _place(member, map_id, note="v1")
    _save(member, map_id, place, '"1"', note="v2")
    assert member.delete(_url(map_id, place)).status_code == 204
    assert member.get(_url(map_id, place)).status_code == 404
    assert member.get(f"/api/safety-maps/{map_id}").json()["feature_count"] == 0
    deleted = member.get(f"/api/safety-maps/{map_id}/deleted").json()["features"]
    assert [f["id"] for f in deleted] == [place["id"]]

    back = member.post(_url(map_id, place, "/restore"), json={"version": 1})
    assert back.status_code == 200, back.text
    assert back.json()["properties"]["note"] == "v1"
    assert member.get(f"/api/safety-maps/{map_id}").json()["feature_count"] == 1
    changes = [
        v["change"] for v in member.get(f"/api/safety-maps/{map_id}/history").json()["versions"]
    ]
    assert changes == ["restored", "deleted", "edited", "added"]
    assert member.post(_url(map_id, place, "/restore"), json={"version": 99}).status_code == 404
    assert member.post(_url(map_id, place, "/restore"), json={"version": 0}).status_code == 400


def test_details_belong_to_their_side_of_the_method(town: Town) -> None:
    member = signed_in(town.member_a)
    map_id = new_map(member, town.group_a)
    wrong = add_feature(
        member, map_id, feature(point(CITY_HALL), "hard_to_see", detail="police_box")
    )
    assert wrong.status_code == 422
    assert "high_wall" in wrong.json()["allowed"]
    unknown = add_feature(member, map_id, feature(point(CITY_HALL), detail="suspicious_person"))
    assert unknown.status_code in (400, 422)
    line = add_feature(member, map_id, feature(STREET, "hard_to_see", detail="dark_road"))
    assert line.status_code == 201
    assert sql_value(town.url, "SELECT count(*) FROM safety_map_feature") == 1


def _photo(client: TestClient, map_id: int, place: dict[str, Any]) -> dict[str, Any]:
    response = client.post(
        _url(map_id, place, "/photos"), files={"photo": ("p.jpg", camera_jpeg(), "image/jpeg")}
    )
    assert response.status_code == 201, response.text
    photo: dict[str, Any] = response.json()[0]
    return photo


def test_photos_stay_the_groups_until_a_leader_releases_them_blurred(town: Town) -> None:
    leader, member = signed_in(town.leader_a), signed_in(town.member_a)
    anonymous, outsider = new_client(), signed_in(town.leader_b)
    map_id = new_map(member, town.group_a)
    place = _place(member, map_id, note="空き家の前")
    photo = _photo(member, map_id, place)
    assert not photo["released"]
    original = member.get(photo["url"])
    assert original.status_code == 200 and original.headers["content-type"] == "image/jpeg"
    assert b"Exif" not in original.content  # the pipeline stripped the camera's metadata

    assert member.post(photo["url"] + "/release", json={}).status_code == 403
    leader.post(f"/api/safety-maps/{map_id}/publish")
    # Published, but the photo is not released: outsiders get neither file nor entry.
    public = anonymous.get(f"/api/safety-maps/{map_id}").json()
    assert public["feature_collection"]["features"][0]["properties"]["photos"] == []
    assert "author" not in public["feature_collection"]["features"][0]["properties"]
    assert anonymous.get(photo["url"]).status_code == 404
    assert outsider.get(photo["url"] + "/thumbnail").status_code == 404

    released = leader.post(photo["url"] + "/release", json={"blur": [[0.0, 0.0, 0.5, 1.0]]})
    assert released.status_code == 200, released.text
    assert released.json()["released"] and released.json()["blurred"]
    copy = anonymous.get(photo["url"])
    assert copy.status_code == 200
    blurred = Image.open(io.BytesIO(copy.content)).convert("RGB")
    kept = Image.open(io.BytesIO(original.content)).convert("RGB")
    assert blurred.size == kept.size and blurred.tobytes() != kept.tobytes()
    listed = anonymous.get(f"/api/safety-maps/{map_id}").json()["feature_collection"]
    assert [p["id"] for p in listed["features"][0]["properties"]["photos"]] == [photo["id"]]

    bad = leader.post(photo["url"] + "/release", json={"blur": [[0.5, 0.0, 0.4, 1.0]]})
    assert bad.status_code == 422 and bad.json()["detail_ja"]
    assert leader.post(photo["url"] + "/withhold").json()["released"] is False
    assert anonymous.get(photo["url"]).status_code == 404
    leader.post(photo["url"] + "/release", json={})
    leader.post(f"/api/safety-maps/{map_id}/unpublish")
    assert anonymous.get(photo["url"]).status_code == 401  # the map itself is private again
    assert member.delete(photo["url"]).status_code == 204
    assert member.get(photo["url"]).status_code == 404


def test_published_maps_are_listed_with_their_group_and_no_names(town: Town) -> None:
    leader, member = signed_in(town.leader_a), signed_in(town.member_a)
    map_id = new_map(member, town.group_a, "本町の地域安全マップ")
    _place(member, map_id)
    draft = new_map(member, town.group_a, "下書きのマップ")
    _place(member, draft)
    leader.post(f"/api/safety-maps/{map_id}/publish")
    listing = new_client().get("/api/safety-maps").json()
    assert [m["title"] for m in listing["safety_maps"]] == ["本町の地域安全マップ"]
    assert listing["safety_maps"][0]["group"]["name"] == "本町一丁目自治会"
    assert listing["safety_maps"][0]["feature_count"] == 1
    view = new_client().get(f"/api/safety-maps/{map_id}").json()
    assert view["group"]["name"] == "本町一丁目自治会"
    assert view["can"] == {"edit": False, "publish": False}
    assert len(view["bbox"]) == 4
    assert signed_in(town.leader_a).get(f"/api/safety-maps/{map_id}").json()["can"] == {
        "edit": True,
        "publish": True,
    }


def test_starting_points_come_from_the_citys_data_in_the_area_once(
    demo_url: str, no_rate_limits: None
) -> None:
    leader = make_person("leader-demo@example.jp")
    staff = signed_in(make_person("staff-demo@example.jp", "staff", department="community"))
    district = sql_value(
        demo_url,
        "SELECT d.id FROM district d WHERE d.level = 'area' AND EXISTS (SELECT 1 FROM facility f "
        "WHERE f.kind = 'aed' AND ST_Intersects(f.geom, d.geom)) AND EXISTS (SELECT 1 FROM "
        "safety_map_feature s WHERE s.kind = 'safe_haven' AND ST_Intersects(s.geom, d.geom)) "
        "ORDER BY d.id LIMIT 1",
    )
    assert district is not None
    created = staff.post(
        "/api/groups",
        json={
            "name": "テスト自治会",
            "kind": "neighbourhood_association",
            "district_id": district,
            "leader_email": leader.email,
        },
    )
    assert created.status_code == 201, created.text
    client = signed_in(leader)
    map_id = new_map(client, created.json()["id"])
    assert client.get(f"/api/safety-maps/{map_id}").json()["district_id"] == district
    body = {"sources": ["child_safe_house", "police_box", "aed"]}
    first = client.post(f"/api/safety-maps/{map_id}/starting-points", json=body)
    assert first.status_code == 200, first.text
    counts = first.json()["by_source"]
    assert counts["child_safe_house"] > 0 and counts["aed"] > 0
    expected_aeds = sql_value(
        demo_url,
        "SELECT count(*) FROM facility f, district d WHERE d.id = %s AND f.kind = 'aed' "
        "AND ST_Intersects(f.geom, d.geom)",
        district,
    )
    assert counts["aed"] == expected_aeds
    again = client.post(f"/api/safety-maps/{map_id}/starting-points", json=body).json()
    assert again["added"] == 0 and again["skipped"] == first.json()["added"]
    places = client.get(f"/api/safety-maps/{map_id}").json()["feature_collection"]["features"]
    assert {f["properties"]["detail"] for f in places} >= {"child_safe_house", "aed"}
    assert all(f["properties"]["mine"] for f in places)


def _tile_places(client: TestClient, lon: float, lat: float) -> list[str]:
    import math

    import mapbox_vector_tile

    z = 16
    x = int((lon + 180) / 360 * 2**z)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2**z)
    tile = client.get(f"/tiles/safety_map_feature/{z}/{x}/{y}.mvt")
    if tile.status_code == 204 or not tile.content:
        return []
    assert tile.status_code == 200, tile.text
    layers = mapbox_vector_tile.decode(tile.content)
    features = layers.get("safety_map_feature", {}).get("features", [])
    return [str(f["properties"].get("note")) for f in features]


def test_unpublishing_takes_the_map_off_tiles_lists_and_pages_at_once(town: Town) -> None:
    leader, member = signed_in(town.leader_a), signed_in(town.member_a)
    map_id = new_map(member, town.group_a)
    _place(member, map_id, note="公開テストの地点")
    deleted = _place(member, map_id, note="削除した地点")
    member.delete(_url(map_id, deleted))
    anonymous = new_client()
    assert _tile_places(anonymous, *CITY_HALL) == []
    leader.post(f"/api/safety-maps/{map_id}/publish")
    # A deleted place stays hidden from the public even on a published map.
    assert _tile_places(new_client(), *CITY_HALL) == ["公開テストの地点"]
    items = new_client().get("/api/layers/safety_map_feature/features").text
    assert "公開テストの地点" in items and "削除した地点" not in items
    leader.post(f"/api/safety-maps/{map_id}/unpublish")
    assert _tile_places(new_client(), *CITY_HALL) == []
    assert new_client().get("/api/safety-maps").json()["safety_maps"] == []
    assert (
        "公開テストの地点" not in new_client().get("/api/layers/safety_map_feature/features").text
    )
    # The group still has it.
    assert _tile_places(member, *CITY_HALL) == ["公開テストの地点"]
