"""Where to go in a disaster: the sites designated for one kind of disaster, and the nearest
of them to a point.

A site is designated for a disaster when one of its records is a 指定避難所 or 指定緊急避難場所
whose 災害種別 (the standard's flags, ``disaster_types``) names it; a 津波避難ビル is for
tsunamis by what it is, though its dataset carries no flags. Sites, not records: a
住民センター that is also the 指定避難所 is one place to go (migration 0012)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from layers.city.facilities import DisasterType, FacilityKind
from layers.policy import Actor
from layers.registry import get_layer
from layers.serving.features import view

SHELTERING = (FacilityKind.shelter, FacilityKind.evacuation_site)
# How many records the nearest search looks at before grouping them into sites: enough that
# a handful of the nearest sites are whole.
NEAREST_RECORDS = 200

DESIGNATED = """(
  (f.kind IN ('shelter', 'evacuation_site')
    AND (CAST(:disaster AS text) IS NULL OR CAST(:disaster AS text) = ANY(f.disaster_types)))
  OR (f.kind = 'tsunami_evacuation_building'
    AND coalesce(CAST(:disaster AS text), 'tsunami') = 'tsunami'))"""

NEAREST = """
WITH here AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS p),
near AS (
  SELECT f.id, coalesce(f.site_id, f.id) AS site, f.kind, f.name, f.name_kana, f.name_en,
         f.address, f.disaster_types, f.geom,
         ST_Distance(f.geom::geography, here.p::geography) AS metres,
         degrees(ST_Azimuth(here.p, f.geom)) AS bearing
  FROM facility f, here
  WHERE ({visible}) AND {designated}
  ORDER BY f.geom <-> here.p
  LIMIT {records}
),
sites AS (
  SELECT site,
         (array_agg(id ORDER BY metres, id))[1] AS id,
         (array_agg(name ORDER BY metres, id))[1] AS name,
         (array_agg(name_kana ORDER BY metres, id))[1] AS name_kana,
         (array_agg(name_en ORDER BY metres, id))[1] AS name_en,
         (array_agg(address ORDER BY (address IS NULL), metres, id))[1] AS address,
         array_agg(DISTINCT kind::text) AS kinds,
         ARRAY(SELECT DISTINCT d::text FROM near AS n, unnest(n.disaster_types) AS d
               WHERE n.site = near.site ORDER BY 1) AS disaster_types,
         min(metres) AS metres,
         (array_agg(bearing ORDER BY metres, id))[1] AS bearing,
         (array_agg(geom ORDER BY metres, id))[1] AS geom
  FROM near GROUP BY site
)
SELECT json_build_object(
  'type', 'FeatureCollection',
  'features', coalesce(json_agg(json_build_object(
    'type', 'Feature', 'id', id,
    'geometry', ST_AsGeoJSON(geom, 7)::json,
    'properties', json_build_object(
      'site_id', site, 'name', name, 'name_kana', name_kana, 'name_en', name_en,
      'address', address, 'kinds', kinds, 'disaster_types', disaster_types,
      'roles', (SELECT array_agg(DISTINCT o.kind::text) FROM facility o WHERE o.site_id = site),
      'distance_m', round(metres)::int, 'bearing', round(bearing)::int))
    ORDER BY metres, site), '[]'::json),
  'numberReturned', count(*))::text
FROM (SELECT * FROM sites ORDER BY metres, site LIMIT :limit) AS chosen
"""


def nearest(
    db: Session,
    actor: Actor,
    lon: float,
    lat: float,
    disaster: DisasterType | None,
    limit: int,
) -> str:
    """The nearest sites designated for the disaster (any, when None), nearest first, as a
    GeoJSON FeatureCollection with each site's straight-line distance and bearing."""
    seen = view(get_layer("facility"), actor)
    if seen is None:
        return json.dumps({"type": "FeatureCollection", "features": [], "numberReturned": 0})
    visible = [f"({seen.row_filter})"] if seen.row_filter else []
    if seen.public_only:  # a layer its curators unpublished is withheld from the public
        visible.append(
            "NOT EXISTS (SELECT 1 FROM layer_metadata WHERE layer_id = 'facility' "
            "AND NOT is_public)"
        )
    sql = NEAREST.format(
        visible=" AND ".join(visible) or "true", designated=DESIGNATED, records=NEAREST_RECORDS
    )
    body: str = db.execute(
        text(sql),
        {"lon": lon, "lat": lat, "disaster": disaster.value if disaster else None, "limit": limit},
    ).scalar_one()
    return body


def designated(db: Session, disaster: DisasterType | None) -> list[dict[str, Any]]:
    """Every designated record (for tests and the list's filter): id, kind, site."""
    rows = db.execute(
        text(f"SELECT f.id, f.kind, f.site_id FROM facility f WHERE {DESIGNATED} ORDER BY f.id"),
        {"disaster": disaster.value if disaster else None},
    ).all()
    return [{"id": r.id, "kind": r.kind, "site_id": r.site_id} for r in rows]
