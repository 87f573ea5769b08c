"""Hotspots of hazards and reports for renewal and patrol planning: counts per square cell of
the city's plane rectangular zone (cells aligned on the zone's origin, so a cell is the
same square whatever the filter) and DBSCAN clusters (ST_ClusterDBSCAN) in metres.

Staff see every report, published or not, but only its place, category and id: the
reporter's contact lives in another table this module never reads. A report closed as a
duplicate does not count twice. Each hazard and report counts once, at a point on it
(ST_PointOnSurface): a flood area is one hazard, not a count per cell it covers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.crs import plane_zone_epsg
from layers.city.identity import get_city
from layers.store.refusals import Refused

Source = Literal["hazards", "reports"]
SOURCES: tuple[Source, ...] = ("hazards", "reports")


@dataclass(frozen=True)
class Filters:
    """``start``/``end``: dates in the city (inclusive) of a hazard's observation (its
    creation when not observed) and a report's submission; empty tuples mean every kind."""

    start: date | None = None
    end: date | None = None
    hazard_kinds: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    sources: tuple[Source, ...] = SOURCES


POINTS = """
WITH points AS (
    SELECT 'hazard' AS source, h.id, h.kind::text AS category,
        ST_Transform(ST_PointOnSurface(h.geom), :srid) AS p
    FROM hazard h
    WHERE :hazards
      AND (cardinality(CAST(:hazard_kinds AS text[])) = 0
           OR h.kind::text = ANY(CAST(:hazard_kinds AS text[])))
      AND (CAST(:start AS date) IS NULL
           OR (coalesce(h.observed_at, h.created_at) AT TIME ZONE :tz)::date >= :start)
      AND (CAST(:end AS date) IS NULL
           OR (coalesce(h.observed_at, h.created_at) AT TIME ZONE :tz)::date <= :end)
    UNION ALL
    SELECT 'report', r.id, c.code, ST_Transform(ST_PointOnSurface(r.geom), :srid)
    FROM report r JOIN report_category c ON c.id = r.category_id
    WHERE :reports AND r.status <> 'closed_duplicate'
      AND (cardinality(CAST(:categories AS text[])) = 0
           OR c.code = ANY(CAST(:categories AS text[])))
      AND (CAST(:start AS date) IS NULL OR (r.created_at AT TIME ZONE :tz)::date >= :start)
      AND (CAST(:end AS date) IS NULL OR (r.created_at AT TIME ZONE :tz)::date <= :end)
)
"""

# The finest district holding a place, named: where a cell or a cluster is, in words.
PLACE = """
LEFT JOIN LATERAL (
    SELECT d.id, d.name FROM district d
    WHERE ST_Intersects(d.geom, ST_Transform(centre, 4326))
    ORDER BY d.depth DESC LIMIT 1
) place ON true
"""

CELLS = text(
    POINTS
    + """
, counted AS (
    SELECT floor(ST_X(p) / :cell)::bigint AS i, floor(ST_Y(p) / :cell)::bigint AS j,
        count(*) AS n, count(*) FILTER (WHERE source = 'hazard') AS hazards,
        count(*) FILTER (WHERE source = 'report') AS reports
    FROM points GROUP BY 1, 2
), cells AS (
    SELECT *, ST_MakeEnvelope(i * :cell, j * :cell, (i + 1) * :cell, (j + 1) * :cell, :srid)
        AS square,
        ST_SetSRID(ST_MakePoint((i + 0.5) * :cell, (j + 0.5) * :cell), :srid) AS centre
    FROM counted
)
SELECT i, j, n, hazards, reports, place.id AS district_id, place.name AS place,
    ST_AsGeoJSON(ST_Transform(square, 4326), 7) AS geometry
FROM cells
"""
    + PLACE
    + """
ORDER BY n DESC, j DESC, i
"""
)

CLUSTERS = text(
    POINTS
    + """
, clustered AS (
    SELECT *, ST_ClusterDBSCAN(p, :eps, :min_points) OVER () AS cid
    FROM points
), grouped AS (
    SELECT cid, count(*) AS n, count(*) FILTER (WHERE source = 'hazard') AS hazards,
        count(*) FILTER (WHERE source = 'report') AS reports,
        array_agg(source || ':' || id ORDER BY source, id) AS members,
        ST_ConvexHull(ST_Collect(p)) AS hull, ST_Centroid(ST_Collect(p)) AS centre
    FROM clustered WHERE cid IS NOT NULL GROUP BY cid
)
SELECT n, hazards, reports, members, place.id AS district_id, place.name AS place,
    ST_X(ST_Transform(centre, 4326)) AS lon, ST_Y(ST_Transform(centre, 4326)) AS lat,
    ST_AsGeoJSON(ST_Transform(
        CASE WHEN ST_Dimension(hull) = 2 THEN hull ELSE ST_Buffer(hull, :widen) END, 4326), 7)
        AS geometry
FROM grouped
"""
    + PLACE
    + """
ORDER BY n DESC, ST_X(centre), ST_Y(centre)
"""
)


def _srid(session: Session) -> int:
    city = get_city(session)
    if city is None:
        raise Refused(
            "市の設定（平面直角座標系）がまだありません。",
            "the city (and its plane rectangular zone) is not set up yet",
            status=409,
        )
    return plane_zone_epsg(city.plane_zone)


def _params(session: Session, filters: Filters, tz: str) -> dict[str, Any]:
    return {
        "srid": _srid(session),
        "hazards": "hazards" in filters.sources,
        "reports": "reports" in filters.sources,
        "hazard_kinds": list(filters.hazard_kinds),
        "categories": list(filters.categories),
        "start": filters.start,
        "end": filters.end,
        "tz": tz,
    }


def cells(session: Session, filters: Filters, *, cell_m: float, tz: str) -> dict[str, Any]:
    """A FeatureCollection of the cells holding at least one hazard or report, the fullest
    first; ``i``/``j`` is the cell's column and row in the zone (x = i × cell_m)."""
    found = session.execute(CELLS, _params(session, filters, tz) | {"cell": cell_m}).all()
    features = [
        {
            "type": "Feature",
            "id": f"{row.i}/{row.j}",
            "geometry": json.loads(row.geometry),
            "properties": {
                "rank": rank,
                "i": row.i,
                "j": row.j,
                "count": row.n,
                "hazards": row.hazards,
                "reports": row.reports,
                "district_id": row.district_id,
                "place": row.place,
            },
        }
        for rank, row in enumerate(found, start=1)
    ]
    return {"type": "FeatureCollection", "cell_m": cell_m, "features": features}


def clusters(
    session: Session, filters: Filters, *, eps_m: float, min_points: int, tz: str
) -> dict[str, Any]:
    """A FeatureCollection of DBSCAN clusters (points within ``eps_m`` of ``min_points``
    others chain together), the largest first, each outlined by its convex hull (widened
    by a few metres when its points are in a line) with its centroid and members."""
    params = _params(session, filters, tz) | {
        "eps": eps_m,
        "min_points": min_points,
        "widen": max(eps_m / 10, 5.0),
    }
    found = session.execute(CLUSTERS, params).all()
    features = [
        {
            "type": "Feature",
            "id": rank,
            "geometry": json.loads(row.geometry),
            "properties": {
                "rank": rank,
                "count": row.n,
                "hazards": row.hazards,
                "reports": row.reports,
                "members": list(row.members),
                "centroid": [round(row.lon, 7), round(row.lat, 7)],
                "district_id": row.district_id,
                "place": row.place,
            },
        }
        for rank, row in enumerate(found, start=1)
    ]
    return {
        "type": "FeatureCollection",
        "eps_m": eps_m,
        "min_points": min_points,
        "features": features,
    }
