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
from typing import Any

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

        one(
            "assets",
            "INSERT INTO department (code, name) VALUES ('assets', '資産経営課') RETURNING id",
        )
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
        # Renewal costs (総務省 method, base year 2026): C3's hall, 市民文化系 1,000 ㎡ built
        # 1990 (age 36: the missed major repair 1,000 × 25 = 25,000 over the first 10 years,
        # the rebuild 1,000 × 40 = 40,000 in 2050-52): 65,000 万円. C1's 公民館 record,
        # 社会教育系 500 ㎡ built 2000 (repair 2030-31: 12,500; rebuild 2060-62: 20,000):
        # 32,500 万円; C1's own hall is out of use and saves nothing.
        for key, of, area, year, category, in_use in (
            ("B3", "C3", 1000.0, 1990, "civic_culture", True),
            ("B1b", "C1b", 500.0, 2000, "social_education", True),
            ("B1old", "C1", 800.0, 1970, "civic_culture", False),
        ):
            one(
                key,
                "INSERT INTO facility_building (facility_id, name, built_year, floor_area_m2, "
                "cost_category, in_use) VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
                ids[of],
                key,
                year,
                area,
                category,
                in_use,
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

        def call() -> dict[int, int]:
            return people_served(
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


def test_a_merger_is_compared_with_today_and_its_saving_counted(town: Town) -> None:
    from layers.planning.mergers import compare
    from layers.store.db import session_scope

    ids = town.ids
    with session_scope() as db:
        merged = compare(db, "community_center", merges={ids["C3"]: ids["C1"]}, base_year=2026)
        closed = compare(db, "community_center", closed=[ids["C1"]], base_year=2026)
    assert merged["saving_man_yen"] == pytest.approx(65_000.0)
    assert merged["now"]["beyond"] == 700 and merged["after"]["beyond"] == 700
    (district,) = merged["districts"]
    assert district == {
        "district_id": ids["D1"],
        "name": "本町地区",
        "population": 2000,
        "beyond_now": 700,
        "beyond_after": 700,
        "change": 0,
    }
    u3 = next(u for u in merged["units"] if u["code"] == "U3")
    assert u3["changed"] and u3["after"]["facility_id"] == ids["C1"]
    assert u3["after"]["distance_m"] == pytest.approx(2000 * DETOUR, abs=0.5)
    status = {f["id"]: (f["status"], f["served"], f["served_after"]) for f in merged["facilities"]}
    assert status == {
        ids["C1"]: ("kept", 1300, 1500),
        ids["C2"]: ("kept", 500, 500),
        ids["C3"]: ("merged", 200, None),
    }
    # Closing C1's site ends both its records: the 公民館's building saves 32,500 万円.
    assert closed["saving_man_yen"] == pytest.approx(32_500.0)
    assert closed["saving_by_facility"] == {str(ids["C1"]): 0.0, str(ids["C1b"]): 32_500.0}
    assert (closed["now"]["beyond"], closed["after"]["beyond"]) == (700, 2000)
    assert closed["districts"][0]["change"] == 1300


def test_the_api_answers_json_geojson_csv_and_scenarios(town: Town, no_rate_limits: None) -> None:
    from tests.conftest import make_person, new_client, signed_in

    ids = town.ids
    staff = signed_in(make_person("shisan@example.jp", "staff", department="assets"))
    body = staff.get("/api/planning/coverage?kind=community_center").json()
    assert body["totals"]["beyond"] == 700
    assert {f["id"]: f["served"] for f in body["facilities"]} == {
        ids["C1"]: 1300,
        ids["C2"]: 500,
        ids["C3"]: 200,
    }
    geo = staff.get("/api/planning/coverage?kind=shelter&f=geojson").json()
    roles = sorted(f["properties"]["role"] for f in geo["features"])
    assert roles == ["facility"] * 2 + ["unit"] * 4
    csv_answer = staff.get("/api/planning/coverage?f=csv")
    text_ = csv_answer.content.decode("utf-8")
    assert text_.startswith("\ufeff施設ID,施設名")
    assert "本町住民センター,community_center,1300,330,2,0" in text_
    scenario = staff.post(
        "/api/planning/coverage/scenario",
        json={"closed": [ids["C1"]], "base_year": 2026},
    ).json()
    assert (scenario["now"]["beyond"], scenario["after"]["beyond"]) == (700, 2000)
    assert scenario["saving_man_yen"] == pytest.approx(32_500.0)
    suggestion = staff.get(f"/api/planning/coverage/suggestion?k=1&pinned={ids['C3']}").json()
    assert [f["id"] for f in suggestion["keep"]] == [ids["C3"]]
    best = staff.post("/api/planning/coverage/suggestion", json={"k": 1}).json()
    # Kept alone, C1 covers U1 and U4 (1,300 people within 1 km after the detour).
    assert ([f["id"] for f in best["keep"]], best["covered"]) == ([ids["C1"]], 1300)
    assert new_client().get("/api/planning/coverage").status_code == 401


SCENARIO = "/api/planning/coverage/scenario"


@pytest.mark.parametrize(
    ("method", "url", "body", "status"),
    [
        ("GET", "/api/planning/coverage?kind=aed", None, 400),
        ("POST", SCENARIO, {"closed": [999_999]}, 404),
        ("POST", SCENARIO, {"merges": {"C2": "C2"}}, 422),
        (
            "POST",
            "/api/planning/coverage/scenario",
            {"closed": ["C1"], "merges": {"C2": "C1"}},
            422,
        ),
        ("POST", SCENARIO, {"merges": {"x": 1}}, 422),
        ("POST", SCENARIO, {"scenario": "nope"}, 404),
        ("GET", "/api/planning/coverage/suggestion?k=0", None, 422),
        ("GET", "/api/planning/coverage/suggestion?k=4", None, 422),
        ("POST", "/api/planning/coverage/suggestion", {"k": 1, "pinned": ["C1", "C2"]}, 422),
        ("GET", "/api/planning/coverage/suggestion?k=1&pinned=-3", None, 422),
    ],
)
def test_bad_input_is_refused_in_both_languages(
    town: Town, no_rate_limits: None, method: str, url: str, body: Any, status: int
) -> None:
    from tests.conftest import make_person, signed_in

    def ids_of(value: Any) -> Any:
        if isinstance(value, str):
            return town.ids.get(value, value)
        if isinstance(value, list):
            return [ids_of(v) for v in value]
        if isinstance(value, dict):
            return {str(ids_of(k)): ids_of(v) for k, v in value.items()}
        return value

    staff = signed_in(make_person("shisan@example.jp", "staff", department="assets"))
    payload = ids_of(body) if body is not None else None
    if payload is not None and "closed" in payload:
        payload["closed"] = [int(c) for c in payload["closed"]]
    answer = staff.request(method, url, json=payload)
    assert answer.status_code == status, answer.text
    problem = answer.json()
    assert problem.get("message_ja") or problem.get("detail")
