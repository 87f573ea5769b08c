"""The report's SQL beyond the inspection's detail: what the register knows of the subject,
the kind's legal basis, the photo files, and the small map's subject and neighbours, which
leave PostGIS in the city's plane zone as SVG path data like the poster's (ST_AsSVG negates
y). Values are always bound."""

from __future__ import annotations

from sqlalchemy import text

from layers.groups.posters.queries import ENVELOPE

KIND = text("SELECT legal_basis FROM inspection_kind WHERE code = :code")

FACILITY = text(
    """SELECT f.name, f.kind::text, f.address, p.name AS park
    FROM facility f LEFT JOIN facility p ON p.id = f.parent_facility_id
    WHERE f.id = :id"""
)

BUILDING = text(
    """SELECT b.name, b.built_year, b.structure::text, b.floor_area_m2, b.storeys,
           b.seismic_standard::text, b.seismic_diagnosis_year, b.retrofit_year, b.is_value
    FROM facility_building b WHERE b.id = :id"""
)

SITE_ADDRESS = text("SELECT address FROM school_route_site WHERE id = :id")

# The 町丁目 (else 地区) the subject lies in: an address of sorts for what has none.
DISTRICT = text(
    """SELECT d.name FROM district d
    WHERE d.level IN ('neighbourhood', 'area')
      AND ST_Intersects(d.geom, ST_PointOnSurface(ST_SetSRID(ST_GeomFromGeoJSON(:geojson), 4326)))
    ORDER BY d.level = 'neighbourhood' DESC LIMIT 1"""
)

# The photos the detail lists, by id, with the file the caller may have: staff the stored
# photo, the public only the released copy (public_key, blurred where it had to be).
PHOTOS = text(
    """SELECT id, CASE WHEN :full THEN storage_key
                       WHEN is_public THEN public_key END AS key
    FROM attachment
    WHERE subject_layer = 'inspection' AND subject_id = :inspection_id AND id = ANY(:ids)
    ORDER BY id"""
)

EXTENT = text(
    """SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b),
              ST_Y(ST_Transform(ST_Centroid(g), 4326))
    FROM (SELECT ST_SetSRID(ST_GeomFromGeoJSON(:geojson), 4326) AS g) s,
         LATERAL (SELECT Box2D(ST_Transform(s.g, :srid)) AS b) e"""
)

# The subject on the map: its shape when it has one (a site's stretch of road, a hazard's
# area) and the point its marker sits on.
SUBJECT = text(
    f"""WITH {ENVELOPE}
    SELECT ST_Dimension(z.g),
           round(ST_X(a)::numeric, 1)::float8, round(-ST_Y(a)::numeric, 1)::float8,
           CASE WHEN ST_Dimension(z.g) > 0 THEN
               ST_AsSVG(ST_Simplify(ST_ClipByBox2D(z.g, env.z), :tol), 0, 1) END
    FROM env,
         LATERAL (SELECT ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(:geojson), 4326), :srid)
                  AS g) z,
         LATERAL (SELECT ST_PointOnSurface(z.g) AS a) anchor"""
)

# Facilities around the subject (not parks, which the background draws; not the subject
# itself nor its own play equipment's siblings beyond a few), nearest first, with names.
NEARBY = text(
    f"""WITH {ENVELOPE}
    SELECT f.name, f.kind::text,
           round(ST_X(p)::numeric, 1)::float8, round(-ST_Y(p)::numeric, 1)::float8
    FROM env, facility f,
         LATERAL (SELECT ST_Transform(f.geom, :srid) AS p) z
    WHERE f.geom && env.s AND ST_Intersects(z.p, env.z)
      AND f.kind NOT IN ('park', 'aed', 'streetlight', 'sandbag_station')
      AND f.id IS DISTINCT FROM CAST(:facility_id AS bigint)
    ORDER BY z.p <-> ST_Centroid(env.z)
    LIMIT :limit"""
)
