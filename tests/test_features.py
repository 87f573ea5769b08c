"""Staff edits of layer features: validation against the registry, the database's district
and boundary rules, and the audit trail every edit leaves."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from layers.city.editing import EDITABLE
from layers.importing.rows import GEOMETRY_FAMILIES
from layers.store.base import POINT_LINE_AREA
from tests.conftest import make_person, new_client, signed_in, sql_value

CITY_HALL = [138.3187, 34.8669]  # 焼津市役所
TOKYO = [139.69, 35.69]
HAZARDS = "/api/layers/hazard/features"


def point(lon_lat: list[float]) -> dict[str, Any]:
    return {"type": "Point", "coordinates": lon_lat}


def hazard(**properties: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": point(CITY_HALL),
        "properties": {"kind": "road_damage", "title": "舗装の穴", "severity": 3, **properties},
    }


def square(lon: float, lat: float, size: float = 0.002) -> list[list[list[float]]]:
    return [
        [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    ]


def staff_client() -> tuple[int, TestClient]:
    person = make_person("staff@example.jp", "staff", department="road")
    return person.id, signed_in(person)


def audit_rows(url: str) -> int:
    return int(sql_value(url, "SELECT count(*) FROM audit_log"))


def hazard_state(url: str) -> str:
    """Every hazard row, for 'nothing changed' assertions."""
    return str(sql_value(url, "SELECT md5(string_agg(h::text, '' ORDER BY id)) FROM hazard h"))


def test_the_editable_layers_are_the_citys_own() -> None:
    assert [layer.id for layer in EDITABLE] == [
        "district",
        "school_district",
        "facility",
        "hazard",
        "road",
        "green_space",
    ]
    # The hazard geometry check must accept exactly what the table's CHECK allows.
    assert GEOMETRY_FAMILIES["Geometry"] == set(POINT_LINE_AREA)


def test_staff_adds_a_hazard_and_the_database_locates_and_audits_it(demo_url: str) -> None:
    staff_id, client = staff_client()
    response = client.post(
        HAZARDS, json=hazard(observed_at="2026-05-01T09:30:00", description="自転車が転倒")
    )
    assert response.status_code == 201, response.text
    assert response.headers["content-type"] == "application/geo+json"
    feature = response.json()
    feature_id = feature["id"]
    assert response.headers["location"] == f"{HAZARDS}/{feature_id}"
    assert feature["geometry"] == point(CITY_HALL)
    props = feature["properties"]
    assert props["kind"] == "road_damage" and props["severity"] == 3
    assert props["status"] == "active" and props["source"] == "staff"  # the column defaults
    assert "repaired" not in feature

    # Open data gives local time without an offset: read as JST, stored as an instant.
    observed = sql_value(
        demo_url,
        "SELECT to_char(observed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') FROM hazard "
        "WHERE id = %s",
        feature_id,
    )
    assert observed == "2026-05-01 00:30"
    district = sql_value(demo_url, "SELECT district_id FROM hazard WHERE id = %s", feature_id)
    finest = sql_value(
        demo_url,
        "SELECT id FROM district WHERE ST_Intersects(geom, ST_SetSRID(ST_MakePoint(%s, %s), 4326))"
        " ORDER BY depth DESC LIMIT 1",
        *CITY_HALL,
    )
    assert district is not None and district == finest

    entry = (
        "SELECT {} FROM audit_log WHERE action = 'insert' AND subject_layer = 'hazard' "
        "AND subject_id = %s AND actor_user_id = %s"
    )
    assert sql_value(demo_url, entry.format("count(*)"), feature_id, staff_id) == 1
    after = sql_value(demo_url, entry.format("after"), feature_id, staff_id)
    assert after["title"] == "舗装の穴" and after["district_id"] == district
    assert after["geom"]["coordinates"] == CITY_HALL


def test_a_change_is_audited_with_only_what_changed(demo_url: str) -> None:
    staff_id, client = staff_client()
    feature_id = client.post(HAZARDS, json=hazard()).json()["id"]
    untouched = (
        "SELECT md5((to_jsonb(h) - 'severity' - 'updated_at')::text) FROM hazard h WHERE id = %s"
    )
    before = sql_value(demo_url, untouched, feature_id)

    response = client.patch(f"{HAZARDS}/{feature_id}", json={"properties": {"severity": 4}})
    assert response.status_code == 200, response.text
    assert response.json()["properties"]["severity"] == 4
    assert response.json()["properties"]["title"] == "舗装の穴"
    assert sql_value(demo_url, "SELECT severity FROM hazard WHERE id = %s", feature_id) == 4
    assert sql_value(demo_url, untouched, feature_id) == before
    row = (
        "SELECT {} FROM audit_log WHERE action = 'update' AND subject_layer = 'hazard' "
        "AND subject_id = %s AND actor_user_id = %s"
    )
    assert sql_value(demo_url, row.format("count(*)"), feature_id, staff_id) == 1
    assert sql_value(demo_url, row.format("before"), feature_id, staff_id) == {"severity": 3}
    assert sql_value(demo_url, row.format("after"), feature_id, staff_id) == {"severity": 4}

    # Moving it within the city: the database assigns the district of the new place.
    current = sql_value(demo_url, "SELECT district_id FROM hazard WHERE id = %s", feature_id)
    elsewhere = sql_value(
        demo_url,
        "SELECT ARRAY[ST_X(p), ST_Y(p)] FROM (SELECT ST_PointOnSurface(geom) p FROM district "
        "WHERE level = 'neighbourhood' AND id <> %s ORDER BY id LIMIT 1) s",
        current,
    )
    moved = [round(c, 6) for c in elsewhere]
    response = client.patch(f"{HAZARDS}/{feature_id}", json={"geometry": point(moved)})
    assert response.status_code == 200, response.text
    assert response.json()["geometry"] == point(moved)
    expected = sql_value(
        demo_url,
        "SELECT id FROM district WHERE ST_Intersects(geom, ST_SetSRID(ST_MakePoint(%s, %s), 4326))"
        " ORDER BY depth DESC LIMIT 1",
        *moved,
    )
    district = sql_value(demo_url, "SELECT district_id FROM hazard WHERE id = %s", feature_id)
    assert district == expected and district != current


def test_delete_is_audited_with_the_row_as_it_was(demo_url: str) -> None:
    staff_id, client = staff_client()
    feature_id = client.post(HAZARDS, json=hazard(title="倒木")).json()["id"]
    response = client.delete(f"{HAZARDS}/{feature_id}")
    assert response.status_code == 204 and response.content == b""
    assert sql_value(demo_url, "SELECT count(*) FROM hazard WHERE id = %s", feature_id) == 0
    before, after = (
        sql_value(
            demo_url,
            f"SELECT {column} FROM audit_log WHERE action = 'delete' AND subject_layer = 'hazard' "
            "AND subject_id = %s AND actor_user_id = %s",
            feature_id,
            staff_id,
        )
        for column in ("before", "after")
    )
    assert before["title"] == "倒木" and before["severity"] == 3
    assert after is None

    again = client.delete(f"{HAZARDS}/{feature_id}")
    assert again.status_code == 404
    assert str(feature_id) in again.json()["detail"] and again.json()["detail_ja"]


def test_only_staff_and_admins_edit(demo_url: str) -> None:
    existing = sql_value(demo_url, "SELECT min(id) FROM hazard")
    state, logged = hazard_state(demo_url), audit_rows(demo_url)
    resident = signed_in(make_person("resident@example.jp"))
    for client, status in ((resident, 403), (new_client(), 401)):
        assert client.post(HAZARDS, json=hazard()).status_code == status
        patch = client.patch(f"{HAZARDS}/{existing}", json={"properties": {"severity": 1}})
        assert patch.status_code == status
        assert client.delete(f"{HAZARDS}/{existing}").status_code == status
    assert hazard_state(demo_url) == state
    assert audit_rows(demo_url) == logged

    admin = signed_in(make_person("admin@example.jp", "admin"))
    assert admin.post(HAZARDS, json=hazard()).status_code == 201


def collapsed_polygon() -> dict[str, Any]:
    # Out along a line and back again: no area, nothing a repair could keep.
    lon, lat = CITY_HALL
    ring = [[lon, lat], [lon + 0.001, lat], [lon + 0.002, lat], [lon + 0.001, lat], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


BAD_HAZARDS: list[tuple[str, Any, int, str]] = [
    (
        "unknown kind",
        hazard(kind="pothole"),
        400,
        "'kind' has unknown value 'pothole' (allowed: road_damage, waterside",
    ),
    ("unknown property", hazard(colour="red"), 400, "property 'colour' is unknown"),
    ("system column", hazard(district_id=1), 400, "'district_id' is kept by the system"),
    ("number as text", hazard(severity="3"), 400, "'severity' must be a JSON integer (got '3')"),
    ("fraction", hazard(severity=2.5), 400, "'severity' value '2.5' is not a valid integer"),
    ("out of the rule", hazard(severity=9), 422, "severity BETWEEN 1 AND 4"),
    ("not ISO", hazard(observed_at="2026/05/01"), 400, "'observed_at' must be an ISO 8601"),
    ("bad date", hazard(observed_at="2026-13-45"), 400, "'observed_at' value '2026-13-45'"),
    ("too long", hazard(title="穴" * 201), 400, "'title' is longer than 200 characters"),
    ("required emptied", hazard(title="  "), 400, "'title' is required"),
    (
        "missing required",
        {"type": "Feature", "geometry": point(CITY_HALL), "properties": {"title": "穴"}},
        400,
        "required property 'kind' is missing",
    ),
    ("no geometry", {**hazard(), "geometry": None}, 400, "geometry is missing"),
    (
        "collapsed polygon",
        {**hazard(), "geometry": collapsed_polygon()},
        400,
        "invalid geometry and could not be repaired",
    ),
    (
        "swapped",
        {**hazard(), "geometry": point(CITY_HALL[::-1])},
        400,
        "latitude and longitude look swapped",
    ),
    (
        "multipoint",
        {**hazard(), "geometry": {"type": "MultiPoint", "coordinates": [CITY_HALL]}},
        400,
        "geometry type MultiPoint is not allowed here",
    ),
    (
        "not GeoJSON",
        {**hazard(), "geometry": {"type": "Circle", "coordinates": CITY_HALL}},
        400,
        "unknown type 'Circle'",
    ),
    ("outside the city", {**hazard(), "geometry": point(TOKYO)}, 422, "outside the city"),
    ("not a Feature", {**hazard(), "type": "FeatureCollection"}, 400, 'type must be "Feature"'),
    ("an array", [hazard()], 400, "the body must be a GeoJSON Feature object"),
    ("client id", {**hazard(), "id": 5}, 400, "assigned by the server"),
    ("foreign member", {**hazard(), "crs": "EPSG:4326"}, 400, "unexpected Feature member 'crs'"),
]


def test_bad_input_is_refused_in_both_languages_and_nothing_is_stored(
    demo_url: str, no_rate_limits: None
) -> None:
    _, client = staff_client()
    state, logged = hazard_state(demo_url), audit_rows(demo_url)
    for name, body, status, detail in BAD_HAZARDS:
        response = client.post(HAZARDS, json=body)
        assert response.status_code == status, (name, response.text)
        problem = response.json()
        assert response.headers["content-type"] == "application/problem+json", name
        assert detail in problem["detail"], (name, problem["detail"])
        assert problem["detail_ja"] and problem["detail_ja"] != problem["title_ja"], name
    assert hazard_state(demo_url) == state
    assert audit_rows(demo_url) == logged


def test_problems_are_itemised_for_forms(demo_url: str) -> None:
    _, client = staff_client()
    body = hazard(kind="pothole", severity="high", colour="red")
    body["geometry"] = point(CITY_HALL[::-1])
    problem = client.post(HAZARDS, json=body).json()
    assert problem["detail"].startswith("4 problems: ")
    by_member = {e["member"]: e for e in problem["errors"]}
    assert set(by_member) == {
        "properties.kind",
        "properties.severity",
        "properties.colour",
        "geometry",
    }
    assert "road_damage" in by_member["properties.kind"]["allowed"]
    assert by_member["geometry"]["code"] == "swapped_coordinates"
    assert all(e["detail_ja"] for e in problem["errors"])


def test_a_failed_change_changes_nothing(demo_url: str, no_rate_limits: None) -> None:
    _, client = staff_client()
    feature_id = client.post(HAZARDS, json=hazard()).json()["id"]
    state, logged = hazard_state(demo_url), audit_rows(demo_url)
    url = f"{HAZARDS}/{feature_id}"
    cases: list[tuple[Any, int, str]] = [
        # The severity is valid, the place is not: neither is stored.
        ({"properties": {"severity": 1}, "geometry": point(TOKYO)}, 422, "outside the city"),
        ({"properties": {"title": None}}, 400, "'title' is required"),
        ({"properties": {"severity": None}}, 400, "'severity' cannot be empty"),
        ({"geometry": None}, 400, "geometry is missing"),
        ({}, 400, "nothing to change"),
        ({"properties": {}}, 400, "nothing to change"),
        ({"id": feature_id + 1, "properties": {"severity": 1}}, 400, "differs from"),
        ({"properties": ["severity"]}, 400, "properties must be an object"),
    ]
    for body, status, detail in cases:
        response = client.patch(url, json=body)
        assert response.status_code == status, (body, response.text)
        assert detail in response.json()["detail"], (body, response.json()["detail"])
        assert response.json()["detail_ja"]
    assert hazard_state(demo_url) == state
    assert audit_rows(demo_url) == logged


def test_unknown_layers_and_features_are_404(demo_url: str) -> None:
    _, client = staff_client()
    for layer in ("nowhere", "safety_map_feature", "report", "patrol"):
        response = client.post(f"/api/layers/{layer}/features", json=hazard())
        assert response.status_code == 404, layer
        problem = response.json()
        assert problem["detail"] == (
            f"no editable layer '{layer}' (editable layers: "
            "district, school_district, facility, hazard, road, green_space)"
        )
        assert "district, school_district, facility, hazard" in problem["detail_ja"]
    patch = client.patch(f"{HAZARDS}/999999999", json={"properties": {"severity": 1}})
    assert patch.status_code == 404
    assert client.delete(f"{HAZARDS}/999999999").status_code == 404
    # Not an id at all (beyond bigint, or not a number): 400 naming the parameter.
    for feature_id in ("9223372036854775808", "abc", "0"):
        patch = client.patch(f"{HAZARDS}/{feature_id}", json={"properties": {"severity": 1}})
        assert patch.status_code == 400, feature_id
        assert "feature_id" in patch.json()["detail"]
        assert client.delete(f"{HAZARDS}/{feature_id}").status_code == 400


FACILITY_ROW = (
    "SELECT md5((to_jsonb(f) - 'name' - 'disaster_types' - 'updated_at')::text) "
    "FROM facility f WHERE id = %s"
)


def test_a_facility_edit_keeps_every_other_field(demo_url: str, no_rate_limits: None) -> None:
    staff_id, client = staff_client()
    facility = sql_value(
        demo_url,
        "SELECT min(id) FROM facility WHERE address IS NOT NULL AND extra <> '{}' "
        "AND cardinality(synthetic) > 0",
    )
    assert facility is not None
    before = sql_value(demo_url, FACILITY_ROW, facility)
    url = f"/api/layers/facility/features/{facility}"
    response = client.patch(
        url,
        json={
            "properties": {"name": "焼津市役所（新庁舎）", "disaster_types": ["tsunami", "flood"]}
        },
    )
    assert response.status_code == 200, response.text
    props = response.json()["properties"]
    assert props["name"] == "焼津市役所（新庁舎）"
    assert props["disaster_types"] == ["tsunami", "flood"]
    address = sql_value(demo_url, "SELECT address FROM facility WHERE id = %s", facility)
    assert props["address"] == address
    assert sql_value(demo_url, FACILITY_ROW, facility) == before
    changed = sql_value(
        demo_url,
        "SELECT array_agg(k ORDER BY k) FROM audit_log, jsonb_object_keys(after) k "
        "WHERE subject_layer = 'facility' AND subject_id = %s AND actor_user_id = %s",
        facility,
        staff_id,
    )
    assert set(changed) <= {"name", "disaster_types"} and "name" in changed

    refused = {
        "accessibility": ("step_free", 400, "'accessibility' must be an array of strings"),
        "disaster_types": (["meteor"], 422, "disaster_types <@ ARRAY['flood'"),
        "owner": ("mayor", 400, "'owner' has unknown value 'mayor'"),
        "capacity": (2**40, 400, "'capacity' value 1099511627776 is out of range"),
        "seismic_standard": (None, 400, "'seismic_standard' cannot be empty"),
    }
    for name, (value, status, detail) in refused.items():
        answer = client.patch(url, json={"properties": {name: value}})
        assert answer.status_code == status, (name, answer.text)
        assert detail in answer.json()["detail"], (name, answer.json()["detail"])
    # A point layer takes points only.
    area = client.patch(
        url, json={"geometry": {"type": "Polygon", "coordinates": square(*CITY_HALL)}}
    )
    assert area.status_code == 400 and "Polygon is not allowed here" in area.json()["detail"]
    assert sql_value(demo_url, FACILITY_ROW, facility) == before


def test_new_facility_takes_the_column_defaults(demo_url: str) -> None:
    _, client = staff_client()
    response = client.post(
        "/api/layers/facility/features",
        json={
            "type": "Feature",
            "geometry": point([138.3190, 34.8672]),
            "properties": {"kind": "aed", "name": "市役所1階AED", "capacity": None, "owner": None},
        },
    )
    assert response.status_code == 201, response.text
    props = response.json()["properties"]
    assert props["owner"] == "city" and props["seismic_standard"] == "unknown"
    assert props["disaster_types"] == [] and props["capacity"] is None
    source = sql_value(demo_url, "SELECT source FROM facility WHERE id = %s", response.json()["id"])
    assert source == "manual"


def test_areas_are_stored_as_multipolygons_and_join_the_hierarchy(demo_url: str) -> None:
    _, client = staff_client()
    lon, lat = CITY_HALL
    block = {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": square(lon - 0.001, lat - 0.001)},
        "properties": {"level": "block", "code": "TEST-1", "name": "本町テスト丁目"},
    }
    response = client.post("/api/layers/district/features", json=block)
    assert response.status_code == 201, response.text
    district_id = response.json()["id"]
    assert response.json()["geometry"]["type"] == "MultiPolygon"
    parent = sql_value(demo_url, "SELECT parent_id FROM district WHERE id = %s", district_id)
    coarser = sql_value(
        demo_url,
        "SELECT id FROM district WHERE depth < 3 AND "
        "ST_Intersects(geom, ST_SetSRID(ST_MakePoint(%s, %s), 4326)) ORDER BY depth DESC LIMIT 1",
        *CITY_HALL,
    )
    assert parent is not None and parent == coarser
    # The database locates new features in the new block at once.
    inside = client.post(HAZARDS, json=hazard()).json()["id"]
    assert (
        sql_value(demo_url, "SELECT district_id FROM hazard WHERE id = %s", inside) == district_id
    )

    again = client.post("/api/layers/district/features", json=block)
    assert again.status_code == 409
    assert (
        again.json()["detail"] == "layer district already has a feature with the same (level, code)"
    )

    school = client.post(
        "/api/layers/school_district/features",
        json={
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": CITY_HALL},
            "properties": {"kind": "elementary", "name": "テスト小学校区"},
        },
    )
    assert school.status_code == 400
    assert "Point is not allowed here" in school.json()["detail"]


def test_a_repaired_area_is_stored_and_reported(demo_url: str) -> None:
    _, client = staff_client()
    lon, lat = CITY_HALL
    d = 0.002
    bowtie = [[[lon, lat], [lon + d, lat + d], [lon + d, lat], [lon, lat + d], [lon, lat]]]
    response = client.post(
        HAZARDS, json={**hazard(), "geometry": {"type": "Polygon", "coordinates": bowtie}}
    )
    assert response.status_code == 201, response.text
    feature = response.json()
    assert feature["repaired"].startswith("repaired: Self-intersection")
    assert feature["geometry"]["type"] == "MultiPolygon"
    assert len(feature["geometry"]["coordinates"]) == 2  # the two triangles drawn
    valid = sql_value(demo_url, "SELECT ST_IsValid(geom) FROM hazard WHERE id = %s", feature["id"])
    assert valid is True


def test_an_area_other_districts_lie_in_is_not_deleted(demo_url: str) -> None:
    _, client = staff_client()
    city = sql_value(demo_url, "SELECT id FROM district WHERE level = 'city'")
    logged = audit_rows(demo_url)
    response = client.delete(f"/api/layers/district/features/{city}")
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == "other rows (district) still refer to this feature"
    assert sql_value(demo_url, "SELECT count(*) FROM district WHERE id = %s", city) == 1
    assert audit_rows(demo_url) == logged

    school = sql_value(demo_url, "SELECT min(id) FROM school_district")
    assert client.delete(f"/api/layers/school_district/features/{school}").status_code == 204
    assert sql_value(demo_url, "SELECT count(*) FROM school_district WHERE id = %s", school) == 0
