"""OGC API - Features at /ogc over the demo city: documents, paging, bbox, CRS, datetime,
properties, sortby, CQL2 filters, access control and private fields."""

from __future__ import annotations

import json
import re
from typing import Any

import psycopg
import pyproj
import pytest
from fastapi.testclient import TestClient

from layers.policy import ANONYMOUS
from layers.registry import get_layer
from layers.serving import features as fq
from layers.serving.cql2 import compile_filter, parse_filter
from layers.store.db import libpq_url
from tests.conftest import make_person, new_client, signed_in, sql_value

OGC = "https://testserver/ogc"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/{}"
GEOJSON = "application/geo+json"
# The public reports GIS clients open as points (report_points).
REPORT_PUBLIC = (
    "is_public AND category_id NOT IN (SELECT id FROM report_category WHERE sensitive)"
    " AND ST_GeometryType(geom) = 'ST_Point'"
)


def _items(client: TestClient, collection: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"/ogc/collections/{collection}/items", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == GEOJSON
    body: dict[str, Any] = response.json()
    return body


def _matched(client: TestClient, collection: str, **params: Any) -> int:
    return int(_items(client, collection, limit=1, **params)["numberMatched"])


def _problem(response: Any, parameter: str | None = None) -> dict[str, Any]:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["detail"] and body["detail_ja"]
    if parameter is not None:
        assert body["parameter"] == parameter
    return body


# The hazards GIS clients open as points (the demo also has flood areas: hazard_areas).
POINT = "ST_GeometryType(geom) = 'ST_Point'"
AREA = "ST_GeometryType(geom) IN ('ST_Polygon', 'ST_MultiPolygon')"


def _count(url: str, where: str, *params: object) -> int:
    sql = f"SELECT count(*) FROM hazard WHERE ({where}) AND {POINT}"
    return int(sql_value(url, sql, *params))


def _link(doc: dict[str, Any], rel: str) -> dict[str, Any] | None:
    return next((k for k in doc["links"] if k["rel"] == rel), None)


# --- documents ------------------------------------------------------------------------------


def test_landing_page_conformance_and_api(demo_url: str) -> None:
    client = new_client()
    landing = client.get("/ogc").json()
    rels = {k["rel"]: k for k in landing["links"]}
    assert rels["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert rels["service-desc"]["href"] == f"{OGC}/api"
    assert rels["data"] == {
        "href": f"{OGC}/collections",
        "rel": "data",
        "type": "application/json",
        "title": rels["data"]["title"],
    }
    assert rels["conformance"]["href"] == f"{OGC}/conformance"

    conforms = set(client.get("/ogc/conformance").json()["conformsTo"])
    f1 = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
    assert {f1 + c for c in ("core", "geojson", "html", "oas30")} <= conforms
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in conforms
    assert "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions" in conforms
    assert "http://www.opengis.net/spec/cql2/1.0/conf/array-functions" in conforms
    # Not implemented, so not declared.
    assert not any(c.endswith(("/arithmetic", "/functions")) for c in conforms)

    api = client.get("/ogc/api")
    assert api.headers["content-type"] == "application/vnd.oai.openapi+json;version=3.0"
    doc = api.json()
    assert doc["openapi"].startswith("3.0")
    params = {
        p["name"]: p for p in doc["paths"]["/collections/hazard_points/items"]["get"]["parameters"]
    }
    assert params["limit"]["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 10_000,
        "default": 100,
    }
    assert params["filter-lang"]["schema"]["enum"] == ["cql2-text", "cql2-json", "cql-text"]
    assert {"bbox", "bbox-crs", "crs", "datetime", "properties", "sortby", "filter"} <= set(params)
    assert "kind" in params  # per-queryable parameters
    assert "/collections/patrol/items" not in doc["paths"]


def test_collections_and_queryables(demo_url: str) -> None:
    client = new_client()
    doc = client.get("/ogc/collections").json()
    by_id = {c["id"]: c for c in doc["collections"]}
    parts = ("points", "lines", "areas")
    assert set(by_id) == {
        "district",
        "school_district",
        "facility",
        "road",
        "green_space",
        *(
            f"{layer}_{part}"
            for layer in ("hazard", "report", "safety_map_feature")
            for part in parts
        ),
    }
    # One geometry type per collection (GDAL, QGIS and Shapefile take one per layer).
    assert {c["id"]: c["geometryType"] for c in doc["collections"]} == {
        "district": "MultiPolygon",
        "school_district": "MultiPolygon",
        "facility": "Point",
        "road": "MultiLineString",
        "green_space": "MultiPolygon",
        **{
            f"{layer}_{part}": kind
            for layer in ("hazard", "report", "safety_map_feature")
            for part, kind in zip(parts, ("Point", "MultiLineString", "MultiPolygon"), strict=True)
        },
    }
    hazard = by_id["hazard_points"]
    assert hazard["title"] == "危険箇所（地点）" and "Hazards (points)" in hazard["description"]
    assert 'rel="related"' in hazard["description"]
    assert hazard["itemType"] == "feature"
    # Stored longitude first: CRS84, not EPSG:4326's latitude-first axis order.
    assert hazard["storageCrs"] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    assert hazard["crs"][:4] == [CRS84, EPSG.format(4326), EPSG.format(6668), EPSG.format(3857)]
    assert EPSG.format(6676) in hazard["crs"]  # 焼津市: plane rectangular zone VIII
    for collection, condition in (("hazard_points", POINT), ("hazard_areas", AREA)):
        bbox = by_id[collection]["extent"]["spatial"]["bbox"][0]
        expected = [
            float(
                sql_value(demo_url, f"SELECT {fn}(ST_Extent(geom)) FROM hazard WHERE {condition}")
            )
            for fn in ("ST_XMin", "ST_YMin", "ST_XMax", "ST_YMax")
        ]
        assert bbox == pytest.approx(expected), collection
    assert hazard["extent"]["temporal"]["interval"][0][0].startswith("2021-12-31")
    rels = {(k["rel"], k["type"]) for k in hazard["links"]}
    assert ("items", GEOJSON) in rels and ("items", "text/html") in rels
    assert ("http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json") in rels
    assert any(rel == "license" for rel, _ in rels)
    assert "temporal" not in by_id["facility"].get("extent", {})

    english = client.get("/ogc/collections/hazard_points", headers={"Accept-Language": "en"}).json()
    assert english["title"] == "Hazards (points)"

    q = client.get("/ogc/collections/hazard_points/queryables")
    assert q.headers["content-type"] == "application/schema+json"
    schema = q.json()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"{OGC}/collections/hazard_points/queryables"
    assert schema["properties"]["geometry"]["format"] == "geometry-point"
    assert schema["properties"]["severity"]["type"] == "integer"
    assert schema["properties"]["observed_at"]["format"] == "date-time"
    district = client.get("/ogc/collections/district/queryables").json()
    assert district["properties"]["geometry"]["format"] == "geometry-multipolygon"
    assert client.get("/ogc/collections/nope").status_code == 404


def test_a_mixed_layer_is_one_collection_per_geometry_type(demo_url: str) -> None:
    """GDAL and QGIS take one geometry type per layer: hazards (points and flood areas) are
    hazard_points and hazard_areas, each feature in the one its geometry belongs to and
    lines and areas always Multi; the web map still reads the layer whole."""
    client = new_client()
    area = int(sql_value(demo_url, f"SELECT min(id) FROM hazard WHERE {AREA}"))
    point = int(sql_value(demo_url, f"SELECT min(id) FROM hazard WHERE {POINT}"))
    areas = _items(client, "hazard_areas", limit=10_000)
    assert areas["numberMatched"] == len(areas["features"]) > 0
    assert areas["numberMatched"] == int(
        sql_value(demo_url, f"SELECT count(*) FROM hazard WHERE {AREA}")
    )
    assert {f["geometry"]["type"] for f in areas["features"]} == {"MultiPolygon"}
    assert client.get(f"/ogc/collections/hazard_points/items/{area}").status_code == 404
    assert client.get(f"/ogc/collections/hazard_areas/items/{point}").status_code == 404
    one = client.get(f"/ogc/collections/hazard_areas/items/{area}").json()
    assert one["geometry"]["type"] == "MultiPolygon"
    assert _link(one, "collection")["href"] == f"{OGC}/collections/hazard_areas"  # type: ignore[index]
    page = client.get("/ogc/collections/hazard_areas", headers={"Accept": "text/html"}).text
    assert "<code>MultiPolygon</code>" in page  # the HTML page says the type too
    lines = _items(client, "hazard_lines")
    assert lines["numberMatched"] == 0 and lines["features"] == []  # declared, still empty
    # Filters and bbox apply within the part.
    assert _matched(client, "hazard_areas", filter="severity >= 0 OR severity IS NULL") == len(
        areas["features"]
    )

    whole = client.get("/api/layers/hazard/features", params={"limit": 10_000})
    assert whole.status_code == 200 and whole.headers["content-type"] == GEOJSON
    body = whole.json()
    assert body["numberMatched"] == int(sql_value(demo_url, "SELECT count(*) FROM hazard"))
    assert {f["geometry"]["type"] for f in body["features"]} == {"Point", "MultiPolygon"}
    assert _link(body, "collection")["href"] == "https://testserver/api/layers/hazard"  # type: ignore[index]
    alone = client.get(f"/api/layers/hazard/features/{area}").json()
    assert alone["id"] == area and alone["geometry"]["type"] in ("Polygon", "MultiPolygon")
    _problem(client.get("/api/layers/hazard/features", params={"colour": "red"}), "colour")
    assert client.get("/api/layers/nope/features").status_code == 404
    assert client.get("/api/layers/hazard/features/abc").status_code == 404


def test_patrols_are_a_collection_only_for_their_group(demo_url: str) -> None:
    group = int(
        sql_value(
            demo_url,
            "SELECT group_id FROM patrol GROUP BY group_id"
            " ORDER BY count(*) DESC, group_id LIMIT 1",
        )
    )
    other = int(sql_value(demo_url, "SELECT id FROM patrol WHERE group_id <> %s LIMIT 1", group))
    anonymous = new_client()
    assert "patrol" not in {
        c["id"] for c in anonymous.get("/ogc/collections").json()["collections"]
    }
    assert anonymous.get("/ogc/collections/patrol").status_code == 404
    assert anonymous.get("/ogc/collections/patrol/items").status_code == 404

    member = signed_in(make_person("patroller@example.jp", groups={group: "member"}))
    ids = {c["id"] for c in member.get("/ogc/collections").json()["collections"]}
    assert "patrol" in ids
    body = _items(member, "patrol", limit=1000)
    ours = int(sql_value(demo_url, "SELECT count(*) FROM patrol WHERE group_id = %s", group))
    assert body["numberMatched"] == ours == len(body["features"]) > 0
    group_ids = {
        int(sql_value(demo_url, "SELECT group_id FROM patrol WHERE id = %s", f["id"]))
        for f in body["features"]
    }
    assert group_ids == {group}
    assert member.get(f"/ogc/collections/patrol/items/{other}").status_code == 404
    filtered = member.get(
        "/ogc/collections/patrol/items",
        params={"filter": f"participants >= 0 OR title = 'x{other}'"},
    )
    assert filtered.json()["numberMatched"] <= ours
    assert member.get("/ogc/collections/patrol/queryables").status_code == 200


# --- items ----------------------------------------------------------------------------------


def test_paging_follows_next_links_through_the_public_reports(demo_url: str) -> None:
    client = new_client()
    expected = int(sql_value(demo_url, f"SELECT count(*) FROM report WHERE {REPORT_PUBLIC}"))
    assert expected > 100
    page = _items(client, "report_points", limit=50)
    assert page["numberMatched"] == expected
    assert _link(page, "prev") is None
    assert _link(page, "self")["type"] == GEOJSON  # type: ignore[index]
    assert _link(page, "alternate")["type"] == "text/html"  # type: ignore[index]
    collection = _link(page, "collection")
    assert collection is not None and collection["href"] == f"{OGC}/collections/report_points"
    seen: list[int] = []
    pages = 0
    while True:
        pages += 1
        seen += [f["id"] for f in page["features"]]
        assert page["numberReturned"] == len(page["features"])
        assert "timeStamp" in page
        following = _link(page, "next")
        if following is None:
            break
        assert following["type"] == GEOJSON
        response = client.get(following["href"])
        assert response.status_code == 200
        page = response.json()
        assert _link(page, "prev") is not None
    with psycopg.connect(libpq_url(demo_url)) as conn:
        rows = conn.execute(f"SELECT id FROM report WHERE {REPORT_PUBLIC} ORDER BY id".encode())
        assert seen == [r[0] for r in rows]
    assert pages == 3

    feature = page["features"][0]
    assert set(feature["properties"]) == {f.name for f in get_layer("report").public_fields}
    assert feature["links"] == [
        {
            "rel": "related",
            "href": f"https://testserver/api/layers/report/features/{feature['id']}/records",
            "type": "application/json",
            "title": "記録（パトロール・点検・通報） / Attached records",
        }
    ]


def test_limits_are_clamped_and_bad_parameters_refused(demo_url: str) -> None:
    client = new_client()
    total = _count(demo_url, "true")
    everything = _items(client, "hazard_points", limit=100_000)
    assert everything["numberReturned"] == total and _link(everything, "next") is None
    assert _items(client, "hazard_points", limit=0)["numberReturned"] == 1
    assert _items(client, "hazard_points")["numberReturned"] == 100  # the default
    _problem(client.get("/ogc/collections/hazard_points/items?limit=many"), "limit")
    _problem(client.get("/ogc/collections/hazard_points/items?offset=-1"), "offset")
    body = _problem(client.get("/ogc/collections/hazard_points/items?colour=red"), "colour")
    assert body["type"] == "/problems/invalid-parameter"
    _problem(client.get("/ogc/collections/hazard_points/items?limit=1&limit=2"), "limit")
    # Pages other than items ignore what they do not use (GDAL passes its connection
    # string's parameters to every page), but still refuse what they do use, malformed.
    assert client.get("/ogc/collections/hazard_points?limit=2").status_code == 200
    assert client.get("/ogc/collections?bbox=1,2,3,4").status_code == 200
    _problem(client.get("/ogc/collections?f=xml"), "f")
    _problem(client.get("/ogc/collections?f=json&f=html"), "f")
    _problem(client.get("/ogc/collections/hazard_points/items?f=xml"), "f")
    assert client.get("/ogc/collections/hazard_points/items/999999").status_code == 404
    assert client.get("/ogc/collections/hazard_points/items/abc").status_code == 404
    one = client.get("/ogc/collections/hazard_points/items/1")
    assert one.status_code == 200 and one.json()["id"] == 1
    assert one.headers["content-crs"] == f"<{CRS84}>"
    assert _link(one.json(), "collection") is not None
    _problem(client.get("/ogc/collections/hazard_points/items/1?limit=3"), "limit")


def test_bbox_in_crs84_and_latitude_first_crs(demo_url: str) -> None:
    client = new_client()
    box = (138.29, 34.84, 138.31, 34.86)
    expected = _count(demo_url, "ST_Intersects(geom, ST_MakeEnvelope(%s, %s, %s, %s, 4326))", *box)
    assert 0 < expected < _count(demo_url, "true")
    assert _matched(client, "hazard_points", bbox="138.29,34.84,138.31,34.86") == expected
    assert _matched(client, "hazard_points", bbox="138.29,34.84,0,138.31,34.86,100") == expected
    lat_first = {"bbox": "34.84,138.29,34.86,138.31", "bbox-crs": EPSG.format(4326)}
    assert _matched(client, "hazard_points", **lat_first) == expected
    assert (
        _matched(client, "hazard_points", **{**lat_first, "bbox-crs": EPSG.format(6668)})
        == expected
    )
    # A projected bbox: 1 km around one hazard in the city's plane rectangular zone.
    x, y = (
        float(v)
        for v in sql_value(
            demo_url, "SELECT ARRAY[ST_X(geom), ST_Y(geom)] FROM hazard WHERE id = 1"
        )
    )
    east, north = pyproj.Transformer.from_crs(4326, 6676, always_xy=True).transform(x, y)
    zone = EPSG.format(6676)
    near = f"{north - 500},{east - 500},{north + 500},{east + 500}"  # northing first
    ids = [
        f["id"]
        for f in _items(client, "hazard_points", bbox=near, **{"bbox-crs": zone, "limit": 1000})[
            "features"
        ]
    ]
    assert 1 in ids
    swapped = f"{east - 500},{north - 500},{east + 500},{north + 500}"
    assert _matched(client, "hazard_points", bbox=swapped, **{"bbox-crs": zone}) == 0
    merc_x, merc_y = pyproj.Transformer.from_crs(4326, 3857, always_xy=True).transform(x, y)
    merc = f"{merc_x - 100},{merc_y - 100},{merc_x + 100},{merc_y + 100}"
    ids = [
        f["id"]
        for f in _items(
            client, "hazard_points", bbox=merc, **{"bbox-crs": EPSG.format(3857), "limit": 1000}
        )["features"]
    ]
    assert 1 in ids
    for bad in ("1,2,3", "a,b,c,d", "138.3,34.9,138.2,34.8,1", "0,95,1,96"):
        _problem(client.get("/ogc/collections/hazard_points/items", params={"bbox": bad}), "bbox")
    _problem(
        client.get(
            "/ogc/collections/hazard_points/items",
            params={"bbox": "1,2,3,4", "bbox-crs": "EPSG:2451"},
        ),
        "bbox-crs",
    )


def test_output_crs_axis_order_and_projections(demo_url: str) -> None:
    client = new_client()
    lon, lat = _items(client, "hazard_points", limit=1)["features"][0]["geometry"]["coordinates"]

    def first(crs: str) -> list[float]:
        response = client.get(
            "/ogc/collections/hazard_points/items", params={"limit": 1, "crs": crs}
        )
        assert response.status_code == 200
        assert response.headers["content-crs"] == f"<{crs}>"
        coords: list[float] = response.json()["features"][0]["geometry"]["coordinates"]
        return coords

    assert first(CRS84) == [lon, lat]
    assert first(EPSG.format(4326)) == [lat, lon]  # EPSG:4326 is latitude first
    assert first(EPSG.format(6668)) == [lat, lon]
    mx, my = pyproj.Transformer.from_crs(4326, 3857, always_xy=True).transform(lon, lat)
    assert first(EPSG.format(3857)) == pytest.approx([mx, my], abs=0.01)
    east, north = pyproj.Transformer.from_crs(6668, 6676, always_xy=True).transform(lon, lat)
    assert first(EPSG.format(6676)) == pytest.approx([north, east], abs=0.01)  # X = northing
    item = client.get("/ogc/collections/hazard_points/items/1", params={"crs": EPSG.format(4326)})
    assert item.headers["content-crs"] == f"<{EPSG.format(4326)}>"
    crs84_item = client.get("/ogc/collections/hazard_points/items/1").json()["geometry"][
        "coordinates"
    ]
    assert item.json()["geometry"]["coordinates"] == crs84_item[::-1]
    _problem(
        client.get("/ogc/collections/hazard_points/items", params={"crs": EPSG.format(2451)}), "crs"
    )
    _problem(client.get("/ogc/collections/hazard_points/items", params={"crs": "nonsense"}), "crs")


def test_datetime_instants_and_intervals(demo_url: str) -> None:
    client = new_client()
    moment = sql_value(
        demo_url, "SELECT observed_at FROM hazard WHERE observed_at IS NOT NULL ORDER BY id LIMIT 1"
    )
    instant = moment.isoformat()
    assert _matched(client, "hazard_points", datetime=instant) == _count(
        demo_url, "observed_at = %s", moment
    )
    interval = "2022-06-01T00:00:00Z/2022-07-01T00:00:00+09:00"
    expected = _count(
        demo_url,
        "observed_at BETWEEN '2022-06-01T00:00:00Z' AND '2022-07-01T00:00:00+09:00'",
    )
    assert 0 < _matched(client, "hazard_points", datetime=interval) == expected
    open_start = _count(demo_url, "observed_at <= '2022-03-01T00:00:00Z'")
    assert _matched(client, "hazard_points", datetime="../2022-03-01T00:00:00Z") == open_start
    assert _matched(client, "hazard_points", datetime="/2022-03-01T00:00:00Z") == open_start
    open_end = _count(demo_url, "observed_at >= '2022-03-01T00:00:00Z'")
    assert _matched(client, "hazard_points", datetime="2022-03-01T00:00:00Z/..") == open_end
    # A date is that day in Japan.
    day = _count(
        demo_url,
        "observed_at >= '2022-11-02T00:00:00+09:00' AND observed_at < '2022-11-03T00:00:00+09:00'",
    )
    assert _matched(client, "hazard_points", datetime="2022-11-02") == day
    # Facilities have no time of their own: datetime is ignored (OGC API - Features 7.15.4).
    facilities = int(sql_value(demo_url, "SELECT count(*) FROM facility"))
    assert _matched(client, "facility", datetime="2022-11-02T00:00:00Z") == facilities
    for bad in (
        "yesterday",
        "2022-13-01T00:00:00Z",
        "2022-06-01T00:00:00",
        "../..",
        "2023-01-01/2022-01-01",
    ):
        _problem(
            client.get("/ogc/collections/hazard_points/items", params={"datetime": bad}), "datetime"
        )


def test_properties_sortby_and_field_parameters(demo_url: str) -> None:
    client = new_client()
    body = _items(client, "hazard_points", properties="kind,title", limit=5)
    assert all(set(f["properties"]) == {"kind", "title"} for f in body["features"])
    assert (
        _items(client, "hazard_points", properties="", limit=1)["features"][0]["properties"] == {}
    )
    _problem(
        client.get("/ogc/collections/hazard_points/items?properties=kind,colour"), "properties"
    )

    ordered = _items(client, "hazard_points", sortby="-severity,title", limit=30)["features"]
    with psycopg.connect(libpq_url(demo_url)) as conn:
        rows = conn.execute(
            f"SELECT id FROM hazard WHERE {POINT}"
            " ORDER BY severity DESC, title, id LIMIT 30".encode()
        )
        assert [f["id"] for f in ordered] == [r[0] for r in rows]
    # An unencoded '+' arrives as a space.
    ascending = client.get("/ogc/collections/hazard_points/items?sortby=+severity&limit=1").json()
    assert ascending["features"][0]["properties"]["severity"] == sql_value(
        demo_url, f"SELECT min(severity) FROM hazard WHERE {POINT}"
    )
    _problem(client.get("/ogc/collections/hazard_points/items?sortby=colour"), "sortby")

    expected = _count(demo_url, "kind = 'traffic_accident' AND severity = 2")
    assert 0 < _matched(client, "hazard_points", kind="traffic_accident", severity="2") == expected
    _problem(client.get("/ogc/collections/hazard_points/items?severity=high"), "severity")


def test_cql2_text_and_json_filters(demo_url: str) -> None:
    client = new_client()
    expected = _count(demo_url, "severity >= 2 AND kind = 'traffic_accident'")
    assert expected > 0
    text = "severity >= 2 AND kind = 'traffic_accident'"
    assert _matched(client, "hazard_points", filter=text) == expected
    as_json = {
        "op": "and",
        "args": [
            {"op": ">=", "args": [{"property": "severity"}, 2]},
            {"op": "=", "args": [{"property": "kind"}, "traffic_accident"]},
        ],
    }
    params = {"filter": json.dumps(as_json), "filter-lang": "cql2-json"}
    assert _matched(client, "hazard_points", **params) == expected

    cases = {
        "title LIKE '車両%'": "title LIKE '車両%%'",
        "kind IN ('road_damage', 'waterside')": "kind IN ('road_damage', 'waterside')",
        "NOT (kind IN ('traffic_accident'))": "NOT (kind IN ('traffic_accident'))",
        "severity BETWEEN 2 AND 3": "severity BETWEEN 2 AND 3",
        "description IS NULL": "description IS NULL",
        "CASEI(kind) = casei('TRAFFIC_ACCIDENT')": "kind = 'traffic_accident'",
        "severity = severity": "true",
        "T_AFTER(observed_at, TIMESTAMP('2022-06-01T00:00:00Z'))": (
            "observed_at > '2022-06-01T00:00:00Z'"
        ),
        "T_DURING(observed_at, INTERVAL('2022-01-01T00:00:00Z', '2022-03-01T00:00:00Z'))": (
            "observed_at > '2022-01-01T00:00:00Z' AND observed_at < '2022-03-01T00:00:00Z'"
        ),
        "T_INTERSECTS(observed_at, INTERVAL('2022-11-01T00:00:00Z', '..'))": (
            "observed_at >= '2022-11-01T00:00:00Z'"
        ),
    }
    for cql, sql in cases.items():
        assert _matched(client, "hazard_points", filter=cql) == _count(demo_url, sql), cql

    polygon = "POLYGON((138.29 34.84, 138.31 34.84, 138.31 34.86, 138.29 34.86, 138.29 34.84))"
    in_area = _count(demo_url, f"ST_Intersects(geom, ST_GeomFromText('{polygon}', 4326))")
    assert in_area > 0
    assert _matched(client, "hazard_points", filter=f"S_INTERSECTS(geometry, {polygon})") == in_area
    assert (
        _matched(
            client,
            "hazard_points",
            filter="S_INTERSECTS(geometry, BBOX(138.29, 34.84, 138.31, 34.86))",
        )
        == in_area
    )
    lat_first = "POLYGON((34.84 138.29, 34.84 138.31, 34.86 138.31, 34.86 138.29, 34.84 138.29))"
    flipped = {"filter": f"S_INTERSECTS(geometry, {lat_first})", "filter-crs": EPSG.format(4326)}
    assert _matched(client, "hazard_points", **flipped) == in_area
    within = _count(demo_url, f"ST_Within(geom, ST_GeomFromText('{polygon}', 4326))")
    assert _matched(client, "hazard_points", filter=f"S_WITHIN(geometry, {polygon})") == within
    total = _count(demo_url, "true")
    assert (
        _matched(client, "hazard_points", filter=f"S_DISJOINT(geometry, {polygon})")
        == total - in_area
    )
    assert _matched(client, "hazard_points", filter=f"S_CONTAINS({polygon}, geometry)") == within
    x, y = (
        float(v)
        for v in sql_value(
            demo_url, "SELECT ARRAY[ST_X(geom), ST_Y(geom)] FROM hazard WHERE id = 1"
        )
    )
    same_place = _count(demo_url, "ST_Equals(geom, (SELECT geom FROM hazard WHERE id = 1))")
    point = f"S_EQUALS(geometry, POINT({x!r} {y!r}))"
    assert 1 <= _matched(client, "hazard_points", filter=point) == same_place
    zone = pyproj.Transformer.from_crs(4326, 6676, always_xy=True)
    (e0, n0), (e1, n1) = zone.transform(138.29, 34.84), zone.transform(138.31, 34.86)
    projected = {"filter": f"S_INTERSECTS(geometry, BBOX({n0}, {e0}, {n1}, {e1}))"}
    near = _matched(client, "hazard_points", **projected, **{"filter-crs": EPSG.format(6676)})
    assert abs(near - in_area) <= 2  # the same area, its edges drawn in another projection
    both = {
        "filter": f"S_INTERSECTS(geometry, {polygon}) AND severity >= 3",
        "bbox": "138.2,34.7,138.3,34.85",
    }
    assert _matched(client, "hazard_points", **both) == _count(
        demo_url,
        f"ST_Intersects(geom, ST_GeomFromText('{polygon}', 4326)) AND severity >= 3"
        " AND ST_Intersects(geom, ST_MakeEnvelope(138.2, 34.7, 138.3, 34.85, 4326))",
    )

    for bad in (
        "colour = 'red'",  # not a queryable
        "title = 3",  # type mismatch
        "foo(title) = 1",  # unknown function
        "severity + 1 = 3",  # arithmetic is not declared
        "S_INTERSECTS(geometry, POLYGON((0 0, 1 1, 1 0, 0 1, 0 0)))",  # invalid polygon
        "title = ",
    ):
        _problem(
            client.get("/ogc/collections/hazard_points/items", params={"filter": bad}), "filter"
        )
    _problem(
        client.get(
            "/ogc/collections/hazard_points/items", params={"filter": "true", "filter-lang": "ecql"}
        ),
        "filter-lang",
    )
    # The draft's name, the one GDAL sends: read as cql2-text.
    draft = _matched(client, "hazard_points", filter="severity >= 3", **{"filter-lang": "cql-text"})
    assert draft == _matched(client, "hazard_points", filter="severity >= 3") > 0

    # Array functions over a string[] field: the shelters designated for floods.
    def facilities(where: str) -> int:
        return int(sql_value(demo_url, f"SELECT count(*) FROM facility WHERE {where}"))

    arrays = {
        "A_CONTAINS(disaster_types, ('flood'))": "disaster_types @> '{flood}'",
        "A_CONTAINS(disaster_types, ('flood', 'tsunami'))": "disaster_types @> '{flood,tsunami}'",
        "A_OVERLAPS(disaster_types, ('landslide', 'tsunami'))": (
            "disaster_types && '{landslide,tsunami}'"
        ),
        "A_CONTAINEDBY(disaster_types, ('earthquake', 'tsunami'))": (
            "disaster_types <@ '{earthquake,tsunami}'"
        ),
        "A_EQUALS(disaster_types, ('earthquake', 'tsunami'))": (
            "disaster_types = '{earthquake,tsunami}'"
        ),
    }
    for cql, sql in arrays.items():
        assert _matched(client, "facility", filter=cql) == facilities(sql) > 0, cql
    for bad in ("A_CONTAINS(name, ('x'))", "A_CONTAINS(disaster_types, (1))"):
        _problem(client.get("/ogc/collections/facility/items", params={"filter": bad}), "filter")


def test_malicious_filters_are_refused_or_harmless(demo_url: str) -> None:
    client = new_client()
    before = _count(demo_url, "true")
    attacks = [
        {"filter": "title = 'x'; DROP TABLE hazard;--"},
        {"filter": "title = 'x' OR 1=1; DELETE FROM hazard"},
        {"filter": '"title\\" OR true --" = \'x\''},
        {
            "filter": json.dumps({"op": "=", "args": [{"property": 'title" OR true --'}, "x"]}),
            "filter-lang": "cql2-json",
        },
        {"sortby": "title; DROP TABLE hazard"},
        {"properties": "title,(SELECT 1)"},
        {"crs": "4326'); DROP TABLE hazard;--"},
    ]
    for params in attacks:
        response = client.get("/ogc/collections/hazard_points/items", params=params)
        assert response.status_code == 400, params
    # Quotes inside a literal are just characters of the value.
    sneaky = "title = 'x''); DROP TABLE hazard;--'"
    assert _matched(client, "hazard_points", filter=sneaky) == 0
    assert _count(demo_url, "true") == before


def test_private_fields_never_leave_the_server(demo_url: str) -> None:
    canary = "PRIVATE-CANARY-91"
    report = int(
        sql_value(demo_url, f"SELECT id FROM report WHERE {REPORT_PUBLIC} ORDER BY id LIMIT 1")
    )
    with psycopg.connect(libpq_url(demo_url)) as conn:
        conn.execute(
            b"UPDATE report SET description = %s, public_description = %s WHERE id = %s",
            (canary, "道路に穴があります", report),
        )
    anonymous = new_client()
    urls = [
        "/ogc",
        "/ogc/api",
        "/ogc/conformance",
        "/ogc/collections",
        "/ogc/collections/report_points",
        "/ogc/collections/report_points/queryables",
        "/ogc/collections/report_points/items?limit=1000",
        f"/ogc/collections/report_points/items/{report}",
    ]
    for url in urls:
        for accept in ("application/json", "text/html"):
            response = anonymous.get(url, headers={"Accept": accept})
            assert response.status_code == 200, url
            assert canary not in response.text, (url, accept)
            if accept == "text/html" and url != "/ogc/api":
                assert response.headers["content-type"].startswith("text/html")
                # No inline script: only the pages' module and the map's JSON data block.
                assert not re.search(
                    r'<script(?! type="(module" src=|application/json"))', response.text
                )
    feature = anonymous.get(f"/ogc/collections/report_points/items/{report}").json()
    assert "description" not in feature["properties"]
    assert feature["properties"]["public_description"] == "道路に穴があります"
    queryables = anonymous.get("/ogc/collections/report_points/queryables").json()["properties"]
    assert "description" not in queryables and "public_description" in queryables
    refused = [
        {"filter": f"description = '{canary}'"},
        {"filter": "description LIKE 'PRIVATE%'"},
        {"sortby": "description"},
        {"properties": "description"},
        {"description": canary},
    ]
    for params in refused:
        assert (
            anonymous.get("/ogc/collections/report_points/items", params=params).status_code == 400
        )

    # The search above can fail: staff read the original text, and may filter on it.
    staff = signed_in(make_person("staff@example.jp", "staff", department="road"))
    assert canary in staff.get(f"/ogc/collections/report_points/items/{report}").text
    assert _matched(staff, "report_points", filter=f"description = '{canary}'") == 1


def test_unpublished_and_sensitive_reports_are_invisible(demo_url: str) -> None:
    client = new_client()
    hidden = sql_value(demo_url, f"SELECT array_agg(id) FROM report WHERE NOT ({REPORT_PUBLIC})")
    # A published report in a sensitive category (about people): never a public point.
    sensitive = sql_value(
        demo_url,
        "UPDATE report SET category_id = (SELECT id FROM report_category WHERE sensitive LIMIT 1)"
        f" WHERE id = (SELECT min(id) FROM report WHERE {REPORT_PUBLIC}) RETURNING id",
    )
    assert len(hidden) > 10 and sensitive is not None
    listed = {f["id"] for f in _items(client, "report_points", limit=1000)["features"]}
    assert not listed & set(hidden)
    for report in (hidden[0], sensitive):
        assert client.get(f"/ogc/collections/report_points/items/{report}").status_code == 404
    assert _matched(
        client, "report_points", filter="public_id IS NULL OR public_id IS NOT NULL"
    ) == len(listed)


def test_html_pages_are_negotiated_and_escaped(demo_url: str) -> None:
    with psycopg.connect(libpq_url(demo_url)) as conn:
        row = conn.execute(
            b"INSERT INTO hazard (kind, title, geom) VALUES ('other', '<script>alert(1)</script>',"
            b" (SELECT geom FROM hazard WHERE id = 1)) RETURNING id"
        ).fetchone()
        assert row is not None
    client = new_client()
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    for url in ("/ogc", "/ogc/conformance", "/ogc/collections", "/ogc/collections/hazard_points"):
        page = client.get(url, headers=browser)
        assert page.headers["content-type"].startswith("text/html"), url
        assert '<html lang="ja">' in page.text
    items = client.get(
        "/ogc/collections/hazard_points/items?filter=id_is_not_a_field=1", headers=browser
    )
    assert items.status_code == 400
    listing = client.get(
        "/ogc/collections/hazard_points/items",
        params={"filter": "kind = 'other'", "limit": 1000},
        headers=browser,
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listing.text
    assert "<script>" not in listing.text
    one = client.get(f"/ogc/collections/hazard_points/items/{row[0]}?f=html")
    assert "&lt;script&gt;" in one.text and "<script>" not in one.text
    forced = client.get("/ogc/collections/hazard_points/items?f=json&limit=1", headers=browser)
    assert forced.headers["content-type"] == GEOJSON
    assert client.get("/ogc/collections").headers["content-type"] == "application/json"


def test_a_layer_unpublished_by_its_curators_is_withheld(demo_url: str) -> None:
    with psycopg.connect(libpq_url(demo_url)) as conn:
        conn.execute(b"UPDATE layer_metadata SET is_public = false WHERE layer_id = 'hazard'")
    client = new_client()
    ids = {c["id"] for c in client.get("/ogc/collections").json()["collections"]}
    assert not {i for i in ids if i.startswith("hazard")}
    assert client.get("/ogc/collections/hazard_points").status_code == 404
    assert client.get("/ogc/collections/hazard_points/items").status_code == 404
    assert client.get("/ogc/collections/hazard_points/items/1").status_code == 404
    assert client.get("/ogc/collections/facility/items?limit=1").status_code == 200


def test_extent_follows_writes(demo_url: str) -> None:
    client = new_client()
    before = client.get("/ogc/collections/hazard_points").json()["extent"]["spatial"]["bbox"][0]
    with psycopg.connect(libpq_url(demo_url)) as conn:
        conn.execute(
            b"DELETE FROM hazard WHERE ST_XMax(geom) > (SELECT percentile_cont(0.5)"
            b" WITHIN GROUP (ORDER BY ST_X(ST_Centroid(geom))) FROM hazard)"
        )
    after = client.get("/ogc/collections/hazard_points").json()["extent"]["spatial"]["bbox"][0]
    assert after[2] < before[2]


def test_huge_unfiltered_layers_report_an_estimate(
    demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fq, "ESTIMATE_ABOVE", 100)
    with psycopg.connect(libpq_url(demo_url), autocommit=True) as conn:
        conn.execute(b"ANALYZE facility")
        estimate = conn.execute(
            b"SELECT reltuples::bigint FROM pg_class WHERE oid = 'facility'::regclass"
        ).fetchone()
        conn.execute(
            b"INSERT INTO facility (kind, name, geom)"
            b" SELECT kind, name || ' (copy)', geom FROM facility WHERE id = 1"
        )
    assert estimate is not None
    client = new_client()
    exact = int(sql_value(demo_url, "SELECT count(*) FROM facility"))
    page = _items(client, "facility", limit=100, offset=exact - 50)
    assert page["numberMatched"] == estimate[0] == exact - 1  # the estimate, not a count
    assert page["numberReturned"] == 50 and _link(page, "next") is None
    full = _items(client, "facility", limit=10, offset=exact - 10)
    assert _link(full, "next") is not None  # a full page may have more after it
    assert _matched(client, "facility", filter="true") == exact  # filtered: counted


def test_a_huge_geometry_part_reports_its_share_of_the_estimate(
    demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A part of a mixed layer estimates from its geometry-type index's statistics."""
    monkeypatch.setattr(fq, "ESTIMATE_ABOVE", 100)
    with psycopg.connect(libpq_url(demo_url), autocommit=True) as conn:
        conn.execute(b"ANALYZE hazard")
        conn.execute(
            "INSERT INTO hazard (kind, title, geom)"
            f" SELECT 'other', 'new', geom FROM hazard WHERE {POINT} LIMIT 1".encode()
        )
    client = new_client()
    exact = _count(demo_url, "true")
    # ANALYZE read every row of the demo's table: the share is exact, as of then.
    assert _matched(client, "hazard_points") == exact - 1
    assert _matched(client, "hazard_points", filter="true") == exact  # filtered: counted
    areas = int(sql_value(demo_url, f"SELECT count(*) FROM hazard WHERE {AREA}"))
    assert _matched(client, "hazard_areas") == areas  # below the threshold: counted


def test_statement_text_does_not_depend_on_values() -> None:
    v = fq.view(get_layer("hazard"), ANONYMOUS)
    assert v is not None

    def statement(box: str, cql: str) -> str:
        q = fq.ItemsQuery(v)
        q.conditions.append(fq.bbox_condition(fq.parse_bbox(box, fq.CRS84), "t.geom", q.params))
        q.conditions.append(compile_filter(parse_filter(cql, "cql2-text"), v, fq.CRS84, q.params))
        return fq.items_sql(q, estimate=False)

    a = statement("138.2,34.8,138.3,34.9", "title = 'a' AND severity > 1")
    b = statement("1,2,3,4", "title = 'x''; DROP' AND severity > 3")
    assert a == b
    assert "DROP" not in b
