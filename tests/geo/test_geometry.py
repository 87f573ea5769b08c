import json
import math
import pickle

import numpy as np
import pytest
import shapely

from geo import geometry as g
from geo.geometry import GeometryError

BOWTIE = shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2), (0, 0)])
COLLAPSED = shapely.Polygon([(0, 0), (1, 1), (2, 2), (0, 0)])  # zero-area "polygon"
SQUARE = shapely.box(138.3, 34.8, 138.4, 34.9)


def test_error_carries_code_and_both_languages() -> None:
    err = GeometryError("out_of_range", "english", "日本語")
    assert isinstance(err, ValueError)
    assert (err.code, err.message_en, err.message_ja) == ("out_of_range", "english", "日本語")
    assert str(err) == "english"
    clone = pickle.loads(pickle.dumps(err))
    assert (clone.code, clone.message_en, clone.message_ja) == (err.code, "english", "日本語")


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(138.323171, 34.866918), (139.767, 35.681), (122.94, 24.45), (153.98, 24.28)],
)
def test_japanese_points_accepted(lon: float, lat: float) -> None:
    g.check_lonlat(lon, lat)
    p = g.point_from_lonlat(lon, lat)
    assert (p.x, p.y) == (lon, lat)


def test_swapped_coordinates() -> None:
    with pytest.raises(GeometryError) as info:
        g.point_from_lonlat(34.87, 138.32)
    err = info.value
    assert err.code == "swapped_coordinates"
    assert "lat=138.32" in err.message_en and "lon=34.87" in err.message_en
    assert "swapped" in str(err)
    assert "入れ替わ" in err.message_ja and "緯度 138.32" in err.message_ja


@pytest.mark.parametrize(
    ("lon", "lat", "code"),
    [
        (2.35, 48.85, "outside_japan"),  # Paris
        (-74.0, 40.7, "outside_japan"),
        (200.0, 35.0, "out_of_range"),
        (139.0, -95.0, "out_of_range"),
        (math.nan, 35.0, "not_a_number"),
        (139.0, math.inf, "not_a_number"),
        ("abc", 35.0, "not_a_number"),
    ],
)
def test_rejected_points(lon: float, lat: float, code: str) -> None:
    with pytest.raises(GeometryError) as info:
        g.check_lonlat(lon, lat)
    assert info.value.code == code
    assert info.value.message_ja


def test_valid_geometry_passes_unchanged() -> None:
    out, note = g.validate(SQUARE, allowed={"Polygon", "MultiPolygon"})
    assert out is SQUARE
    assert note is None


def test_repeated_coordinates_are_fine() -> None:
    line = shapely.LineString([(0, 0), (0, 0), (1, 1)])
    assert g.validate(line) == (line, None)


def test_bowtie_is_repaired_to_multipolygon() -> None:
    out, note = g.validate(BOWTIE, allowed={"Polygon", "MultiPolygon"})
    assert out.geom_type == "MultiPolygon"
    assert out.is_valid
    assert len(out.geoms) == 2
    assert out.area == pytest.approx(2.0)
    assert note is not None and note.startswith("repaired: Self-intersection")


@pytest.mark.skipif(shapely.geos_version < (3, 10, 0), reason="needs make_valid structure")
def test_repair_uses_structure_method() -> None:
    # A hole sticking out of its shell: "structure" cuts it away (area 3), whereas the
    # "linework" method would turn the protruding part into extra area (area 6).
    poly = shapely.Polygon(
        [(0, 0), (2, 0), (2, 2), (0, 2), (0, 0)], [[(1, 1), (3, 1), (3, 3), (1, 3), (1, 1)]]
    )
    out, note = g.validate(poly)
    assert out.is_valid
    assert out.area == pytest.approx(3.0)
    assert note is not None and note.startswith("repaired:")


def test_bowtie_refused_without_repair() -> None:
    with pytest.raises(GeometryError) as info:
        g.validate(BOWTIE, repair=False)
    assert info.value.code == "invalid_geometry"
    assert "Self-intersection" in info.value.message_en
    assert "Self-intersection" in info.value.message_ja


def test_repair_that_changes_type_to_disallowed_one_is_refused() -> None:
    with pytest.raises(GeometryError) as info:
        g.validate(BOWTIE, allowed={"Polygon"})
    assert info.value.code == "invalid_geometry"
    assert "MultiPolygon" in info.value.message_en


@pytest.mark.parametrize("repair", [True, False])
def test_collapsed_polygon_refused(repair: bool) -> None:
    # With repair the only valid result is linework, which is not an area: refuse it.
    with pytest.raises(GeometryError) as info:
        g.validate(COLLAPSED, repair=repair)
    assert info.value.code == "invalid_geometry"
    assert shapely.is_valid_reason(COLLAPSED) in info.value.message_en


def test_multipolygon_repair_drops_collapsed_part() -> None:
    mp = shapely.MultiPolygon([shapely.box(0, 0, 1, 1), COLLAPSED])
    out, note = g.validate(mp)
    assert out.geom_type == "MultiPolygon"
    assert out.is_valid
    assert out.area == pytest.approx(1.0)
    assert note is not None and note.startswith("repaired:")


def test_point_with_nan_is_refused() -> None:
    # Refused before validity and repair, with the code check_lonlat gives a NaN point too.
    with pytest.raises(GeometryError) as info:
        g.validate(shapely.Point(math.nan, 35.0))
    assert info.value.code == "not_a_number"


@pytest.mark.parametrize(
    ("geom", "allowed"),
    [
        (shapely.Point(138.3, 34.8), {"Polygon", "MultiPolygon"}),
        (SQUARE, {"Point"}),
        (shapely.GeometryCollection([shapely.Point(0, 0)]), {"Point", "LineString"}),
        ("POINT (0 0)", None),
    ],
)
def test_wrong_types_refused(geom: shapely.Geometry, allowed: set[str] | None) -> None:
    with pytest.raises(GeometryError) as info:
        g.validate(geom, allowed=allowed)
    assert info.value.code == "unsupported_type"


def test_unknown_allowed_name_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="Multipolygon"):
        g.validate(SQUARE, allowed={"Multipolygon"})


@pytest.mark.parametrize("geom", [shapely.Polygon(), shapely.Point(), None])
def test_empty_refused(geom: shapely.Geometry) -> None:
    with pytest.raises(GeometryError) as info:
        g.validate(geom)
    assert info.value.code == "empty_geometry"


def test_z_dropped_with_note() -> None:
    p3 = shapely.Polygon([(0, 0, 5), (1, 0, 5), (1, 1, 5), (0, 0, 5)])
    out, note = g.validate(p3)
    assert not out.has_z
    assert shapely.equals(out, shapely.force_2d(p3))
    assert note == "dropped Z coordinates"
    bow3 = shapely.force_3d(BOWTIE, 1.0)
    out, note = g.validate(bow3)
    assert not out.has_z and out.is_valid
    assert note is not None and "dropped Z" in note and "repaired" in note


def test_validate_many_all_valid_does_no_per_row_work(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(0)
    pts = shapely.points(rng.uniform(138, 139, 10_000), rng.uniform(34.5, 35.5, 10_000))

    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("validate() must not be called for valid rows")

    monkeypatch.setattr(g, "validate", boom)
    out, errors, notes = g.validate_many(pts, allowed={"Point"})
    assert len(out) == 10_000
    assert errors == [None] * 10_000
    assert notes == [None] * 10_000
    assert all(a is b for a, b in zip(out, pts, strict=True))


def test_validate_many_marks_exactly_bad_rows() -> None:
    good = shapely.box(0, 0, 1, 1)
    rows = [good] * 20
    rows[3] = BOWTIE  # repaired -> note, no error
    rows[7] = COLLAPSED  # unrepairable
    rows[11] = shapely.Point(0, 0)  # wrong type
    rows[12] = None
    rows[15] = shapely.Polygon()
    rows[18] = shapely.force_3d(good, 2.0)  # fine after dropping Z
    arr = np.array(rows, dtype=object)
    out, errors, notes = g.validate_many(arr, allowed={"Polygon", "MultiPolygon"})
    codes = {i: e.code for i, e in enumerate(errors) if e is not None}
    assert codes == {
        7: "invalid_geometry",
        11: "unsupported_type",
        12: "empty_geometry",
        15: "empty_geometry",
    }
    assert {i for i, n in enumerate(notes) if n} == {3, 18}
    assert all(out[i] is None for i in codes)
    assert out[3].geom_type == "MultiPolygon"
    assert not out[18].has_z
    assert arr[3] is BOWTIE  # input is not modified
    # A plain list gives the same answer.
    _, list_errors, _ = g.validate_many(rows, allowed={"Polygon", "MultiPolygon"})
    assert [e and e.code for e in list_errors] == [e and e.code for e in errors]


def test_parse_geojson_dict_and_str() -> None:
    obj = {"type": "Point", "coordinates": [138.323171, 34.866918]}
    assert g.parse_geojson_geometry(obj).equals(shapely.Point(138.323171, 34.866918))
    poly = g.parse_geojson_geometry(json.dumps(shapely.geometry.mapping(SQUARE)))
    assert poly.equals(SQUARE)
    gc = g.parse_geojson_geometry({"type": "GeometryCollection", "geometries": [obj]})
    assert gc.geom_type == "GeometryCollection"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "not an object"),
        ({"type": "Point"}, "coordinates"),
        ({"type": "point", "coordinates": [1, 2]}, "unknown type"),
        ({"type": "Feature", "geometry": None, "properties": {}}, "Feature"),
        ({"type": "Point", "coordinates": [1]}, "coordinates"),
        ({"type": "Point", "coordinates": [1, "a"]}, "coordinates"),
        ({"type": "LineString", "coordinates": [[0, 0]]}, "coordinates"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]}, "coordinates"),
        ({"type": "Polygon", "coordinates": [1, 2]}, "coordinates"),
        ({"type": "GeometryCollection", "geometries": [{"type": "Point"}]}, "coordinates"),
    ],
)
def test_parse_geojson_rejects(value: dict[str, object] | str, fragment: str) -> None:
    with pytest.raises(GeometryError) as info:
        g.parse_geojson_geometry(value)
    assert info.value.code == "invalid_geojson"
    assert fragment in info.value.message_en
    assert info.value.message_ja.startswith("GeoJSON")
