"""Starting points from the city's own data: a group begins its map with the 子どもを守る家,
交番 and AEDs inside its area, in one step. They come from the city's published safety maps
(子どもを守る家, 交番) and the facility register (AEDs); each is added once per map
(source_id), so a second call adds only what the city has added since."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from layers.groups.model import SafetyMap
from layers.store.refusals import Refused


class StartingPoint(enum.StrEnum):
    child_safe_house = "child_safe_house"  # 子どもを守る家 / こども110番の家
    police_box = "police_box"  # 交番
    aed = "aed"


# Each source: the rows it offers inside :area, as (source_id, kind, detail, title, geom).
SOURCES = {
    StartingPoint.child_safe_house: """
        SELECT 'city:' || f.id, 'safe_haven', 'child_safe_house', f.title, f.geom
        FROM safety_map_feature f JOIN safety_map c ON c.id = f.safety_map_id
        JOIN area ON ST_Intersects(f.geom, area.geom)
        WHERE c.group_id IS NULL AND c.is_published AND f.deleted_at IS NULL
          AND (f.detail = 'child_safe_house' OR (f.kind = 'safe_haven' AND f.detail IS NULL))""",
    StartingPoint.police_box: """
        SELECT 'city:' || f.id, 'help_place', 'police_box', f.title, f.geom
        FROM safety_map_feature f JOIN safety_map c ON c.id = f.safety_map_id
        JOIN area ON ST_Intersects(f.geom, area.geom)
        WHERE c.group_id IS NULL AND c.is_published AND f.deleted_at IS NULL
          AND f.detail = 'police_box'""",
    StartingPoint.aed: """
        SELECT 'facility:' || x.id, 'help_place', 'aed', x.name, x.geom
        FROM facility x JOIN area ON ST_Intersects(x.geom, area.geom) WHERE x.kind = 'aed'""",
}

AREA = "area AS (SELECT geom FROM district WHERE id = :district_id)"


def _insert(source: StartingPoint) -> Any:
    return text(
        f"""WITH {AREA}, offered (source_id, kind, detail, title, geom) AS (
            {SOURCES[source]}),
        added AS (
            INSERT INTO safety_map_feature
                (safety_map_id, source_id, kind, detail, title, geom, author_user_id)
            SELECT :map_id, o.source_id, o.kind, o.detail, o.title, o.geom, :author
            FROM offered o ORDER BY o.source_id
            ON CONFLICT (safety_map_id, source_id) DO NOTHING RETURNING 1)
        SELECT (SELECT count(*) FROM added), (SELECT count(*) FROM offered)"""
    )


INSERTS = {source: _insert(source) for source in StartingPoint}


def add_starting_points(
    session: Session,
    m: SafetyMap,
    sources: Sequence[StartingPoint],
    district_id: int | None,
    author_user_id: int | None,
) -> dict[str, Any]:
    area = district_id or m.district_id
    if area is None:
        raise Refused(
            "地図の範囲（地区）を決めてから追加してください。",
            "set the map's area (district_id) first, or give one",
        )
    if session.execute(text("SELECT 1 FROM district WHERE id = :id"), {"id": area}).first() is None:
        raise Refused(f"地区 {area} はありません。", f"no district {area}", status=404)
    added = skipped = 0
    counts: dict[str, int] = {}
    for source in dict.fromkeys(sources):
        new, offered = session.execute(
            INSERTS[source], {"district_id": area, "map_id": m.id, "author": author_user_id}
        ).one()
        counts[source.value] = int(new)
        added, skipped = added + int(new), skipped + int(offered) - int(new)
    return {"added": added, "skipped": skipped, "by_source": counts, "district_id": area}
