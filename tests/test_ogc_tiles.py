"""OGC API - Tiles and - Styles at /ogc: the vector tiles and the MapLibre style found from
the landing page and from each collection (GDAL's OGCAPI driver reading them is in
tests/test_ogc_gdal.py)."""

from __future__ import annotations

import gzip
import math
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import new_client, sql_value

OGC = "https://testserver/ogc"
REL = "http://www.opengis.net/def/rel/ogc/1.0/"
WEB_MERCATOR_QUAD = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
MVT = "application/vnd.mapbox-vector-tile"
MAPBOX_STYLE = "application/vnd.mapbox.style+json"


def _links(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k["rel"]: k for k in doc["links"]}


def _get(client: TestClient, url: str) -> dict[str, Any]:
    response = client.get(url.removeprefix("https://testserver"))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _tile_of(lon: float, lat: float, zoom: int) -> tuple[int, int]:
    n = 2**zoom
    col = int((lon + 180) / 360 * n)
    row = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return col, row


def test_the_landing_page_and_conformance_lead_to_tiles_and_styles(demo_url: str) -> None:
    client = new_client()
    links = _links(client.get("/ogc").json())
    assert links[REL + "tilesets-vector"]["href"] == f"{OGC}/tiles"
    assert links[REL + "tiling-schemes"]["href"] == f"{OGC}/tileMatrixSets"
    assert links[REL + "styles"]["href"] == f"{OGC}/styles"
    conforms = set(client.get("/ogc/conformance").json()["conformsTo"])
    tiles = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/"
    assert {tiles + c for c in ("core", "tileset", "tilesets-list", "mvt")} <= conforms
    assert "http://www.opengis.net/spec/ogcapi-styles-1/1.0/conf/mapbox-style" in conforms
    # Every new path is in the OGC API's own definition.
    paths = client.get("/ogc/api").json()["paths"]
    for path in ("/tiles/{tileMatrixSetId}", "/styles/{styleId}", "/tileMatrixSets"):
        assert path in paths
    assert "/collections/hazard_points/tiles/{tileMatrixSetId}" in paths


def test_web_mercator_quad_is_described(demo_url: str) -> None:
    client = new_client()
    listed = client.get("/ogc/tileMatrixSets").json()["tileMatrixSets"]
    assert [(t["id"], t["uri"]) for t in listed] == [("WebMercatorQuad", WEB_MERCATOR_QUAD)]
    tms = _get(client, listed[0]["links"][0]["href"])
    assert tms["crs"] == "http://www.opengis.net/def/crs/EPSG/0/3857"
    matrices = tms["tileMatrices"]
    assert [m["id"] for m in matrices] == [str(z) for z in range(len(matrices))]
    assert len(matrices) == 17  # clients overzoom past 16, as TileJSON says
    zero, twelve = matrices[0], matrices[12]
    assert zero["cellSize"] == pytest.approx(156543.03392804097)
    assert zero["scaleDenominator"] == pytest.approx(559082264.0287178)
    assert zero["pointOfOrigin"] == pytest.approx([-20037508.3427892, 20037508.3427892])
    assert twelve["matrixWidth"] == twelve["matrixHeight"] == 4096
    missing = client.get("/ogc/tileMatrixSets/WorldCRS84Quad")
    assert missing.status_code == 404 and "WebMercatorQuad" in missing.json()["detail"]


def test_the_dataset_tileset_points_at_tiles_that_hold_the_data(demo_url: str) -> None:
    client = new_client()
    listed = client.get("/ogc/tiles").json()["tilesets"]
    assert len(listed) == 1 and listed[0]["dataType"] == "vector"
    assert listed[0]["tileMatrixSetURI"] == WEB_MERCATOR_QUAD
    tileset = _get(client, _links(listed[0])["self"]["href"])
    links = _links(tileset)
    assert links[REL + "tiling-scheme"]["href"] == f"{OGC}/tileMatrixSets/WebMercatorQuad"
    item = links["item"]
    assert item["type"] == MVT and item["templated"] is True
    for variable in ("{tileMatrix}", "{tileRow}", "{tileCol}"):
        assert variable in item["href"]
    assert {layer["id"] for layer in tileset["layers"]} == {
        "district",
        "school_district",
        "facility",
        "hazard",
        "report",
        "safety_map_feature",
        "road",
        "green_space",
    }
    assert tileset["attribution"].startswith("出典：焼津市")
    # The limits cover the city: the tile holding a facility is inside them, and has data.
    lon, lat = (
        float(v)
        for v in sql_value(
            demo_url,
            "SELECT ARRAY[ST_X(geom), ST_Y(geom)] FROM facility ORDER BY id LIMIT 1",
        )
    )
    col, row = _tile_of(lon, lat, 14)
    limit = next(m for m in tileset["tileMatrixSetLimits"] if m["tileMatrix"] == "14")
    assert limit["minTileCol"] <= col <= limit["maxTileCol"]
    assert limit["minTileRow"] <= row <= limit["maxTileRow"]
    assert limit["maxTileCol"] - limit["minTileCol"] < 20  # the city, not the world
    url = (
        item["href"]
        .replace("{tileMatrix}", "14")
        .replace("{tileCol}", str(col))
        .replace("{tileRow}", str(row))
    )
    tile = client.get(url.removeprefix("https://testserver"), headers={"Accept-Encoding": "gzip"})
    assert tile.status_code == 200 and tile.headers["content-type"] == MVT
    body = tile.content
    if body[:2] == b"\x1f\x8b":
        body = gzip.decompress(body)
    assert b"facility" in body


def test_a_collection_has_its_own_tileset_and_style(demo_url: str) -> None:
    client = new_client()
    collection = client.get("/ogc/collections/hazard_points").json()
    links = _links(collection)
    tilesets = _get(client, links[REL + "tilesets-vector"]["href"])
    tileset = _get(client, _links(tilesets["tilesets"][0])["self"]["href"])
    # A geometry part's tiles are its layer's: vector tiles carry the mixed layer whole.
    assert "/tiles/hazard/{tileMatrix}/{tileCol}/{tileRow}.mvt" in _links(tileset)["item"]["href"]
    assert [layer["id"] for layer in tileset["layers"]] == ["hazard"]
    assert tileset["title"] == "危険箇所（地点）"

    styles = _get(client, links[REL + "styles"]["href"])
    assert styles["default"] == "machimap"
    sheet = _links(styles["styles"][0])["stylesheet"]
    assert sheet["type"] == MAPBOX_STYLE
    response = client.get(sheet["href"].removeprefix("https://testserver"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(MAPBOX_STYLE)
    style = response.json()
    assert style["version"] == 8
    assert style["sources"]["machimap"]["tiles"] == [
        "https://testserver/tiles/hazard/{z}/{x}/{y}.mvt"
    ]
    drawn = [s for s in style["layers"] if s.get("source") == "machimap"]
    assert drawn and all(s["source-layer"] == "hazard" for s in drawn)
    assert all("Polygon" not in str(s.get("filter")) for s in drawn)  # points only

    areas = client.get("/ogc/collections/hazard_areas/styles/machimap").json()
    area_layers = [s for s in areas["layers"] if s.get("source") == "machimap"]
    assert area_layers and all("Point" not in str(s.get("filter")) for s in area_layers)
    assert client.get("/ogc/collections/hazard_points/styles/other").status_code == 404
    assert client.get("/ogc/collections/hazard_points/tiles/Other").status_code == 404
    assert client.get("/ogc/collections/patrol/tiles").status_code == 404  # group only


def test_the_dataset_style_is_the_published_one(demo_url: str) -> None:
    client = new_client()
    listed = client.get("/ogc/styles").json()
    assert [s["id"] for s in listed["styles"]] == ["machimap"]
    ogc = client.get("/ogc/styles/machimap", params={"f": "mapbox"})
    assert ogc.headers["content-type"].startswith(MAPBOX_STYLE)
    assert ogc.json() == client.get("/tiles/style.json").json()
    english = client.get("/ogc/styles", headers={"Accept-Language": "en"}).json()
    assert english["styles"][0]["title"] == "machimap map style (MapLibre)"
