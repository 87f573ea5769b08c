"""The renewal projection against hand-computed cases for each rule of issue 19 §1, and
properties over random buildings (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.renewal import BuildingInput, ExtraRepair, Scenario, UnitCost, moved_events, project

B = 2026
COSTS = {
    "civic_culture": UnitCost(rebuild=40, major_repair=25),
    "school_education": UnitCost(rebuild=33, major_repair=17),
    "public_housing": UnitCost(rebuild=28, major_repair=17),
}
SOUMU = Scenario(code="soumu", name_ja="総務省", name_en="MIC", unit_costs=COSTS)
LONGEVITY = SOUMU.model_copy(
    update={
        "code": "longevity",
        "rebuild_age": 80,
        "major_repair_age": 40,
        "major_repair_share_of_rebuild": 0.4,
        "backlog_repair_max_age": 70,
        "extra_repairs": (
            ExtraRepair(name_ja="中規模修繕", name_en="medium", age=20, share_of_rebuild=0.3),
            ExtraRepair(name_ja="中規模修繕", name_en="medium", age=60, share_of_rebuild=0.3),
        ),
    }
)
CONDITION = SOUMU.model_copy(
    update={
        "code": "condition",
        "condition_d_years": 0,
        "condition_c_years": 5,
        "retrofit_cost_per_m2": 3.0,
        "retrofit_years": 3,
    }
)


def building(
    age: int, *, grade: str | None = None, seismic: str = "post_1981", area: float = 100.0
) -> BuildingInput:
    return BuildingInput(1, 1, "civic_culture", area, B - age, grade, seismic)


def yearly(age: int, scenario: Scenario = SOUMU, **kw: object) -> dict[int, float]:
    p = project([building(age, **kw)], scenario, B)  # type: ignore[arg-type]
    return {y: round(float(c), 6) for y, c in zip(p.years, p.costs[0], strict=True) if c}


def thirds(*years: int) -> dict[int, float]:
    return {y: round(4000 / 3, 6) for y in years}


# 100 ㎡ 市民文化系: repair 2,500 万円 (1,250 a year), rebuild 4,000 万円 (1,333.33 a year).
def test_young_building_gets_its_repair_at_30() -> None:
    assert yearly(10) == {2046: 1250, 2047: 1250}


def test_repair_due_in_the_base_year_then_rebuild() -> None:
    assert yearly(30) == {2026: 1250, 2027: 1250, **thirds(2056, 2057, 2058)}


@pytest.mark.parametrize("age", [31, 50])
def test_missed_repair_is_spread_over_the_backlog_years(age: int) -> None:
    rebuild = 2026 + 60 - age
    expected = {y: 250.0 for y in range(2026, 2036)}
    for y in range(rebuild, rebuild + 3):
        expected[y] = expected.get(y, 0) + round(4000 / 3, 6)
    assert yearly(age) == pytest.approx(expected)


def test_51_to_59_no_repair_rebuild_at_60_then_repair_cut_at_the_horizon_end() -> None:
    # Rebuilt 2035–2037, counts as built 2035, so its repair falls in 2065 (inside) and
    # 2066 (outside the horizon 2026–2065): half of it counts.
    assert yearly(51) == {**thirds(2035, 2036, 2037), 2065: 1250}


def test_a_rebuild_then_a_repair_inside_the_horizon() -> None:
    assert yearly(59) == {**thirds(2027, 2028, 2029), 2057: 1250, 2058: 1250}


@pytest.mark.parametrize("age", [60, 61, 95])
def test_past_60_the_rebuild_is_backlog_and_counts_as_built_in_b_plus_9(age: int) -> None:
    assert yearly(age) == {**{y: 400.0 for y in range(2026, 2036)}, 2065: 1250}


def test_a_building_not_yet_built_starts_its_cycle_when_built() -> None:
    assert yearly(-5) == {2061: 1250, 2062: 1250}


def test_longevity_scenario() -> None:
    # rebuild 4,000; 長寿命化改修 40% = 1,600 over 2 years; 中規模修繕 30% = 1,200.
    assert yearly(10, LONGEVITY) == {2036: 1200, 2056: 800, 2057: 800}
    expected: dict[int, float] = {y: 160.0 for y in range(2026, 2036)}
    expected[2041] = 1200
    expected.update(thirds(2061, 2062, 2063))
    assert yearly(45, LONGEVITY) == pytest.approx(expected)


def test_a_spread_is_cut_at_the_horizon_start() -> None:
    two_years = LONGEVITY.model_copy(
        update={
            "extra_repairs": (
                ExtraRepair(name_ja="中", name_en="m", age=20, share_of_rebuild=0.3, years=2),
            )
        }
    )
    # Medium repair at ages 20–21 = 2025–2026: only the half in 2026 counts.
    assert yearly(21, two_years) == {2026: 600, 2045: 800, 2046: 800}


def test_condition_grade_d_brings_the_repair_to_the_base_year() -> None:
    assert yearly(10, CONDITION, grade="D") == {2026: 1250, 2027: 1250}
    # D with a missed repair: done now over the repair's two years, not the backlog's ten.
    assert yearly(40, CONDITION, grade="D") == {
        2026: 1250,
        2027: 1250,
        **thirds(2046, 2047, 2048),
    }


def test_condition_grade_c_within_the_set_years() -> None:
    assert yearly(10, CONDITION, grade="C") == {2031: 1250, 2032: 1250}
    assert yearly(28, CONDITION, grade="C") == yearly(28)  # already sooner: unchanged


@pytest.mark.parametrize("grade", ["A", "B", None])
def test_condition_grades_a_b_keep_the_cycle(grade: str | None) -> None:
    assert yearly(10, CONDITION, grade=grade) == yearly(10)


def test_condition_old_seismic_standard_gets_the_retrofit_first() -> None:
    plain = yearly(50)
    with_retrofit = yearly(50, CONDITION, seismic="pre_1981")
    assert {y: with_retrofit[y] - plain.get(y, 0) for y in with_retrofit} == pytest.approx(
        {**{y: 100.0 for y in (2026, 2027, 2028)}, **{y: 0.0 for y in plain if y > 2028}}
    )
    assert yearly(50, CONDITION, seismic="retrofitted") == plain


def test_moved_events_name_the_building_and_the_years() -> None:
    buildings = [building(10, grade="D"), BuildingInput(2, 1, "civic_culture", 50, B - 10, "A")]
    before, after = project(buildings, SOUMU, B), project(buildings, CONDITION, B)
    assert moved_events(before, after) == [
        {
            "building_id": 1,
            "facility_id": 1,
            "from": [{"kind": "major_repair", "year": 2046}],
            "to": [{"kind": "major_repair", "year": 2026}],
        }
    ]


def test_unknown_category_is_refused() -> None:
    with pytest.raises(ValueError, match="unit cost"):
        project([BuildingInput(1, 1, "nowhere", 10, 2000)], SOUMU, B)


def test_inconsistent_ages_are_refused() -> None:
    with pytest.raises(ValueError):
        SOUMU.model_copy(update={}).model_validate(
            {**SOUMU.model_dump(), "backlog_repair_max_age": 70}
        )


buildings_strategy = st.lists(
    st.builds(
        BuildingInput,
        building_id=st.integers(1, 10**6),
        facility_id=st.integers(1, 100),
        cost_category=st.sampled_from(sorted(COSTS)),
        floor_area_m2=st.floats(0.0, 50_000.0),
        built_year=st.integers(1880, 2100),
        latest_grade=st.sampled_from(["A", "B", "C", "D", None]),
        seismic_standard=st.sampled_from(["pre_1981", "post_1981", "retrofitted", "unknown"]),
    ),
    max_size=30,
)
scenario_strategy = st.sampled_from([SOUMU, LONGEVITY, CONDITION])


@settings(max_examples=60, deadline=None)
@given(buildings_strategy, scenario_strategy, st.integers(1950, 2100))
def test_totals_are_sums_of_the_building_parts(
    buildings: list[BuildingInput], scenario: Scenario, base_year: int
) -> None:
    p = project(buildings, scenario, base_year)
    assert p.costs.shape == (len(buildings), scenario.horizon)
    assert p.years == list(range(base_year, base_year + 40))
    assert (p.costs >= 0).all()
    parts = sum(p.costs[i].sum() for i in range(len(buildings)))
    assert p.total() == pytest.approx(parts, rel=1e-9, abs=1e-6)
    assert sum(sum(v) for v in p.by_category().values()) == pytest.approx(p.total(), abs=1e-6)
    assert np.allclose(p.yearly(), sum(p.by_category().values(), np.zeros(40)))


@settings(max_examples=60, deadline=None)
@given(buildings_strategy, scenario_strategy, st.integers(1950, 2100), st.integers(1, 39))
def test_nothing_outside_the_horizon_counts(
    buildings: list[BuildingInput], scenario: Scenario, base_year: int, shorter: int
) -> None:
    # A shorter horizon is the same projection cut: years after it contribute nothing.
    full = project(buildings, scenario, base_year)
    cut = project(buildings, scenario.model_copy(update={"horizon": shorter}), base_year)
    assert cut.years == full.years[:shorter]
    assert np.allclose(cut.costs, full.costs[:, :shorter])


@settings(max_examples=80, deadline=None)
@given(buildings_strategy, st.integers(1950, 2100))
def test_soumu_building_total_is_bounded_by_its_events(
    buildings: list[BuildingInput], base_year: int
) -> None:
    # Within 40 years a 60-year cycle holds at most one rebuild and one major repair.
    p = project(buildings, SOUMU, base_year)
    for b, total in zip(buildings, p.costs.sum(axis=1), strict=True):
        unit = COSTS[b.cost_category]
        assert total <= b.floor_area_m2 * (unit.rebuild + unit.major_repair) * (1 + 1e-9) + 1e-6
