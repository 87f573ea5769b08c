"""Community groups, their safety maps and patrols, through the API against a real database:
joining asks and opens nothing, leaders decide, one group never sees another's drafts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Person, make_person, new_client, signed_in, sql_value

CITY_HALL = [138.323171, 34.866918]  # 焼津市役所, inside the demo city
TOKYO = [139.69, 35.69]
STREET = {"type": "LineString", "coordinates": [[138.3187, 34.8669], [138.3200, 34.8680]]}


def point(lon_lat: list[float]) -> dict[str, Any]:
    return {"type": "Point", "coordinates": lon_lat}


def feature(geometry: dict[str, Any], kind: str = "hard_to_see", **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": {"kind": kind, **props}}


def patrol_body(title: str = "夜間パトロール", **more: Any) -> dict[str, Any]:
    return {
        "title": title,
        "kind": "patrol",
        "started_at": "2026-05-01T19:00:00+09:00",
        "ended_at": "2026-05-01T20:30:00+09:00",
        "participants": 4,
        **more,
    }


def audit_count(url: str, person: Person, table: str, action: str | None = None) -> int:
    sql = "SELECT count(*) FROM audit_log WHERE actor_user_id = %s AND subject_layer = %s"
    args: list[object] = [person.id, table]
    if action:
        sql += " AND action = %s"
        args.append(action)
    return int(sql_value(url, sql, *args))


@dataclass
class Town:
    url: str
    staff: Person
    admin: Person
    leader_a: Person
    member_a: Person
    leader_b: Person
    group_a: int
    group_b: int

    def client(self, who: Person | None) -> TestClient:
        return signed_in(who) if who is not None else new_client()


def create_group(staff: TestClient, name: str, leader: Person | None = None) -> int:
    body: dict[str, Any] = {"name": name, "kind": "neighbourhood_association"}
    if leader is not None:
        body["leader_email"] = leader.email
    response = staff.post("/api/groups", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def build_town(url: str) -> Town:
    staff = make_person("staff@example.jp", "staff", department="community")
    admin = make_person("admin@example.jp", "admin")
    leader_a = make_person("leader-a@example.jp")
    leader_b = make_person("leader-b@example.jp")
    as_staff = signed_in(staff)
    group_a = create_group(as_staff, "本町一丁目自治会", leader_a)
    group_b = create_group(as_staff, "港地区防犯ボランティア", leader_b)
    member_a = make_person("member-a@example.jp", groups={group_a: "member"})
    return Town(url, staff, admin, leader_a, member_a, leader_b, group_a, group_b)


@pytest.fixture
def town(db_url: str, no_rate_limits: None) -> Town:
    return build_town(db_url)


def new_map(client: TestClient, group_id: int, title: str = "本町の危険箇所") -> int:
    response = client.post(f"/api/groups/{group_id}/safety-maps", json={"title": title})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def add_feature(client: TestClient, map_id: int, body: dict[str, Any]) -> Any:
    return client.post(f"/api/safety-maps/{map_id}/features", json=body)


# --- groups and membership ----------------------------------------------------------------


def test_staff_create_groups_and_names_are_unique(town: Town) -> None:
    staff = signed_in(town.staff)
    listing = new_client().get("/api/groups").json()
    assert listing["numberMatched"] == 2
    by_name = {g["name"]: g for g in listing["items"]}
    assert by_name["本町一丁目自治会"]["member_count"] == 2  # the leader and member_a
    assert by_name["港地区防犯ボランティア"]["member_count"] == 1

    duplicate = staff.post("/api/groups", json={"name": "本町一丁目自治会", "kind": "pta"})
    assert duplicate.status_code == 409
    assert duplicate.json()["detail_ja"]
    unknown_leader = staff.post(
        "/api/groups", json={"name": "新しい会", "kind": "pta", "leader_email": "x@example.jp"}
    )
    assert unknown_leader.status_code == 422
    resident = signed_in(make_person("resident@example.jp"))
    assert resident.post("/api/groups", json={"name": "勝手な会", "kind": "pta"}).status_code == 403
    assert new_client().post("/api/groups", json={"name": "匿名", "kind": "pta"}).status_code == 401
    assert sql_value(town.url, "SELECT count(*) FROM community_group") == 2

    leader_view = signed_in(town.leader_a).get(f"/api/groups/{town.group_a}").json()
    assert (leader_view["my_role"], leader_view["my_status"]) == ("leader", "active")
    public_view = new_client().get(f"/api/groups/{town.group_a}")
    assert "my_role" not in public_view.json()
    assert new_client().get("/api/groups/999999").status_code == 404

    page = new_client().get("/api/groups", params={"limit": 1}).json()
    assert page["numberReturned"] == 1 and any(link["rel"] == "next" for link in page["links"])


def test_joining_opens_nothing_until_a_leader_accepts(town: Town) -> None:
    leader = signed_in(town.leader_a)
    draft = new_map(leader, town.group_a)
    patrol = leader.post(f"/api/groups/{town.group_a}/patrols", json=patrol_body())
    patrol_id = patrol.json()["id"]
    hanako = make_person("hanako@example.jp")
    resident = signed_in(hanako)

    joined = resident.post(f"/api/groups/{town.group_a}/join")
    assert joined.status_code == 202
    assert joined.json()["status"] == "requested"
    assert resident.post(f"/api/groups/{town.group_a}/join").status_code == 409
    mine = resident.get(f"/api/groups/{town.group_a}").json()
    assert (mine["my_role"], mine["my_status"]) == ("member", "requested")

    private = (
        f"/api/groups/{town.group_a}/members",
        f"/api/groups/{town.group_a}/patrols",
        f"/api/patrols/{patrol_id}",
        f"/api/safety-maps/{draft}",
    )
    for path in private:
        assert resident.get(path).status_code == 403, path
    maps = resident.get(f"/api/groups/{town.group_a}/safety-maps").json()
    assert maps["safety_maps"] == []

    # The leader sees the request; an ordinary member sees only the active members.
    members = leader.get(f"/api/groups/{town.group_a}/members").json()["members"]
    assert {"user_id": hanako.id, "status": "requested"}.items() <= members[0].items()
    assert "email" not in members[0] and "hanako@example.jp" not in str(members)
    seen_by_member = signed_in(town.member_a).get(f"/api/groups/{town.group_a}/members").json()
    assert hanako.id not in {m["user_id"] for m in seen_by_member["members"]}

    accepted = leader.put(
        f"/api/groups/{town.group_a}/members/{hanako.id}", json={"role": "member"}
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "active"
    for path in private:
        assert resident.get(path).status_code == 200, path
    maps = resident.get(f"/api/groups/{town.group_a}/safety-maps").json()
    assert [m["id"] for m in maps["safety_maps"]] == [draft]
    # A member may not publish; once promoted to leader she may.
    assert resident.post(f"/api/safety-maps/{draft}/publish").status_code == 403

    promoted = leader.put(
        f"/api/groups/{town.group_a}/members/{hanako.id}", json={"role": "leader"}
    )
    assert promoted.json()["role"] == "leader"
    assert resident.post(f"/api/safety-maps/{draft}/publish").status_code == 200


def test_unverified_accounts_cannot_ask_to_join(town: Town) -> None:
    unverified = signed_in(make_person("new@example.jp", verified=False))
    response = unverified.post(f"/api/groups/{town.group_a}/join")
    assert response.status_code == 403
    assert "メール" in response.json()["detail_ja"]
    assert sql_value(town.url, "SELECT count(*) FROM membership WHERE status = 'requested'") == 0


def test_only_leaders_manage_members(town: Town) -> None:
    taro = make_person("taro@example.jp", groups={town.group_a: "requested"})
    member = signed_in(town.member_a)
    members_of_a = f"/api/groups/{town.group_a}/members"
    assert member.put(f"{members_of_a}/{taro.id}", json={"role": "member"}).status_code == 403
    assert member.delete(f"{members_of_a}/{town.leader_a.id}").status_code == 403
    assert member.delete(f"{members_of_a}/{taro.id}").status_code == 403
    status = sql_value(town.url, "SELECT status FROM membership WHERE user_id = %s", taro.id)
    assert status == "requested"

    # A leader accepts requests but cannot enrol someone who never asked; an admin can.
    outsider = make_person("outsider@example.jp")
    leader = signed_in(town.leader_a)
    refused = leader.put(f"{members_of_a}/{outsider.id}", json={"role": "member"})
    assert refused.status_code == 403
    admin = signed_in(town.admin)
    added = admin.put(f"{members_of_a}/{outsider.id}", json={"role": "member"})
    assert added.status_code == 200 and added.json()["status"] == "active"
    assert admin.put(f"{members_of_a}/999999", json={"role": "member"}).status_code == 404
    bad = leader.put(f"{members_of_a}/{taro.id}", json={"role": "member", "status": "requested"})
    assert bad.status_code == 400

    # A member may leave, and a leader may turn down a request.
    assert member.delete(f"{members_of_a}/{town.member_a.id}").status_code == 204
    assert leader.delete(f"{members_of_a}/{taro.id}").status_code == 204
    assert leader.delete(f"{members_of_a}/{taro.id}").status_code == 404
    left = sql_value(
        town.url,
        "SELECT count(*) FROM membership WHERE group_id = %s AND user_id IN (%s, %s)",
        town.group_a,
        town.member_a.id,
        taro.id,
    )
    assert left == 0
    # A leader of group B has no say over group A.
    other = signed_in(town.leader_b)
    assert other.put(f"{members_of_a}/{outsider.id}", json={"role": "leader"}).status_code == 403


def test_the_last_leader_cannot_be_removed(town: Town) -> None:
    leader = signed_in(town.leader_a)
    admin = signed_in(town.admin)
    me = f"/api/groups/{town.group_a}/members/{town.leader_a.id}"
    assert leader.delete(me).status_code == 409
    demoted = leader.put(me, json={"role": "member"})
    assert demoted.status_code == 409
    assert "代表者" in demoted.json()["detail_ja"]
    assert admin.delete(me).status_code == 409
    leaders = "SELECT count(*) FROM membership WHERE group_id = %s AND role = 'leader'"
    assert sql_value(town.url, leaders, town.group_a) == 1

    # With a second leader the first may step down, and then leave.
    promote = f"/api/groups/{town.group_a}/members/{town.member_a.id}"
    assert leader.put(promote, json={"role": "leader"}).status_code == 200
    assert leader.put(me, json={"role": "member"}).json()["role"] == "member"
    assert leader.delete(me).status_code == 204
    new_leader = signed_in(town.member_a)
    assert new_leader.delete(promote).status_code == 409
    assert sql_value(town.url, leaders, town.group_a) == 1


def test_anonymous_callers_must_sign_in_for_anything_private(town: Town) -> None:
    leader = signed_in(town.leader_a)
    draft = new_map(leader, town.group_a)
    spot = add_feature(leader, draft, feature(point(CITY_HALL))).json()["id"]
    patrol_id = leader.post(f"/api/groups/{town.group_a}/patrols", json=patrol_body()).json()["id"]
    g, u = town.group_a, town.member_a.id
    calls = [
        ("GET", f"/api/groups/{g}/members", None),
        ("PUT", f"/api/groups/{g}/members/{u}", {"role": "leader"}),
        ("DELETE", f"/api/groups/{g}/members/{u}", None),
        ("POST", f"/api/groups/{g}/join", None),
        ("GET", f"/api/groups/{g}/patrols", None),
        ("POST", f"/api/groups/{g}/patrols", patrol_body()),
        ("GET", f"/api/patrols/{patrol_id}", None),
        ("POST", f"/api/groups/{g}/safety-maps", {"title": "x"}),
        ("GET", f"/api/safety-maps/{draft}", None),
        ("PATCH", f"/api/safety-maps/{draft}", {"title": "x"}),
        ("POST", f"/api/safety-maps/{draft}/publish", None),
        ("POST", f"/api/safety-maps/{draft}/unpublish", None),
        ("POST", f"/api/safety-maps/{draft}/features", feature(point(CITY_HALL))),
        ("DELETE", f"/api/safety-maps/{draft}/features/{spot}", None),
    ]
    anonymous = new_client()
    for method, path, body in calls:
        response = anonymous.request(method, path, json=body)
        assert response.status_code == 401, (method, path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    assert sql_value(town.url, "SELECT count(*) FROM safety_map_feature") == 1
    assert sql_value(town.url, "SELECT count(*) FROM patrol") == 1


def test_a_member_of_one_group_is_refused_everything_private_of_another(town: Town) -> None:
    leader_b = signed_in(town.leader_b)
    draft = new_map(leader_b, town.group_b, "港地区の見えにくい場所")
    spot = add_feature(leader_b, draft, feature(point(CITY_HALL), title="高い塀")).json()["id"]
    patrol_id = leader_b.post(
        f"/api/groups/{town.group_b}/patrols", json=patrol_body(route=STREET)
    ).json()["id"]
    g = town.group_b
    calls = [
        ("GET", f"/api/groups/{g}/members", None),
        ("PUT", f"/api/groups/{g}/members/{town.member_a.id}", {"role": "leader"}),
        ("DELETE", f"/api/groups/{g}/members/{town.leader_b.id}", None),
        ("GET", f"/api/groups/{g}/patrols", None),
        ("POST", f"/api/groups/{g}/patrols", patrol_body()),
        ("GET", f"/api/patrols/{patrol_id}", None),
        ("POST", f"/api/groups/{g}/safety-maps", {"title": "乗っ取り"}),
        ("GET", f"/api/safety-maps/{draft}", None),
        ("PATCH", f"/api/safety-maps/{draft}", {"title": "乗っ取り"}),
        ("POST", f"/api/safety-maps/{draft}/publish", None),
        ("POST", f"/api/safety-maps/{draft}/unpublish", None),
        ("POST", f"/api/safety-maps/{draft}/features", feature(point(CITY_HALL))),
        ("DELETE", f"/api/safety-maps/{draft}/features/{spot}", None),
    ]
    for who in (town.member_a, town.leader_a):
        client = signed_in(who)
        for method, path, body in calls:
            response = client.request(method, path, json=body)
            assert response.status_code == 403, (who.email, method, path, response.text)
        listing = client.get(f"/api/groups/{g}/safety-maps").json()
        assert listing["safety_maps"] == [] and listing["numberMatched"] == 0
    title = sql_value(town.url, "SELECT title FROM safety_map WHERE id = %s", draft)
    assert title == "港地区の見えにくい場所"
    assert sql_value(town.url, "SELECT count(*) FROM safety_map_feature") == 1
    assert sql_value(town.url, "SELECT count(*) FROM patrol") == 1
    assert not sql_value(town.url, "SELECT is_published FROM safety_map WHERE id = %s", draft)


# --- safety maps ----------------------------------------------------------------------------


def test_a_published_map_is_readable_by_anyone(town: Town) -> None:
    leader = signed_in(town.leader_a)
    member = signed_in(town.member_a)
    map_id = new_map(member, town.group_a)  # any member may draft
    created = add_feature(
        member, map_id, feature(point(CITY_HALL), "safe_haven", title="こども110番の家")
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["type"] == "Feature" and body["geometry"]["coordinates"] == CITY_HALL
    assert body["properties"]["kind"] == "safe_haven"
    street = add_feature(member, map_id, feature(STREET, "school_route", note="朝7時台"))
    assert street.status_code == 201
    anonymous = new_client()
    assert anonymous.get(f"/api/safety-maps/{map_id}").status_code == 401

    assert member.post(f"/api/safety-maps/{map_id}/publish").status_code == 403
    published = leader.post(f"/api/safety-maps/{map_id}/publish")
    assert published.status_code == 200
    assert published.json()["is_published"] and published.json()["published_at"]

    public = anonymous.get(f"/api/safety-maps/{map_id}")
    assert public.status_code == 200
    collection = public.json()["feature_collection"]
    assert collection["type"] == "FeatureCollection"
    assert [f["properties"]["kind"] for f in collection["features"]] == [
        "safe_haven",
        "school_route",
    ]
    assert collection["features"][1]["geometry"]["type"] == "LineString"
    listing = anonymous.get(f"/api/groups/{town.group_a}/safety-maps").json()
    assert [(m["id"], m["feature_count"]) for m in listing["safety_maps"]] == [(map_id, 2)]
    assert "Cache-Control" not in public.headers

    assert leader.post(f"/api/safety-maps/{map_id}/unpublish").json()["published_at"] is None
    assert anonymous.get(f"/api/safety-maps/{map_id}").status_code == 401
    assert anonymous.get(f"/api/groups/{town.group_a}/safety-maps").json()["safety_maps"] == []
    members_view = member.get(f"/api/groups/{town.group_a}/safety-maps")
    assert members_view.headers["Cache-Control"] == "private"  # it shows drafts


def test_maps_are_edited_and_features_removed_only_from_their_own_map(town: Town) -> None:
    member = signed_in(town.member_a)
    first, second = new_map(member, town.group_a), new_map(member, town.group_a, "通学路")
    spot = add_feature(member, first, feature(point(CITY_HALL))).json()["id"]

    changed = member.patch(f"/api/safety-maps/{first}", json={"description": "2026年度版"})
    assert changed.json()["description"] == "2026年度版"
    assert changed.json()["title"] == "本町の危険箇所"
    assert member.patch(f"/api/safety-maps/{first}", json={"title": None}).status_code == 400
    assert member.patch(f"/api/safety-maps/{first}", json={"title": "  "}).status_code == 400

    assert member.delete(f"/api/safety-maps/{second}/features/{spot}").status_code == 404
    assert member.delete(f"/api/safety-maps/{first}/features/{spot}").status_code == 204
    assert member.delete(f"/api/safety-maps/{first}/features/{spot}").status_code == 404
    # Deleted places are kept (hidden) so the group can restore them.
    assert (
        sql_value(town.url, "SELECT count(*) FROM safety_map_feature WHERE deleted_at IS NULL") == 0
    )
    assert member.get("/api/safety-maps/999999").status_code == 404


@pytest.mark.parametrize(
    ("geometry", "code"),
    [
        (point([34.866918, 138.323171]), "swapped_coordinates"),
        ({"type": "Point"}, "invalid_geojson"),
        ({"type": "MultiPoint", "coordinates": [CITY_HALL]}, "unsupported_type"),
        (point([500.0, 35.0]), "out_of_range"),
    ],
)
def test_bad_geometry_is_refused_in_both_languages(
    town: Town, geometry: dict[str, Any], code: str
) -> None:
    member = signed_in(town.member_a)
    map_id = new_map(member, town.group_a)
    response = add_feature(member, map_id, feature(geometry))
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == code
    assert problem["detail"] and problem["detail_ja"] != problem["detail"]
    assert sql_value(town.url, "SELECT count(*) FROM safety_map_feature") == 0


def test_a_feature_needs_a_known_kind(town: Town) -> None:
    member = signed_in(town.member_a)
    map_id = new_map(member, town.group_a)
    response = add_feature(member, map_id, feature(point(CITY_HALL), "suspicious_person"))
    assert response.status_code == 400
    assert "properties.kind" in response.json()["detail"]


def test_a_place_outside_the_city_is_refused_and_nothing_is_stored(
    demo_url: str, no_rate_limits: None
) -> None:
    staff = signed_in(make_person("staff@example.jp", "staff", department="community"))
    leader_person = make_person("leader@example.jp")
    group = create_group(staff, "テスト防犯パトロール隊", leader_person)
    leader = signed_in(leader_person)
    map_id = new_map(leader, group)

    outside = add_feature(leader, map_id, feature(point(TOKYO), title="東京駅"))
    assert outside.status_code == 422
    assert outside.json()["type"] == "/problems/outside-city"
    assert outside.json()["detail_ja"]
    stored = "SELECT count(*) FROM safety_map_feature WHERE safety_map_id = %s"
    assert sql_value(demo_url, stored, map_id) == 0

    inside = add_feature(leader, map_id, feature(point(CITY_HALL), title="市役所前"))
    assert inside.status_code == 201
    assert inside.json()["properties"]["district_id"] is not None  # assigned by the database
    assert sql_value(demo_url, stored, map_id) == 1


# --- patrols --------------------------------------------------------------------------------


def test_patrols_are_recorded_with_their_route_and_listed_newest_first(town: Town) -> None:
    member = signed_in(town.member_a)
    path = f"/api/groups/{town.group_a}/patrols"
    first = member.post(
        path, json=patrol_body("4月の見守り", started_at="2026-04-10T07:30:00+09:00")
    )
    assert first.status_code == 201, first.text
    walked = member.post(path, json=patrol_body("5月の夜回り", route=STREET))
    assert walked.status_code == 201, walked.text
    body = walked.json()
    assert body["recorded_by"] == {"user_id": town.member_a.id, "display_name": "member-a"}
    assert body["route"]["type"] == "LineString"
    assert 150 < body["route_length_m"] < 200  # about 170 m along the street
    assert body["observations"] == {"type": "FeatureCollection", "features": []}
    assert body["participants"] == 4
    assert (
        sql_value(
            town.url, "SELECT ended_at - started_at FROM patrol WHERE id = %s", body["id"]
        ).total_seconds()
        == 90 * 60
    )

    listing = member.get(path, params={"limit": 1}).json()
    assert listing["numberMatched"] == 2
    assert [p["title"] for p in listing["patrols"]] == ["5月の夜回り"]
    assert any(link["rel"] == "next" for link in listing["links"])
    rest = member.get(path, params={"limit": 1, "offset": 1}).json()
    assert [p["title"] for p in rest["patrols"]] == ["4月の見守り"]

    one = signed_in(town.leader_a).get(f"/api/patrols/{body['id']}")
    assert one.status_code == 200 and one.json()["route"] == body["route"]
    assert member.get("/api/patrols/999999").status_code == 404


@pytest.mark.parametrize(
    "change",
    [
        {"ended_at": "2026-05-01T18:00:00+09:00"},  # before it started
        {"started_at": "2026-05-01T19:00:00"},  # no offset: which time zone?
        {"participants": 0},
        {"kind": "vigilante"},
        {"title": ""},
    ],
)
def test_implausible_patrols_are_refused(town: Town, change: dict[str, Any]) -> None:
    member = signed_in(town.member_a)
    response = member.post(f"/api/groups/{town.group_a}/patrols", json=patrol_body(**change))
    assert response.status_code == 400, response.text
    assert response.json()["detail_ja"]
    assert sql_value(town.url, "SELECT count(*) FROM patrol") == 0


def test_a_patrol_route_must_be_a_line(town: Town) -> None:
    member = signed_in(town.member_a)
    response = member.post(
        f"/api/groups/{town.group_a}/patrols", json=patrol_body(route=point(CITY_HALL))
    )
    assert response.status_code == 422
    assert response.json()["code"] == "unsupported_type"
    assert sql_value(town.url, "SELECT count(*) FROM patrol") == 0


# --- the audit trail ------------------------------------------------------------------------


def test_every_staff_and_leader_write_is_in_the_audit_log(town: Town) -> None:
    url = town.url
    # Creating the town: staff created both groups and their leaders' memberships.
    assert audit_count(url, town.staff, "community_group", "insert") == 2
    assert audit_count(url, town.staff, "membership", "insert") == 2

    leader = signed_in(town.leader_a)
    assert audit_count(url, town.leader_a, "safety_map", "insert") == 0
    map_id = new_map(leader, town.group_a)
    assert audit_count(url, town.leader_a, "safety_map", "insert") == 1
    writes = [
        ("safety_map_feature", "insert", "POST", "features", feature(point(CITY_HALL))),
        ("safety_map", "update", "PATCH", "", {"description": "改訂版"}),
        ("safety_map", "update", "POST", "publish", None),
        ("safety_map", "update", "POST", "unpublish", None),
    ]
    for table, action, method, sub, body in writes:
        before = audit_count(url, town.leader_a, table, action)
        response = leader.request(method, f"/api/safety-maps/{map_id}/{sub}".rstrip("/"), json=body)
        assert response.status_code in (200, 201), response.text
        assert audit_count(url, town.leader_a, table, action) == before + 1, (table, action)
    leader.post(f"/api/groups/{town.group_a}/patrols", json=patrol_body())
    assert audit_count(url, town.leader_a, "patrol", "insert") == 1

    spot = add_feature(leader, map_id, feature(point(CITY_HALL))).json()["id"]
    before = audit_count(url, town.leader_a, "safety_map_feature", "update")
    leader.delete(f"/api/safety-maps/{map_id}/features/{spot}")
    # Deleting keeps the place, hidden, to restore: the log has the update that hid it.
    assert audit_count(url, town.leader_a, "safety_map_feature", "update") == before + 1

    hanako = make_person("hanako@example.jp")
    signed_in(hanako).post(f"/api/groups/{town.group_a}/join")
    assert audit_count(url, hanako, "membership", "insert") == 1
    leader.put(f"/api/groups/{town.group_a}/members/{hanako.id}", json={"role": "member"})
    assert audit_count(url, town.leader_a, "membership", "update") == 1
    leader.delete(f"/api/groups/{town.group_a}/members/{hanako.id}")
    assert audit_count(url, town.leader_a, "membership", "delete") == 1

    unattributed = sql_value(
        url,
        "SELECT count(*) FROM audit_log WHERE actor_user_id IS NULL AND subject_layer IN "
        "('community_group', 'membership', 'safety_map', 'safety_map_feature', 'patrol')",
    )
    assert unattributed == 0
