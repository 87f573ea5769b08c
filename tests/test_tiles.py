"""Vector tiles over the demo city: what a tile holds and for whom, caching and invalidation,
TileJSON and the MapLibre style."""

from __future__ import annotations

import gzip
import json
import time
from typing import Any

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient

from layers.registry import get_layer
from layers.serving import tiles, versions
from tests.conftest import make_person, new_client, signed_in, sql_value

CITY_HALL = "/tiles/{layers}/14/14487/6497.mvt"  # 焼津市役所, lon 138.3187 lat 34.8669
WHOLE_CITY = "/tiles/{layers}/8/226/101.mvt"  # every row of the demo city in one tile
OCEAN = "/tiles/hazard,facility,district/14/14495/6506.mvt"  # 駿河湾
MVT = "application/vnd.mapbox-vector-tile"
CANARY = "PRIVATE-CANARY-92"


def decode(content: bytes) -> dict[str, Any]:
    decoded: dict[str, Any] = mapbox_vector_tile.decode(content)
    return decoded


def features(response: Any, layer: str) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = decode(response.content).get(layer, {}).get("features", [])
    return found


def ids(response: Any, layer: str) -> set[int]:
    return {int(f["id"]) for f in features(response, layer)}


@pytest.fixture
def client(demo_url: str) -> TestClient:
    return new_client()


def test_a_city_hall_tile_holds_hazards_and_facilities_with_public_fields_only(
    client: TestClient,
) -> None:
    for name in ("hazard", "facility"):
        response = client.get(CITY_HALL.format(layers=name))
        assert response.headers["content-type"] == MVT
        found = features(response, name)
        assert len(found) >= 5, name
        public = {f.name for f in get_layer(name).public_fields}
        for feature in found:
            assert isinstance(feature["id"], int)
            assert set(feature["properties"]) <= public, set(feature["properties"]) - public
        # Columns outside the registry's public fields never travel.
        raw = client.get(CITY_HALL.format(layers=name)).content  # httpx has gunzipped it
        assert b"synthetic" not in raw and b"source_dataset" not in raw


def test_a_multi_layer_tile_holds_each_layer_as_alone(client: TestClient) -> None:
    both = client.get(CITY_HALL.format(layers="hazard,facility"))
    layers = decode(both.content)
    assert set(layers) == {"hazard", "facility"}
    for name in ("hazard", "facility"):
        assert ids(both, name) == ids(client.get(CITY_HALL.format(layers=name)), name)


def test_an_empty_tile_is_204_and_bad_coordinates_are_400(client: TestClient) -> None:
    empty = client.get(OCEAN)
    assert empty.status_code == 204 and empty.content == b""
    assert empty.headers["etag"]

    for path in (
        "/tiles/hazard/23/0/0.mvt",  # beyond tile_max_zoom
        "/tiles/hazard/-1/0/0.mvt",
        "/tiles/hazard/14/16384/6497.mvt",  # x past the last column at z14
        "/tiles/hazard/14/14487/-1.mvt",
        "/tiles/hazard/abc/1/1.mvt",
        "/tiles/hazard,,facility/14/14487/6497.mvt",
        "/tiles/hazard,hazard/14/14487/6497.mvt",
    ):
        bad = client.get(path)
        assert bad.status_code == 400, path
        assert bad.headers["content-type"] == "application/problem+json"
        assert bad.json()["detail_ja"] and bad.json()["detail"]

    unknown = client.get("/tiles/hazard,castle/14/14487/6497.mvt")
    assert unknown.status_code == 404
    assert "castle" in unknown.json()["detail"] and "hazard" in unknown.json()["known_layers"]


def test_etag_304_and_gzip(client: TestClient) -> None:
    url = CITY_HALL.format(layers="hazard")
    first = client.get(url)
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert first.headers["content-encoding"] == "gzip"
    assert first.headers["cache-control"].startswith("public, max-age=")
    assert "Cookie" not in first.headers["vary"]  # hazards look the same to everyone

    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200

    # The bytes on the wire are gzip; without gzip the client gets the same tile plainly,
    # under another validator.
    with client.stream("GET", url) as streamed:
        wire = b"".join(streamed.iter_raw())
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert gzip.decompress(wire) == plain.content == first.content
    assert plain.headers["etag"] != etag
    assert decode(plain.content)["hazard"]["features"]


def _wait_for_version(demo_url: str, layer: str) -> int:
    """The listener hears of a commit within milliseconds; allow a loaded machine more."""
    wanted = int(
        sql_value(demo_url, "SELECT version FROM layer_metadata WHERE layer_id = %s", layer)
    )
    deadline = time.monotonic() + 10
    while versions.get([layer]) != (wanted,) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert versions.get([layer]) == (wanted,)
    return wanted


def _add_hazard(demo_url: str, title: str) -> int:
    return int(
        sql_value(
            demo_url,
            "INSERT INTO hazard (kind, title, severity, geom) VALUES ('road_damage', %s, 4, "
            "ST_SetSRID(ST_MakePoint(138.3187, 34.8669), 4326)) RETURNING id",
            title,
        )
    )


def test_a_write_changes_the_tile_and_its_etag_without_a_restart(
    client: TestClient, demo_url: str
) -> None:
    url = CITY_HALL.format(layers="hazard,facility")
    before = client.get(url)
    assert len(tiles.cache()) >= 1
    assert client.get(url).headers["etag"] == before.headers["etag"]  # from the cache

    new_id = _add_hazard(demo_url, "新しい穴")
    _wait_for_version(demo_url, "hazard")
    assert versions.listening()
    after = client.get(url)
    assert after.headers["etag"] != before.headers["etag"]
    assert ids(after, "hazard") == ids(before, "hazard") | {new_id}
    assert ids(after, "facility") == ids(before, "facility")
    # The old validator no longer matches.
    assert client.get(url, headers={"If-None-Match": before.headers["etag"]}).status_code == 200


def test_without_the_listener_versions_are_read_from_the_database(
    demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    versions.stop()
    monkeypatch.setattr(versions._Tracker, "_listen", lambda self: None)
    monkeypatch.setattr(versions, "FALLBACK_TTL_S", 0.0)
    client = new_client()
    url = CITY_HALL.format(layers="hazard")
    before = client.get(url)
    new_id = _add_hazard(demo_url, "聞こえなかった穴")
    after = client.get(url)  # at once: nothing to wait for
    assert not versions.listening()
    assert new_id in ids(after, "hazard") and new_id not in ids(before, "hazard")
    versions.stop()


def test_safety_map_publication_bumps_its_features_layer(demo_url: str) -> None:
    before = int(
        sql_value(
            demo_url, "SELECT version FROM layer_metadata WHERE layer_id = %s", "safety_map_feature"
        )
    )
    sql_value(demo_url, "UPDATE safety_map SET is_published = false RETURNING id")
    after = int(
        sql_value(
            demo_url, "SELECT version FROM layer_metadata WHERE layer_id = %s", "safety_map_feature"
        )
    )
    assert after > before


def test_a_capped_tile_keeps_the_most_severe_hazards(
    demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from layers.store.settings import get_settings

    monkeypatch.setenv("MACHIMAP_TILE_FEATURE_LIMIT", "20")
    get_settings.cache_clear()
    client = new_client()
    kept = features(client.get(WHOLE_CITY.format(layers="hazard")), "hazard")
    assert len(kept) == 20
    # The registry's order decides: severity first, and the id breaks every tie.
    expected = sql_value(
        demo_url,
        "SELECT array_agg(id) FROM "
        f"(SELECT id FROM hazard ORDER BY {get_layer('hazard').tile_order} LIMIT 20) AS s",
    )
    assert [f["id"] for f in kept] == expected
    severities = [f["properties"]["severity"] for f in kept]
    assert min(severities) == int(sql_value(demo_url, "SELECT max(severity) FROM hazard"))


def test_reports_show_public_rows_and_public_fields_only(client: TestClient, demo_url: str) -> None:
    public_ids = set(
        sql_value(
            demo_url,
            "SELECT array_agg(r.id) FROM report r JOIN report_category c ON c.id = r.category_id "
            "WHERE r.is_public AND NOT c.sensitive",
        )
    )
    planted = min(public_ids)
    sql_value(
        demo_url,
        "UPDATE report SET description = %s WHERE id = %s RETURNING id",
        f"{CANARY} 隣の家の前",
        planted,
    )
    url = WHOLE_CITY.format(layers="report")
    anonymous = client.get(url, headers={"Accept-Encoding": "identity"})
    assert ids(anonymous, "report") == public_ids  # no unpublished or sensitive report
    assert CANARY.encode() not in anonymous.content
    assert "Cookie" in anonymous.headers["vary"]  # staff get more under the same URL

    staff = signed_in(make_person("staff@example.jp", "staff", department="road"))
    everything = staff.get(url, headers={"Accept-Encoding": "identity"})
    assert ids(everything, "report") == set(sql_value(demo_url, "SELECT array_agg(id) FROM report"))
    assert CANARY.encode() not in everything.content  # staff read the original text elsewhere
    assert everything.headers["cache-control"].startswith("private")


def test_patrols_are_seen_by_their_group_only(client: TestClient, demo_url: str) -> None:
    url = WHOLE_CITY.format(layers="patrol")
    assert client.get(url).status_code == 404
    assert client.get(WHOLE_CITY.format(layers="hazard,patrol")).status_code == 404
    assert client.get("/tiles/patrol/tilejson.json").status_code == 404
    outsider = signed_in(make_person("resident@example.jp"))
    assert outsider.get(url).status_code == 404

    group = int(sql_value(demo_url, "SELECT min(group_id) FROM patrol"))
    own = set(sql_value(demo_url, "SELECT array_agg(id) FROM patrol WHERE group_id = %s", group))
    member = signed_in(make_person("member@example.jp", groups={group: "member"}))
    cached = len(tiles.cache())
    seen = member.get(url)
    assert ids(seen, "patrol") == own
    assert seen.headers["cache-control"].startswith("private")
    assert len(tiles.cache()) == cached  # private tiles are never shared
    # Another group's member gets their own patrols under the same URL, and another validator.
    other = int(sql_value(demo_url, "SELECT max(group_id) FROM patrol"))
    theirs = signed_in(make_person("other@example.jp", groups={other: "member"})).get(url)
    assert ids(theirs, "patrol") and not ids(theirs, "patrol") & own
    assert theirs.headers["etag"] != seen.headers["etag"]
    mixed = member.get(WHOLE_CITY.format(layers="hazard,patrol"))
    assert ids(mixed, "patrol") == own and ids(mixed, "hazard")


def test_tilejson(client: TestClient) -> None:
    response = client.get("/tiles/hazard,facility/tilejson.json")
    assert response.status_code == 200
    body = response.json()
    assert body["tilejson"] == "3.0.0"
    assert body["tiles"] == ["https://testserver/tiles/hazard,facility/{z}/{x}/{y}.mvt"]
    assert body["minzoom"] == 0 and 14 <= body["maxzoom"] <= 22
    west, south, east, north = body["bounds"]
    assert 138.2 < west < east < 138.4 and 34.7 < south < north < 35.0
    lon, lat, zoom = body["center"]
    assert west < lon < east and south < lat < north and 9 <= zoom <= 14
    assert [v["id"] for v in body["vector_layers"]] == ["hazard", "facility"]
    hazard = body["vector_layers"][0]
    assert set(hazard["fields"]) == {f.name for f in get_layer("hazard").public_fields}
    assert hazard["fields"]["severity"].startswith("Number")
    assert "description" in hazard and "危険箇所" in hazard["description"]
    assert "公共データ利用規約" in body["attribution"]
    assert response.headers["cache-control"].startswith("public")


def test_style_is_maplibre_json_over_our_tiles_and_the_gsi_basemap(client: TestClient) -> None:
    response = client.get("/tiles/style.json")
    assert response.status_code == 200
    style = json.loads(response.text)
    assert style["version"] == 8
    urls = [u for source in style["sources"].values() for u in source.get("tiles", [])]
    assert tiles.GSI_PALE in urls
    ours = [u for u in urls if u != tiles.GSI_PALE]
    assert ours and all(u.startswith("https://testserver/tiles/") for u in ours)
    assert not any("url" in source for source in style["sources"].values())
    assert style["sources"]["gsi-pale"]["attribution"].count("地理院タイル") == 1
    assert style["layers"][0]["type"] == "background"
    used = {layer.get("source") for layer in style["layers"]} - {None}
    assert used <= set(style["sources"])
    source_layers = {layer.get("source-layer") for layer in style["layers"]} - {None}
    assert {"hazard", "facility", "district", "report"} <= source_layers
    assert "patrol" not in source_layers  # nobody anonymous may see it
    # Text only where machimap serves the glyphs for it (tests/test_labels.py).
    symbols = [layer for layer in style["layers"] if layer["type"] == "symbol"]
    assert symbols and style["glyphs"].startswith("https://testserver/tiles/glyphs/")
    # Areas below lines below points across layers: the hazards' flood areas never cover
    # the shelters' symbols (issue 15).
    kinds = [layer["type"] for layer in style["layers"] if layer.get("source") == "machimap"]
    rank = {"fill": 0, "line": 1}
    assert [rank.get(k, 2) for k in kinds] == sorted(rank.get(k, 2) for k in kinds), kinds
    hazard = next(layer for layer in style["layers"] if layer["id"] == "hazard-circle")
    # Coloured by kind from the one symbol table, as the web map draws them.
    colour = hazard["paint"]["circle-color"]
    assert colour[:2] == ["match", ["get", "kind"]]
    assert dict(zip(colour[2:-1:2], colour[3:-1:2], strict=True))["underpass"] == "#e69f00"
    # The tile URL of the style works.
    assert client.get(ours[0].replace("{z}/{x}/{y}", "14/14487/6497")).status_code == 200


def test_the_cache_is_bounded_by_bytes() -> None:
    cache = tiles.TileCache(max_bytes=3_000)
    for i in range(10):
        cache.put((("hazard",), 14, i, 0, (1,)), tiles.Tile(b"x" * 700, str(i), True))
    assert cache.bytes <= 3_000
    assert cache.get((("hazard",), 14, 9, 0, (1,))) is not None  # the newest stays
    assert cache.get((("hazard",), 14, 0, 0, (1,))) is None  # the oldest went
    cache.put((("hazard",), 14, 99, 0, (1,)), tiles.Tile(b"x" * 5_000, "big", True))
    assert cache.get((("hazard",), 14, 99, 0, (1,))) is None  # larger than the whole cache


def test_tiles_survive_lost_database_connections(client: TestClient, demo_url: str) -> None:
    assert client.get(CITY_HALL.format(layers="hazard")).status_code == 200
    killed = sql_value(
        demo_url,
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    assert killed >= 2  # the tile pool's connection and the version listener at least
    # Not in the cache: built on a fresh connection, with versions read without the listener.
    assert ids(client.get(CITY_HALL.format(layers="facility")), "facility")


def test_the_hazard_tile_order_has_an_index_in_that_order(db_url: str) -> None:
    """Migration 0005 mirrors the registry; if tile_order changes, the index must follow."""
    from layers.registry import get_layer
    from tests.conftest import sql_value

    definition = sql_value(
        db_url, "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_hazard_tile_order'"
    )
    assert definition is not None
    order = get_layer("hazard").tile_order
    assert order.startswith("severity DESC, (status = 'resolved')")
    assert "severity DESC" in definition and "observed_at DESC NULLS LAST, id)" in definition


def test_the_public_maps_tiles_count_points_in_clusters_below_the_cluster_zoom(
    client: TestClient, demo_url: str
) -> None:
    spec = "facility,hazard,report,district"
    whole = WHOLE_CITY.format(layers=spec)
    clustered = client.get(whole, params={"clusters": "true"})
    plain = client.get(whole)
    # GIS clients keep every point; the map's tiles count them instead, a fraction the size.
    assert "clusters" not in decode(plain.content)
    assert not [f for f in features(clustered, "facility")]
    assert len(clustered.content) * 5 < len(plain.content)
    cells = features(clustered, "clusters")
    assert len(cells) >= 2
    # Every point is counted once, by layer and kind: the counts add up to the table's.
    counted: dict[str, int] = {}
    for cell in cells:
        props = cell["properties"]
        assert props["count"] == sum(v for k, v in props.items() if k != "count")
        for key, value in props.items():
            counted[key] = counted.get(key, 0) + value
    assert counted["facility.shelter"] == sql_value(
        demo_url, "SELECT count(*) FROM facility WHERE kind = 'shelter'"
    )
    points = "ST_GeometryType(geom) = 'ST_Point'"
    assert counted["hazard.traffic_accident"] == sql_value(
        demo_url, f"SELECT count(*) FROM hazard WHERE kind = 'traffic_accident' AND {points}"
    )
    assert counted["report"] == sql_value(
        demo_url,
        f"SELECT count(*) FROM report WHERE {points} AND is_public AND category_id NOT IN "
        "(SELECT id FROM report_category WHERE sensitive)",
    )
    # Lines and areas are not clustered: the flood areas are still drawn at city zoom.
    assert any(f["properties"]["kind"] == "flood_history" for f in features(clustered, "hazard"))
    # From the cluster zoom on, the same points one by one; the ETags differ from GIS tiles'.
    near = CITY_HALL.format(layers=spec)
    up_close = client.get(near, params={"clusters": "true"})
    assert "clusters" not in decode(up_close.content)
    assert ids(up_close, "facility") == ids(client.get(near), "facility")
    assert clustered.headers["etag"] != plain.headers["etag"]
