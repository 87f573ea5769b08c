"""The 40-year renewal cost projection (総務省「公共施設等更新費用試算ソフト」 method, issue 19
§1, DOMAIN.md §1), vectorised over buildings with numpy.

Rules of the default method, every number a field of `Scenario`:
- horizon: fiscal years B … B+horizon-1; a building of built year y has age t - y in year t
  and a0 = B - y in the base year;
- a major repair at `major_repair_age` spread evenly over `major_repair_years`; a rebuild at
  `rebuild_age` over `rebuild_years`, after which the building counts as built in
  y + rebuild_age and the cycle repeats;
- backlog (積み残し): major_repair_age < a0 <= backlog_repair_max_age spreads the missed
  major repair over the first `backlog_years` and no other major repair comes before the
  rebuild; backlog_repair_max_age < a0 < rebuild_age has no major repair; a0 >= rebuild_age
  spreads the rebuild over the first `backlog_years` and the building then counts as built
  in B + backlog_years - 1;
- only the parts inside the horizon count.
Beyond the spreadsheet (other scenarios): extra repairs at an age as a share of the rebuild
cost (中規模修繕), the major repair as a share of the rebuild cost (長寿命化改修), the
condition rules (grade D brings the next major repair to the base year, C to at most
`condition_c_years` after it) and a seismic retrofit for 旧耐震 buildings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, model_validator

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

GRADES = ("A", "B", "C", "D")
PRE_1981 = "pre_1981"  # SeismicStandard.pre_1981: 旧耐震, not retrofitted

# Event kinds, in the order of `Projection.event_kind` codes.
EVENT_KINDS = ("major_repair", "rebuild", "backlog_repair", "backlog_rebuild", "extra", "retrofit")
MAJOR_REPAIR, REBUILD, BACKLOG_REPAIR, BACKLOG_REBUILD, EXTRA, RETROFIT = range(6)


class UnitCost(BaseModel):
    """万円 per ㎡ of floor area."""

    model_config = ConfigDict(frozen=True)

    rebuild: float = Field(ge=0)
    major_repair: float = Field(ge=0)


class ExtraRepair(BaseModel):
    """A repair at an age of each cycle costing a share of the rebuild cost (中規模修繕)."""

    model_config = ConfigDict(frozen=True)

    name_ja: str
    name_en: str
    age: int = Field(ge=1, le=200)
    share_of_rebuild: float = Field(ge=0, le=5)
    years: int = Field(default=1, ge=1, le=20)


class Scenario(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    name_ja: str
    name_en: str
    description_ja: str = ""
    description_en: str = ""
    unit_costs: dict[str, UnitCost]
    horizon: int = Field(default=40, ge=1, le=100)
    major_repair_age: int = Field(default=30, ge=1, le=200)
    major_repair_years: int = Field(default=2, ge=1, le=20)
    # None: the category's major_repair unit cost; a number: that share of its rebuild cost.
    major_repair_share_of_rebuild: float | None = Field(default=None, ge=0, le=5)
    rebuild_age: int = Field(default=60, ge=2, le=200)
    rebuild_years: int = Field(default=3, ge=1, le=20)
    backlog_years: int = Field(default=10, ge=1, le=40)
    backlog_repair_max_age: int = Field(default=50, ge=1, le=200)
    extra_repairs: tuple[ExtraRepair, ...] = ()
    # Years after the base year by which the next major repair starts, per latest grade;
    # None keeps the cycle.
    condition_d_years: int | None = Field(default=None, ge=0, le=40)
    condition_c_years: int | None = Field(default=None, ge=0, le=40)
    retrofit_cost_per_m2: float = Field(default=0.0, ge=0)
    retrofit_years: int = Field(default=3, ge=1, le=20)
    sources: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _ordered(self) -> Scenario:
        if not self.major_repair_age < self.backlog_repair_max_age < self.rebuild_age:
            raise ValueError(
                "need major_repair_age < backlog_repair_max_age < rebuild_age "
                f"({self.major_repair_age}, {self.backlog_repair_max_age}, {self.rebuild_age})"
            )
        for extra in self.extra_repairs:
            if extra.age >= self.rebuild_age:
                raise ValueError(f"extra repair at {extra.age} is not before the rebuild")
        return self


@dataclass(frozen=True, slots=True)
class BuildingInput:
    building_id: int
    facility_id: int
    cost_category: str
    floor_area_m2: float
    built_year: int
    latest_grade: str | None = None
    seismic_standard: str = "unknown"


@dataclass(frozen=True, slots=True)
class Unprojected:
    """A building the projection leaves out, and why (missing built year, area, category)."""

    building_id: int
    facility_id: int
    reasons: tuple[str, ...]


@dataclass
class Projection:
    scenario: Scenario
    base_year: int
    years: list[int]
    costs: FloatArray  # (n_buildings, horizon), 万円
    buildings: list[BuildingInput]
    # One entry per event that touches the horizon: row, kind code, first year, years.
    event_row: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    event_kind: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    event_start: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    not_projected: list[Unprojected] = field(default_factory=list)

    def total(self) -> float:
        return float(self.costs.sum())

    def yearly_average(self) -> float:
        return self.total() / len(self.years) if self.years else 0.0

    def yearly(self) -> FloatArray:
        return np.asarray(self.costs.sum(axis=0), dtype=np.float64)

    def by_category(self) -> dict[str, FloatArray]:
        categories = np.array([b.cost_category for b in self.buildings], dtype=object)
        out: dict[str, FloatArray] = {}
        for category in sorted(set(categories.tolist())):
            out[category] = np.asarray(
                self.costs[categories == category].sum(axis=0), dtype=np.float64
            )
        return out

    def building_totals(self) -> dict[int, float]:
        totals = self.costs.sum(axis=1)
        return {b.building_id: float(t) for b, t in zip(self.buildings, totals, strict=True)}

    def events(self) -> dict[int, list[tuple[str, int]]]:
        """building_id -> [(kind, first year)], in year order."""
        out: dict[int, list[tuple[str, int]]] = {b.building_id: [] for b in self.buildings}
        order = np.lexsort((self.event_kind, self.event_start, self.event_row))
        for i in order:
            building = self.buildings[int(self.event_row[i])]
            out[building.building_id].append(
                (EVENT_KINDS[int(self.event_kind[i])], int(self.event_start[i]))
            )
        return out


class _Builder:
    """Adds evenly spread costs to the (building, year) matrix and records the events."""

    def __init__(self, n: int, base_year: int, horizon: int) -> None:
        self.costs = np.zeros((n, horizon), dtype=np.float64)
        self.base_year, self.horizon = base_year, horizon
        self.rows = np.arange(n, dtype=np.int64)
        self.events: list[tuple[IntArray, int, IntArray]] = []

    def spread(
        self,
        mask: npt.NDArray[np.bool_],
        start: IntArray,
        years: int,
        amount: FloatArray,
        kind: int,
    ) -> None:
        offset = start - self.base_year
        touches = mask & (offset + years > 0) & (offset < self.horizon) & (amount > 0)
        if not touches.any():
            return
        rows, offset, share = self.rows[touches], offset[touches], amount[touches] / years
        for j in range(years):
            column = offset + j
            inside = (column >= 0) & (column < self.horizon)
            # Each row appears once per call, so plain fancy-index addition is exact.
            self.costs[rows[inside], column[inside]] += share[inside]
        self.events.append((rows, kind, start[touches]))


def project(buildings: Sequence[BuildingInput], scenario: Scenario, base_year: int) -> Projection:
    s, n, horizon = scenario, len(buildings), scenario.horizon
    unknown = {b.cost_category for b in buildings} - set(s.unit_costs)
    if unknown:
        raise ValueError(f"scenario {s.code} has no unit cost for {sorted(unknown)}")
    area = np.fromiter((b.floor_area_m2 for b in buildings), dtype=np.float64, count=n)
    built = np.fromiter((b.built_year for b in buildings), dtype=np.int64, count=n)
    if n and (area < 0).any():
        raise ValueError("floor area must not be negative")
    rebuild_unit = np.fromiter(
        (s.unit_costs[b.cost_category].rebuild for b in buildings), dtype=np.float64, count=n
    )
    repair_unit = (
        rebuild_unit * s.major_repair_share_of_rebuild
        if s.major_repair_share_of_rebuild is not None
        else np.fromiter(
            (s.unit_costs[b.cost_category].major_repair for b in buildings),
            dtype=np.float64,
            count=n,
        )
    )
    grade = np.array([b.latest_grade or "" for b in buildings], dtype=object)
    pre_1981 = np.array([b.seismic_standard == PRE_1981 for b in buildings], dtype=bool)
    rebuild_cost, repair_cost = area * rebuild_unit, area * repair_unit

    a0 = base_year - built
    life = s.rebuild_age
    repair_backlog = (a0 > s.major_repair_age) & (a0 <= s.backlog_repair_max_age)
    rebuild_backlog = a0 >= life
    normal = a0 <= s.major_repair_age
    base = np.full(n, base_year, dtype=np.int64)
    everyone = np.ones(n, dtype=bool)
    out = _Builder(n, base_year, horizon)

    # The next major repair, moved earlier by the condition rules.
    first_repair = built + s.major_repair_age
    urgent = np.zeros(n, dtype=bool)
    if s.condition_d_years is not None:
        is_d = grade == "D"
        urgent = is_d & repair_backlog
        first_repair = np.where(
            is_d & normal, np.minimum(first_repair, base_year + s.condition_d_years), first_repair
        )
    if s.condition_c_years is not None:
        is_c = grade == "C"
        first_repair = np.where(
            is_c & normal, np.minimum(first_repair, base_year + s.condition_c_years), first_repair
        )
    # A D building with a missed repair has it done now, not spread over the backlog years.
    d_start = base + (s.condition_d_years or 0)
    out.spread(urgent, d_start, s.major_repair_years, repair_cost, MAJOR_REPAIR)
    out.spread(repair_backlog & ~urgent, base, s.backlog_years, repair_cost, BACKLOG_REPAIR)
    out.spread(rebuild_backlog, base, s.backlog_years, rebuild_cost, BACKLOG_REBUILD)
    if s.retrofit_cost_per_m2 > 0:
        out.spread(pre_1981, base, s.retrofit_years, area * s.retrofit_cost_per_m2, RETROFIT)

    # The first cycle (from the built year), then whole cycles until past the horizon.
    in_first = ~rebuild_backlog
    for extra in s.extra_repairs:
        out.spread(
            in_first, built + extra.age, extra.years, rebuild_cost * extra.share_of_rebuild, EXTRA
        )
    out.spread(normal, first_repair, s.major_repair_years, repair_cost, MAJOR_REPAIR)
    out.spread(in_first, built + life, s.rebuild_years, rebuild_cost, REBUILD)
    origin = np.where(rebuild_backlog, base_year + s.backlog_years - 1, built + life)
    last_year = base_year + horizon - 1
    while (origin <= last_year).any():
        for extra in s.extra_repairs:
            out.spread(
                everyone,
                origin + extra.age,
                extra.years,
                rebuild_cost * extra.share_of_rebuild,
                EXTRA,
            )
        out.spread(
            everyone, origin + s.major_repair_age, s.major_repair_years, repair_cost, MAJOR_REPAIR
        )
        out.spread(everyone, origin + life, s.rebuild_years, rebuild_cost, REBUILD)
        origin = origin + life

    if out.events:
        event_row = np.concatenate([rows for rows, _, _ in out.events])
        event_kind = np.concatenate(
            [np.full(len(rows), kind, dtype=np.int64) for rows, kind, _ in out.events]
        )
        event_start = np.concatenate([start for _, _, start in out.events])
    else:
        event_row = event_kind = event_start = np.zeros(0, dtype=np.int64)
    return Projection(
        scenario=s,
        base_year=base_year,
        years=list(range(base_year, base_year + horizon)),
        costs=out.costs,
        buildings=list(buildings),
        event_row=event_row,
        event_kind=event_kind,
        event_start=event_start,
    )


def moved_events(before: Projection, after: Projection) -> list[dict[str, object]]:
    """The buildings whose events differ between two projections of the same buildings:
    per building, the events only in the first (from) and only in the second (to)."""
    first, second = before.events(), after.events()
    out: list[dict[str, object]] = []
    for building in before.buildings:
        a = first.get(building.building_id, [])
        b = second.get(building.building_id, [])
        if a == b:
            continue
        out.append(
            {
                "building_id": building.building_id,
                "facility_id": building.facility_id,
                "from": [{"kind": k, "year": y} for k, y in a if (k, y) not in b],
                "to": [{"kind": k, "year": y} for k, y in b if (k, y) not in a],
            }
        )
    return out
