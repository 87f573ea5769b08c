"""Reports in sensitive categories, published only as counts per area.

Reports about people (不審者) or private property (空き家), the categories with
``report_category.sensitive``, are never published as points, text or photos (the report
layer's public filter leaves them out). The public sees how many there are per 町丁目 or per
grid square, as prefectural police crime maps publish 不審者 and crime figures.

What counts: reports staff have published (``is_public``), in a sensitive category, not
closed as a duplicate of another report (which would count one matter twice), created on
or after ``since``. Everyone gets the same answer; staff read the reports themselves
through the triage API, not here.

What an answer holds: area polygons, category codes and names, and counts. Never a
report's id, text, photo, point or date. ``since`` is rounded down to the first day of its
month (Japan time): with day-exact periods, the difference of two answers a day apart would
date single reports.

Small counts are published as they are, as the police maps do (``min_count`` 1 in the
answer says so). The decision about a single report is the staff's when they publish it
(``is_public``), with the report in front of them, which a global threshold cannot make
better: suppressing counts below k would hide exactly the quiet streets where one report
matters, and neighbouring areas or the other grid would give the number back anyway.

Areas:

- ``by=district``: the finest district holding each report (``report.district_id``, which
  the database assigns: the 町丁目 / leaf level wherever the city's hierarchy covers the
  spot), its polygon, name and level. Reports outside every district are in ``total`` only.
- ``by=grid``: squares of 250, 500 or 1000 m of ST_SquareGrid's grid (origin and i/j
  indices of the CRS) in the city's 平面直角座標系 zone. The plane zone keeps a 500 m square
  500 m on the ground (scale factor 0.9999 at most a few 10⁻⁴ off); Web Mercator squares
  would be about 410 m across at 35°N and differ from north to south of Japan. Each report
  counts in the one square holding its representative point (floor of x / size, y / size:
  a point on a shared edge is not counted twice); squares are output in EPSG:4326.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.crs import plane_zone_epsg
from layers.serving.features import JST
from layers.store.refusals import Refused

CELL_SIZES = (250, 500, 1000)
DEFAULT_CELL = 500
BY = ("district", "grid")
# Counts are published from 1 (see the module docstring); the answer says so.
MIN_COUNT = 1

# The reports an answer counts; shared by both kinds of area.
COUNTED = """counted AS (
    SELECT r.district_id, r.category_id, r.geom
      FROM report r JOIN report_category rc ON rc.id = r.category_id
     WHERE r.is_public AND rc.sensitive AND r.status <> 'closed_duplicate'
       AND (CAST(:category AS text) IS NULL OR rc.code = CAST(:category AS text))
       AND r.created_at >= coalesce(CAST(:since AS timestamptz), '-infinity')
)"""

META = """'type', 'FeatureCollection',
    'by', CAST(:by AS text),
    'since', CAST(:since_month AS text),
    'min_count', CAST(:min_count AS integer),
    'total', (SELECT count(*) FROM counted),
    'categories', (SELECT coalesce(json_agg(json_build_object(
            'code', code, 'name_ja', name_ja, 'name_en', name_en) ORDER BY sort_order, code),
            '[]'::json)
        FROM report_category
       WHERE sensitive AND (CAST(:category AS text) IS NULL OR code = CAST(:category AS text))),
    'note', json_build_object(
        'ja', '個人や私有地に関わる通報は、地点や内容を公開せず、'
              '区域ごとの件数だけを公開しています。',
        'en', 'Reports about people or private property are published only as counts per area,'
              ' never as points or text.')"""

CATEGORY_PROPERTIES = """'category', rc.code, 'category_name_ja', rc.name_ja,
            'category_name_en', rc.name_en"""

DISTRICT_SQL = text(f"""
WITH {COUNTED},
counts AS (
    SELECT district_id, category_id, count(*) AS n
      FROM counted WHERE district_id IS NOT NULL
     GROUP BY district_id, category_id
)
SELECT CAST(json_build_object({META},
    'features', (SELECT coalesce(json_agg(json_build_object(
            'type', 'Feature',
            'geometry', CAST(ST_AsGeoJSON(d.geom, 6) AS json),
            'properties', json_build_object(
                'district_id', d.id, 'district_name', d.name, 'district_name_en', d.name_en,
                'level', d.level, {CATEGORY_PROPERTIES}, 'count', c.n))
            ORDER BY d.code, d.id, rc.sort_order, rc.code), '[]'::json)
        FROM counts c
        JOIN district d ON d.id = c.district_id
        JOIN report_category rc ON rc.id = c.category_id
       WHERE c.n >= CAST(:min_count AS integer))) AS text)
""")

GRID_SQL = text(f"""
WITH {COUNTED},
counts AS (
    SELECT CAST(floor(ST_X(p) / CAST(:cell AS float8)) AS integer) AS i,
           CAST(floor(ST_Y(p) / CAST(:cell AS float8)) AS integer) AS j,
           category_id, count(*) AS n
      FROM (SELECT category_id,
                   ST_Transform(ST_PointOnSurface(geom), CAST(:srid AS integer)) AS p
              FROM counted WHERE geom IS NOT NULL) points
     GROUP BY 1, 2, 3
)
SELECT CAST(json_build_object({META},
    'cell_m', CAST(:cell AS integer),
    'grid_crs', 'EPSG:' || CAST(:srid AS integer),
    'features', (SELECT coalesce(json_agg(json_build_object(
            'type', 'Feature',
            -- Counter-clockwise, as RFC 7946 asks; ST_Square draws its ring clockwise.
            'geometry', CAST(ST_AsGeoJSON(ST_ForcePolygonCCW(ST_Transform(
                ST_Square(CAST(:cell AS float8), c.i, c.j,
                          ST_SetSRID(ST_MakePoint(0, 0), CAST(:srid AS integer))),
                4326)), 6) AS json),
            'properties', json_build_object(
                'cell', concat_ws('/', CAST(:srid AS integer), CAST(:cell AS integer), c.i, c.j),
                {CATEGORY_PROPERTIES}, 'count', c.n))
            ORDER BY c.j DESC, c.i, rc.sort_order, rc.code), '[]'::json)
        FROM counts c JOIN report_category rc ON rc.id = c.category_id
       WHERE c.n >= CAST(:min_count AS integer))) AS text)
""")

LOOKUP_SQL = text(
    "SELECT (SELECT plane_zone FROM city WHERE id = 1), "
    "ARRAY(SELECT code FROM report_category WHERE sensitive ORDER BY sort_order, code)"
)


@dataclass(frozen=True)
class AreasQuery:
    by: Literal["district", "grid"] = "district"
    cell: int = DEFAULT_CELL
    category: str | None = None
    since: date | None = None  # always the first of a month


def _bad(ja: str, en: str) -> Refused:
    return Refused(ja, en, status=400)


def parse_month(value: str) -> date:
    """An ISO date or year-month, as the first day of its month."""
    raw = value.strip()
    try:
        day = date.fromisoformat(raw if len(raw) != 7 else raw + "-01")
    except ValueError:
        raise _bad(
            f"since の日付 {value!r} が読めません（例: 2026-04-01 または 2026-04）。",
            f"since: {value!r} is not an ISO date or year-month (e.g. 2026-04-01 or 2026-04)",
        ) from None
    return day.replace(day=1)


def areas_query(
    by: str | None, cell: str | None, category: str | None, since: str | None
) -> AreasQuery:
    """The request's parameters, checked (the category against the catalogue later, in
    ``areas_json``); Refused (400) says what is wrong."""
    kind = (by or "district").strip()
    if kind not in BY:
        raise _bad(
            f"by は district（町丁目ごと）または grid（メッシュごと）です: {by!r}",
            f"by must be district or grid, not {by!r}",
        )
    size = DEFAULT_CELL
    if cell is not None and cell.strip() != "":
        allowed = ", ".join(str(c) for c in CELL_SIZES)
        if cell.strip() not in {str(c) for c in CELL_SIZES}:
            raise _bad(
                f"cell（メッシュの大きさ、メートル）は {allowed} のいずれかです: {cell!r}",
                f"cell (grid square size in metres) must be one of {allowed}, not {cell!r}",
            )
        size = int(cell.strip())
    code = category.strip() if category is not None and category.strip() else None
    first = parse_month(since) if since is not None and since.strip() else None
    return AreasQuery("grid" if kind == "grid" else "district", size, code, first)


def areas_json(db: Session, q: AreasQuery) -> str:
    """The FeatureCollection as GeoJSON text."""
    zone, sensitive = db.execute(LOOKUP_SQL).one()
    if q.category is not None and q.category not in sensitive:
        choices = ", ".join(sensitive)
        raise _bad(
            f"category {q.category!r} は区域ごとの件数で公開する分類ではありません"
            f"（{choices}）。その他の分類は通報レイヤーで公開しています。",
            f"category {q.category!r} is not one published as area counts (choose from: "
            f"{choices}); other categories are published by the report layer",
        )
    params: dict[str, Any] = {
        "by": q.by,
        "category": q.category,
        "since": datetime(q.since.year, q.since.month, 1, tzinfo=JST) if q.since else None,
        "since_month": q.since.strftime("%Y-%m") if q.since else None,
        "min_count": MIN_COUNT,
    }
    if q.by == "district":
        return str(db.execute(DISTRICT_SQL, params).scalar_one())
    if zone is None:
        raise Refused(
            "市の設定（平面直角座標系）がないため、メッシュ集計ができません。",
            "grid counts need the city's plane rectangular zone: run `machimap city set`",
            status=503,
        )
    srid = plane_zone_epsg(int(zone))
    return str(db.execute(GRID_SQL, {**params, "cell": q.cell, "srid": srid}).scalar_one())
