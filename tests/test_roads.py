"""The city's roads and parks as layers (issue 16): the demo loads Yaizu's 緊急輸送路,
都市計画道路 and 公園・緑地 through the importer, in the right place, and they are served like
every other layer: features, OGC API, tiles and the map's style."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from layers.demo.load import DATA, STEPS
from layers.importing.load import ImportOptions, import_file
from layers.store.db import make_engine
from tests.conftest import new_client, sql_value
from tests.test_tiles import CITY_HALL, WHOLE_CITY, features

# Features per file as the city publishes them (ogrinfo on the shipped shapefiles).
ROADS = {
    "emergency_primary": 31,
    "emergency_secondary": 23,
    "emergency_tertiary": 40,
    "city_planning": 300,
}
GREEN_SPACES = 148
# 焼津市 lies within this box; a zone VIII file read as geographic, or the wrong zone, does not.
YAIZU_BOX = (138.22, 34.76, 138.36, 34.92)


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT kind, count(*) FROM road GROUP BY kind")).all()
    finally:
        engine.dispose()
    return {str(kind): int(n) for kind, n in rows}


def test_the_demo_loads_each_kind_of_road_and_every_park_in_the_city(demo_url: str) -> None:
    assert _counts(demo_url) == ROADS
    assert sql_value(demo_url, "SELECT count(*) FROM green_space") == GREEN_SPACES
    # The route's name, the roads it runs along and who designated it, from item2..item4.
    row = sql_value(
        demo_url,
        "SELECT concat_ws('|', name, roads, designation) FROM road WHERE source_id = '40' "
        "AND kind = 'emergency_secondary'",
    )
    assert row == "201号線|市道大村坂本線,市道八楠石脇線|焼津市二次緊急輸送路"
    # The prefecture's routes have no name in the file: left empty, not invented.
    prefectural = "SELECT count(*) FROM road WHERE starts_with(designation, '県')"
    assert sql_value(demo_url, prefectural) == 3 + 8  # 県一次 rows 1–3, 県二次 rows 4–11
    assert sql_value(demo_url, prefectural + " AND name IS NULL") == 3 + 8
    # Names come from the parks list where exactly one named park lies in the area.
    assert sql_value(demo_url, "SELECT count(name) FROM green_space") >= 10
    assert (
        sql_value(
            demo_url,
            "SELECT count(*) FROM green_space g WHERE g.name IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM facility f WHERE f.kind = 'park' AND f.name = g.name "
            "AND ST_Intersects(g.geom, f.geom))",
        )
        == 0
    )
    for table in ("road", "green_space"):
        xmin, ymin, xmax, ymax = (
            float(sql_value(demo_url, f"SELECT {fn}(ST_Extent(geom)) FROM {table}"))
            for fn in ("ST_XMin", "ST_YMin", "ST_XMax", "ST_YMax")
        )
        assert YAIZU_BOX[0] < xmin < xmax < YAIZU_BOX[2], table
        assert YAIZU_BOX[1] < ymin < ymax < YAIZU_BOX[3], table


def test_the_zone_viii_files_land_where_the_city_says_its_parks_and_roads_are(
    demo_url: str,
) -> None:
    """The 都市計画道路 and 公園・緑地 files are JGD2000 zone VIII (EPSG:2450, from .prj); the
    parks list (a CSV of longitudes and latitudes) and the emergency routes (JGD2011
    geographic) are independent witnesses of where they belong."""
    parks_inside = sql_value(
        demo_url,
        "SELECT count(*) FROM facility f WHERE f.kind = 'park' AND EXISTS "
        "(SELECT 1 FROM green_space g WHERE ST_DWithin(g.geom::geography, f.geom::geography, 25))",
    )
    parks = sql_value(demo_url, "SELECT count(*) FROM facility WHERE kind = 'park'")
    assert parks_inside >= parks // 2, (parks_inside, parks)
    # Planned roads run along the emergency routes they were built as: most planned road
    # lines lie within 30 m of an emergency route somewhere along them.
    near = sql_value(
        demo_url,
        "SELECT count(*) FROM road p WHERE p.kind = 'city_planning' AND EXISTS "
        "(SELECT 1 FROM road e WHERE e.kind <> 'city_planning' "
        "AND ST_DWithin(e.geom::geography, p.geom::geography, 30))",
    )
    assert near >= 100, near


def test_loading_again_changes_nothing(demo_url: str) -> None:
    engine = make_engine(demo_url)
    try:
        with engine.connect() as conn:
            for step in STEPS:
                if step.layer in ("road", "green_space"):
                    assert conn.execute(text(step.done_when)).scalar() is True, step.file
    finally:
        engine.dispose()
    state = (
        "SELECT md5(string_agg((r.id, r.kind, r.name, r.roads, r.designation, r.source_id,"
        " r.geom)::text, '' ORDER BY id)) FROM road r"
    )
    before = sql_value(demo_url, state)
    # Even past done_when, a re-import updates the rows by their number in the file.
    step = next(s for s in STEPS if s.file == "emergency_roads_tertiary.zip")
    result = import_file(
        "road",
        DATA / step.file,
        ImportOptions(constants=dict(step.constants), column_map=dict(step.column_map)),
        demo_url,
    )
    assert result.committed and result.loaded == ROADS["emergency_tertiary"]
    assert _counts(demo_url) == ROADS
    assert sql_value(demo_url, state) == before


def test_roads_and_parks_are_served_as_features_collections_and_tiles(demo_url: str) -> None:
    client = new_client()
    listed = {layer["id"]: layer for layer in client.get("/api/layers").json()["layers"]}
    assert listed["road"]["feature_count"] == sum(ROADS.values())
    assert listed["green_space"]["feature_count"] == GREEN_SPACES
    assert listed["road"]["title"] == {
        "ja": "道路（緊急輸送路・都市計画道路）",
        "en": "Roads (emergency transport, city planning)",
    }

    page = client.get("/api/layers/road/features", params={"limit": 1000})
    assert page.status_code == 200, page.text
    got: list[dict[str, Any]] = page.json()["features"]
    assert len(got) == sum(ROADS.values())
    assert {f["geometry"]["type"] for f in got} == {"MultiLineString"}
    assert {f["properties"]["kind"] for f in got} == set(ROADS)
    assert "source_dataset" not in got[0]["properties"]

    collections = {c["id"]: c for c in client.get("/ogc/collections").json()["collections"]}
    assert collections["road"]["geometryType"] == "MultiLineString"
    assert collections["green_space"]["geometryType"] == "MultiPolygon"
    primary = client.get(
        "/ogc/collections/road/items", params={"kind": "emergency_primary", "limit": 1}
    ).json()
    assert primary["numberMatched"] == ROADS["emergency_primary"]
    parks = client.get("/ogc/collections/green_space/items", params={"limit": 1}).json()
    assert parks["numberMatched"] == GREEN_SPACES

    tile = client.get(WHOLE_CITY.format(layers="road,green_space"))
    roads = features(tile, "road")
    assert {f["properties"]["kind"] for f in roads} == set(ROADS)
    # The smallest parks are below a pixel of the whole-city tile; a street's tile has them.
    assert 0 < len(features(tile, "green_space")) < GREEN_SPACES
    street = client.get(CITY_HALL.format(layers="road,green_space"))
    assert features(street, "road") and features(street, "green_space")


def test_the_style_draws_parks_under_everything_and_emergency_routes_bolder(
    demo_url: str,
) -> None:
    style = new_client().get("/tiles/style.json").json()
    assert {"road", "green_space"} <= set(style["metadata"]["machimap:layers"])
    order = [layer["id"] for layer in style["layers"]]
    assert order.index("green_space-fill") < min(
        order.index(i) for i in order if i.endswith(("-line", "-circle"))
    )
    line = next(layer for layer in style["layers"] if layer["id"] == "road-line")
    assert line["type"] == "line"
    width = line["paint"]["line-width"]
    assert width[:2] == ["match", ["get", "kind"]]
    widths = dict(zip(width[2:-1:2], width[3:-1:2], strict=True))
    assert widths["emergency_primary"] > widths["emergency_secondary"] > widths["city_planning"]
    colours = line["paint"]["line-color"]
    by_kind = dict(zip(colours[2:-1:2], colours[3:-1:2], strict=True))
    assert by_kind["city_planning"] != by_kind["emergency_primary"]
    # Roads are drawn under the hazards and the school routes of the safety maps.
    assert order.index("road-line") < order.index("hazard-line")
    assert order.index("road-line") < order.index("safety_map_feature-line")
