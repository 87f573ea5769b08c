"""The demo's 地域安全マップ of one synthetic group: 30 places from a made-up safety walk in a
real 自治会 area, published with photos, so the public map, the public page and the poster
have something to show. Places sit on real features (school routes, parks, 子どもを守る家,
AEDs, 交番); what was "seen" there, the notes and the photos are synthetic, generated
deterministically and marked so (the photos say SYNTHETIC on them; the map says デモ)."""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from typing import Any

import psycopg
from PIL import Image, ImageDraw

from layers.media.photos import clean_photo
from layers.media.storage import media_store
from layers.media.stored import put_files

TITLE = "地域安全マップ（デモ）"
SEED = 20261207
PLACES = 30
PHOTOS = 12

# detail: (kind, notes)
DANGER = {
    "high_wall": (
        "hard_to_see",
        ["高い塀が続き、道から家の中が見えない", "生け垣が高く見通しが悪い"],
    ),
    "quiet_road": (
        "easy_to_enter",
        ["夕方は人通りがほとんどない", "畑の間の道で家の窓が向いていない"],
    ),
    "dark_road": ("hard_to_see", ["防犯灯の間隔が長く、夜は暗い", "街灯が1本切れている"]),
    "gap_between_houses": ("easy_to_enter_hard_to_see", ["家と家のすき間が通り抜けられる"]),
    "graffiti_litter": ("easy_to_enter", ["壁に落書きがあり、ごみが捨てられている"]),
    "abandoned_bicycles": ("easy_to_enter", ["放置自転車が何台も置かれたまま"]),
    "vacant_house": ("easy_to_enter_hard_to_see", ["空き家の庭に草が伸び、門が開いている"]),
}
PARK_NOTE = "木が茂り、公園の中が外から見えにくい"
ROUTE_NOTE = "通学路だが両側が塀で、人の目が届きにくい"

# Real features of the area: (source SQL giving kind, detail, title, geom), limited per kind.
REAL = """
SELECT kind, detail, title, geom FROM (
  SELECT 'safe_haven' AS kind, 'child_safe_house' AS detail, f.title, f.geom,
         row_number() OVER (ORDER BY f.id) AS n, 5 AS most
  FROM safety_map_feature f JOIN safety_map c ON c.id = f.safety_map_id
  WHERE c.group_id IS NULL AND f.detail = 'child_safe_house' AND ST_Intersects(f.geom, %(area)s)
  UNION ALL
  SELECT 'help_place', 'police_box', f.title, f.geom, row_number() OVER (ORDER BY f.id), 1
  FROM safety_map_feature f JOIN safety_map c ON c.id = f.safety_map_id
  WHERE c.group_id IS NULL AND f.detail = 'police_box' AND ST_Intersects(f.geom, %(area)s)
  UNION ALL
  SELECT 'help_place', 'aed', x.name, x.geom, row_number() OVER (ORDER BY x.id), 2
  FROM facility x WHERE x.kind = 'aed' AND ST_Intersects(x.geom, %(area)s)
  UNION ALL
  SELECT 'hard_to_see', 'blind_park', x.name,
         ST_Buffer(x.geom::geography, 35, 'quad_segs=4')::geometry,
         row_number() OVER (ORDER BY x.id), 3
  FROM facility x WHERE x.kind = 'park' AND ST_Intersects(x.geom, %(area)s)
  UNION ALL
  SELECT 'hard_to_see', 'quiet_road', f.title,
         ST_LineSubstring(ST_GeometryN(ST_Intersection(f.geom, %(area)s), 1), 0.3, 0.6),
         row_number() OVER (ORDER BY f.id), 3
  FROM safety_map_feature f JOIN safety_map c ON c.id = f.safety_map_id
  WHERE c.group_id IS NULL AND f.kind = 'school_route' AND ST_Intersects(f.geom, %(area)s)
    AND GeometryType(ST_GeometryN(ST_Intersection(f.geom, %(area)s), 1)) = 'LINESTRING'
) s WHERE n <= most ORDER BY kind, detail, title"""


def _photo(rng: random.Random, number: int) -> bytes:
    """A plain drawn street scene, labelled synthetic: no real place, person or plate."""
    im = Image.new("RGB", (640, 480), (rng.randint(150, 200), rng.randint(190, 220), 235))
    draw = ImageDraw.Draw(im)
    draw.rectangle((0, 300, 640, 480), fill=(120, 120, 115))
    for i in range(rng.randint(2, 4)):
        x = rng.randint(0, 520)
        draw.rectangle((x, 140 + 20 * i, x + 120, 300), fill=(rng.randint(90, 200),) * 3)
    draw.rectangle((0, 0, 640, 36), fill=(0, 0, 0))
    draw.text((12, 10), f"SYNTHETIC demo photo {number}", fill=(255, 255, 255))
    out = io.BytesIO()
    im.save(out, "JPEG", quality=80)
    return out.getvalue()


def group_map(conn: psycopg.Connection[Any]) -> Iterator[str]:
    if conn.execute("SELECT 1 FROM safety_map WHERE title = %s", (TITLE,)).fetchone():
        yield "group safety map (synthetic): already loaded"
        return
    group = conn.execute(
        "SELECT g.id, g.name, g.district_id FROM community_group g "
        "WHERE g.district_id IS NOT NULL ORDER BY g.id LIMIT 1"
    ).fetchone()
    if group is None:
        yield "group safety map (synthetic): no group to make it"
        return
    group_id, group_name, district_id = group
    area = "(SELECT geom FROM district WHERE id = %(district)s)"
    rng = random.Random(SEED)
    map_id = conn.execute(
        "INSERT INTO safety_map (title, description, group_id, district_id, is_published, "
        "published_at) VALUES (%s, %s, %s, %s, true, '2026-11-15T10:00:00+09:00') RETURNING id",
        (
            TITLE,
            f"{group_name}がまち歩きで作った地域安全マップです（デモ用の架空の記録）。",
            group_id,
            district_id,
        ),
    ).fetchone()
    assert map_id is not None
    real = conn.execute(REAL.replace("%(area)s", area), {"district": district_id}).fetchall()
    rows: list[tuple[Any, ...]] = []
    for kind, detail, title, geom in real[:PLACES]:
        note = {"blind_park": PARK_NOTE, "quiet_road": ROUTE_NOTE}.get(detail)
        rows.append((kind, detail, title, note, geom))
    # The rest: dangerous spots "found" on the walk, at seeded random points of the area.
    points = conn.execute(
        f"SELECT (ST_Dump(ST_GeneratePoints({area}, %(n)s, %(seed)s))).geom",
        {"district": district_id, "n": PLACES - len(rows), "seed": SEED},
    ).fetchall()
    details = sorted(DANGER)
    for (geom,) in points:
        detail = rng.choice(details)
        kind, notes = DANGER[detail]
        rows.append((kind, detail, None, rng.choice(notes), geom))
    place_ids = []
    for kind, detail, title, note, geom in rows:
        added = conn.execute(
            "INSERT INTO safety_map_feature (safety_map_id, kind, detail, title, note, geom, "
            "extra) VALUES (%s, %s, %s, %s, %s, %s, '{\"synthetic\": true}') RETURNING id",
            (map_id[0], kind, detail, title, note, geom),
        ).fetchone()
        assert added is not None
        place_ids.append(added[0])
    store = media_store()
    with_photos = sorted(rng.sample(place_ids, min(PHOTOS, len(place_ids))))
    stored = put_files(store, [clean_photo(_photo(rng, n)) for n in range(len(with_photos))])
    for n, (place_id, photo) in enumerate(zip(with_photos, stored, strict=True)):
        released = n < len(stored) - 2  # two left for the leader to review
        conn.execute(
            "INSERT INTO attachment (subject_layer, subject_id, storage_key, thumbnail_key, "
            "public_key, public_thumbnail_key, content_type, byte_size, width, height, sha256, "
            "is_public) VALUES ('safety_map_feature', %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                place_id,
                photo.storage_key,
                photo.thumbnail_key,
                photo.storage_key if released else None,
                photo.thumbnail_key if released else None,
                photo.photo.content_type,
                len(photo.photo.data),
                photo.photo.width,
                photo.photo.height,
                photo.photo.sha256,
                released,
            ),
        )
    conn.commit()
    yield f"group safety map (synthetic): {len(rows)} places, {len(stored)} photos"
