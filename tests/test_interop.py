"""What GIS clients and API tooling trip on (issue 14): valid OpenAPI documents, HEAD on every
GET route, the storage CRS said the way the data is stored."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from openapi_spec_validator import validate

from api.app import create_app
from api.permissions import api_routes
from tests.conftest import new_client

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
SCHEMA_JSON = "application/schema+json"


@pytest.mark.parametrize("path", ["/openapi.json", "/ogc/api"])
def test_both_openapi_documents_are_valid(demo_url: str, path: str) -> None:
    """What client generators need: every placeholder declared, every schema well formed
    (openapi-spec-validator, OpenAPI 3.0 and 3.1)."""
    answer = new_client().get(path)
    assert answer.status_code == 200
    validate(answer.json())


def _example(route: APIRoute) -> str:
    """The route's path with a value in each placeholder: a real collection, a tile of the
    city, or 1; an answer of 404 serves the comparison as well as a 200."""
    values = {"collection_id": "hazard", "layer_id": "hazard", "layer": "hazard"}
    values |= {"z": "14", "x": "14487", "y": "6497"}

    def value(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[0]
        return values.get(name, "1")

    return re.sub(r"\{([^}]+)\}", value, route.path)


def test_every_get_route_answers_head_as_its_get(demo_url: str) -> None:
    app = create_app()
    client = TestClient(app, base_url="https://testserver")
    gets = [r for r in api_routes(app.routes) if "GET" in (r.methods or ())]
    assert len(gets) > 40
    for route in gets:
        path = _example(route)
        got, head = client.get(path), client.head(path)
        assert head.status_code == got.status_code, (path, head.status_code, got.status_code)
        assert head.content == b"", path
        assert head.headers.get("content-type") == got.headers.get("content-type"), path
        if "etag" in got.headers:
            assert head.headers["etag"] == got.headers["etag"], path

    # What the issue tried: `curl -I …/tiles/style.json`.
    plain = {"Accept-Encoding": "identity"}
    style = client.head("/tiles/style.json", headers=plain)
    assert style.status_code == 200
    whole = client.get("/tiles/style.json", headers=plain).content
    assert int(style.headers["content-length"]) == len(whole)
    # With gzip accepted, HEAD says the coding and the length GET sends on the wire.
    zipped = client.head("/tiles/style.json", headers={"Accept-Encoding": "gzip"})
    with client.stream("GET", "/tiles/style.json", headers={"Accept-Encoding": "gzip"}) as got:
        wire = b"".join(got.iter_raw())
    assert zipped.headers["content-encoding"] == "gzip"
    assert int(zipped.headers["content-length"]) == len(wire) < len(whole)
    assert "max-age" in style.headers["cache-control"]


def test_head_where_there_is_no_get_is_405_naming_what_is(demo_url: str) -> None:
    answer = new_client().head("/auth/login")
    assert answer.status_code == 405
    assert "HEAD" not in answer.headers["allow"] and "POST" in answer.headers["allow"]
    listed = new_client().put("/tiles/style.json")
    assert listed.status_code == 405
    assert listed.headers["allow"] == "GET, HEAD"


def test_the_storage_crs_is_crs84(demo_url: str) -> None:
    """Stored longitude first: a client taking EPSG:4326 literally would swap the axes."""
    collection = new_client().get("/ogc/collections/hazard_points").json()
    assert collection["storageCrs"] == CRS84
    assert CRS84 in collection["crs"]


def test_every_collection_publishes_its_schema(demo_url: str) -> None:
    """OGC API - Features Part 5: the geometry type, and the type and title of every
    property the caller reads; the GeoJSON feature schema GDAL reads says the same."""
    from layers.registry import get_layer

    client = new_client()
    for collection in client.get("/ogc/collections").json()["collections"]:
        links = {(link["rel"], link["type"]): link["href"] for link in collection["links"]}
        schema_url = links[("http://www.opengis.net/def/rel/ogc/1.0/schema", SCHEMA_JSON)]
        feature_url = links[("describedBy", SCHEMA_JSON)]
        schema = client.get(schema_url)
        assert schema.headers["content-type"].startswith(SCHEMA_JSON)
        props = schema.json()["properties"]
        layer = get_layer(
            collection["id"].removesuffix("_points").removesuffix("_lines").removesuffix("_areas")
        )
        assert props["geometry"]["x-ogc-role"] == "primary-geometry"
        assert props["geometry"]["format"] == f"geometry-{collection['geometryType'].lower()}"
        assert props["id"]["x-ogc-role"] == "id"
        for f in layer.public_fields:
            assert props[f.name]["title"] and props[f.name]["type"], (layer.id, f.name)
        feature = client.get(feature_url).json()
        inner = feature["properties"]["properties"]["properties"]
        assert inner == {k: v for k, v in props.items() if k not in ("geometry", "id")}


def test_the_credit_the_licence_asks_for_reaches_every_output(demo_url: str) -> None:
    """PDL1.0 asks for 「出典：焼津市」, and the accident data for 警察庁 as well."""
    client = new_client()
    hazard = client.get("/ogc/collections/hazard_points").json()
    assert hazard["attribution"].startswith("出典：焼津市")
    assert "警察庁" in hazard["attribution"]
    assert client.get("/ogc/collections/facility").json()["attribution"] == "出典：焼津市"
    page = client.get("/ogc/collections/hazard_points", params={"f": "html"})
    assert "出典：焼津市" in page.text
    tilejson = client.get("/tiles/hazard,facility/tilejson.json").json()
    # One 出典 naming each source once.
    assert tilejson["attribution"].startswith("出典：焼津市、警察庁 交通事故統計オープンデータ")
    assert tilejson["attribution"].count("焼津市、") == 1
    style = client.get("/tiles/style.json").json()
    assert "出典：焼津市" in style["sources"]["machimap"]["attribution"]


def test_ogc_pages_speak_one_language_and_japan_time(demo_url: str) -> None:
    client = new_client()
    html = {"Accept": "text/html"}
    english = client.get(
        "/ogc/collections/report_points/items", headers={**html, "Accept-Language": "en-GB,en"}
    )
    assert english.status_code == 200
    assert '<html lang="en">' in english.text and english.headers["content-language"] == "en"
    assert "の一覧" not in english.text and "Resident reports (points): features" in english.text
    same = client.get("/ogc/collections/report_points/items", params={"lang": "en"}, headers=html)
    assert '<html lang="en">' in same.text
    japanese = client.get("/ogc/collections/report_points/items", headers=html)
    assert '<html lang="ja">' in japanese.text and "Features" not in japanese.text
    # Times as a resident reads them: Japan time, with the offset said.
    times = re.findall(r'<time datetime="([^"]+)">([^<]+)</time>', japanese.text)
    assert times, japanese.text[:500]
    for machine, shown in times:
        assert shown.endswith("(+09:00)"), (machine, shown)
    collection = client.get("/ogc/collections/report_points", params={"lang": "en"}, headers=html)
    assert '<html lang="en">' in collection.text and "Licence" in collection.text
