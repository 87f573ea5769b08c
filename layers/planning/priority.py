"""What to renew first: every in-use building ranked by a score made of parts a councillor
can check, each 0-100 with the inputs it came from.

- condition: 100 − 健全度, the 健全度 from the part grades of the latest 12条 inspection
  (敷地・構造) of the building or, failing that, of its facility: A=100, B=75, C=40, D=10,
  Σ(score × weight) ÷ Σ weights of the graded parts (weights: a setting, DOMAIN.md §2); an
  inspection without graded parts counts by its overall grade;
- seismic: 100 for 旧耐震 not retrofitted (pre_1981, or unknown and built before 1981);
- age: age ÷ the rebuild age of the 総務省 scenario (layers.planning.scenarios), capped
  at 100;
- exposure: 100 when the facility stands inside a flood (or tsunami) area of the hazard
  layer;
- use: people served (layers.planning.coverage.people_served) ÷ the most any facility of
  its kind group serves, for the kind groups of the building's site (a school that is
  also a 指定避難所 counts as a shelter); sites coverage does not cover have no use part
  ("—"); with no population table loaded, the use part is left out too and says so.

The 要配慮者利用施設 flood levels are not part of exposure: no demo or open dataset the city
loads carries them yet.

A part whose input is unknown (no inspection; no built year; seismic standard unknown and
no built year) scores the unknown setting
and says so; a part that does not apply (use, for a school) is left out and the others'
weights share its place. The total is the weighted mean of the parts; ties go to the
lower building id, so the order is stable."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from layers.city.buildings import SEISMIC_CUTOFF_FISCAL_YEAR
from layers.city.hazards import HazardKind
from layers.inspections.model import InspectionKind
from layers.inspections.school_routes.spreadsheet import text_cell
from layers.planning import coverage, scenarios
from layers.store.settings import Settings, get_settings

PARTS = ("condition", "seismic", "age", "exposure", "use")
GRADE_SCORES = {"A": 100.0, "B": 75.0, "C": 40.0, "D": 10.0}
# The cycle a building's age is measured against: the 総務省 scenario's (a city's scenario
# file may change it).
CYCLE_SCENARIO = "soumu"
# Areas that flood: the city's 浸水履歴 (a tsunami area, once a city loads one as a hazard
# kind, joins this list).
EXPOSURE_KINDS = (HazardKind.flood_history.value,)
# Facility kinds to the kind groups coverage counts people for (its distance settings).
USE_GROUPS = {
    "community_center": "community_center",
    "kominkan": "community_center",
    "shelter": "shelter",
}

GROUP_NAMES = {
    "community_center": ("住民センター・公民館", "community centre"),
    "shelter": ("指定避難所", "shelter"),
}
PART_NAMES = {
    "condition": ("劣化（健全度）", "condition (health)"),
    "seismic": ("耐震", "seismic"),
    "age": ("経過年数", "age"),
    "exposure": ("災害リスク（浸水）", "exposure (flooding)"),
    "use": ("利用（人口）", "use (people served)"),
}

BUILDINGS = text(
    """
SELECT b.id, b.name, b.built_year, b.seismic_standard::text AS seismic,
    b.retrofit_year, b.floor_area_m2, f.id AS facility_id, f.name AS facility_name,
    f.kind::text AS facility_kind, d.id AS district_id, d.name AS district_name,
    last.inspected_on, last.overall_grade::text AS overall_grade, last.grades,
    coalesce(wet.titles, '{}') AS flood_areas, site.ids AS site_ids, site.kinds AS site_kinds,
    coalesce(chain.ids, '{}') AS district_chain
FROM facility_building b
JOIN facility f ON f.id = b.facility_id
LEFT JOIN district d ON d.id = f.district_id
LEFT JOIN LATERAL (
    WITH RECURSIVE up(id, parent_id, depth) AS (
        SELECT d.id, d.parent_id, 0
        UNION ALL
        SELECT p.id, p.parent_id, up.depth + 1 FROM district p JOIN up ON p.id = up.parent_id
        WHERE up.depth < 10
    )
    SELECT array_agg(id) AS ids FROM up WHERE id IS NOT NULL
) chain ON true
LEFT JOIN LATERAL (
    SELECT i.inspected_on, i.overall_grade,
        (SELECT coalesce(jsonb_object_agg(g.part, g.grade), '{}')
         FROM inspection_part_grade g WHERE g.inspection_id = i.id) AS grades
    FROM inspection i
    WHERE i.kind = :kind
      AND ((i.subject_layer = 'facility_building' AND i.subject_id = b.id)
        OR (i.subject_layer = 'facility' AND i.subject_id = f.id))
    ORDER BY i.inspected_on DESC, i.id DESC
    LIMIT 1
) last ON true
LEFT JOIN LATERAL (
    SELECT array_agg(DISTINCT h.title ORDER BY h.title) AS titles
    FROM hazard h
    WHERE h.kind::text = ANY(:exposure) AND h.status <> 'resolved'
      AND ST_Intersects(h.geom, f.geom)
) wet ON true
CROSS JOIN LATERAL (
    SELECT array_agg(s.id ORDER BY s.id) AS ids, array_agg(s.kind::text ORDER BY s.id) AS kinds
    FROM facility s WHERE coalesce(s.site_id, s.id) = coalesce(f.site_id, f.id)
) site
WHERE b.in_use
ORDER BY b.id
"""
)


@dataclass(frozen=True)
class Part:
    """One part of a score: ``score`` 0-100, or None when the part does not apply (left
    out of the total); ``known`` False when the input was missing and the unknown setting
    stood in; ``inputs`` what it was computed from; ``value_ja``/``value_en`` in words."""

    code: str
    score: float | None
    weight: float
    known: bool
    inputs: dict[str, Any]
    value_ja: str
    value_en: str

    def json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name_ja": PART_NAMES[self.code][0],
            "name_en": PART_NAMES[self.code][1],
            "score": self.score,
            "weight": self.weight,
            "known": self.known,
            "inputs": self.inputs,
            "value_ja": self.value_ja,
            "value_en": self.value_en,
        }


@dataclass(frozen=True)
class PriorityRow:
    rank: int
    building_id: int
    building_name: str
    facility_id: int
    facility_name: str
    facility_kind: str
    district_id: int | None
    district_name: str | None
    parts: tuple[Part, ...]
    total: float
    reasons_ja: tuple[str, ...] = field(default=())
    reasons_en: tuple[str, ...] = field(default=())
    # The district and those containing it: a filter on a 地区 finds its 自治会's buildings.
    district_chain: tuple[int, ...] = field(default=())

    def part(self, code: str) -> Part:
        return next(p for p in self.parts if p.code == code)

    def json(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "building_id": self.building_id,
            "building_name": self.building_name,
            "facility_id": self.facility_id,
            "facility_name": self.facility_name,
            "facility_kind": self.facility_kind,
            "district_id": self.district_id,
            "district_name": self.district_name,
            "total": self.total,
            "parts": [p.json() for p in self.parts],
            "reasons_ja": list(self.reasons_ja),
            "reasons_en": list(self.reasons_en),
        }


def health(grades: Mapping[str, str], weights: Mapping[str, float]) -> float | None:
    """健全度 of the graded parts that have a weight; None when none of them is graded."""
    graded = [(GRADE_SCORES[g], weights[p]) for p, g in grades.items() if p in weights]
    total = sum(w for _, w in graded)
    if not graded or total <= 0:
        return None
    return sum(s * w for s, w in graded) / total


def _round(value: float) -> float:
    return round(value, 1)


def _condition(row: Any, settings: Settings, weight: float) -> Part:
    grades = dict(row.grades or {})
    weights = settings.planning_condition_weights
    if row.inspected_on is None:
        return Part(
            "condition",
            settings.planning_unknown_score,
            weight,
            False,
            {"inspected_on": None, "grades": {}, "health": None},
            "12条点検の記録なし（不明）",
            "no 12条 inspection on record (unknown)",
        )
    value = health(grades, weights)
    basis = "parts"
    if value is None:
        value, basis = GRADE_SCORES[row.overall_grade], "overall"
    day = row.inspected_on.isoformat()
    inputs = {
        "inspected_on": day,
        "grades": {p: grades[p] for p in weights if p in grades},
        "overall_grade": row.overall_grade,
        "health": _round(value),
        "basis": basis,
    }
    return Part(
        "condition",
        _round(100 - value),
        weight,
        True,
        inputs,
        f"健全度 {value:.0f}（{day} 点検）",
        f"health {value:.0f} (inspected {day})",
    )


def _seismic(row: Any, weight: float, unknown: float) -> Part:
    standard, year = row.seismic, row.built_year
    inputs = {"seismic_standard": standard, "built_year": year, "retrofit_year": row.retrofit_year}
    if standard == "unknown" and year is None:
        return Part("seismic", unknown, weight, False, inputs, "不明", "unknown")
    old = standard == "pre_1981" or (
        standard == "unknown" and year is not None and year < SEISMIC_CUTOFF_FISCAL_YEAR
    )
    if old:
        ja, en = "旧耐震・未補強", "pre-1981 standard, not retrofitted"
    elif standard == "retrofitted":
        ja, en = f"耐震補強済（{row.retrofit_year or '年不明'}）", "retrofitted"
    elif standard == "post_1981":
        ja, en = "新耐震", "post-1981 standard"
    else:
        ja, en = "該当なし", "not applicable"
    return Part("seismic", 100.0 if old else 0.0, weight, True, inputs, ja, en)


def _age(row: Any, base_year: int, rebuild_age: int, weight: float, unknown: float) -> Part:
    if row.built_year is None:
        inputs = {"built_year": None, "age": None, "rebuild_age": rebuild_age}
        return Part("age", unknown, weight, False, inputs, "建築年度不明", "built year unknown")
    age = max(base_year - row.built_year, 0)
    score = _round(min(100.0, 100.0 * age / rebuild_age))
    inputs = {"built_year": row.built_year, "age": age, "rebuild_age": rebuild_age}
    return Part(
        "age",
        score,
        weight,
        True,
        inputs,
        f"築{age}年（建替え目安 {rebuild_age}年）",
        f"{age} years old (rebuild at {rebuild_age})",
    )


def _exposure(row: Any, weight: float) -> Part:
    areas = list(row.flood_areas)
    inputs = {"hazard_kinds": list(EXPOSURE_KINDS), "areas": areas}
    if areas:
        shown = "、".join(areas[:3]) + ("ほか" if len(areas) > 3 else "")
        return Part(
            "exposure",
            100.0,
            weight,
            True,
            inputs,
            f"浸水区域内（{shown}）",
            f"inside {len(areas)} flood area(s)",
        )
    return Part("exposure", 0.0, weight, True, inputs, "浸水区域外", "outside flood areas")


def _use(row: Any, served: Mapping[str, Mapping[int, int]], weight: float) -> Part:
    """The kind group where the building's site matters most: a school that is also a
    指定避難所 counts by the people it would shelter."""
    best: Part | None = None
    for group in dict.fromkeys(USE_GROUPS[k] for k in row.site_kinds if k in USE_GROUPS):
        people_by_facility = served.get(group, {})
        most = max(people_by_facility.values(), default=0)
        ja, en = GROUP_NAMES[group]
        if most <= 0:
            # No population table loaded (or nobody in it): nothing to weigh the use by.
            unloaded: dict[str, Any] = {"group": group, "people": None, "most": None}
            part = Part(
                "use", None, weight, False, unloaded, "人口データなし", "no population data"
            )
            best = best or part
            continue
        people = next((people_by_facility[i] for i in row.site_ids if i in people_by_facility), 0)
        score = _round(100.0 * people / most)
        inputs = {"group": group, "people": people, "most": most}
        part = Part(
            "use",
            score,
            weight,
            True,
            inputs,
            f"{ja}として{people:,}人が最寄り（最多 {most:,}人）",
            f"nearest {en} for {people:,} people (most: {most:,})",
        )
        if best is None or best.score is None or (part.score or 0) > best.score:
            best = part
    if best is None:
        none: dict[str, Any] = {"group": None, "people": None, "most": None}
        return Part("use", None, weight, True, none, "—", "—")
    return best


def total(parts: tuple[Part, ...]) -> float:
    counted = [(p.score, p.weight) for p in parts if p.score is not None]
    weights = sum(w for _, w in counted)
    if weights <= 0:
        return 0.0
    return _round(sum(s * w for s, w in counted if s is not None) / weights)


def _reasons(parts: tuple[Part, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The parts that raise the score, the weightiest first, in words."""
    raising = sorted(
        (p for p in parts if p.score and p.score > 0 and p.weight > 0),
        key=lambda p: (-(p.score or 0) * p.weight, PARTS.index(p.code)),
    )
    ja = tuple(f"{PART_NAMES[p.code][0]}: {p.value_ja}" for p in raising)
    en = tuple(f"{PART_NAMES[p.code][1]}: {p.value_en}" for p in raising)
    return ja, en


def _served(session: Session) -> dict[str, dict[int, int]]:
    return {group: coverage.people_served(session, group) for group in set(USE_GROUPS.values())}


def ranking(
    session: Session, base_year: int, *, settings: Settings | None = None
) -> list[PriorityRow]:
    settings = settings or get_settings()
    weights = {p: float(settings.planning_priority_weights.get(p, 0.0)) for p in PARTS}
    found = session.execute(
        BUILDINGS,
        {"kind": InspectionKind.building_article12.value, "exposure": list(EXPOSURE_KINDS)},
    ).all()
    served = _served(session) if found else {}
    rebuild_age = scenarios.scenario(CYCLE_SCENARIO).rebuild_age
    scored = []
    for row in found:
        parts = (
            _condition(row, settings, weights["condition"]),
            _seismic(row, weights["seismic"], settings.planning_unknown_score),
            _age(row, base_year, rebuild_age, weights["age"], settings.planning_unknown_score),
            _exposure(row, weights["exposure"]),
            _use(row, served, weights["use"]),
        )
        scored.append((total(parts), row, parts))
    scored.sort(key=lambda s: (-s[0], s[1].id))
    rows = []
    for rank, (score, row, parts) in enumerate(scored, start=1):
        ja, en = _reasons(parts)
        rows.append(
            PriorityRow(
                rank=rank,
                building_id=row.id,
                building_name=row.name,
                facility_id=row.facility_id,
                facility_name=row.facility_name,
                facility_kind=row.facility_kind,
                district_id=row.district_id,
                district_name=row.district_name,
                parts=parts,
                total=score,
                reasons_ja=ja,
                reasons_en=en,
                district_chain=tuple(row.district_chain),
            )
        )
    return rows


CSV_HEADER = (
    "順位 rank",
    "棟ID building_id",
    "棟 building",
    "施設ID facility_id",
    "施設 facility",
    "施設種別 kind",
    "地区 district",
    *(f"{PART_NAMES[p][0]} {p}" for p in PARTS),
    *(f"{PART_NAMES[p][0]}の根拠 {p}_input" for p in PARTS),
    "合計 total",
    "理由 reasons",
)


def csv_lines(rows: list[PriorityRow]) -> Iterator[str]:
    """UTF-8 with BOM (Excel opens it as Japanese), one building a line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow(
            (
                row.rank,
                row.building_id,
                text_cell(row.building_name),
                row.facility_id,
                text_cell(row.facility_name),
                row.facility_kind,
                text_cell(row.district_name or ""),
                *("" if row.part(p).score is None else row.part(p).score for p in PARTS),
                *(text_cell(row.part(p).value_ja) for p in PARTS),
                row.total,
                text_cell(" / ".join(row.reasons_ja)),
            )
        )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
