"""`machimap import`: every format, bad rows named by line or feature number, all or nothing."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from typer.testing import CliRunner

from api.cli import app
from layers.importing.load import ImportOptions, import_file
from tests.conftest import DEMO_DATA, sql_value

STANDARD_HEADER = (
    "都道府県コード又は市区町村コード,NO,都道府県名,市区町村名,名称,名称_カナ,名称_通称,POIコード,"
    "住所,方書,緯度,経度,電話番号,内線番号,法人番号,団体名,利用可能曜日,開始時間,終了時間,"
    "利用可能日時特記事項,説明,バリアフリー情報,URL,備考"
)


def _row(no: int, name: str, lat: str, lon: str, note: str = "") -> str:
    return (
        f"222127,{no},静岡県,焼津市,{name},,,,静岡県焼津市本町{no},,{lat},{lon},,,,,,,,{note},,,,"
    )


def _write(path: Path, lines: list[str], encoding: str) -> Path:
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def _facilities(url: str) -> int:
    return int(sql_value(url, "SELECT count(*) FROM facility"))


def test_shift_jis_standard_csv_names_each_bad_line_and_changes_nothing(
    demo_url: str, tmp_path: Path, cli: CliRunner
) -> None:
    before = _facilities(demo_url)
    lines = [
        STANDARD_HEADER,
        _row(1, "港地域交流センター", "34.84124155", "138.3262067"),  # line 2
        # line 3-4: a quoted field spanning two physical lines
        _row(
            2,
            "焼津地域交流センター",
            "34.863224",
            "138.320596",
            '"【開館時間】9:00～21:30\r\n休館日あり"',
        ),
        _row(3, "緯度経度が逆", "138.323171", "34.866918"),  # line 5: swapped
        _row(4, "静岡市役所", "34.9756", "138.3831"),  # line 6: outside the city
        _row(5, "数字でない", "北緯34度", "138.32"),  # line 7
        _row(6, "大井川地域交流センター", "34.80", "138.28"),  # line 8
    ]
    path = _write(tmp_path / "facilities_sjis.csv", lines, "cp932")
    result = cli.invoke(
        app, ["import", "facility", str(path), "--set", "kind=community_center", "-q"]
    )
    assert result.exit_code == 1, result.output
    assert "line 5:" in result.output and "swapped" in result.output
    assert "line 6:" in result.output and "outside the city" in result.output
    assert "line 7:" in result.output and "not numbers" in result.output
    assert "5行目" in result.output  # the Japanese message too
    for good in ("line 2:", "line 3:", "line 4:", "line 8:"):
        assert good not in result.output
    assert "nothing was imported" in result.output
    assert _facilities(demo_url) == before


def test_skip_invalid_loads_the_good_rows_and_writes_the_rejects(
    demo_url: str, tmp_path: Path, cli: CliRunner
) -> None:
    before = _facilities(demo_url)
    lines = [
        STANDARD_HEADER,
        _row(1, "港地域交流センター", "34.84124155", "138.3262067"),
        _row(2, "緯度経度が逆", "138.323171", "34.866918"),
        _row(3, "焼津地域交流センター", "34.863224", "138.320596"),
    ]
    path = _write(tmp_path / "centres.csv", lines, "utf-8-sig")
    rejects = tmp_path / "rejects.csv"
    result = cli.invoke(
        app,
        [
            "import",
            "facility",
            str(path),
            "--set",
            "kind=community_center",
            "--skip-invalid",
            "--rejects",
            str(rejects),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "2 loaded, 1 rejected" in result.output
    assert _facilities(demo_url) == before + 2
    with rejects.open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["line", "理由", "reason"]
    assert rows[1][0] == "3" and "swapped" in rows[1][2]
    # the district was assigned to what did load
    assert (
        sql_value(
            demo_url,
            "SELECT count(*) FROM facility WHERE district_id IS NULL AND source = 'centres'",
        )
        == 0
    )


def test_reimporting_the_same_file_updates_rather_than_duplicates(demo_url: str) -> None:
    aed = DEMO_DATA / "aed.csv"
    count = sql_value(demo_url, "SELECT count(*) FROM facility WHERE source = 'aed'")
    result = import_file("facility", aed, ImportOptions(constants={"kind": "aed"}), demo_url)
    assert result.committed and result.loaded == count
    assert sql_value(demo_url, "SELECT count(*) FROM facility WHERE source = 'aed'") == count


def test_standard_hazard_flags_become_disaster_types(demo_url: str) -> None:
    types = sql_value(demo_url, "SELECT disaster_types FROM facility WHERE name = '中港タワー'")
    assert types == ["earthquake", "tsunami"]


def test_duplicate_ids_within_one_file_are_named(db_url: str, tmp_path: Path) -> None:
    lines = [STANDARD_HEADER, _row(1, "A", "34.86", "138.32"), _row(1, "B", "34.87", "138.32")]
    path = _write(tmp_path / "dups.csv", lines, "utf-8")
    result = import_file("facility", path, ImportOptions(constants={"kind": "aed"}), db_url)
    assert not result.committed
    assert [(r.number, "duplicate" in r.reason_en) for r in result.rejected] == [(3, True)]


def test_geojson_invalid_polygon_is_repaired_and_wrong_types_are_refused(
    db_url: str, tmp_path: Path
) -> None:
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[138.30, 34.85], [138.32, 34.87], [138.32, 34.85], [138.30, 34.87], [138.30, 34.85]]
        ],
    }
    square = {
        "type": "Polygon",
        "coordinates": [[[138.30, 34.85], [138.31, 34.85], [138.31, 34.86], [138.30, 34.85]]],
    }
    point = {"type": "Point", "coordinates": [138.3, 34.85]}
    features = [
        {"type": "Feature", "properties": {"code": "A", "name": "蝶ネクタイ"}, "geometry": bowtie},
        {"type": "Feature", "properties": {"code": "B", "name": "三角"}, "geometry": square},
        {"type": "Feature", "properties": {"code": "C", "name": "点"}, "geometry": point},
    ]
    path = tmp_path / "areas.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    options = ImportOptions(constants={"level": "area"})
    result = import_file("district", path, options, db_url)
    assert not result.committed
    assert [r.number for r in result.rejected] == [3]
    assert "Point" in result.rejected[0].reason_en
    assert sql_value(db_url, "SELECT count(*) FROM district") == 0

    options.skip_invalid = True
    result = import_file("district", path, options, db_url)
    assert result.committed and result.loaded == 2 and result.repaired == 1
    assert sql_value(db_url, "SELECT bool_and(ST_IsValid(geom)) FROM district") is True
    assert (
        sql_value(db_url, "SELECT ST_GeometryType(geom) FROM district WHERE code = 'A'")
        == "ST_MultiPolygon"
    )


def test_geopackage_in_a_plane_rectangular_zone_is_transformed(
    demo_url: str, tmp_path: Path
) -> None:
    # 焼津市役所 in JGD2011 zone VIII (EPSG:6676), as a survey office would deliver it.
    frame = gpd.GeoDataFrame(
        {"名称": ["市役所前の段差", "区域外"], "ID": ["h1", "h2"]},
        geometry=[shapely.Point(-16166.88, -125686.97), shapely.Point(900000, 900000)],
        crs="EPSG:6676",
    )
    path = tmp_path / "hazards.gpkg"
    frame.to_file(path, driver="GPKG")
    result = import_file("hazard", path, ImportOptions(constants={"kind": "road_damage"}), demo_url)
    assert [r.number for r in result.rejected] == [2]  # in Japan, but not in this city
    assert "outside the city" in result.rejected[0].reason_en
    result = import_file(
        "hazard",
        path,
        ImportOptions(constants={"kind": "road_damage"}, skip_invalid=True),
        demo_url,
    )
    assert result.loaded == 1
    mine = "FROM hazard WHERE source_dataset = 'hazards'"
    lon = sql_value(demo_url, f"SELECT ST_X(geom) {mine}")
    lat = sql_value(demo_url, f"SELECT ST_Y(geom) {mine}")
    assert abs(float(lon) - 138.323171) < 1e-5
    assert abs(float(lat) - 34.866918) < 1e-5


def test_zipped_shapefile_in_jgd2000_with_shift_jis_attributes(db_url: str) -> None:
    path = DEMO_DATA / "junior_high_school_districts.zip"
    with zipfile.ZipFile(path) as zf:
        assert any(n.endswith(".shp") for n in zf.namelist())
    result = import_file(
        "school_district", path, ImportOptions(constants={"kind": "junior_high"}), db_url
    )
    assert result.committed and result.loaded == 9
    names = sql_value(db_url, "SELECT string_agg(name, ',' ORDER BY name) FROM school_district")
    assert "焼津中学校" in str(names)  # decoded from Shift_JIS
    # JGD2000 zone VIII became longitude/latitude around 焼津
    extent = sql_value(db_url, "SELECT ST_Extent(geom)::text FROM school_district")
    assert str(extent).startswith("BOX(138.2")


def test_a_missing_required_column_is_refused_before_reading(db_url: str, tmp_path: Path) -> None:
    path = _write(tmp_path / "x.csv", [STANDARD_HEADER, _row(1, "A", "34.86", "138.32")], "utf-8")
    from layers.importing.load import ImportRefused

    with pytest.raises(ImportRefused, match="kind"):
        import_file("facility", path, ImportOptions(), db_url)
    with pytest.raises(ImportRefused, match="unknown value"):
        import_file("facility", path, ImportOptions(constants={"kind": "castle"}), db_url)


def test_an_interrupted_import_leaves_the_database_as_it_was(demo_url: str) -> None:
    before = sql_value(demo_url, "SELECT count(*) FROM hazard")

    def interrupt(done: int, total: int | None) -> None:
        raise KeyboardInterrupt

    options = ImportOptions(
        constants={"kind": "traffic_accident"}, progress=interrupt, source_name="interrupted"
    )
    with pytest.raises(KeyboardInterrupt):
        import_file("hazard", DEMO_DATA / "traffic_accidents_2022.csv", options, demo_url)
    assert sql_value(demo_url, "SELECT count(*) FROM hazard") == before


def test_zipped_shapefile_bad_feature_is_named_by_number(db_url: str, tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"学校名": ["東小学校", None, "西小学校"]},
        geometry=[
            shapely.box(138.30, 34.85, 138.31, 34.86),
            shapely.box(138.31, 34.85, 138.32, 34.86),
            shapely.box(138.32, 34.85, 138.33, 34.86),
        ],
        crs="EPSG:6668",
    )
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    frame.to_file(shp_dir / "schools.shp", encoding="cp932")
    archive = tmp_path / "schools.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in shp_dir.iterdir():
            zf.write(part, part.name)
    options = ImportOptions(constants={"kind": "elementary"})
    result = import_file("school_district", archive, options, db_url)
    assert not result.committed
    assert [(r.number, "required" in r.reason_en) for r in result.rejected] == [(2, True)]
    assert sql_value(db_url, "SELECT count(*) FROM school_district") == 0


def test_an_unreachable_database_is_a_clear_error() -> None:
    from layers.importing.load import ImportRefused

    with pytest.raises(ImportRefused, match="connection failed"):
        import_file(
            "facility",
            DEMO_DATA / "aed.csv",
            ImportOptions(constants={"kind": "aed"}),
            "postgresql://nobody:x@127.0.0.1:1/none",
        )
