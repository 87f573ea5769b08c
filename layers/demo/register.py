"""The demo's facility register and a year of inspections (synthetic; no open data gives
them): a building per 住民センター, 公民館, school, library, nursery and shelter built from
the facility's (generated) building attributes, schools with a gymnasium besides; play
equipment in the parks that 公園一覧 lists it for (the real 設置遊具 names, placed a few
metres from the park's point); then inspections of every kind with an interval, some overdue
and two pieces of play equipment closed (使用禁止).

Dates are fixed, so the same install gives the same records; which of them are overdue
depends on the day the demo is looked at, as it would in a city."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import psycopg

SEED = 20261207
PARTS = {
    "building_article12": ("roof", "exterior_wall", "interior", "electrical", "mechanical"),
    "building_equipment": ("electrical", "mechanical", "elevator", "fire_protection"),
}
KIND_DEPARTMENTS = {
    "building_article12": "assets",
    "building_equipment": "assets",
    "playground": "parks",
    "streetlight": "civic",
    "school_route": "school_education",
}
FINDINGS = {
    "A": "概ね良好。",
    "B": "外壁の一部に汚れ・軽微なひび割れ。経過観察。",
    "C": "屋上防水の劣化、外壁のひび割れが随所にある。修繕を計画すること。",
    "D": "外壁タイルの浮き・剥落のおそれ。早急な対応が必要。",
}
PLAY_FINDINGS = {
    "A": "異常なし。",
    "B": "塗装の剥がれ。経過観察。",
    "C": "支柱の根元に腐食。次回修繕。",
    "D": "チェーンの摩耗が著しく、破断のおそれ。直ちに使用禁止。",
}

BUILDINGS = """
INSERT INTO facility_building (facility_id, name, built_year, floor_area_m2, structure,
    storeys, seismic_standard, seismic_diagnosis_year, retrofit_year, is_value,
    cost_category, owner, source, source_id, synthetic)
SELECT f.id, b.name, b.built_year, b.area, b.structure, b.storeys, b.seismic,
    b.diagnosed, b.retrofitted, b.is_value, f.cost_category, f.owner, 'demo',
    f.id || '/' || b.name, ARRAY['built_year', 'floor_area_m2', 'structure', 'storeys',
    'seismic_standard', 'seismic_diagnosis_year', 'retrofit_year', 'is_value']
FROM unnest(%(facility)s::bigint[], %(name)s::text[], %(year)s::int[], %(area)s::float8[],
    %(structure)s::text[], %(storeys)s::int[], %(seismic)s::text[], %(diagnosed)s::int[],
    %(retrofitted)s::int[], %(is_value)s::float8[])
    AS b(facility_id, name, built_year, area, structure, storeys, seismic, diagnosed,
         retrofitted, is_value)
JOIN facility f ON f.id = b.facility_id
ON CONFLICT (source, source_id) DO NOTHING
"""

# One facility per place: a 住民センター that is also a 指定避難所 is one building.
FACILITIES = """
SELECT DISTINCT ON (coalesce(site_id, -id)) id, kind, built_year, floor_area_m2, structure,
    seismic_standard
FROM facility
WHERE built_year IS NOT NULL AND kind IN ('community_center', 'kominkan', 'library',
    'school', 'childcare', 'shelter', 'branch_office', 'other', 'city_hall', 'culture',
    'sports', 'welfare', 'health_center', 'fire_station')
ORDER BY coalesce(site_id, -id), array_position(ARRAY['school', 'community_center',
    'kominkan', 'library', 'branch_office', 'childcare', 'shelter']::text[], kind::text), id
"""

PLAY_EQUIPMENT = """
INSERT INTO facility (kind, name, geom, parent_facility_id, department_id, owner, source,
    source_id, synthetic)
SELECT 'play_equipment', p.name || ' ' || e.item,
    ST_Project(p.geom::geography, 8 + 4 * (e.n % 3),
        radians(360.0 * e.n / e.total))::geometry,
    p.id, (SELECT id FROM department WHERE code = 'parks'), 'city', 'demo_play_equipment',
    p.id || '/' || e.n, ARRAY['geom']
FROM facility p
CROSS JOIN LATERAL (
    SELECT btrim(item) AS item, n::int, count(*) OVER ()::int AS total
    FROM unnest(regexp_split_to_array(p.extra->>'設置遊具', '[、,，・/]')) WITH ORDINALITY
        AS u(item, n)
    WHERE btrim(item) <> ''
) e
WHERE p.kind = 'park' AND p.extra ? '設置遊具'
ON CONFLICT (source, source_id) DO NOTHING
"""

INSPECT = """
INSERT INTO inspection (subject_layer, subject_id, kind, inspected_on, department_id,
    overall_grade, hazard_level, findings, follow_up_action, follow_up_due, inspector_name,
    next_due, synthetic)
SELECT %(layer)s, %(subject)s, k.code, %(day)s, k.department_id, %(grade)s, %(hazard)s,
    %(findings)s, %(action)s, %(due)s, %(inspector)s,
    %(day)s + make_interval(months => k.interval_months), true
FROM inspection_kind k WHERE k.code = %(kind)s
RETURNING id
"""


def demo_register(conn: psycopg.Connection[Any]) -> Iterator[str]:
    for kind, department in KIND_DEPARTMENTS.items():
        conn.execute(
            "UPDATE inspection_kind SET department_id = (SELECT id FROM department "
            "WHERE code = %s) WHERE code = %s AND department_id IS NULL",
            (department, kind),
        )
    if conn.execute(
        "SELECT EXISTS (SELECT 1 FROM facility_building WHERE source = 'demo')"
    ).fetchone() == (True,):
        yield "facility register and inspections: already generated"
        return
    # Installs from before the register had 12条 inspections on facilities, not buildings.
    conn.execute("DELETE FROM inspection WHERE synthetic")
    rng = random.Random(SEED)
    buildings = _buildings(conn, rng)
    play = conn.execute(PLAY_EQUIPMENT).rowcount
    inspections, closed = _inspections(conn, rng)
    yield (
        f"facility register (synthetic): {buildings} buildings; play equipment from 公園一覧: "
        f"{play}; inspections (synthetic): {inspections}, play equipment closed: {closed}"
    )


def _buildings(conn: psycopg.Connection[Any], rng: random.Random) -> int:
    columns: dict[str, list[Any]] = {
        k: []
        for k in (
            "facility",
            "name",
            "year",
            "area",
            "structure",
            "storeys",
            "seismic",
            "diagnosed",
            "retrofitted",
            "is_value",
        )
    }

    def add(fid: int, name: str, year: int, area: float, structure: str, seismic: str) -> None:
        pre = year <= 1980
        retrofitted = seismic == "retrofitted"
        columns["facility"].append(fid)
        columns["name"].append(name)
        columns["year"].append(year)
        columns["area"].append(round(area, 1))
        columns["structure"].append(structure)
        columns["storeys"].append(1 if area < 500 else 2 if area < 2000 else 3)
        columns["seismic"].append(seismic)
        columns["diagnosed"].append(rng.randint(1996, 2008) if pre else None)
        columns["retrofitted"].append(rng.randint(2005, 2015) if retrofitted else None)
        columns["is_value"].append(
            round(rng.uniform(0.62, 0.9), 2)
            if retrofitted
            else round(rng.uniform(0.3, 0.58), 2)
            if pre
            else None
        )

    for fid, kind, year, area, structure, seismic in conn.execute(FACILITIES).fetchall():
        area = area or 600.0
        if kind == "school":
            add(fid, "校舎", year, area * 0.8, structure or "rc", seismic)
            gym_year = min(year + rng.randint(0, 12), 2020)
            add(fid, "屋内運動場", gym_year, area * 0.2, "steel", _seismic(gym_year, rng))
        else:
            add(fid, "本館", year, area, structure or "rc", seismic)
    conn.execute(BUILDINGS, columns)
    return len(columns["facility"])


def _seismic(year: int, rng: random.Random) -> str:
    if year >= 1982:
        return "post_1981"
    if year == 1981:
        return "unknown"
    return "retrofitted" if rng.random() < 0.7 else "pre_1981"


def _grade(rng: random.Random, bias: float) -> str:
    roll = rng.random() * (0.6 + bias)
    return "A" if roll < 0.35 else "B" if roll < 0.75 else "C" if roll < 1.25 else "D"


def _inspections(conn: psycopg.Connection[Any], rng: random.Random) -> tuple[int, int]:
    made = 0
    buildings = conn.execute(
        "SELECT id, coalesce(built_year, 1990) FROM facility_building "
        "WHERE source = 'demo' ORDER BY id"
    ).fetchall()
    for bid, built in buildings:
        bias = min((2026 - built) / 60, 1.0)
        # 12条 every three years: the last one between mid-2023 (now overdue) and 2026.
        if rng.random() < 0.9:
            day = date(2023, 6, 1) + timedelta(days=rng.randint(0, 1200))
            grades = [_grade(rng, bias) for _ in PARTS["building_article12"]]
            _inspect(conn, "building_article12", bid, day, grades, rng)
            made += 1
        if rng.random() < 0.6:
            day = date(2025, 9, 1) + timedelta(days=rng.randint(0, 420))
            grades = [_grade(rng, bias * 0.5) for _ in PARTS["building_equipment"]]
            _inspect(conn, "building_equipment", bid, day, grades, rng)
            made += 1
    equipment = conn.execute(
        "SELECT id FROM facility WHERE kind = 'play_equipment' ORDER BY id"
    ).fetchall()
    closed = 0
    for index, (fid,) in enumerate(equipment):
        if rng.random() < 0.1:
            continue  # never inspected: the board lists it
        day = date(2025, 10, 1) + timedelta(days=rng.randint(0, 400))
        grade = "D" if index in (3, 41) else _grade(rng, 0.2)
        if grade == "D":
            day = date(2026, 11, 10) + timedelta(days=index % 7)
        hazard = 3 if grade == "D" else 1 if grade == "C" else 0
        row = conn.execute(
            INSPECT,
            {
                "layer": "facility",
                "subject": fid,
                "kind": "playground",
                "day": day,
                "grade": grade,
                "hazard": hazard,
                "findings": PLAY_FINDINGS[grade],
                "action": "close" if grade == "D" else "repair" if grade == "C" else "none",
                "due": day + timedelta(days=90) if grade in "CD" else None,
                "inspector": "公園緑地課 点検班（デモ）",
            },
        ).fetchone()
        assert row is not None
        made += 1
        if grade == "D":
            conn.execute(
                "UPDATE facility SET use_status = 'closed', closed_on = %s, "
                "closed_by_inspection_id = %s WHERE id = %s",
                (day, row[0], fid),
            )
            closed += 1
    return made, closed


def _inspect(
    conn: psycopg.Connection[Any],
    kind: str,
    building: int,
    day: date,
    grades: list[str],
    rng: random.Random,
) -> None:
    overall = max(grades)
    action = "repair" if overall == "D" else "survey" if overall == "C" else "none"
    row = conn.execute(
        INSPECT,
        {
            "layer": "facility_building",
            "subject": building,
            "kind": kind,
            "day": day,
            "grade": overall,
            "hazard": None,
            "findings": FINDINGS[overall],
            "action": action,
            "due": day + timedelta(days=180) if action != "none" else None,
            "inspector": rng.choice(["資産経営課 施設係（デモ）", "一級建築士事務所（デモ）"]),
        },
    ).fetchone()
    assert row is not None
    parts = PARTS[kind]
    conn.cursor().executemany(
        "INSERT INTO inspection_part_grade (inspection_id, part, grade, note) "
        "VALUES (%s, %s, %s, %s)",
        [
            (row[0], part, grade, None if grade in "AB" else _NOTES.get(part))
            for part, grade in zip(parts, grades, strict=True)
        ],
    )


_NOTES = {
    "roof": "防水層の劣化",
    "exterior_wall": "ひび割れ・爆裂",
    "interior": "天井材の染み",
    "electrical": "分電盤の老朽化",
    "mechanical": "給水管の錆",
    "elevator": "ロープの摩耗",
    "fire_protection": "防火戸の作動不良",
}
