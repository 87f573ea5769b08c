"""A real GIS client against a real server: GDAL's OAPIF driver (ogrinfo, ogr2ogr) reads
/ogc from uvicorn on a free local port, over the demo city."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest
import uvicorn

from layers.registry import POINT_LINE_AREA_PARTS, GeometryPart, get_layer
from tests.conftest import sql_value

pytestmark = pytest.mark.skipif(
    shutil.which("ogrinfo") is None or shutil.which("ogr2ogr") is None,
    reason="GDAL command-line tools (ogrinfo, ogr2ogr; Debian gdal-bin) are not installed",
)

# Every collection an anonymous GIS client opens: its layer, and its geometry part when
# the layer mixes points, lines and areas (no patrol: only its group sees it).
COLLECTIONS: dict[str, tuple[str, GeometryPart | None]] = {
    "district": ("district", None),
    "school_district": ("school_district", None),
    "facility": ("facility", None),
    "road": ("road", None),
    "green_space": ("green_space", None),
    **{
        f"{layer}_{part.suffix}": (layer, part)
        for layer in ("hazard", "report", "safety_map_feature")
        for part in POINT_LINE_AREA_PARTS
    },
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(demo_url: str) -> Iterator[str]:
    """The app served by uvicorn in a thread (DATABASE_URL already points at the demo)."""
    from api.app import create_app

    port = _free_port()
    config = uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/ogc"
    srv.should_exit = True
    thread.join(timeout=10)


def _gdal(*args: str) -> str:
    return _gdal_run(*args).stdout


def _gdal_run(*args: str, debug: bool = False) -> subprocess.CompletedProcess[str]:
    """With debug, GDAL's stderr names every URL it fetched ("HTTP: Fetch(…)")."""
    done = subprocess.run(
        args,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        env={
            "PATH": "/usr/bin:/bin",
            "GDAL_HTTP_TIMEOUT": "60",
            "CPL_DEBUG": "ON" if debug else "OFF",
        },
    )
    assert done.returncode == 0, done.stderr
    return done


def _public_count(url: str, collection: str) -> int:
    layer_id, part = COLLECTIONS[collection]
    layer = get_layer(layer_id)
    conditions = [f"({layer.public_filter})"] if layer.public_filter else []
    if part is not None:
        kinds = ", ".join(f"'{k}'" for k in part.stored)
        conditions.append(f"ST_GeometryType(geom) IN ({kinds})")
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    return int(sql_value(url, f'SELECT count(*) FROM "{layer.table}"{where}'))


def _summaries(text: str) -> dict[str, str]:
    """ogrinfo -so output split per layer."""
    parts = re.split(r"^Layer name: ", text, flags=re.M)[1:]
    return {p.split("\n", 1)[0].strip(): p for p in parts}


def test_ogrinfo_lists_every_public_layer_with_counts_and_fields(
    demo_url: str, server: str
) -> None:
    out = _gdal("ogrinfo", "-ro", "-al", "-so", f"OAPIF:{server}")
    layers = _summaries(out)
    assert sorted(layers) == sorted(COLLECTIONS)
    for collection, summary in layers.items():
        count = re.search(r"^Feature Count: (\d+)", summary, flags=re.M)
        assert count is not None, summary
        assert int(count.group(1)) == _public_count(demo_url, collection), collection
        layer_id = COLLECTIONS[collection][0]
        for f in get_layer(layer_id).public_fields:
            assert re.search(rf"^{f.name}: ", summary, flags=re.M), (layer_id, f.name)
        for f in get_layer(layer_id).fields:
            if not f.public:
                assert f"{f.name}:" not in summary.replace("public_description:", "")


# What a Shapefile keeps of each declared type: one shape type per file, lines and areas
# as arcs and polygons (which hold their multi-part forms).
SHAPEFILE_TYPES = {"Point": "Point", "MultiLineString": "LineString", "MultiPolygon": "Polygon"}


def test_ogr2ogr_copies_every_collection_to_gpkg_and_shapefile(
    demo_url: str, server: str, tmp_path: Path
) -> None:
    """A Shapefile takes one geometry type: a collection mixing points and lines stopped at
    the first line ("Unable to write feature"). Every collection now copies whole, with its
    declared geometry type and the field types from its schema."""
    import pyogrio

    declared = {
        c["id"]: c["geometryType"] for c in httpx.get(f"{server}/collections").json()["collections"]
    }
    assert set(declared) == set(COLLECTIONS)
    copied = 0
    (tmp_path / "shp").mkdir()
    for collection, (layer_id, _) in COLLECTIONS.items():
        expected = _public_count(demo_url, collection)
        gpkg = tmp_path / f"{collection}.gpkg"
        _gdal("ogr2ogr", "-f", "GPKG", str(gpkg), f"OAPIF:{server}", collection)
        info = pyogrio.read_info(gpkg, layer=collection)
        assert info["features"] == expected, collection
        assert {f.name for f in get_layer(layer_id).public_fields} <= set(info["fields"])
        shapefile = tmp_path / "shp" / collection
        _gdal("ogr2ogr", "-f", "ESRI Shapefile", str(shapefile), f"OAPIF:{server}", collection)
        shp = pyogrio.read_info(shapefile / f"{collection}.shp")
        assert shp["features"] == expected, collection
        if expected:
            copied += expected
            assert shp["geometry_type"] == SHAPEFILE_TYPES[declared[collection]], collection
        types = dict(zip(shp["fields"], shp["ogr_types"], strict=True))
        for f in get_layer(layer_id).public_fields:
            name = f.name[:10]  # a Shapefile's field names are at most 10 bytes
            if f.type == "integer" and name in types:
                assert types[name] in ("OFTInteger", "OFTInteger64"), (collection, f.name)
    # The school routes (lines) among the community safety map features are all there.
    assert _public_count(demo_url, "safety_map_feature_lines") > 0
    assert copied == sum(_public_count(demo_url, c) for c in COLLECTIONS)


def _fetched(stderr: str) -> list[str]:
    return [unquote(url) for url in re.findall(r"HTTP: Fetch\((\S+?)\)", stderr)]


def _feature_count(stdout: str) -> int:
    return len(re.findall(r"^OGRFeature\(", stdout, flags=re.M))


def test_gdal_filters_on_the_server(demo_url: str, server: str) -> None:
    """GDAL turns -where into a filter only for an API that lists filter-lang cql-text (the
    draft's name), and a date comparison into datetime=…T/…T; both are answered here."""
    found = _gdal_run(
        "ogrinfo", "-ro", "-q", f"OAPIF:{server}", "hazard_points", "-where", "severity >= 3",
        debug=True,
    )  # fmt: skip
    fetched = _fetched(found.stderr)
    # The first page is GDAL's look at the fields; every page it reads after carries the filter.
    items = [u for u in fetched if "/collections/hazard_points/items" in u][1:]
    assert items and all("filter=" in u and "filter-lang=cql-text" in u for u in items), fetched
    where = "severity >= 3 AND ST_GeometryType(geom) = 'ST_Point'"
    expected = sql_value(demo_url, f"SELECT count(*) FROM hazard WHERE {where}")
    assert _feature_count(found.stdout) == expected > 0


def test_a_date_ending_in_t_is_that_day_in_japan(demo_url: str, server: str) -> None:
    base = f"{server}/collections/hazard_points/items"
    by_day = httpx.get(base, params={"datetime": "2020-01-01/2030-12-31", "limit": 1})
    gdal_style = httpx.get(base, params={"datetime": "2020-01-01T/2030-12-31T", "limit": 1})
    assert by_day.status_code == gdal_style.status_code == 200, gdal_style.text
    assert by_day.json()["numberMatched"] == gdal_style.json()["numberMatched"]
    one_day = httpx.get(base, params={"datetime": "2024-05-01T", "limit": 1})
    assert one_day.status_code == 200, one_day.text


def test_a_connection_string_with_parameters_opens(demo_url: str, server: str) -> None:
    """GDAL passes `OAPIF:…/ogc?crs=…` parameters to every page it reads: the pages other
    than items ignore what they do not use, and items honour the CRS (plane rectangular
    zone VIII, where 焼津市 lies)."""
    zone8 = "http://www.opengis.net/def/crs/EPSG/0/6676"
    found = _gdal_run(
        "ogrinfo", "-ro", "-so", f"OAPIF:{server}?crs={zone8}", "hazard_points", debug=True
    )
    fetched = _fetched(found.stderr)
    assert any(u.startswith(f"{server}/collections?") and "crs=" in u for u in fetched), fetched
    count = re.search(r"^Feature Count: (\d+)", found.stdout, flags=re.M)
    assert count is not None and int(count.group(1)) == _public_count(demo_url, "hazard_points")
    assert "6676" in found.stdout or "Japan Plane Rectangular CS VIII" in found.stdout


def _field_types(summary: str) -> dict[str, str]:
    return dict(re.findall(r"^(\w+): (\w+) \(", summary, flags=re.M))


def test_gdal_takes_field_types_from_the_schema(demo_url: str, server: str) -> None:
    """Without a schema GDAL guesses from the first page: a count null there became a
    string, a list became JSON text."""
    out = _gdal_run("ogrinfo", "-ro", "-so", f"OAPIF:{server}", "district", "facility").stdout
    layers = _summaries(out)
    district, facility = _field_types(layers["district"]), _field_types(layers["facility"])
    assert district["population"] == district["households"] == "Integer", district
    assert facility["capacity"] == "Integer", facility
    for layer_id, types in (("district", district), ("facility", facility)):
        for f in get_layer(layer_id).public_fields:
            expected = {"integer": "Integer", "number": "Real", "string[]": "StringList"}
            if f.type in expected:
                assert types[f.name] == expected[f.type], (layer_id, f.name, types)


def test_pyogrios_gdal_takes_field_types_from_the_schema(demo_url: str, server: str) -> None:
    """The same through GDAL 3.12 (pyogrio's wheel), which QGIS releases track."""
    import pyogrio

    district = pyogrio.read_info(f"OAPIF:{server}", layer="district")
    types = dict(zip(district["fields"], district["ogr_types"], strict=True))
    assert types["population"] == types["households"] == "OFTInteger", types
    facility = pyogrio.read_info(f"OAPIF:{server}", layer="facility")
    types = dict(zip(facility["fields"], facility["ogr_types"], strict=True))
    assert types["capacity"] == "OFTInteger" and types["disaster_types"] == "OFTStringList", types


def test_gdals_ogcapi_driver_finds_the_tiles_from_a_collection(demo_url: str, server: str) -> None:
    """OGC API - Tiles: GDAL 3.12 (pyogrio's, as QGIS releases track) follows the collection's
    tilesets-vector link to the tileset, its tile matrix set and the tile URL template, with
    no tile URL typed by hand, and offers the tiles as one layer per zoom level."""
    import pyogrio

    layers = pyogrio.list_layers(f"OGCAPI:{server}/collections/facility")
    names = [str(name) for name, _ in layers]
    assert names and all(name.startswith("Zoom level ") for name in names), names
    assert "Zoom level 0" in names
