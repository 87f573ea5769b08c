"""Before a report is sent: open, published reports of the same kind close by, so a
resident can add their support 「私も困っています」 instead of filing a duplicate."""

from __future__ import annotations

import hashlib

from shapely import wkb
from shapely.geometry.base import BaseGeometry
from sqlalchemy import text
from sqlalchemy.orm import Session

from layers.reports.model import Report

# Only what the public layer shows (public_filter: published, category not sensitive).
NEARBY = text(
    """SELECT coalesce(json_agg(n ORDER BY n.distance_m), '[]'::json)::text FROM (
        SELECT r.public_id, c.code AS category, c.name_ja AS category_name_ja,
            c.name_en AS category_name_en, r.status, r.public_description,
            r.supporter_count, r.published_at,
            round(ST_Distance(r.geom::geography, q.g::geography)::numeric, 1) AS distance_m,
            ST_AsGeoJSON(r.geom, 7)::json AS geometry
        FROM report r JOIN report_category c ON c.id = r.category_id,
            (SELECT ST_GeomFromWKB(:geom, 4326) AS g) q
        WHERE c.code = :category AND NOT c.sensitive AND r.is_public
          AND r.status IN ('submitted', 'accepted', 'in_progress')
          -- the index narrows by a box wide enough at any Japanese latitude, then metres
          AND r.geom && ST_Expand(q.g, :radius_m / 70000.0)
          AND ST_DWithin(r.geom::geography, q.g::geography, :radius_m)
        ORDER BY r.geom::geography <-> q.g::geography
        LIMIT :limit) n"""
)

SUPPORT = text(
    """WITH added AS (
        INSERT INTO report_supporter (report_id, supporter_key) VALUES (:report_id, :key)
        ON CONFLICT (report_id, supporter_key) DO NOTHING RETURNING report_id)
    UPDATE report SET supporter_count = supporter_count + 1
    WHERE id IN (SELECT report_id FROM added) RETURNING supporter_count"""
)


def nearby(
    session: Session, category: str, where: BaseGeometry, radius_m: float, limit: int = 10
) -> str:
    """A JSON array, built by PostGIS, nearest first."""
    found: str = session.execute(
        NEARBY,
        {"geom": wkb.dumps(where), "category": category, "radius_m": radius_m, "limit": limit},
    ).scalar_one()
    return found


def supporter_key(user_id: int | None, device_id: str | None) -> str | None:
    """One support per account, or per device for people who are not signed in; the device's
    id is hashed so the table holds nothing that identifies it elsewhere."""
    if user_id is not None:
        return f"user:{user_id}"
    if device_id:
        return "device:" + hashlib.sha256(device_id.encode()).hexdigest()
    return None


def support(session: Session, report: Report, key: str) -> tuple[int, bool]:
    """(supporter count, whether this was a new supporter)."""
    count = session.execute(SUPPORT, {"report_id": report.id, "key": key}).scalar()
    if count is None:  # this person or device supported it before
        current = session.execute(
            text("SELECT supporter_count FROM report WHERE id = :id"), {"id": report.id}
        ).scalar_one()
        return int(current), False
    return int(count), True
