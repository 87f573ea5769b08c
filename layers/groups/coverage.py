"""The gaps nobody watches (見守りの空白地帯): which school-route stretches and streets of a
group's area its patrols passed, at what time of day, and which nobody passed at all.

A piece of a line counts as walked when a patrol passed within ``coverage_distance_m`` of it
in the period. A patrol's track is cut into steps (two consecutive fixes of one part); each
step takes the local time of its middle, and that time its band. A gap in the recording is
no step, so it never counts as walked. A route drawn without times (an old patrol, or one
sent as a drawn route) counts as one step at the middle of its patrol's time.

Patrols are the group's own. The city sees coverage only aggregated per school-route stretch
and band, only of groups that chose to share it (``community_group.share_coverage``), and
never a track, a walked piece's ends, or which group walked a stretch: sharing agrees to
"how much of this stretch is watched at 下校", not to a timetable of when a named group's
volunteers are out where. The sharing groups are listed by name once, apart from the figures,
so staff know whose coverage they are looking at.

All lengths are measured in the city's plane rectangular zone (metres, JGD2011)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.crs import plane_zone_epsg
from layers.groups.model import Group
from layers.store.refusals import Refused
from layers.store.settings import Settings


@dataclass(frozen=True)
class Band:
    code: str
    ja: str
    en: str
    # Local hours [from, to). to < from wraps past midnight; None: every hour no band takes.
    from_hour: int | None
    to_hour: int | None


# 夜間 runs 18:00 to 05:00 the next morning: a night patrol past midnight stays 夜間. Its
# steps after midnight count on the date they were walked (the period is by local date).
BANDS: tuple[Band, ...] = (
    Band("school_in", "登校", "to school", 7, 9),
    Band("school_out", "下校", "from school", 14, 18),
    Band("night", "夜間", "night", 18, 5),
    Band("other", "その他", "other hours", None, None),
)
ANY_BAND = Band("all", "全時間帯", "any time", None, None)
BAND_CODES = tuple(b.code for b in BANDS)
MAX_DAYS = 366


@dataclass(frozen=True)
class Period:
    first: date
    last: date  # inclusive

    def bounds(self, zone: str) -> tuple[datetime, datetime]:
        tz = ZoneInfo(zone)
        return (
            datetime.combine(self.first, time(), tz),
            datetime.combine(self.last + timedelta(days=1), time(), tz),
        )


def _bad(ja: str, en: str, parameter: str) -> Refused:
    return Refused(ja, en, status=400, parameter=parameter)


# Patrols are recorded now; the bounds keep a period's arithmetic away from year 9999.
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)


def _day(value: str, name: str) -> date:
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise _bad(
            f"{name} の日付 {value!r} が読めません（例: 2026-12-01）。",
            f"{name}: {value!r} is not a date (YYYY-MM-DD, e.g. 2026-12-01)",
            name,
        ) from None
    if not EARLIEST <= day <= LATEST:
        raise _bad(
            f"{name} の日付 {day} は {EARLIEST} から {LATEST} の間にしてください。",
            f"{name}: {day} is outside {EARLIEST} to {LATEST}",
            name,
        )
    return day


def period(first: str | None, last: str | None, today: date) -> Period:
    """The period asked for, both days included; without ``from`` the month of ``to`` (or of
    today, in the city's time), without ``to`` the end of the month ``from`` falls in."""
    start = _day(first, "from") if first else None
    end = _day(last, "to") if last else None
    month = start or end or today
    if start is None:
        start = month.replace(day=1)
    if end is None:
        following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
        end = following - timedelta(days=1)
    if end < start:
        raise _bad(
            f"期間の終わり（to: {end}）が始まり（from: {start}）より前です。",
            f"to ({end}) is before from ({start})",
            "to",
        )
    if (end - start).days + 1 > MAX_DAYS:
        raise _bad(
            f"期間は {MAX_DAYS} 日までです（{start} から {end} は {(end - start).days + 1} 日）。",
            f"the period is at most {MAX_DAYS} days ({start} to {end} is {(end - start).days + 1})",
            "to",
        )
    return Period(start, end)


def band(value: str | None) -> str:
    code = (value or "").strip() or ANY_BAND.code
    choices = (ANY_BAND.code, *BAND_CODES)
    if code not in choices:
        raise _bad(
            f"band（時間帯）は {', '.join(choices)} のいずれかです: {value!r}",
            f"band must be one of {', '.join(choices)}, not {value!r}",
            "band",
        )
    return code


def bands_json() -> list[dict[str, Any]]:
    return [
        {"code": b.code, "ja": b.ja, "en": b.en, "from_hour": b.from_hour, "to_hour": b.to_hour}
        for b in (*BANDS, ANY_BAND)
    ]


# --- SQL ---------------------------------------------------------------------------------
# The bands are bound as arrays: one definition (BANDS above), nothing spelled twice.
BANDS_CTE = """bands AS (
    SELECT * FROM unnest(CAST(:band_codes AS text[]), CAST(:band_from AS int[]),
        CAST(:band_to AS int[])) WITH ORDINALITY AS b(code, from_h, to_h, ord))"""

# A step's band: the first whose hours hold the local hour of its middle, else 'other'.
BAND_OF = """coalesce((SELECT b.code FROM bands b
    WHERE CASE WHEN b.from_h < b.to_h
        THEN h.hour >= b.from_h AND h.hour < b.to_h
        ELSE h.hour >= b.from_h OR h.hour < b.to_h END
    ORDER BY b.ord LIMIT 1), 'other')"""


def _steps(groups: str) -> str:
    """Every step of the chosen groups' patrols in the period, in the plane, with its band.
    Fixes are read a day either side of the period: a step's middle decides, not its fixes."""
    return f"""steps AS MATERIALIZED (
    SELECT s.group_id, ST_Transform(s.line, :srid) AS g, {BAND_OF} AS band
    FROM (
        SELECT p.group_id, ST_MakeLine(pp.geom, lead(pp.geom) OVER w) AS line,
            pp.recorded_at + (lead(pp.recorded_at) OVER w - pp.recorded_at) / 2 AS at
        FROM patrol p JOIN patrol_point pp ON pp.patrol_id = p.id
        WHERE {groups}
          AND pp.recorded_at >= CAST(:start AS timestamptz) - interval '1 day'
          AND pp.recorded_at < CAST(:end AS timestamptz) + interval '1 day'
        WINDOW w AS (PARTITION BY pp.patrol_id, pp.part ORDER BY pp.seq)
        UNION ALL
        SELECT p.group_id, p.route,
            p.started_at + coalesce(p.ended_at - p.started_at, interval '0') / 2
        FROM patrol p
        WHERE {groups} AND p.route IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM patrol_point t WHERE t.patrol_id = p.id)
    ) s,
    LATERAL (SELECT CAST(extract(hour FROM s.at AT TIME ZONE :tz) AS int) AS hour) h
    WHERE s.line IS NOT NULL
      AND s.at >= CAST(:start AS timestamptz) AND s.at < CAST(:end AS timestamptz))"""


# The school routes the city publishes (its own maps, not a group's drawings).
CITY_ROUTES = """SELECT f.id, f.geom, f.title, f.extra
    FROM safety_map_feature f JOIN safety_map m ON m.id = f.safety_map_id
    WHERE f.kind = 'school_route' AND f.deleted_at IS NULL
      AND m.is_published AND m.group_id IS NULL"""

# The city's file names the school in the title (the importer's alias); extra may too.
SCHOOL = "coalesce(r.extra ->> 'school', r.title)"
LINES = "ST_CollectionExtract(ST_Intersection({a}, {b}), 2)"
CLIPPED = LINES.format(a="ST_Transform(r.geom, :srid)", b="area.g")


def _feature(geom: str, props: str) -> str:
    return f"""json_build_object('type', 'Feature',
        'geometry', ST_AsGeoJSON(ST_Transform({geom}, 4326), 7)::json,
        'properties', json_build_object({props}))"""


def _collection(layer: str, column: str) -> str:
    """The walked pieces or the gaps of one layer's lines, for the band asked for."""
    props = f"""'layer', x.layer, 'id', x.id, 'name', x.name, 'school', x.school,
        'route_no', x.route_no, 'band', x.band,
        'length_m', round(ST_Length(x.{column})::numeric, 1)"""
    return f"""json_build_object('type', 'FeatureCollection', 'features', (
        SELECT coalesce(json_agg({_feature(f"x.{column}", props)} ORDER BY x.id), '[]'::json)
        FROM pieces x WHERE x.layer = '{layer}' AND x.band = :band
          AND NOT ST_IsEmpty(x.{column})))"""


GROUP_COVERAGE = text(
    f"""WITH {BANDS_CTE},
area AS MATERIALIZED (
    SELECT d.id, d.name, d.geom AS g4, ST_Transform(d.geom, :srid) AS g
    FROM community_group cg JOIN district d ON d.id = cg.district_id
    WHERE cg.id = :group_id),
{_steps("p.group_id = :group_id")},
near AS MATERIALIZED (SELECT st.* FROM steps st, area WHERE ST_DWithin(st.g, area.g, :distance)),
reach AS MATERIALIZED (
    SELECT band, ST_Buffer(ST_Collect(g), :distance) AS g FROM near GROUP BY band
    UNION ALL
    SELECT 'all', ST_Buffer(ST_Collect(g), :distance) FROM near HAVING count(*) > 0),
lines AS MATERIALIZED (
    SELECT 'school_route' AS layer, r.id, r.title AS name, {SCHOOL} AS school,
        r.extra ->> 'route_no' AS route_no, {CLIPPED} AS g
    FROM ({CITY_ROUTES}) r, area WHERE ST_Intersects(r.geom, area.g4)
    UNION ALL
    SELECT 'road', r.id, coalesce(r.name, r.roads), NULL, NULL, {CLIPPED}
    FROM road r, area WHERE ST_Intersects(r.geom, area.g4)),
pieces AS MATERIALIZED (
    SELECT l.layer, l.id, l.name, l.school, l.route_no, b.band, l.g AS line,
        CASE WHEN r.g IS NULL THEN ST_GeomFromText('MULTILINESTRING EMPTY', :srid)
            ELSE {LINES.format(a="l.g", b="r.g")} END AS walked,
        CASE WHEN r.g IS NULL THEN l.g
            ELSE ST_CollectionExtract(ST_Difference(l.g, r.g), 2) END AS gap
    FROM lines l
    CROSS JOIN unnest(CAST(:all_bands AS text[])) AS b(band)
    LEFT JOIN reach r ON r.band = b.band
    WHERE NOT ST_IsEmpty(l.g)),
units AS MATERIALIZED (
    SELECT d.id, d.name, d.code, ST_Intersection(ST_Transform(d.geom, :srid), area.g) AS g
    FROM district d, area
    WHERE d.level = 'neighbourhood' AND ST_Intersects(d.geom, area.g4)
      AND d.id <> area.id
    UNION ALL
    SELECT area.id, area.name, NULL, area.g FROM area),
parts AS MATERIALIZED (
    SELECT u.id, u.name, u.code, u.g FROM units u
    WHERE ST_Area(u.g) > 1 AND (u.code IS NOT NULL OR NOT EXISTS (
        SELECT 1 FROM units v WHERE v.code IS NOT NULL AND ST_Area(v.g) > 1))),
per_unit AS (
    SELECT u.id, u.name, p.band,
        sum(ST_Length(ST_Intersection(p.line, u.g))) AS route_m,
        sum(ST_Length(ST_Intersection(p.walked, u.g))) AS walked_m
    FROM parts u JOIN pieces p ON p.layer = 'school_route' AND ST_Intersects(p.line, u.g)
    GROUP BY u.id, u.name, p.band
    -- A neighbour's sliver along the boundary holds no route: no row of the table.
    HAVING sum(ST_Length(ST_Intersection(p.line, u.g))) >= 1),
totals AS (
    SELECT layer, band, sum(ST_Length(line)) AS route_m, sum(ST_Length(walked)) AS walked_m
    FROM pieces GROUP BY layer, band)
SELECT json_build_object(
    'area', (SELECT json_build_object('district_id', id, 'name', name) FROM area),
    'share_coverage', (SELECT share_coverage FROM community_group WHERE id = :group_id),
    'school_routes', json_build_object(
        'walked', {_collection("school_route", "walked")},
        'gaps', {_collection("school_route", "gap")}),
    'streets', json_build_object(
        'walked', {_collection("road", "walked")},
        'gaps', {_collection("road", "gap")}),
    'totals', (SELECT coalesce(json_agg(json_build_object(
            'layer', t.layer, 'band', t.band,
            'route_m', round(t.route_m::numeric, 1), 'walked_m', round(t.walked_m::numeric, 1),
            'gap_m', round((t.route_m - t.walked_m)::numeric, 1),
            'share', CASE WHEN t.route_m > 0 THEN round((t.walked_m / t.route_m)::numeric, 3) END)
            ORDER BY t.layer DESC, array_position(CAST(:all_bands AS text[]), t.band)), '[]'::json)
        FROM totals t),
    'table', (SELECT coalesce(json_agg(json_build_object(
            'district_id', u.id, 'name', u.name, 'band', u.band,
            'route_m', round(u.route_m::numeric, 1), 'walked_m', round(u.walked_m::numeric, 1),
            'gap_m', round((u.route_m - u.walked_m)::numeric, 1),
            'share', CASE WHEN u.route_m > 0 THEN round((u.walked_m / u.route_m)::numeric, 3) END)
            ORDER BY u.name, u.id, array_position(CAST(:all_bands AS text[]), u.band)), '[]'::json)
        FROM per_unit u))"""
)

# Per stretch and band, the length walked by any sharing group (all their steps buffered
# together, so a piece two groups walked counts once), and how many sharing groups walked it.
CITY_COVERAGE = text(
    f"""WITH {BANDS_CTE},
{_steps("p.group_id IN (SELECT id FROM community_group WHERE share_coverage)")},
reach AS MATERIALIZED (
    SELECT group_id, band, ST_Buffer(ST_Collect(g), :distance) AS g FROM steps
    GROUP BY group_id, band
    UNION ALL
    SELECT group_id, 'all', ST_Buffer(ST_Collect(g), :distance) FROM steps GROUP BY group_id),
reach_any AS MATERIALIZED (
    SELECT band, ST_Buffer(ST_Collect(g), :distance) AS g FROM steps GROUP BY band
    UNION ALL
    SELECT 'all', ST_Buffer(ST_Collect(g), :distance) FROM steps HAVING count(*) > 0),
routes AS MATERIALIZED (SELECT r.id, r.title, r.extra, r.geom, ST_Transform(r.geom, :srid) AS g
    FROM ({CITY_ROUTES}) r),
walked AS MATERIALIZED (
    SELECT r.id, c.band, ST_Length({LINES.format(a="r.g", b="c.g")}) AS walked_m,
        (SELECT count(*) FROM reach o WHERE o.band = c.band AND ST_Intersects(r.g, o.g)
            AND ST_Length({LINES.format(a="r.g", b="o.g")}) > 0) AS groups
    FROM routes r JOIN reach_any c ON ST_Intersects(r.g, c.g)),
figures AS (
    SELECT r.id, json_object_agg(b.band, json_build_object(
        'walked_m', round(coalesce(w.walked_m, 0)::numeric, 1),
        'share', CASE WHEN ST_Length(r.g) > 0
            THEN round((coalesce(w.walked_m, 0) / ST_Length(r.g))::numeric, 3) END,
        'groups', coalesce(w.groups, 0))) AS bands
    FROM routes r CROSS JOIN unnest(CAST(:all_bands AS text[])) AS b(band)
    LEFT JOIN walked w ON w.id = r.id AND w.band = b.band
    GROUP BY r.id)
SELECT json_build_object(
    'sharing_groups', (SELECT coalesce(json_agg(json_build_object('id', cg.id, 'name', cg.name)
        ORDER BY cg.name), '[]'::json) FROM community_group cg WHERE cg.share_coverage),
    'stretches', json_build_object('type', 'FeatureCollection', 'features', (
        SELECT coalesce(json_agg(json_build_object('type', 'Feature', 'id', r.id,
            'geometry', ST_AsGeoJSON(r.geom, 7)::json,
            'properties', json_build_object('id', r.id, 'school', {SCHOOL},
                'route_no', r.extra ->> 'route_no', 'name', r.title,
                'length_m', round(ST_Length(r.g)::numeric, 1), 'bands', f.bands))
            ORDER BY r.id), '[]'::json)
        FROM routes r JOIN figures f ON f.id = r.id)))"""
)

ZONE = text("SELECT plane_zone FROM city WHERE id = 1")


def _params(session: Session, settings: Settings, when: Period) -> dict[str, Any]:
    zone = session.scalar(ZONE)
    if zone is None:
        raise Refused(
            "市の設定（平面直角座標系）がないため、見守りの範囲を測れません。",
            "coverage needs the city's plane rectangular zone: run `machimap city set`",
            status=503,
        )
    start, end = when.bounds(settings.city_time_zone)
    timed = [b for b in BANDS if b.from_hour is not None]
    return {
        "srid": plane_zone_epsg(int(zone)),
        "start": start,
        "end": end,
        "tz": settings.city_time_zone,
        "distance": settings.coverage_distance_m,
        "band_codes": [b.code for b in timed],
        "band_from": [b.from_hour for b in timed],
        "band_to": [b.to_hour for b in timed],
        "all_bands": [ANY_BAND.code, *BAND_CODES],
    }


def _meta(settings: Settings, when: Period) -> dict[str, Any]:
    return {
        "from": when.first.isoformat(),
        "to": when.last.isoformat(),
        "time_zone": settings.city_time_zone,
        "distance_m": settings.coverage_distance_m,
        "bands": bands_json(),
    }


def group_coverage(
    session: Session, settings: Settings, group_id: int, when: Period, band_code: str
) -> dict[str, Any]:
    """The group's coverage of its area in the period: walked pieces and gaps of the school
    routes and streets for ``band_code`` ('all': any band), totals and the table per
    自治会・町内会 for every band. A group without an area has nothing to measure."""
    params = {**_params(session, settings, when), "group_id": group_id, "band": band_code}
    body: dict[str, Any] = session.execute(GROUP_COVERAGE, params).scalar_one()
    return {"group_id": group_id, "band": band_code, **_meta(settings, when), **body}


def city_coverage(session: Session, settings: Settings, when: Period) -> dict[str, Any]:
    """Per school-route stretch and band, what the groups that share their coverage walked."""
    body: dict[str, Any] = session.execute(
        CITY_COVERAGE, _params(session, settings, when)
    ).scalar_one()
    return {**_meta(settings, when), **body}


def set_sharing(group: Group, share: bool) -> dict[str, Any]:
    """The leader's choice, on the group row as locked (the audit log keeps who and when)."""
    group.share_coverage = share
    return {"group_id": group.id, "share_coverage": share}
