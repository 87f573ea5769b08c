"""The gaps nobody watches: walks along known stretches of one school route at known times,
and the walked, gap and time-band figures the group and the city get.

The school route runs due east along 34.8669° N; the walks follow it exactly. A piece of
the route counts as walked within 30 m of a walk, so each stretch walked from a to b reaches
from a − 30 m to b + 30 m along the route. Expected figures are measured here with pyproj in
the same plane zone (VIII), independently of PostGIS, and compared to 0.5 m: the answer is
rounded to 0.1 m, and a buffer's round cap is a polygon whose vertex lies exactly ahead of
the walk, so the rest is the few millimetres between a parallel and its chord."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest

from geo.crs import transform_xy
from layers.store.db import libpq_url
from tests.conftest import Person, make_person, new_client, signed_in, sql_value
from tests.test_groups import create_group

JST = ZoneInfo("Asia/Tokyo")
LAT = 34.8669
ZONE_VIII = 6676
DISTANCE = 30.0
AREA = (138.3050, 138.3180)  # the 自治会's west and east edges
SPLIT = 138.3135  # between its two 町内会
ROUTE = (138.3100, 138.3200)  # runs out of the area at its east edge


def x(lon: float) -> float:
    return float(transform_xy([lon], [LAT], 4326, ZONE_VIII)[0][0])


Interval = tuple[float, float]


def reach(a: float, b: float) -> Interval:
    """The piece of the route a walk from lon a to lon b covers, in plane metres."""
    return (x(a) - DISTANCE, x(b) + DISTANCE)


def length(pieces: list[Interval], lo: float, hi: float) -> float:
    """Length of the union of ``pieces`` within [lo, hi] (the pieces here never overlap)."""
    return sum(max(0.0, min(b, hi) - max(a, lo)) for a, b in pieces)


def box(west: float, east: float) -> str:
    return f"ST_Multi(ST_MakeEnvelope({west}, {LAT - 0.004}, {east}, {LAT + 0.004}, 4326))"


@dataclass
class Place:
    url: str
    staff: Person
    leader_a: Person
    member_a: Person
    leader_b: Person
    group_a: int
    group_b: int
    route_id: int


def build_place(url: str) -> Place:
    from layers.city.identity import set_city
    from layers.store.db import session_scope

    with session_scope() as db:
        set_city(db, code="222127", name="焼津市", prefecture="静岡県", plane_zone=8)
    with psycopg.connect(libpq_url(url)) as conn:

        def one(sql: str, *args: object) -> int:
            row = conn.execute(sql.encode(), args).fetchone()
            assert row is not None
            return int(row[0])

        area = one(
            "INSERT INTO district (level, code, name, geom) VALUES ('area', 'A1', '本町自治会', "
            f"{box(*AREA)}) RETURNING id"
        )
        one(
            "INSERT INTO district (level, code, name, geom) VALUES ('neighbourhood', 'N1', "
            f"'本町西町内会', {box(AREA[0], SPLIT)}) RETURNING id"
        )
        one(
            "INSERT INTO district (level, code, name, geom) VALUES ('neighbourhood', 'N2', "
            f"'本町東町内会', {box(SPLIT, AREA[1])}) RETURNING id"
        )
        # A neighbour outside, touching the area: no row of the table.
        one(
            "INSERT INTO district (level, code, name, geom) VALUES ('neighbourhood', 'N3', "
            f"'隣町内会', {box(AREA[1], 138.3300)}) RETURNING id"
        )
        department = one(
            "INSERT INTO department (code, name) VALUES ('school_education', '学校教育課') "
            "RETURNING id"
        )
        city_map = one(
            "INSERT INTO safety_map (title, department_id, is_published, published_at) "
            "VALUES ('子どもを守る家と通学路', %s, true, now()) RETURNING id",
            department,
        )
        route_id = one(
            "INSERT INTO safety_map_feature (safety_map_id, kind, title, extra, geom) VALUES "
            "(%s, 'school_route', '本町小学校', '{\"school\": \"本町小学校\", \"route_no\": 1}', "
            f"ST_SetSRID(ST_MakeLine(ST_MakePoint({ROUTE[0]}, {LAT}), "
            f"ST_MakePoint({ROUTE[1]}, {LAT})), 4326)) RETURNING id",
            city_map,
        )
    staff = make_person("staff@example.jp", "staff", department="school_education")
    leader_a, leader_b = make_person("leader-a@example.jp"), make_person("leader-b@example.jp")
    as_staff = signed_in(staff)
    group_a = create_group(as_staff, "本町自治会防犯部", leader_a)
    group_b = create_group(as_staff, "本町小PTA", leader_b)
    with psycopg.connect(libpq_url(url)) as conn:
        conn.execute(
            b"UPDATE community_group SET district_id = %s WHERE id IN (%s, %s)",
            (area, group_a, group_b),
        )
    member_a = make_person("member-a@example.jp", groups={group_a: "member"})
    return Place(url, staff, leader_a, member_a, leader_b, group_a, group_b, route_id)


@pytest.fixture
def place(db_url: str, no_rate_limits: None) -> Place:
    return build_place(db_url)


def walk(
    who: Person, group: int, start: datetime, stretches: list[tuple[float, float]]
) -> dict[str, Any]:
    """A walk due east along the route, one fix every 5 s and ~9 m; each stretch after the
    first resumes after a pause of two minutes (a gap: nothing between is walked)."""
    track: list[dict[str, Any]] = []
    at = start
    for seg, (a, b) in enumerate(stretches):
        steps = round((b - a) / 0.0001)
        for i in range(steps + 1):
            track.append(
                {"lon": a + i * 0.0001, "lat": LAT, "t": at.isoformat(), "acc": 5, "seg": seg}
            )
            at += timedelta(seconds=5)
        at += timedelta(minutes=2)
    answer = signed_in(who).post(
        f"/api/groups/{group}/patrols",
        json={"title": "見守り", "kind": "school_watch", "participants": 2, "track": track},
    )
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=JST)


def walks(p: Place) -> None:
    # 登校: two stretches with a paused recording between them.
    walk(p.member_a, p.group_a, at(3, 7, 30), [(138.3110, 138.3120), (138.3130, 138.3140)])
    walk(p.member_a, p.group_a, at(3, 15), [(138.3150, 138.3160)])  # 下校
    walk(p.leader_a, p.group_a, at(5, 20), [(138.3170, 138.3190)])  # 夜間, out of the area
    walk(p.member_a, p.group_a, at(30, 7, 30) - timedelta(days=30), [(138.3100, 138.3105)])
    # Group B walks the first stretch of the route: never in A's figures.
    walk(p.leader_b, p.group_b, at(4, 7, 40), [(138.3100, 138.3110)])


SCHOOL_IN = [reach(138.3110, 138.3120), reach(138.3130, 138.3140)]
SCHOOL_OUT = [reach(138.3150, 138.3160)]
NIGHT = [reach(138.3170, 138.3190)]
ALL = SCHOOL_IN + SCHOOL_OUT + NIGHT


def by(rows: list[dict[str, Any]], **keys: Any) -> dict[str, Any]:
    found = [r for r in rows if all(r[k] == v for k, v in keys.items())]
    assert len(found) == 1, (keys, rows)
    return found[0]


def test_walked_gaps_and_time_bands_of_one_school_route(place: Place) -> None:
    walks(place)
    answer = signed_in(place.member_a).get(
        f"/api/groups/{place.group_a}/coverage", params={"from": "2026-12-01", "to": "2026-12-31"}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert answer.headers["cache-control"] == "private, no-store"
    assert body["area"]["name"] == "本町自治会"
    lo, hi = x(ROUTE[0]), x(AREA[1])  # the route clipped to the area
    totals = [t for t in body["totals"] if t["layer"] == "school_route"]
    expected = {"school_in": SCHOOL_IN, "school_out": SCHOOL_OUT, "night": NIGHT, "other": []}
    expected["all"] = ALL
    for band, pieces in expected.items():
        row = by(totals, band=band)
        assert row["route_m"] == pytest.approx(hi - lo, abs=0.5)
        assert row["walked_m"] == pytest.approx(length(pieces, lo, hi), abs=0.5), band
        assert row["gap_m"] == pytest.approx(hi - lo - length(pieces, lo, hi), abs=0.5), band
    assert by(totals, band="other")["walked_m"] == 0
    # The two-minute pause left 91 m unrecorded: 31 m of it is further than 30 m from both.
    assert x(138.3130) - x(138.3120) - 2 * DISTANCE == pytest.approx(31.3, abs=0.5)

    # Drawn: the pieces walked in any band, and the gaps between them, as lines.
    walked = body["school_routes"]["walked"]["features"]
    gaps = body["school_routes"]["gaps"]["features"]
    assert [f["properties"]["school"] for f in walked] == ["本町小学校"]
    assert walked[0]["geometry"]["type"] == "MultiLineString"
    assert len(walked[0]["geometry"]["coordinates"]) == 4
    # Gaps: the route's start, three between the walks (the pause's 31 m among them).
    assert len(gaps[0]["geometry"]["coordinates"]) == 4
    assert gaps[0]["properties"]["length_m"] == pytest.approx(
        hi - lo - length(ALL, lo, hi), abs=0.5
    )

    # The table: the route in each 町内会 of the area, walked per band.
    table = body["table"]
    assert {r["name"] for r in table} == {"本町西町内会", "本町東町内会"}
    west, east = (lo, x(SPLIT)), (x(SPLIT), hi)
    for name, (a, b) in (("本町西町内会", west), ("本町東町内会", east)):
        for band, pieces in expected.items():
            row = by(table, name=name, band=band)
            assert row["route_m"] == pytest.approx(b - a, abs=0.5)
            assert row["walked_m"] == pytest.approx(length(pieces, a, b), abs=0.5), (name, band)
            share = length(pieces, a, b) / (b - a)
            assert row["share"] == pytest.approx(share, abs=0.002)

    # One band: only what was walked at 下校, and the rest of the route as its gaps.
    after_school = (
        signed_in(place.member_a)
        .get(
            f"/api/groups/{place.group_a}/coverage",
            params={"from": "2026-12-01", "to": "2026-12-31", "band": "school_out"},
        )
        .json()
    )
    (piece,) = after_school["school_routes"]["walked"]["features"]
    assert piece["properties"]["band"] == "school_out"
    assert piece["properties"]["length_m"] == pytest.approx(length(SCHOOL_OUT, lo, hi), abs=0.5)


def test_the_period_is_by_local_date_and_night_wraps_past_midnight(place: Place) -> None:
    # 23:58 to 00:02 JST on 6–7 December: 夜間 both sides of midnight; split by date.
    walk(place.member_a, place.group_a, at(6, 23, 58), [(138.3100, 138.3148)])
    client = signed_in(place.member_a)

    def night(first: str, last: str) -> float:
        body = client.get(
            f"/api/groups/{place.group_a}/coverage", params={"from": first, "to": last}
        ).json()
        totals = [t for t in body["totals"] if t["layer"] == "school_route"]
        assert by(totals, band="other")["walked_m"] == 0
        return float(by(totals, band="night")["walked_m"])

    both = night("2026-12-06", "2026-12-07")
    assert both == pytest.approx(x(138.3148) - x(138.3100) + DISTANCE, abs=0.5)
    # 24 fixes (5 s apart) before midnight: the first two minutes of the walk.
    before = night("2026-12-06", "2026-12-06")
    assert 0 < before < both
    assert night("2026-12-07", "2026-12-07") + before > both  # the two overlap by 2 × 30 m


def test_the_city_sees_only_what_sharing_groups_walked_per_stretch(place: Place) -> None:
    walks(place)
    staff = signed_in(place.staff)
    params = {"from": "2026-12-01", "to": "2026-12-31"}

    def figures() -> dict[str, Any]:
        answer = staff.get("/api/coverage", params=params)
        assert answer.status_code == 200, answer.text
        (stretch,) = answer.json()["stretches"]["features"]
        assert stretch["id"] == place.route_id
        return dict(stretch["properties"]["bands"])

    # Nobody shares: group A's walks contribute nothing.
    assert all(f["walked_m"] == 0 and f["groups"] == 0 for f in figures().values())
    assert staff.get("/api/coverage", params=params).json()["sharing_groups"] == []

    leader = signed_in(place.leader_a)
    shared = leader.put(f"/api/groups/{place.group_a}/coverage-sharing", json={"share": True})
    assert shared.status_code == 200, shared.text
    assert shared.json() == {"group_id": place.group_a, "share_coverage": True}
    bands = figures()
    whole = (x(ROUTE[0]), x(ROUTE[1]))  # the city sees the whole stretch, not one area's
    assert bands["school_in"]["walked_m"] == pytest.approx(length(SCHOOL_IN, *whole), abs=0.5)
    assert bands["night"]["walked_m"] == pytest.approx(length(NIGHT, *whole), abs=0.5)
    assert bands["all"]["groups"] == 1
    text = staff.get("/api/coverage", params=params).text
    # Never a track, and no group named next to a stretch: only the list of who shares.
    assert "138.3105" not in text and "138.311," not in text
    assert text.count("本町自治会防犯部") == 1
    assert "本町小PTA" not in text

    # B shares too: its 登校 walk adds the route's first 100 m (their reaches unioned).
    signed_in(place.leader_b).put(
        f"/api/groups/{place.group_b}/coverage-sharing", json={"share": True}
    )
    merged = [(reach(138.3100, 138.3110)[0], SCHOOL_IN[0][1]), SCHOOL_IN[1]]
    bands = figures()
    assert bands["school_in"]["walked_m"] == pytest.approx(length(merged, *whole), abs=0.5)
    assert bands["school_in"]["groups"] == 2

    # A stops sharing: only B's walk is left.
    leader.put(f"/api/groups/{place.group_a}/coverage-sharing", json={"share": False})
    only_b = length([reach(138.3100, 138.3110)], *whole)
    assert figures()["school_in"]["walked_m"] == pytest.approx(only_b, abs=0.5)
    assert figures()["night"]["walked_m"] == 0


def test_b_never_sees_a_coverage_and_only_leaders_share(place: Place) -> None:
    walks(place)
    b = signed_in(place.leader_b)
    assert b.get(f"/api/groups/{place.group_a}/coverage").status_code == 403
    assert new_client().get(f"/api/groups/{place.group_a}/coverage").status_code == 401
    assert (
        b.put(f"/api/groups/{place.group_a}/coverage-sharing", json={"share": True}).status_code
        == 403
    )
    member = signed_in(place.member_a)
    assert (
        member.put(
            f"/api/groups/{place.group_a}/coverage-sharing", json={"share": True}
        ).status_code
        == 403
    )
    assert signed_in(place.member_a).get("/api/coverage").status_code == 403
    assert sql_value(place.url, "SELECT bool_or(share_coverage) FROM community_group") is False
    # B's own coverage holds only B's walk.
    own = b.get(f"/api/groups/{place.group_b}/coverage", params={"from": "2026-12-01"}).json()
    totals = [t for t in own["totals"] if t["layer"] == "school_route"]
    lo, hi = x(ROUTE[0]), x(AREA[1])
    assert by(totals, band="all")["walked_m"] == pytest.approx(
        length([reach(138.3100, 138.3110)], lo, hi), abs=0.5
    )


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ({"from": "2026-13-01"}, "from"),
        ({"from": "yesterday"}, "from"),
        ({"from": "2026-12-10", "to": "2026-12-01"}, "before"),
        ({"from": "2025-01-01", "to": "2026-12-31"}, "366"),
        ({"from": "9999-12-31"}, "outside"),
        ({"band": "evening"}, "band"),
    ],
)
def test_bad_periods_and_bands_are_refused_in_both_languages(
    place: Place, query: dict[str, str], says: str
) -> None:
    member = signed_in(place.member_a)
    for path in (f"/api/groups/{place.group_a}/coverage", "/api/coverage"):
        client = member if "groups" in path else signed_in(place.staff)
        if path == "/api/coverage" and "band" in query:
            continue
        answer = client.get(path, params=query)
        assert answer.status_code == 400, answer.text
        problem = answer.json()
        assert says in problem["detail"] and problem["detail_ja"]


def test_this_month_by_default_and_a_group_without_an_area(place: Place) -> None:
    body = signed_in(place.member_a).get(f"/api/groups/{place.group_a}/coverage").json()
    first, last = body["from"], body["to"]
    assert first.endswith("-01") and first[:7] == last[:7]
    assert [b["code"] for b in body["bands"]] == [
        "school_in",
        "school_out",
        "night",
        "other",
        "all",
    ]
    with psycopg.connect(libpq_url(place.url)) as conn:
        conn.execute(
            b"UPDATE community_group SET district_id = NULL WHERE id = %s", (place.group_a,)
        )
    bare = signed_in(place.member_a).get(f"/api/groups/{place.group_a}/coverage").json()
    assert bare["area"] is None
    assert bare["table"] == [] and bare["school_routes"]["gaps"]["features"] == []


def test_the_demo_groups_walk_their_school_routes_and_one_shares(demo_url: str) -> None:
    groups = sql_value(
        demo_url,
        "SELECT json_agg(json_build_object('id', id, 'share', share_coverage) ORDER BY id) "
        "FROM community_group WHERE name LIKE '%%防犯パトロール隊'",
    )
    assert [g["share"] for g in groups] == [True, False, False, False]
    # Every demo walk is a track of fixes along a real school route, at 登校 or 下校 time.
    hours = sql_value(
        demo_url,
        "SELECT array_agg(DISTINCT to_char(started_at AT TIME ZONE 'Asia/Tokyo', 'HH24:MI')) "
        "FROM patrol p WHERE synthetic AND EXISTS (SELECT 1 FROM patrol_point t "
        "WHERE t.patrol_id = p.id)",
    )
    assert sorted(hours) == ["07:20", "15:00"]
    assert sql_value(demo_url, "SELECT count(*) FROM patrol WHERE route IS NULL") == 0
    first = groups[0]["id"]
    leader = make_person("demo-leader@example.jp", groups={first: "leader"})
    body = (
        signed_in(leader)
        .get(f"/api/groups/{first}/coverage", params={"from": "2026-09-01", "to": "2026-10-31"})
        .json()
    )
    totals = {t["band"]: t for t in body["totals"] if t["layer"] == "school_route"}
    assert 0 < totals["all"]["walked_m"] < totals["all"]["route_m"]
    assert totals["night"]["walked_m"] == 0
    assert totals["school_in"]["walked_m"] + totals["school_out"]["walked_m"] > 0
    assert body["table"] and body["school_routes"]["gaps"]["features"]
    staff = make_person("demo-staff@example.jp", "staff", department="school_education")
    city = signed_in(staff).get("/api/coverage", params={"from": "2026-09-01", "to": "2026-10-31"})
    assert city.status_code == 200
    walked = [
        f for f in city.json()["stretches"]["features"] if f["properties"]["bands"]["all"]["groups"]
    ]
    assert walked and all(f["properties"]["bands"]["all"]["groups"] == 1 for f in walked)
    assert [g["id"] for g in city.json()["sharing_groups"]] == [first]
