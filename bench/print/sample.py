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

from layers.groups.map_places import add_place
from layers.groups.model import SafetyFeatureDetail, SafetyFeatureKind, SafetyMap
from layers.media.photos import clean_photo
from layers.media.storage import media_store
from layers.media.stored import attach, put_files, release

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
DETAILS = {
    SafetyFeatureKind.easy_to_enter: SafetyFeatureDetail.high_wall,
    SafetyFeatureKind.hard_to_see: SafetyFeatureDetail.dark_road,
    SafetyFeatureKind.easy_to_enter_hard_to_see: SafetyFeatureDetail.blind_park,
    SafetyFeatureKind.safe_haven: SafetyFeatureDetail.child_safe_house,
    SafetyFeatureKind.help_place: SafetyFeatureDetail.police_box,
}
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


def add_photo(session: Session, place_id: int, seed: int, released: bool) -> int:
    """A photo on a place through the photo pipeline (layers/media/stored.py), released as a
    leader releases one without blurring: the public copy is the stored photo."""
    store = media_store()
    (row,) = attach(
        session, "safety_map_feature", place_id, put_files(store, [clean_photo(jpeg(seed))]), None
    )
    if released:
        release(row, store, (), blur_all=False)
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
        fields = {
            "kind": kind,
            "detail": DETAILS.get(kind),
            "title": f"地点{n}の様子",
            "note": note,
        }
        place = add_place(session, m, fields, geom, None)
        notes[n] = note
        ids.append(place.id)
    for i in range(photos):
        add_photo(session, ids[i % len(ids)], seed * 1000 + i, released=True)
    for i in range(withheld):
        add_photo(session, ids[(photos + i) % len(ids)], seed * 1000 + photos + i, False)
    return Sample(m.id, notes, photos, withheld)
