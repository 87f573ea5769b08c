"""The renewal projection over the register (issue 19 §1): the in-use buildings with their
latest grade, run through geo.renewal under a scenario. Buildings the method cannot price
(no built year, floor area or cost category) are listed as not projected, never guessed."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.renewal import BuildingInput, Projection, Unprojected, moved_events, project
from layers.city.facilities import CostCategory
from layers.city.register import COST_CATEGORY_JA, SEISMIC_JA
from layers.planning.scenarios import scenario
from layers.store.refusals import Refused
from layers.store.settings import get_settings

# One colour per 大分類, fixed, so a category keeps its colour whichever others a scenario
# shows; the staff chart gets it with each category and the PDF uses the same. Colour-blind
# safe: Okabe–Ito, then Tol's muted.
CATEGORY_COLOURS: dict[str, str] = {
    # The seven Okabe–Ito colours for the categories most cities hold most of.
    CostCategory.school_education: "#0072B2",
    CostCategory.civic_culture: "#E69F00",
    CostCategory.childcare: "#009E73",
    CostCategory.social_education: "#CC79A7",
    CostCategory.administration: "#D55E00",
    CostCategory.health_welfare: "#F0E442",
    CostCategory.sports_recreation: "#56B4E9",
    # Tol's muted for the rest.
    CostCategory.public_housing: "#332288",
    CostCategory.industry: "#44AA99",
    CostCategory.medical: "#AA4499",
    CostCategory.park: "#999933",
    CostCategory.supply_treatment: "#88CCEE",
    CostCategory.other: "#882255",
}
OTHER_COLOUR = "#777777"  # a city's own category, if a scenario names one

BUILDING_LAYER = "facility_building"
BASE_YEAR_MIN, BASE_YEAR_MAX = 1950, 2100

# The latest inspection of a building kind (inspection_kind.subject_layer is the building
# layer: 12条 structure and services), graded by its worst part, or its overall grade when
# it grades no parts (letters sort A < B < C < D, so the worst is the greatest).
BUILDINGS_SQL = f"""
SELECT b.id AS building_id, b.facility_id, f.name AS facility_name, b.name AS building_name,
       b.cost_category::text AS cost_category, b.floor_area_m2, b.built_year,
       b.seismic_standard::text AS seismic_standard, latest.grade AS latest_grade,
       latest.inspected_on
FROM facility_building b JOIN facility f ON f.id = b.facility_id
LEFT JOIN LATERAL (
  SELECT GREATEST(i.overall_grade::text,
                  (SELECT max(p.grade::text) FROM inspection_part_grade p
                   WHERE p.inspection_id = i.id)) AS grade,
         i.inspected_on
  FROM inspection i
  JOIN inspection_kind k ON k.code = i.kind AND k.subject_layer = '{BUILDING_LAYER}'
  WHERE i.subject_layer = '{BUILDING_LAYER}' AND i.subject_id = b.id
  ORDER BY i.inspected_on DESC, i.id DESC LIMIT 1) latest ON true
WHERE b.in_use
ORDER BY b.facility_id, b.id"""


@dataclass(frozen=True)
class BuildingRow:
    """A register row as the projection reads it, names included for tables and files."""

    building_id: int
    facility_id: int
    facility_name: str
    building_name: str
    cost_category: str | None
    floor_area_m2: float | None
    built_year: int | None
    seismic_standard: str
    latest_grade: str | None

    def missing(self) -> tuple[str, ...]:
        return tuple(
            name
            for name, value in (
                ("built_year", self.built_year),
                ("floor_area_m2", self.floor_area_m2),
                ("cost_category", self.cost_category),
            )
            if value is None
        )

    def input(self) -> BuildingInput:
        assert not self.missing(), self.missing()
        assert self.cost_category and self.floor_area_m2 is not None and self.built_year is not None
        return BuildingInput(
            building_id=self.building_id,
            facility_id=self.facility_id,
            cost_category=self.cost_category,
            floor_area_m2=float(self.floor_area_m2),
            built_year=int(self.built_year),
            latest_grade=self.latest_grade,
            seismic_standard=self.seismic_standard,
        )


def building_rows(session: Session) -> list[BuildingRow]:
    return [
        BuildingRow(
            building_id=r["building_id"],
            facility_id=r["facility_id"],
            facility_name=r["facility_name"],
            building_name=r["building_name"],
            cost_category=r["cost_category"],
            floor_area_m2=r["floor_area_m2"],
            built_year=r["built_year"],
            seismic_standard=r["seismic_standard"],
            latest_grade=r["latest_grade"],
        )
        for r in session.execute(text(BUILDINGS_SQL)).mappings()
    ]


def building_inputs(session: Session) -> list[BuildingInput]:
    return [row.input() for row in building_rows(session) if not row.missing()]


def check_base_year(base_year: Any) -> int:
    if (
        not isinstance(base_year, int)
        or isinstance(base_year, bool)
        or not BASE_YEAR_MIN <= base_year <= BASE_YEAR_MAX
    ):
        raise Refused(
            f"基準年度は{BASE_YEAR_MIN}〜{BASE_YEAR_MAX}の整数で指定してください",
            f"base_year must be a whole year from {BASE_YEAR_MIN} to {BASE_YEAR_MAX}",
            status=422,
            parameter="base_year",
        )
    return base_year


def project_rows(rows: list[BuildingRow], scenario_code: str, base_year: int) -> Projection:
    check_base_year(base_year)
    chosen = scenario(scenario_code)
    complete = [row for row in rows if not row.missing()]
    result = project([row.input() for row in complete], chosen, base_year)
    result.not_projected = [
        Unprojected(row.building_id, row.facility_id, row.missing())
        for row in rows
        if row.missing()
    ]
    return result


def run(session: Session, scenario_code: str, base_year: int) -> Projection:
    return project_rows(building_rows(session), scenario_code, base_year)


def run_with_rows(
    session: Session, scenario_code: str, base_year: int
) -> tuple[Projection, list[BuildingRow]]:
    rows = building_rows(session)
    return project_rows(rows, scenario_code, base_year), rows


def facility_totals(session: Session, scenario_code: str, base_year: int) -> dict[int, float]:
    """facility_id -> the 40-year cost of its in-use buildings (万円): what closing it saves.
    Facilities with no projectable building are absent."""
    result = run(session, scenario_code, base_year)
    totals: dict[int, float] = {}
    for building, cost in zip(result.buildings, result.costs.sum(axis=1), strict=True):
        totals[building.facility_id] = totals.get(building.facility_id, 0.0) + float(cost)
    return totals


# -- tables ---------------------------------------------------------------------------------

BUILDING_HEADER = (
    "建物ID",
    "施設ID",
    "施設名",
    "建物名",
    "費用分類",
    "延床面積(㎡)",
    "建築年度",
    "最新劣化度",
    "耐震",
)


def man_yen(value: float) -> str:
    """万円 to two decimals without float noise in the files (1333.33, 1250)."""
    text_value = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text_value in ("-0", "") else text_value


def category_ja(code: str | None) -> str:
    return COST_CATEGORY_JA.get(code, code or "") if code else ""  # type: ignore[call-overload]


def building_csv(result: Projection, rows: list[BuildingRow]) -> str:
    """One row per projected building: the inputs used and its cost per fiscal year (万円),
    UTF-8 text with a BOM (the spreadsheet the department keeps opens it as it is)."""
    by_id = {row.building_id: row for row in rows}
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*BUILDING_HEADER, *(str(y) for y in result.years), "合計"])
    for building, costs in zip(result.buildings, result.costs, strict=True):
        row = by_id[building.building_id]
        writer.writerow(
            [
                building.building_id,
                building.facility_id,
                row.facility_name,
                row.building_name,
                category_ja(building.cost_category),
                man_yen(building.floor_area_m2),
                building.built_year,
                building.latest_grade or "",
                SEISMIC_JA.get(building.seismic_standard, building.seismic_standard),  # type: ignore[call-overload]
                *(man_yen(float(c)) for c in costs),
                man_yen(float(costs.sum())),
            ]
        )
    return out.getvalue()


def category_csv(result: Projection) -> str:
    """One row per fiscal year: the cost per category, the total and the budget line."""
    categories = result.by_category()
    budget = get_settings().planning_budget_man_yen
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["年度", *(category_ja(c) for c in categories), "合計", "予算"])
    yearly = result.yearly()
    for i, year in enumerate(result.years):
        writer.writerow(
            [
                year,
                *(man_yen(float(v[i])) for v in categories.values()),
                man_yen(float(yearly[i])),
                man_yen(budget),
            ]
        )
    return out.getvalue()


def summary(result: Projection) -> dict[str, Any]:
    """The figures the page, the PDF and the command print (万円)."""
    s = result.scenario
    return {
        "scenario": {
            "code": s.code,
            "name_ja": s.name_ja,
            "name_en": s.name_en,
            "description_ja": s.description_ja,
            "description_en": s.description_en,
        },
        "base_year": result.base_year,
        "years": result.years,
        "categories": [
            {
                "code": code,
                "name_ja": category_ja(code),
                "colour": CATEGORY_COLOURS.get(code, OTHER_COLOUR),
                "costs": [round(float(v), 2) for v in values],
            }
            for code, values in result.by_category().items()
        ],
        "yearly": [round(float(v), 2) for v in result.yearly()],
        "total": round(result.total(), 2),
        "yearly_average": round(result.yearly_average(), 2),
        "budget": get_settings().planning_budget_man_yen,
        "building_count": len(result.buildings),
        "not_projected": {
            "count": len(result.not_projected),
            "buildings": [
                {
                    "building_id": u.building_id,
                    "facility_id": u.facility_id,
                    "missing": list(u.reasons),
                }
                for u in result.not_projected
            ],
        },
    }


def comparison(first: Projection, second: Projection, rows: list[BuildingRow]) -> dict[str, Any]:
    """The second scenario against the first: the difference per year and in total, and the
    buildings whose events move (named, with the years before and after)."""
    by_id = {row.building_id: row for row in rows}
    moved = moved_events(first, second)
    first_totals, second_totals = first.building_totals(), second.building_totals()
    for entry in moved:
        row = by_id[int(entry["building_id"])]  # type: ignore[call-overload]
        entry["facility_name"] = row.facility_name
        entry["building_name"] = row.building_name
        entry["difference"] = round(
            second_totals[row.building_id] - first_totals[row.building_id], 2
        )
    return {
        "yearly": [round(float(v), 2) for v in second.yearly() - first.yearly()],
        "total": round(second.total() - first.total(), 2),
        "yearly_average": round(second.yearly_average() - first.yearly_average(), 2),
        "moved": moved,
    }
