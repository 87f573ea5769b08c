"""The demo's 通学路合同点検: four sites of one elementary school, placed on the city's real
school routes nearest to it (a crossing, a stretch without a sidewalk ...), with measures
of the three bodies as a joint inspection records them. The places are real streets; the
findings and measures are synthetic, marked so (``synthetic``, and the address says デモ).
Two sites are published, so the public sees what a published list looks like."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg

# number, route (nearest first), where on it (a fraction, or a stretch), reasons, published,
# and per body: (measure, timing, status, reason when not done)
SITES: list[tuple[str, int, Any, list[str], bool, dict[str, tuple[Any, ...]]]] = [
    (
        "1",
        1,
        0.3,
        ["speed", "near_miss"],
        True,
        {
            "school": ("登校時の見守り活動（保護者・地域）", "ongoing", "done", None),
            "road": ("路面標示「止まれ」・カラー舗装", "short", "in_progress", None),
            "police": ("登校時間帯の速度取締り", "ongoing", "done", None),
        },
    ),
    (
        "2",
        1,
        (0.55, 0.75),
        ["no_sidewalk", "heavy_vehicles"],
        True,
        {
            "school": ("通学路の変更を検討", "short", "planned", None),
            "road": ("歩道の設置（用地買収が必要）", "long", "planned", None),
            "police": (
                "大型車の通行規制",
                "medium",
                "not_done",
                "迂回路がなく地元の合意が得られない",
            ),
        },
    ),
    (
        "3",
        2,
        0.5,
        ["poor_visibility"],
        False,
        {
            "road": ("カーブミラーの設置", "short", "done", None),
        },
    ),
    (
        "4",
        3,
        0.5,
        ["residents_request", "other"],
        False,
        {
            "school": ("安全指導（横断の仕方）", "ongoing", "in_progress", None),
            "police": ("横断歩道の新設", "medium", "planned", None),
        },
    ),
]

SCHOOL = """
SELECT f.id, f.name FROM facility f
WHERE f.kind = 'school' AND f.name LIKE '%%小学校'
  AND (SELECT count(*) FROM safety_map_feature r JOIN safety_map m ON m.id = r.safety_map_id
       WHERE m.group_id IS NULL AND r.kind = 'school_route' AND r.deleted_at IS NULL
         AND ST_DWithin(r.geom::geography, f.geom::geography, 1000)) >= 3
ORDER BY f.id LIMIT 1
"""

ROUTES = """
SELECT ST_AsBinary(g) FROM (
  SELECT ST_LineMerge(r.geom) AS g, r.geom <-> f.geom AS d
  FROM safety_map_feature r JOIN safety_map m ON m.id = r.safety_map_id, facility f
  WHERE f.id = %(school)s AND m.group_id IS NULL AND r.kind = 'school_route'
    AND r.deleted_at IS NULL) x
WHERE ST_GeometryType(g) = 'ST_LineString'
ORDER BY d LIMIT 3
"""

INSERT = """
WITH line AS (SELECT ST_SetSRID(ST_GeomFromWKB(%(route)s), 4326) AS g),
place AS (SELECT CASE WHEN %(to)s::float8 IS NULL THEN ST_LineInterpolatePoint(g, %(at)s)
                      ELSE ST_LineSubstring(g, %(at)s, %(to)s) END AS p FROM line)
INSERT INTO school_route_site (school_facility_id, fiscal_year, number, address, geom, reasons,
                               inspected_on, is_published, published_at, synthetic)
SELECT %(school)s, 2026, %(number)s,
       coalesce((SELECT d.name FROM district d WHERE ST_Intersects(d.geom, ST_PointOnSurface(p))
                 ORDER BY d.depth DESC LIMIT 1), '焼津市') || '（デモ）',
       p, %(reasons)s::varchar[], DATE '2026-07-15', %(published)s,
       CASE WHEN %(published)s THEN now() END, true
FROM place
RETURNING id
"""


def demo_sites(conn: psycopg.Connection[Any]) -> Iterator[str]:
    if conn.execute(
        "SELECT EXISTS (SELECT 1 FROM school_route_site WHERE synthetic)"
    ).fetchone() == (True,):
        yield "school-route inspection: already generated"
        return
    school = conn.execute(SCHOOL).fetchone()
    if school is None:
        yield "school-route inspection: no school with school routes nearby"
        return
    routes = [r[0] for r in conn.execute(ROUTES, {"school": school[0]}).fetchall()]
    made = 0
    for number, route, where, reasons, published, measures in SITES:
        if route > len(routes):
            continue
        at, to = where if isinstance(where, tuple) else (where, None)
        row = conn.execute(
            INSERT,
            {
                "route": routes[route - 1],
                "at": at,
                "to": to,
                "school": school[0],
                "number": number,
                "reasons": reasons,
                "published": published,
            },
        ).fetchone()
        assert row is not None
        for party, (measure, timing, status, why) in measures.items():
            conn.execute(
                "INSERT INTO school_route_measure (site_id, party, measure, timing, status, "
                "not_done_reason) VALUES (%s, %s, %s, %s, %s, %s)",
                (row[0], party, measure, timing, status, why),
            )
        made += 1
    yield f"school-route inspection: {made} sites of {school[1]} (synthetic)"
