"""Coverage and mergers computed exactly on a small constructed city (焼津市's zone VIII):
facilities and population points placed at known plane rectangular coordinates, so every
distance below is written out by hand (straight line × the detour factor 1.3).

    C1 住民センター (0, 0), with a 公民館 record of the same name there (one site)
    C2 公民館 (2000, 0); C3 住民センター (0, 3000); C4 住民センター (100, 0) but closed
    S1 指定避難所 (0, 0) capacity 800; S2 指定避難所 (2000, 0), no capacity
    U1 (300, 400) 1000 people, 300 aged 65+ -> C1 at 500 m   (650 m)
    U2 (1200, 0)   500 people, 100          -> C2 at 800 m   (1040 m: beyond 1 km)
    U3 (0, 2000)   200 people,  50          -> C3 at 1000 m  (1300 m: beyond)
    U4 (0, -600)   300 people,  30          -> C1 at 600 m   (780 m)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import psycopg
import pytest

from layers.store.db import libpq_url

X0, Y0 = -16_000.0, -125_000.0  # near 焼津 in zone VIII (EPSG 6676)
DETOUR = 1.3


def plane(x: float, y: float) -> str:
    return f"ST_Transform(ST_SetSRID(ST_MakePoint({X0 + x}, {Y0 + y}), 6676), 4326)"


@dataclass
class Town:
    url: str
    ids: dict[str, int]


def build_town(url: str) -> Town:
    from layers.city.identity import set_city
    from layers.store.db import session_scope

    with session_scope() as db:
        set_city(db, code="222127", name="焼津市", prefecture="静岡県", plane_zone=8)
    ids: dict[str, int] = {}
    with psycopg.connect(libpq_url(url)) as conn:

        def one(key: str, sql: str, *args: object) -> None:
            row = conn.execute(sql.encode(), args).fetchone()
            assert row is not None
            ids[key] = int(row[0])

        for key, kind, name, x, y, status, capacity in (
            ("C1", "community_center", "本町住民センター", 0, 0, "open", None),
            ("C1b", "kominkan", "本町住民センター", 0, 0, "open", None),
            ("C2", "kominkan", "港公民館", 2000, 0, "open", None),
            ("C3", "community_center", "北住民センター", 0, 3000, "open", None),
            ("C4", "community_center", "旧住民センター", 100, 0, "closed", None),
            ("S1", "shelter", "本町小学校", 0, 0, "open", 800),
            ("S2", "shelter", "港中学校", 2000, 0, "open", None),
        ):
            one(
                key,
                "INSERT INTO facility (kind, name, geom, use_status, capacity) "
                f"VALUES (%s, %s, {plane(x, y)}, %s, %s) RETURNING id",
                kind,
                name,
                status,
                capacity,
            )
        one(
            "D1",
            "INSERT INTO district (level, code, name, geom) VALUES ('area', 'A', '本町地区', "
            f"ST_Multi(ST_Buffer({plane(0, 0)}, 0.05))) RETURNING id",
        )
        for key, name, x, y, people, elderly in (
            ("U1", "本町一丁目", 300, 400, 1000, 300),
            ("U2", "本町二丁目", 1200, 0, 500, 100),
            ("U3", "北町", 0, 2000, 200, 50),
            ("U4", "南町", 0, -600, 300, 30),
        ):
            one(
                key,
                "INSERT INTO population_unit (level, code, name, district_id, population, "
                f"elderly, source, geom) VALUES ('town', %s, %s, %s, %s, %s, 'test', "
                f"{plane(x, y)}) RETURNING id",
                key,
                name,
                ids["D1"],
                people,
                elderly,
            )
    return Town(url, ids)


@pytest.fixture
def town(db_url: str) -> Town:
    return build_town(db_url)


def test_people_go_to_their_nearest_open_site(town: Town) -> None:
    from layers.planning.coverage import people_served
    from layers.store.db import session_scope

    ids = town.ids
    with session_scope() as db:
        served = people_served(db, "community_center")
        shelters = people_served(db, "shelter")
    # C1 and its 公民館 record are one site, named by the lower id; C4 is closed.
    assert served == {ids["C1"]: 1300, ids["C2"]: 500, ids["C3"]: 200}
    assert shelters == {ids["S1"]: 1500, ids["S2"]: 500}


def test_closing_and_merging_move_people(town: Town) -> None:
    from layers.planning.coverage import people_served
    from layers.store.db import session_scope

    ids = town.ids
    with session_scope() as db:
        closed = people_served(db, "community_center", closed=[ids["C1"]])
        # Closing the 公民館 record closes its site (one place).
        closed_b = people_served(db, "community_center", closed=[ids["C1b"]])
        merged = people_served(db, "community_center", merges={ids["C3"]: ids["C1"]})
    assert closed == {ids["C2"]: 1800, ids["C3"]: 200}
    assert closed_b == closed
    # U3 is nearer C3, but C3's users move to C1 (2 km away).
    assert merged == {ids["C1"]: 1500, ids["C2"]: 500}


def test_the_coverage_report_is_exact(town: Town) -> None:
    from layers.planning.coverage import coverage
    from layers.store.db import session_scope

    ids = town.ids
    with session_scope() as db:
        now = coverage(db, "community_center")
        after = coverage(db, "community_center", closed=[ids["C1"]])
        shelters = coverage(db, "shelter")
    units = {u.code: u for u in now.units}
    assert units["U1"].facility_id == ids["C1"]
    assert units["U1"].distance_m == pytest.approx(500 * DETOUR, abs=0.5)
    assert units["U2"].distance_m == pytest.approx(800 * DETOUR, abs=0.5)
    assert units["U3"].distance_m == pytest.approx(1000 * DETOUR, abs=0.5)
    assert units["U4"].distance_m == pytest.approx(600 * DETOUR, abs=0.5)
    assert [c for c, u in sorted(units.items()) if u.beyond] == ["U2", "U3"]
    assert now.totals() == {
        "population": 2000,
        "beyond": 700,
        "elderly_beyond": 150,
        "facilities": 3,
        "units": 4,
    }
    c1 = now.facilities[ids["C1"]]
    assert (c1.served, c1.elderly, c1.units, c1.beyond) == (1300, 330, 2, 0)
    assert c1.farthest_m == pytest.approx(780, abs=0.5)
    assert c1.mean_m == pytest.approx((650 * 1000 + 780 * 300) / 1300, abs=0.5)
    # C1 closed: U1 and U4 walk to C2.
    moved = {u.code: u for u in after.units}
    assert moved["U1"].distance_m == pytest.approx(math.hypot(1700, 400) * DETOUR, abs=0.5)
    assert moved["U4"].distance_m == pytest.approx(math.hypot(2000, 600) * DETOUR, abs=0.5)
    assert after.beyond == 2000
    assert after.facilities[ids["C2"]].farthest_m == pytest.approx(
        math.hypot(2000, 600) * DETOUR, abs=0.5
    )
    # 想定収容人数 800 at S1 against the 1,500 it would receive; S2 has none recorded.
    s1 = shelters.facilities[ids["S1"]].as_dict()
    assert (s1["capacity"], s1["served"], s1["over_capacity"]) == (800, 1500, 700)
    assert shelters.facilities[ids["S2"]].as_dict()["over_capacity"] is None
    assert shelters.beyond == 200  # U3: 2 km from S1, 2,600 m with the detour


@pytest.mark.parametrize(
    ("closed", "merges", "status"),
    [
        (["nope"], {}, 404),
        (["C4"], {}, 422),  # already closed
        (["S1"], {}, 422),  # a shelter is not a community centre
        ([], {"C2": "C2"}, 422),
        ([], {"C2": "C1b"}, 200),  # into the other record of a site: allowed
        ([], {"C1b": "C1"}, 422),  # the same site
        (["C1"], {"C2": "C1"}, 422),  # into a closed one
        ([], {"C2": "C1", "C1": "C3"}, 422),  # into one merged away
    ],
)
def test_bad_scenarios_are_refused_by_name(
    town: Town, closed: list[str], merges: dict[str, str], status: int
) -> None:
    from layers.planning.coverage import people_served
    from layers.store.db import session_scope
    from layers.store.refusals import Refused

    ids = {**town.ids, "nope": 999_999}
    with session_scope() as db:
        call = lambda: people_served(  # noqa: E731
            db,
            "community_center",
            closed=[ids[c] for c in closed],
            merges={ids[a]: ids[b] for a, b in merges.items()},
        )
        if status == 200:
            assert call()[ids["C1"]] == 1800
            return
        with pytest.raises(Refused) as refused:
            call()
    assert refused.value.status == status
    assert refused.value.message_ja and refused.value.message_en
