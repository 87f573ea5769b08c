"""A point in words: the 町丁目 it is in (the nearest town's representative point) and the
nearest named public place with distance and direction, as data the pages turn into
「焼津三丁目付近、大富地域交流センターから北へ約120 m」 in each language.

PostGIS answers in one statement: KNN (``<->``) over the GiST indexes finds candidates,
geography distance ranks them in metres (degrees of longitude are shorter than degrees of
latitude here, so the nearest by ``<->`` is not always the nearest on the ground)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from layers.policy import Actor, row_filter
from layers.registry import get_layer

# How far a named place may be and still help: beyond it, 「…から約3 km」 says nothing.
NEAR_M = 1000
# Candidates KNN hands over for the metric ranking: the true nearest is among them.
CANDIDATES = 8
COMPASS = ("n", "ne", "e", "se", "s", "sw", "w", "nw")
# Closer than this, the point is at the place and a direction would be noise.
AT_PLACE_M = 15


def nearest_town_join(point_sql: str, alias: str = "town") -> str:
    """A ``LEFT JOIN LATERAL`` that attaches the nearest 町丁目 to each row of a query.

    ``point_sql`` is an SQL expression of the row's point geometry (EPSG:4326), e.g.
    ``f.geom`` or ``ST_PointOnSurface(h.geom)``: code, never input. The joined relation
    ``alias`` has ``name`` and ``name_kana`` (NULL when the gazetteer is empty)::

        SELECT f.name, town.name AS town
        FROM facility f {nearest_town_join("f.geom")}
    """
    return f"LEFT JOIN LATERAL ({_NEAREST_TOWN.format(point=point_sql)}) AS {alias} ON true"


# KNN hands the few nearest by degrees to the ranking in metres (see the module's note).
_NEAREST_TOWN = (
    "SELECT name, name_kana FROM (SELECT place.name, place.name_kana, place.geom"
    " FROM place WHERE place.kind = 'town' ORDER BY place.geom <-> ({point})"
    f" LIMIT {CANDIDATES}) AS near_town"
    " ORDER BY ST_Distance(near_town.geom::geography, ({point})::geography), name LIMIT 1"
)


def rounded_metres(distance: float) -> int:
    """「約120 m」: tens of metres up to 300 m, fifties beyond (a guess, not a survey)."""
    step = 10 if distance < 300 else 50
    return int(round(distance / step) * step)


def compass(azimuth_deg: float) -> str:
    return COMPASS[int(((azimuth_deg % 360) + 22.5) // 45) % 8]


def describe(db: Session, actor: Actor, lon: float, lat: float) -> dict[str, Any]:
    visible = row_filter(actor, get_layer("facility")) or "true"
    row = (
        db.execute(
            text(
                f"""
                WITH here AS (
                  SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS here_geom
                ),
                in_city AS (
                  -- Without a boundary loaded every point is the city's.
                  SELECT NOT EXISTS (SELECT 1 FROM district WHERE level = 'city')
                      OR EXISTS (SELECT 1 FROM district, here
                                 WHERE level = 'city' AND ST_Intersects(geom, here_geom))
                         AS inside
                )
                SELECT town.name AS town_name, town.name_kana AS town_kana,
                       near.id AS place_id, near.name AS place_name,
                       near.name_kana AS place_kana, near.kind AS place_kind,
                       near.metres, ST_X(near.geom) AS place_lon, ST_Y(near.geom) AS place_lat,
                       degrees(ST_Azimuth(near.geom::geography, here.here_geom::geography))
                         AS azimuth
                FROM here CROSS JOIN in_city
                LEFT JOIN LATERAL (
                  {_NEAREST_TOWN.format(point="here.here_geom")}
                ) AS town ON in_city.inside
                LEFT JOIN LATERAL (
                  SELECT candidate.*,
                         ST_Distance(candidate.geom::geography, here.here_geom::geography)
                           AS metres
                  FROM (
                    SELECT id, name, name_kana, kind, geom FROM facility
                    WHERE ({visible}) AND name <> ''
                      -- in degrees first, so the GiST index narrows before metres are measured
                      AND ST_DWithin(geom, here.here_geom, :near_deg)
                      AND ST_DWithin(geom::geography, here.here_geom::geography, :near)
                    ORDER BY geom <-> here.here_geom LIMIT :candidates
                  ) AS candidate
                  ORDER BY metres, id LIMIT 1
                ) AS near ON true
                """
            ),
            {
                "lon": lon,
                "lat": lat,
                "near": NEAR_M,
                # a degree of longitude is over 2/3 of 111 km below 48°N (all of Japan)
                "near_deg": NEAR_M / 111_000 * 1.5,
                "candidates": CANDIDATES,
            },
        )
        .mappings()
        .one()
    )
    town = {"name": row["town_name"], "name_kana": row["town_kana"]} if row["town_name"] else None
    place = None
    if row["place_id"] is not None:
        at = row["metres"] < AT_PLACE_M
        place = {
            "id": row["place_id"],
            "name": row["place_name"],
            "name_kana": row["place_kana"],
            "kind": row["place_kind"],
            "lon": round(row["place_lon"], 7),
            "lat": round(row["place_lat"], 7),
            "distance_m": rounded_metres(row["metres"]),
            "direction": None if at or row["azimuth"] is None else compass(row["azimuth"]),
        }
    return {"lon": lon, "lat": lat, "town": town, "place": place}
