"""The poster's SQL: every geometry leaves PostGIS already in the city's plane rectangular
zone (metres, y up), clipped to the page's envelope, simplified to what the print can show
and written as SVG path data (ST_AsSVG negates y, so the SVG's viewBox is (x0, -y1, w, h)).
Values are always bound; the builders only pick among fixed fragments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from layers.groups.map_places import NUMBERED
from layers.groups.posters.options import Atlas

# NUMBERED is the map's live places as ``p`` with their numbers, the same the editor and the
# public page show: a poster's number 7 is the list's number 7.

# The page's envelope, in the zone and (for the spatial indexes) in storage coordinates.
ENVELOPE = """env AS (
    SELECT ST_MakeEnvelope(:x0, :y0, :x1, :y1, :srid) AS z,
           ST_Transform(ST_MakeEnvelope(:x0, :y0, :x1, :y1, :srid), 4326) AS s)"""

OWNER = text(
    """SELECT coalesce(g.name, d.name) AS owner, coalesce(m.district_id, g.district_id)
    FROM safety_map m
    LEFT JOIN community_group g ON g.id = m.group_id
    LEFT JOIN department d ON d.id = m.department_id
    WHERE m.id = :map_id"""
)

COUNT = text(f"{NUMBERED} SELECT count(*) FROM p")

PLACES = text(
    f"""{NUMBERED}
    SELECT number, kind::text, detail::text, title, note FROM p ORDER BY number"""
)

# One released photo per place, the first added: the public (possibly blurred) thumbnail,
# which at the list's 30-odd millimetres prints at over 200 dpi. Unreleased photos and
# photos whose public copy is gone are never read.
PHOTOS = text(
    f"""{NUMBERED}
    SELECT DISTINCT ON (p.number) p.number,
           coalesce(a.public_thumbnail_key, a.public_key) AS key
    FROM p
    JOIN attachment a ON a.subject_layer = 'safety_map_feature' AND a.subject_id = p.id
    WHERE a.is_public AND a.public_key IS NOT NULL
    ORDER BY p.number, a.id"""
)

EXTENT = text(
    f"""{NUMBERED}
    SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)
    FROM (SELECT ST_Extent(ST_Transform(geom, :srid)) AS b FROM p) e
    WHERE b IS NOT NULL"""
)

# A map with no places yet prints its group's district, else the whole city.
AREA_EXTENT = text(
    """SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)
    FROM (SELECT ST_Extent(ST_Transform(geom, :srid)) AS b FROM district
          WHERE id = :district_id OR (CAST(:district_id AS bigint) IS NULL AND level = 'city')) e
    WHERE b IS NOT NULL"""
)

# Markers sit on a point, at the middle of a line, inside an area.
PAGE_PLACES = text(
    f"""{NUMBERED}, {ENVELOPE}
    SELECT n.number, n.kind::text, ST_Dimension(n.geom) AS dimension,
           round(ST_X(a)::numeric, 1)::float8 AS x, round(-ST_Y(a)::numeric, 1)::float8 AS y,
           CASE WHEN ST_Dimension(n.geom) > 0 THEN
               ST_AsSVG(ST_Simplify(ST_ClipByBox2D(z.g, env.z), :tol), 0, 1) END AS path
    FROM p n, env,
         LATERAL (SELECT ST_Transform(n.geom, :srid) AS g) z,
         LATERAL (SELECT CASE WHEN ST_GeometryType(z.g) = 'ST_LineString'
                      THEN ST_LineInterpolatePoint(z.g, 0.5)
                      ELSE ST_PointOnSurface(z.g) END AS a) anchor
    WHERE n.geom && env.s AND ST_Intersects(z.g, env.z)
    ORDER BY ST_Dimension(n.geom) DESC, n.number"""
)

# -- the background: the city's own layers -------------------------------------------------

DISTRICT_LINES = text(
    f"""WITH {ENVELOPE}
    SELECT ST_AsSVG(c, 0, 1) FROM env, district d,
         LATERAL (SELECT ST_Simplify(ST_ClipByBox2D(
             ST_Boundary(ST_Transform(d.geom, :srid)), env.z), :tol) AS c) clipped
    WHERE d.level = :level AND d.geom && env.s AND NOT ST_IsEmpty(c)"""
)

# Names of the districts that fill a good part of the page, where most of them is.
DISTRICT_LABELS = text(
    f"""WITH {ENVELOPE}
    SELECT d.name, round(ST_X(p)::numeric, 1)::float8, round(-ST_Y(p)::numeric, 1)::float8
    FROM env, district d,
         LATERAL (SELECT ST_Intersection(ST_Transform(d.geom, :srid), env.z) AS part) v,
         LATERAL (SELECT ST_PointOnSurface(part) AS p) label
    WHERE d.level = :level AND d.geom && env.s AND NOT ST_IsEmpty(part)
      AND ST_Area(part) > :min_area
    ORDER BY ST_Area(part) DESC LIMIT 40"""
)

# School routes the city publishes (its own maps), drawn as the street skeleton.
SCHOOL_ROUTES = text(
    f"""WITH {ENVELOPE}
    SELECT ST_AsSVG(c, 0, 1) FROM env, safety_map_feature f
    JOIN safety_map m ON m.id = f.safety_map_id AND m.is_published,
         LATERAL (SELECT ST_Simplify(ST_ClipByBox2D(ST_Transform(f.geom, :srid), env.z), :tol)
                  AS c) clipped
    WHERE f.kind = 'school_route' AND f.deleted_at IS NULL
      AND f.safety_map_id IS DISTINCT FROM CAST(:map_id AS bigint)
      AND f.geom && env.s AND NOT ST_IsEmpty(c)"""
)

# Parks and green spaces as areas (公園・緑地), under everything else.
GREEN_SPACES = text(
    f"""WITH {ENVELOPE}
    SELECT ST_AsSVG(c, 0, 1) FROM env, green_space g,
         LATERAL (SELECT ST_Simplify(ST_ClipByBox2D(ST_Transform(g.geom, :srid), env.z), :tol)
                  AS c) clipped
    WHERE g.geom && env.s AND NOT ST_IsEmpty(c)"""
)

# The road skeleton the city publishes: 緊急輸送路 (main roads) and 都市計画道路.
ROADS = text(
    f"""WITH {ENVELOPE}
    SELECT ST_AsSVG(c, 0, 1), r.kind = 'city_planning' FROM env, road r,
         LATERAL (SELECT ST_Simplify(ST_ClipByBox2D(ST_Transform(r.geom, :srid), env.z), :tol)
                  AS c) clipped
    WHERE r.geom && env.s AND NOT ST_IsEmpty(c)"""
)

PARKS = text(
    f"""WITH {ENVELOPE}
    SELECT round(ST_X(p)::numeric, 1)::float8, round(-ST_Y(p)::numeric, 1)::float8
    FROM env, facility f, LATERAL (SELECT ST_Transform(f.geom, :srid) AS p) z
    WHERE f.kind = 'park' AND f.geom && env.s"""
)

# -- the atlas --------------------------------------------------------------------------------

_ATLAS_SOURCES = {
    Atlas.area: ("district", "name", "t.level = 'area'", "t.code"),
    Atlas.neighbourhood: ("district", "name", "t.level = 'neighbourhood'", "t.code"),
    Atlas.school_district: ("school_district", "name", "t.kind = 'elementary'", "t.name"),
}


def atlas_statement(atlas: Atlas) -> Any:
    """The districts of one kind the map's places fall in: their name, extent and outline in
    the zone, and the numbers of the places in each."""
    table, name, where, order = _ATLAS_SOURCES[atlas]
    return text(
        f"""{NUMBERED}
        SELECT t.{name}, ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b),
               ST_AsSVG(ST_Simplify(ST_Boundary(g), greatest(
                   ST_XMax(b) - ST_XMin(b), ST_YMax(b) - ST_YMin(b)) / 2000.0), 0, 1),
               array(SELECT p.number FROM p WHERE ST_Intersects(p.geom, t.geom) ORDER BY p.number)
        FROM {table} t, LATERAL (SELECT ST_Transform(t.geom, :srid) AS g) z,
             LATERAL (SELECT Box2D(z.g) AS b) e
        WHERE {where}
          AND EXISTS (SELECT 1 FROM p WHERE ST_Intersects(p.geom, t.geom))
        ORDER BY {order}"""
    )


LATITUDE = text("SELECT ST_Y(ST_Transform(ST_SetSRID(ST_Point(:x, :y), :srid), 4326))")

# -- credits ------------------------------------------------------------------------------------

CREDITS = text(
    "SELECT attribution FROM layer_metadata WHERE layer_id = ANY(:layers) "
    "AND attribution IS NOT NULL ORDER BY layer_id"
)


@dataclass(frozen=True)
class Envelope:
    """A page's map area in the zone (metres)."""

    x0: float
    y0: float
    x1: float
    y1: float
    srid: int

    def params(self, **more: Any) -> dict[str, Any]:
        return {
            "x0": self.x0,
            "y0": self.y0,
            "x1": self.x1,
            "y1": self.y1,
            "srid": self.srid,
            **more,
        }


def rows(session: Session, statement: Any, **params: Any) -> list[Any]:
    return list(session.execute(statement, params).all())
