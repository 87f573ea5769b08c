"""The projection over the register: a few buildings created here (one of each age band, one
with no built year, one out of use, graded by inspections), read back through
layers/planning/projection.py, the `machimap plan projection` file and the API."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
import pytest

from layers.store.db import libpq_url
from tests.conftest import Person, make_person

B = 2026
LAT, LON = 34.8669, 138.3080


@dataclass
class City:
    url: str
    ids: dict[str, int]
    staff: Person


def build_city(url: str) -> City:
    ids: dict[str, int] = {}
    with psycopg.connect(libpq_url(url)) as conn:

        def one(name: str, sql: str, *args: object) -> int:
            row = conn.execute(sql.encode(), args).fetchone()
            assert row is not None
            ids[name] = int(row[0])
            return ids[name]

        for name, kind, dx in (
            ("本町住民センター", "community_center", 0),
            ("港公民館", "kominkan", 0.01),
        ):
            one(
                name,
                "INSERT INTO facility (kind, name, geom) VALUES "
                "(%s, %s, ST_SetSRID(ST_MakePoint(%s, %s), 4326)) RETURNING id",
                kind,
                name,
                LON + dx,
                LAT,
            )

        def building(
            key: str,
            facility: str,
            built: int | None,
            area: float | None = 100.0,
            category: str | None = "civic_culture",
            seismic: str = "post_1981",
            in_use: bool = True,
        ) -> None:
            one(
                key,
                "INSERT INTO facility_building (facility_id, name, built_year, floor_area_m2,"
                " cost_category, seismic_standard, in_use) VALUES (%s, %s, %s, %s, %s, %s, %s)"
                " RETURNING id",
                ids[facility],
                key,
                built,
                area,
                category,
                seismic,
                in_use,
            )

        building("本館", "本町住民センター", B - 10)  # repair 2046-47
        building("別館", "本町住民センター", B - 45, seismic="pre_1981")  # backlog repair
        building("体育館", "港公民館", B - 70, area=200.0, category="sports_recreation")
        building("倉庫", "港公民館", None)  # cannot be projected
        building("旧館", "港公民館", B - 20, in_use=False)  # not in use: left out

        def inspect(key: str, on: str, overall: str, parts: tuple[str, ...] = ()) -> None:
            inspection = one(
                f"{key}/{on}",
                "INSERT INTO inspection (subject_layer, subject_id, kind, inspected_on,"
                " overall_grade) VALUES ('facility_building', %s, 'building_article12',"
                " CAST(%s AS date), %s) RETURNING id",
                ids[key],
                on,
                overall,
            )
            for i, grade in enumerate(parts):
                conn.execute(
                    b"INSERT INTO inspection_part_grade (inspection_id, part, grade)"
                    b" VALUES (%s, %s, %s)",
                    (inspection, ("roof", "exterior_wall", "interior")[i], grade),
                )

        inspect("本館", "2020-05-01", "A")
        inspect("本館", "2025-05-01", "B", ("A", "D", "B"))  # latest; its worst part is D
        inspect("別館", "2025-01-10", "C")
        inspect("別館", "2019-01-10", "D")  # older: does not count
    staff = make_person("kanri@example.jp", "staff", department="assets")
    return City(url, ids, staff)


@pytest.fixture
def city(db_url: str, no_rate_limits: None) -> City:
    return build_city(db_url)


def test_rows_grades_and_not_projected(city: City) -> None:
    from layers.planning import projection
    from layers.store.db import session_scope

    with session_scope() as db:
        inputs = {b.building_id: b for b in projection.building_inputs(db)}
        result = projection.run(db, "soumu", B)
        condition = projection.run(db, "condition", B)
        totals = projection.facility_totals(db, "soumu", B)
    ids = city.ids
    assert set(inputs) == {ids["本館"], ids["別館"], ids["体育館"]}
    assert inputs[ids["本館"]].latest_grade == "D"
    assert inputs[ids["別館"]].latest_grade == "C"
    assert inputs[ids["体育館"]].latest_grade is None
    assert [(u.building_id, u.reasons) for u in result.not_projected] == [
        (ids["倉庫"], ("built_year",))
    ]
    by_building = result.building_totals()
    # 本館: repair 100 × 25 = 2,500. 別館: backlog repair 2,500 + rebuild at 60 = 4,000.
    # 体育館 (200 ㎡, 36/20): rebuild backlog 7,200, built 2035, repair 2065-66 half: 2,000.
    assert by_building == pytest.approx({ids["本館"]: 2500, ids["別館"]: 6500, ids["体育館"]: 9200})
    assert totals == pytest.approx({ids["本町住民センター"]: 9000, ids["港公民館"]: 9200})
    # Condition-aware: 本館 (D) repaired now; 別館 (C, backlog) keeps it, adds the retrofit.
    moved = condition.building_totals()
    assert moved[ids["本館"]] == pytest.approx(2500)
    assert condition.costs[0][:2].tolist() == [1250, 1250]
    assert moved[ids["別館"]] == pytest.approx(6500 + 300)


def test_unknown_scenario_and_bad_year_are_refused(city: City) -> None:
    from layers.planning import projection
    from layers.store.db import session_scope
    from layers.store.refusals import Refused

    with session_scope() as db:
        with pytest.raises(Refused) as unknown:
            projection.run(db, "nosuch", B)
        with pytest.raises(Refused) as year:
            projection.run(db, "soumu", 1800)
    assert unknown.value.status == 404
    assert year.value.status == 422
