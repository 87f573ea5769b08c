"""The 40-year renewal projection for many synthetic buildings: geo.renewal (numpy, by
event over all buildings at once) beside the same rules written plainly in pandas (a row
per building per event built with iterrows, exploded to years, then a groupby), in the same
run, on the same buildings. Prints the median time of each, the peak memory (tracemalloc)
and whether both give the same totals per year and category; exits 1 if they do not.

    .venv/bin/python -m bench.planning.projection                 # 10,000 buildings, 5 runs
    .venv/bin/python -m bench.planning.projection --buildings 300 --repeat 1   # smoke
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from geo.renewal import BuildingInput, Scenario, project
from layers.planning.scenarios import scenarios

GRADES = np.array(["A", "B", "C", "D", ""], dtype=object)


def synthetic_buildings(n: int, seed: int) -> list[BuildingInput]:
    """A city's register, roughly: built 1950–2025 with a 1970s peak, 100–8,000 ㎡."""
    rng = np.random.default_rng(seed)
    categories = sorted(scenarios()[0].unit_costs)
    built = np.clip(rng.normal(1982, 14, n).round(), 1950, 2025).astype(int)
    area = np.clip(rng.lognormal(6.8, 0.9, n), 50, 20_000).round(1)
    category = rng.choice(categories, n)
    grade = rng.choice(GRADES, n, p=[0.2, 0.35, 0.25, 0.1, 0.1])
    pre = (built < 1981) & (rng.random(n) < 0.7)
    return [
        BuildingInput(
            building_id=i + 1,
            facility_id=i // 3 + 1,
            cost_category=str(category[i]),
            floor_area_m2=float(area[i]),
            built_year=int(built[i]),
            latest_grade=str(grade[i]) or None,
            seismic_standard="pre_1981" if pre[i] else "post_1981",
        )
        for i in range(n)
    ]


def numpy_totals(buildings: list[BuildingInput], s: Scenario, base: int) -> pd.DataFrame:
    result = project(buildings, s, base)
    frame = pd.DataFrame(result.by_category(), index=result.years).T
    frame.index.name = "category"
    return frame


def _events(row: Any, s: Scenario, base: int) -> list[tuple[str, int, int, float]]:
    """One building's events as the rules read: (category, first year, years, 万円)."""
    unit = s.unit_costs[row.cost_category]
    area = row.floor_area_m2
    rebuild = area * unit.rebuild
    repair = (
        area * unit.rebuild * s.major_repair_share_of_rebuild
        if s.major_repair_share_of_rebuild is not None
        else area * unit.major_repair
    )
    c, y, age = row.cost_category, row.built_year, base - row.built_year
    out: list[tuple[str, int, int, float]] = []
    if s.retrofit_cost_per_m2 and row.seismic_standard == "pre_1981":
        out.append((c, base, s.retrofit_years, area * s.retrofit_cost_per_m2))
    if age >= s.rebuild_age:
        out.append((c, base, s.backlog_years, rebuild))
        origin = base + s.backlog_years - 1
    else:
        for extra in s.extra_repairs:
            out.append((c, y + extra.age, extra.years, rebuild * extra.share_of_rebuild))
        if age <= s.major_repair_age:
            start = y + s.major_repair_age
            if row.latest_grade == "D" and s.condition_d_years is not None:
                start = min(start, base + s.condition_d_years)
            if row.latest_grade == "C" and s.condition_c_years is not None:
                start = min(start, base + s.condition_c_years)
            out.append((c, start, s.major_repair_years, repair))
        elif age <= s.backlog_repair_max_age:
            if row.latest_grade == "D" and s.condition_d_years is not None:
                out.append((c, base + s.condition_d_years, s.major_repair_years, repair))
            else:
                out.append((c, base, s.backlog_years, repair))
        out.append((c, y + s.rebuild_age, s.rebuild_years, rebuild))
        origin = y + s.rebuild_age
    while origin < base + s.horizon:
        for extra in s.extra_repairs:
            out.append((c, origin + extra.age, extra.years, rebuild * extra.share_of_rebuild))
        out.append((c, origin + s.major_repair_age, s.major_repair_years, repair))
        out.append((c, origin + s.rebuild_age, s.rebuild_years, rebuild))
        origin += s.rebuild_age
    return out


def pandas_totals(buildings: list[BuildingInput], s: Scenario, base: int) -> pd.DataFrame:
    frame = pd.DataFrame([_as_dict(b) for b in buildings])
    rows: list[tuple[str, int, int, float]] = []
    for _, row in frame.iterrows():
        rows.extend(_events(row, s, base))
    events = pd.DataFrame(rows, columns=["category", "start", "years", "amount"])
    events["year"] = [
        list(range(a, a + n)) for a, n in zip(events.start, events.years, strict=True)
    ]
    events["cost"] = events.amount / events.years
    per_year = events.explode("year")
    per_year["year"] = per_year.year.astype(int)
    inside = per_year[(per_year.year >= base) & (per_year.year < base + s.horizon)]
    table = inside.groupby(["category", "year"]).cost.sum().unstack(fill_value=0.0)
    return table.reindex(columns=range(base, base + s.horizon), fill_value=0.0)


def _as_dict(b: BuildingInput) -> dict[str, Any]:
    return {name: getattr(b, name) for name in BuildingInput.__slots__}


def measure(run: Callable[[], pd.DataFrame], repeat: int) -> tuple[float, float, pd.DataFrame]:
    times = []
    result = run()  # warm: imports and caches
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), peak / 2**20, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--buildings", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--base-year", type=int, default=2026)
    args = parser.parse_args(argv)
    buildings = synthetic_buildings(args.buildings, args.seed)
    print(f"{args.buildings} synthetic buildings (seed {args.seed}), base year {args.base_year}")
    print(f"{'scenario':<10} {'tool':<8} {'median s':>9} {'peak MiB':>9}  total 万円")
    failed = False
    for s in scenarios():
        ours = measure(partial(numpy_totals, buildings, s, args.base_year), args.repeat)
        plain = measure(partial(pandas_totals, buildings, s, args.base_year), args.repeat)
        a, b = ours[2].sort_index(), plain[2].sort_index()
        same = list(a.index) == list(b.index) and np.allclose(a.to_numpy(), b.to_numpy())
        failed |= not same
        for tool, (seconds, peak, table) in (("numpy", ours), ("pandas", plain)):
            total = float(table.to_numpy().sum())
            print(f"{s.code:<10} {tool:<8} {seconds:>9.4f} {peak:>9.1f}  {total:,.0f}")
        ratio = plain[0] / ours[0] if ours[0] else float("inf")
        verdict = "same totals per year and category" if same else "FAIL: totals differ"
        print(f"{'':<10} numpy is {ratio:.0f}× faster than plain pandas; {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
