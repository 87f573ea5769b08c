"""A safety map as a group makes one, for the poster's test and benchmark: places of every
kind (points, lines along streets, areas) inside one 地区 of the demo city, with photos that
went through the report pipeline (cleaned, stored content-addressed, attached) and some of
them released as a leader releases them (the public copy is the photo itself)."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

import shapely
from PIL import Image, ImageDraw
from sqlalchemy import text
from sqlalchemy.orm import Session

from layers.groups import safety_maps as maps
from layers.groups.model import SafetyFeatureKind, SafetyMap
from layers.media.attachments import Attachment
from layers.media.photos import clean_photo
from layers.media.storage import media_store
from layers.reports.intake import put_files

CITY_HALL = (138.323171, 34.866918)  # 焼津市役所
# Points spread over the 地区 around the city hall, the same for every run (PostGIS's seed).
POINTS = text(
    """SELECT ST_X(p.geom), ST_Y(p.geom)
    FROM district d, ST_Dump(ST_GeneratePoints(
        ST_Buffer(ST_Intersection(d.geom, ST_Buffer(ST_SetSRID(ST_Point(:lon, :lat), 4326),
                                                     0.012)), -0.0006),
        :n, :seed)) p
    WHERE d.level = 'area'
      AND ST_Intersects(d.geom, ST_SetSRID(ST_Point(:lon, :lat), 4326))"""
)
KINDS = list(SafetyFeatureKind)
NOTES = [
    "夕方になると人通りが少なく、塀が高くて道路から見えにくい。",
    "街灯が少なく、夜は暗い。子どもだけで通らないようにしよう。",
    "見通しの悪い公園。植え込みが茂っていて中が見えない。",
    "こども110番の家。困ったときは助けを求めよう。",
    "空き家の前。落書きとポイ捨てが目立つ。",
    "交番がある。おまわりさんに相談できる。",
]


@dataclass(frozen=True)
class Sample:
    map_id: int
    notes: dict[int, str]  # place number -> its note, as printed
    released: int  # photos the public may see
    withheld: int  # photos not released


def jpeg(seed: int, size: tuple[int, int] = (640, 480)) -> bytes:
    """A real, distinct photo: a coloured scene with the seed drawn in."""
    rng = random.Random(seed)
    im = Image.new("RGB", size, (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    draw = ImageDraw.Draw(im)
    for _ in range(12):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.rectangle((x, y, x + rng.randrange(40, 200), y + rng.randrange(40, 160)), colour)
    draw.text((20, 20), f"photo {seed}", fill=(255, 255, 255))
    out = io.BytesIO()
    im.save(out, "JPEG", quality=85)
    return out.getvalue()


def add_photo(session: Session, place_id: int, seed: int, release: bool) -> int:
    """A photo on a place through the report photo pipeline; released as a leader releases
    one without blurring (the public copy is the stored photo)."""
    (stored,) = put_files(media_store(), [clean_photo(jpeg(seed))])
    row = Attachment(
        subject_layer="safety_map_feature",
        subject_id=place_id,
        storage_key=stored.storage_key,
        thumbnail_key=stored.thumbnail_key,
        content_type=stored.photo.content_type,
        byte_size=len(stored.photo.data),
        width=stored.photo.width,
        height=stored.photo.height,
        sha256=stored.photo.sha256,
    )
    if release:
        row.is_public = True
        row.public_key, row.public_thumbnail_key = stored.storage_key, stored.thumbnail_key
    session.add(row)
    session.flush()
    return row.id


def build(
    session: Session,
    m: SafetyMap,
    places: int,
    photos: int,
    withheld: int = 0,
    seed: int = 16,
) -> Sample:
    """``places`` places on map ``m``: every fifth a line, every seventh an area, the rest
    points, kinds in turn. ``photos`` released photos on the first places, then
    ``withheld`` unreleased ones."""
    lon, lat = CITY_HALL
    points = session.execute(POINTS, {"lon": lon, "lat": lat, "n": places, "seed": seed}).all()
    notes: dict[int, str] = {}
    ids: list[int] = []
    for n, (x, y) in enumerate(points, start=1):
        if n % 5 == 0:
            geom = shapely.LineString([(x, y), (x + 0.0012, y + 0.0004), (x + 0.0025, y)])
        elif n % 7 == 0:
            geom = shapely.Point(x, y).buffer(0.0005, 4)
        else:
            geom = shapely.Point(x, y)
        kind = KINDS[n % len(KINDS)]
        note = f"{NOTES[n % len(NOTES)]}（地点{n}）"
        added = maps.add_feature(session, m, kind, f"地点{n}の様子", note, geom)
        notes[n] = note
        ids.append(int(added["id"]))
    for i in range(photos):
        add_photo(session, ids[i % len(ids)], seed * 1000 + i, release=True)
    for i in range(withheld):
        add_photo(session, ids[(photos + i) % len(ids)], seed * 1000 + photos + i, False)
    return Sample(m.id, notes, photos, withheld)
