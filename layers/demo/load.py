"""`machimap demo`: set up 焼津市 from its real open data, then add the records no open data
gives (building attributes, reports, patrols, inspections), generated deterministically and
marked synthetic. Every step is idempotent, so running it twice changes nothing.

The city is configured exactly as any other city would be: `city set`, then the same
importer an operator uses. Nothing here is special-cased elsewhere in the code.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine, text

from layers.city.identity import get_city, set_city
from layers.demo import population, synthetic
from layers.importing.load import ImportOptions, import_file
from layers.places import gazetteer
from layers.serving.publishing import sync_layer_metadata
from layers.store.db import make_engine, psycopg_connect

DATA = Path(__file__).parent / "data" / "yaizu"
CITY = {
    "code": "222127",
    "name": "焼津市",
    "name_en": "Yaizu",
    "prefecture": "静岡県",
    "plane_zone": 8,
}


# The credits the data's licence asks for (PDL1.0; data/yaizu/README.md), by layer. The
# safety map's features are the city's school routes and 子どもを守る家 (synthetic.py).
YAIZU = "焼津市"
NPA_ACCIDENTS = "警察庁 交通事故統計オープンデータ（焼津市加工）"
EXTRA_CREDITS = {"safety_map_feature": (YAIZU,)}


@dataclass(frozen=True)
class Step:
    layer: str
    file: str
    constants: dict[str, str] = field(default_factory=dict)
    column_map: dict[str, str] = field(default_factory=dict)
    # SQL that is true once this step's rows are in, for files without IDs to upsert on.
    done_when: str = ""
    source: str | None = None
    credits: tuple[str, ...] = (YAIZU,)


def _source_done(table: str, column: str, source: str) -> str:
    return f"SELECT EXISTS (SELECT 1 FROM {table} WHERE {column} = '{source}')"


def _facility(file: str, kind: str | None, source: str | None = None, **column_map: str) -> Step:
    # Files with IDs are upserted on (source, ID): re-running updates, never duplicates.
    # No kind: inferred row by row, as an operator's import of the file would.
    constants = {"kind": kind} if kind else {}
    return Step("facility", file, constants, dict(column_map), source=source)


POI = "yaizu_poi"

STEPS: tuple[Step, ...] = (
    Step("district", "city_boundary.geojson", {"level": "city"}),
    Step("district", "jichikai_areas.geojson", {"level": "area"}, {"自治会名": "name"}),
    Step(
        "district", "jishubosai_areas.geojson", {"level": "neighbourhood"}, {"自主防災会": "name"}
    ),
    Step("school_district", "elementary_school_districts.geojson", {"kind": "elementary"}),
    Step("school_district", "junior_high_school_districts.zip", {"kind": "junior_high"}),
    # These five share the city's POI numbering (NO): the general list first, its kinds
    # inferred (備考 names them), then the specific lists refine the kind of the same rows
    # instead of adding duplicates.
    _facility("public_facilities.csv", None, POI),
    _facility("community_center.csv", "community_center", POI),
    _facility("libraries.csv", "library", POI),
    _facility("elementary_schools.csv", "school", POI),
    _facility("junior_high_schools.csv", "school", POI),
    _facility("childcare.csv", "childcare"),
    _facility("shelters.csv", "shelter", 避難所面積平方メートル="floor_area_m2"),
    _facility("evacuation_sites.csv", "evacuation_site"),
    _facility("tsunami_evacuation_buildings.csv", "tsunami_evacuation_building"),
    _facility("first_aid_stations.csv", "first_aid_station"),
    _facility("aed.csv", "aed"),
    _facility("parks.csv", "park"),
    _facility("sandbag_stations.csv", "sandbag_station"),
    Step(
        "hazard",
        "traffic_accidents_2022.csv",
        {"kind": "traffic_accident", "source": "open_data"},
        {"事故類型区分": "title"},
        _source_done("hazard", "source_dataset", "traffic_accidents_2022"),
        credits=(YAIZU, NPA_ACCIDENTS),
    ),
    Step(
        "hazard",
        "underpasses.csv",
        {"kind": "underpass", "source": "open_data", "severity": "3"},
        {},
        _source_done("hazard", "source_dataset", "underpasses"),
    ),
    Step(
        "hazard",
        "flood_history.zip",
        {"kind": "flood_history", "source": "open_data", "title": "浸水履歴"},
        {},
        _source_done("hazard", "source_dataset", "flood_history"),
    ),
    # The background of a map drawn without a basemap (a printed 地域安全マップ): the
    # emergency routes, the city-planning roads and the parks, as the city publishes them.
    *(
        Step(
            "road",
            f"{dataset}.zip",
            {"kind": kind},
            {"item1": "source_id", "item2": "designation", "item3": "name", "item4": "roads"},
            _source_done("road", "source_dataset", dataset),
        )
        for dataset, kind in (
            ("emergency_roads_primary", "emergency_primary"),
            ("emergency_roads_secondary", "emergency_secondary"),
            ("emergency_roads_tertiary", "emergency_tertiary"),
        )
    ),
    Step(
        "road",
        "city_planning_roads.zip",
        {"kind": "city_planning"},
        {"FID": "source_id"},
        _source_done("road", "source_dataset", "city_planning_roads"),
    ),
    Step(
        "green_space",
        "green_spaces.zip",
        {},
        {"FID": "source_id"},
        _source_done("green_space", "source_dataset", "green_spaces"),
    ),
)


def load_demo(url: str) -> Iterator[str]:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            from sqlalchemy.orm import Session

            with Session(bind=conn) as session:
                if get_city(session) is None:
                    set_city(session, **CITY)  # type: ignore[arg-type]
                sync_layer_metadata(session)
                session.flush()
        yield f"city: {CITY['name']} ({CITY['code']})"
        for step in STEPS:
            if step.done_when:
                with engine.connect() as conn:
                    if conn.execute(text(step.done_when)).scalar():
                        yield f"{step.file}: already loaded"
                        continue
            result = import_file(
                step.layer,
                DATA / step.file,
                ImportOptions(
                    constants=dict(step.constants),
                    column_map=dict(step.column_map),
                    source_name=step.source,
                ),
                url,
            )
            if not result.committed:
                first = result.rejected[0]
                raise RuntimeError(
                    f"demo data {step.file} did not load: {result.unit} {first.number}: "
                    f"{first.reason_en}"
                )
            yield f"{step.file}: {result.loaded} → {step.layer}"
        yield _load_towns(engine)
        with psycopg_connect(url) as conn:
            yield _name_green_spaces(conn)
            yield from synthetic.generate(conn, DATA, url)
            conn.commit()
            yield from population.demo_population(conn, url)
            yield from _credit(conn)
            conn.commit()
    finally:
        engine.dispose()


def _load_towns(engine: Engine) -> str:
    """The 町丁目 with Geolonia's points and the readings the city's own lists give
    (data/yaizu/README.md), exactly as `machimap places load` loads another city's."""
    readings = gazetteer.read_readings(DATA / "town_readings.csv")
    entries = gazetteer.read_file(DATA / "towns_geolonia.json", readings)
    with engine.begin() as conn:
        count = gazetteer.load(
            conn, entries, source="towns_geolonia", attribution=gazetteer.GEOLONIA
        )
    return f"towns_geolonia.json: {count} → place"


# The 公園・緑地 file has no names; the parks list (公園一覧) places each named park by a
# point. A green space holding exactly one such point is that park; others stay unnamed.
NAME_GREEN_SPACES = """UPDATE green_space g SET name = p.name
FROM (SELECT g.id, min(f.name) AS name FROM green_space g
      JOIN facility f ON f.kind = 'park' AND ST_Intersects(g.geom, f.geom)
      WHERE g.name IS NULL GROUP BY g.id HAVING count(DISTINCT f.name) = 1) p
WHERE g.id = p.id"""


def _name_green_spaces(conn: psycopg.Connection[Any]) -> str:
    named = conn.execute(NAME_GREEN_SPACES).rowcount
    return f"green_spaces.zip: {named} named from parks.csv"


CREDIT = """UPDATE layer_metadata SET attribution = %(attribution)s
WHERE layer_id = %(layer)s AND attribution IS NULL"""


def _credit(conn: psycopg.Connection[Any]) -> Iterator[str]:
    """Each layer's attribution from the datasets loaded into it, where nobody has set one:
    TileJSON, the style, the map and the OGC collections show it after 「出典：」."""
    credits: dict[str, list[str]] = {layer: list(c) for layer, c in EXTRA_CREDITS.items()}
    for step in STEPS:
        for credit in step.credits:
            if credit not in credits.setdefault(step.layer, []):
                credits[step.layer].append(credit)
    for layer, names in credits.items():
        conn.execute(CREDIT, {"attribution": "、".join(names), "layer": layer})
    yield "credits: " + ", ".join(sorted(credits))
