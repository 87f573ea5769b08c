"""`machimap import`: every format, bad rows named by line or feature number, all or nothing."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from typer.testing import CliRunner, Result

from api.cli import app
from layers.importing.load import ImportOptions, ImportRefused, ImportResult, import_file
from tests.conftest import DEMO_DATA, sql_value

LIMIT = 1 << 20  # geo.formats.CSV_FIELD_LIMIT: the test states the promise on its own

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

    # A facility's kind is inferred when missing (tests/test_facility_kinds.py); a hazard's
    # is not.
    with pytest.raises(ImportRefused, match="kind"):
        import_file("hazard", path, ImportOptions(), db_url)
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


# --- what the csv module cannot read, NUL characters, many bad rows, several layers ------

PLAIN_HEADER = "名称,緯度,経度,備考"  # hazard: 名称 -> title, 備考 -> description


def _plain(name: str, lat: str = "34.86", lon: str = "138.32", note: str = "") -> str:
    return f"{name},{lat},{lon},{note}"


def _hazards(
    path: Path, url: str, skip_invalid: bool = False, rejects: Path | None = None
) -> ImportResult:
    options = ImportOptions(
        constants={"kind": "other"}, skip_invalid=skip_invalid, rejects_path=rejects
    )
    return import_file("hazard", path, options, url)


def _import_cli(cli: CliRunner, path: Path, *args: str) -> Result:
    return cli.invoke(app, ["import", "hazard", str(path), "--set", "kind=other", "-q", *args])


def test_a_long_note_still_imports(db_url: str, tmp_path: Path) -> None:
    # Longer than the csv module's default limit (131,072 characters), quoted and with line
    # breaks, the way a long 備考 is written.
    note = "長い備考です。\r\n" * 20_000
    lines = [PLAIN_HEADER, _plain("長い", note=f'"{note}"'), _plain("短い")]
    result = _hazards(_write(tmp_path / "long.csv", lines, "utf-8"), db_url)
    assert result.committed and result.loaded == 2
    stored = sql_value(db_url, "SELECT length(description) FROM hazard WHERE title = '長い'")
    assert stored == len(note.strip()) > 131_072


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        pytest.param(
            [_plain("A"), _plain("B", note="x" * (LIMIT + 1)), _plain("C")],
            ["line 3:", "longer than 1,048,576 characters", "3行目"],
            id="a field longer than the limit",
        ),
        pytest.param(
            [
                _plain("A"),
                _plain("B", note='"開いたまま'),
                *[_plain(f"C{i}") for i in range(80_000)],
            ],
            ["line 3:", "longer than 1,048,576 characters", "quote", "3行目"],
            id="a quote never closed, far from the end",
        ),
        pytest.param(
            [_plain("A"), _plain("B", note='"開いたまま'), _plain("C"), _plain("D")],
            ["line 3:", "never closed before the end of the file", "3行目"],
            id="a quote never closed, near the end",
        ),
        pytest.param(
            [_plain("A"), _plain("B"), _plain("C", note='"開いたまま')],
            ["line 4:", "never closed", "4行目"],
            id="a quote never closed on the last line",
        ),
        pytest.param(['"名称', _plain("A")], ["line 1:", "never closed"], id="in the header"),
    ],
)
def test_a_csv_the_csv_module_cannot_split_is_refused_naming_the_line(
    db_url: str, tmp_path: Path, cli: CliRunner, lines: list[str], expected: list[str]
) -> None:
    """After a quote that is never closed nothing tells where the next row begins, so the
    import is refused as a whole; before, a traceback, or the rest of the file silently
    taken as one 備考 (and its rows never imported)."""
    header = [] if lines[0].startswith('"') else [PLAIN_HEADER]
    path = _write(tmp_path / "broken.csv", [*header, *lines], "utf-8")
    result = _import_cli(cli, path, "--skip-invalid")
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for text in expected:
        assert text in result.output
    assert "Traceback" not in result.output
    assert sql_value(db_url, "SELECT count(*) FROM hazard") == 0


def test_nul_characters_in_a_csv_reject_their_rows_naming_the_column(
    db_url: str, tmp_path: Path, cli: CliRunner
) -> None:
    lines = [
        f"{PLAIN_HEADER},管理番号",
        _plain("A") + ",1",
        _plain("B\x00") + ",2",  # line 3: in a column the layer keeps
        _plain("C") + ",3\x00",  # line 4: in one it does not (kept in no column)
        _plain("D") + ",4",
    ]
    path = _write(tmp_path / "nul.csv", lines, "utf-8")
    result = _hazards(path, db_url)
    assert not result.committed
    assert [r.number for r in result.rejected] == [3, 4]
    assert "'名称'" in result.rejected[0].reason_en and "NUL" in result.rejected[0].reason_en
    assert "「管理番号」" in result.rejected[1].reason_ja
    rejects = tmp_path / "nul.rejects.csv"
    cli_result = _import_cli(cli, path, "--skip-invalid")
    assert cli_result.exit_code == 0, cli_result.output
    assert "2 loaded, 2 rejected" in cli_result.output
    assert rejects.exists()
    titles = sql_value(db_url, "SELECT string_agg(title, ',' ORDER BY title) FROM hazard")
    assert titles == "A,D"


def test_a_nul_in_a_csv_header_refuses_the_file(db_url: str, tmp_path: Path) -> None:
    path = _write(tmp_path / "nul_header.csv", [PLAIN_HEADER + "\x00", _plain("A")], "utf-8")
    with pytest.raises(ImportRefused, match="line 1"):
        _hazards(path, db_url)


def test_a_nul_in_geojson_properties_never_fails_the_copy(db_url: str, tmp_path: Path) -> None:
    """GDAL (3.12) cuts text at a NUL before pyogrio hands it over; were it passed on, the
    row would be rejected naming the field (geo.formats.nul_cells). Either way, no crash."""
    features = [
        {
            "type": "Feature",
            "properties": {"名称": name, "備考": note},
            "geometry": {"type": "Point", "coordinates": [138.32, 34.86]},
        }
        for name, note in (("A", "ok"), ("B\u0000後", "ok"), ("C", "x\u0000y"))
    ]
    path = tmp_path / "nul.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    result = _hazards(path, db_url, skip_invalid=True)
    assert result.committed and result.loaded + result.rejected_count == 3
    assert all("NUL" in r.reason_en for r in result.rejected)
    stored = sql_value(db_url, "SELECT string_agg(title || description, ',') FROM hazard")
    assert "\x00" not in stored


def _many_bad(path: Path, rows: int) -> tuple[Path, list[int]]:
    """One row in three good; the bad ones alternate between a check made row by row (not a
    number) and one made a batch at a time (swapped coordinates), so they are found out of
    order within each batch."""
    lines, bad = [PLAIN_HEADER], []
    for i in range(rows):
        number = i + 2
        if i % 3 == 0:
            lines.append(_plain(f"良{i}"))
        elif i % 3 == 1:
            lines.append(_plain(f"数字でない{i}", lat="北緯"))
            bad.append(number)
        else:
            lines.append(_plain(f"逆{i}", lat="138.32", lon="34.86"))
            bad.append(number)
    return _write(path, lines, "utf-8"), bad


def _rejects_file(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_many_bad_rows_print_twenty_and_write_all_in_order(
    db_url: str, tmp_path: Path, cli: CliRunner
) -> None:
    path, bad = _many_bad(tmp_path / "many.csv", 30_000)  # three batches of rows
    result = _import_cli(cli, path, "--skip-invalid")
    assert result.exit_code == 0, result.output
    named = [line for line in result.output.splitlines() if line.startswith("line ")]
    assert [int(line.split()[1].rstrip(":")) for line in named] == bad[:20]
    rejects = tmp_path / "many.rejects.csv"
    assert f"and {len(bad) - 20} more; all {len(bad)} are in {rejects}" in result.output
    assert f"10000 loaded, {len(bad)} rejected" in result.output
    rows = _rejects_file(rejects)
    assert rows[0] == ["line", "理由", "reason"]
    assert [int(r[0]) for r in rows[1:]] == bad
    assert "not numbers" in rows[1][2] and "swapped" in rows[2][2]
    assert not list(tmp_path.glob(".many.rejects.csv.*"))  # no temporary file left behind
    (tmp_path / "plain").touch()  # as readable as any file the operator writes
    assert rejects.stat().st_mode == (tmp_path / "plain").stat().st_mode


def test_without_a_rejects_file_the_screen_says_how_to_get_them_all(
    db_url: str, tmp_path: Path, cli: CliRunner
) -> None:
    path, bad = _many_bad(tmp_path / "many.csv", 300)
    result = _import_cli(cli, path)
    assert result.exit_code == 1, result.output
    assert len([line for line in result.output.splitlines() if line.startswith("line ")]) == 20
    assert f"and {len(bad) - 20} more (--rejects FILE writes them all)" in result.output
    assert f"{len(bad)} invalid row(s): nothing was imported" in result.output
    assert not list(tmp_path.glob("*rejects*"))
    rejects = tmp_path / "out" / "bad.csv"
    rejects.parent.mkdir()
    result = _import_cli(cli, path, "--rejects", str(rejects))
    assert result.exit_code == 1
    assert f"all {len(bad)} are in {rejects}" in result.output
    assert [int(r[0]) for r in _rejects_file(rejects)[1:]] == bad
    assert sql_value(db_url, "SELECT count(*) FROM hazard") == 0


def test_a_rejects_file_that_cannot_be_written_refuses_the_import(
    db_url: str, tmp_path: Path
) -> None:
    nowhere = tmp_path / "missing" / "rejects.csv"
    path, _ = _many_bad(tmp_path / "bad.csv", 30)
    with pytest.raises(ImportRefused, match="cannot write the rejected rows"):
        _hazards(path, db_url, skip_invalid=True, rejects=nowhere)
    assert sql_value(db_url, "SELECT count(*) FROM hazard") == 0
    good = _write(tmp_path / "good.csv", [PLAIN_HEADER, _plain("A")], "utf-8")
    result = _hazards(good, db_url, rejects=nowhere)  # nothing to write, as before
    assert result.committed and result.rejects_path is None


def test_duplicates_found_after_reading_are_merged_into_the_rejects_in_order(
    demo_url: str, tmp_path: Path
) -> None:
    lines = [
        STANDARD_HEADER,
        _row(901, "A", "34.86", "138.32"),  # line 2
        _row(901, "A の重複", "34.86", "138.32"),  # 3: duplicate, found in the database
        _row(902, "逆", "138.32", "34.86"),  # 4: swapped, found with its batch
        _row(903, "数字でない", "北緯", "138.32"),  # 5: found row by row
        _row(901, "また重複", "34.86", "138.32"),  # 6: duplicate
        _row(904, "静岡市役所", "34.9756", "138.3831"),  # 7: outside the city
        _row(905, "B", "34.87", "138.32"),  # 8
    ]
    path = _write(tmp_path / "dups.csv", lines, "utf-8")
    rejects = tmp_path / "dups.rejects.csv"
    options = ImportOptions(constants={"kind": "aed"}, skip_invalid=True, rejects_path=rejects)
    result = import_file("facility", path, options, demo_url)
    assert result.committed and result.loaded == 2
    assert [r.number for r in result.rejected] == [3, 4, 5, 6, 7]
    assert result.rejected_count == 5 and result.rejects_path == rejects
    rows = _rejects_file(rejects)[1:]
    assert [int(r[0]) for r in rows] == [3, 4, 5, 6, 7]
    assert "duplicate" in rows[0][2] and "line 2" in rows[0][2]
    assert "outside the city" in rows[4][2]


# VmHWM is the peak resident memory of this program; getrusage's ru_maxrss would also count
# the pytest process it was started from (Linux keeps it across exec).
MEASURE = """
import sys
from pathlib import Path
from layers.importing.load import ImportOptions, import_file

path, rejects, url = sys.argv[1:]
options = ImportOptions(
    constants={"kind": "other"}, skip_invalid=True, rejects_path=Path(rejects)
)
result = import_file("hazard", Path(path), options, url)
status = Path("/proc/self/status").read_text()
peak = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
print(result.read, result.rejected_count, peak)
"""


def _peak_kib(path: Path, url: str) -> tuple[int, int]:
    """The peak resident memory of a process importing the file: (rows rejected, KiB)."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path), str(path.with_suffix(".rejects")), url],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    _read, rejected, peak = (int(v) for v in done.stdout.split())
    return rejected, peak


def test_memory_does_not_grow_with_the_number_of_bad_rows(db_url: str, tmp_path: Path) -> None:
    """A 3-million-row bad file once took 1.6 GB. Peak memory for 20,000 rows against
    200,000 (two batches against twenty; two in three rejected, half of those a batch at a
    time): kept rejections would add about 100 MB to the larger."""
    small, _ = _many_bad(tmp_path / "small.csv", 20_000)
    large, bad = _many_bad(tmp_path / "large.csv", 200_000)
    small_rejected, small_peak = _peak_kib(small, db_url)
    large_rejected, large_peak = _peak_kib(large, db_url)
    assert large_rejected == len(bad) > 100_000 and small_rejected < 20_000
    print(f"peak RSS: {small_peak} KiB for 20,000 rows, {large_peak} KiB for 200,000")
    assert large_peak / small_peak < 1.2
    assert len(_rejects_file(large.with_suffix(".rejects"))) == len(bad) + 1


def _points(names: list[str]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"名称": names},
        geometry=[shapely.Point(138.32, 34.86 + i / 1000) for i in range(len(names))],
        crs="EPSG:6668",
    )


def _zip(archive: Path, files: list[Path], folder: str = "") -> Path:
    with zipfile.ZipFile(archive, "w") as zf:
        for part in files:
            zf.write(part, folder + part.name)
    return archive


def _shapefile(folder: Path, stem: str, names: list[str]) -> list[Path]:
    folder.mkdir(exist_ok=True)
    _points(names).to_file(folder / f"{stem}.shp", encoding="utf-8")
    return sorted(folder.glob(f"{stem}.*"))


def test_a_zip_of_two_shapefiles_is_refused_naming_both_until_one_is_chosen(
    db_url: str, tmp_path: Path, cli: CliRunner
) -> None:
    parts = _shapefile(tmp_path / "shp", "道路", ["段差", "穴"])
    parts += _shapefile(tmp_path / "shp", "公園", ["遊具"])
    archive = _zip(tmp_path / "city.zip", parts, folder="data/")
    result = _import_cli(cli, archive)
    assert result.exit_code == 2, result.output
    assert "data/道路.shp" in result.output and "data/公園.shp" in result.output
    assert "more than one layer" in result.output and "--member" in result.output
    assert sql_value(db_url, "SELECT count(*) FROM hazard") == 0

    result = _import_cli(cli, archive, "--member", "data/公園.shp")
    assert result.exit_code == 0, result.output
    assert "1 loaded, 0 rejected" in result.output
    # each member is its own dataset by default, so importing the other adds rather than
    # replaces
    assert sql_value(db_url, "SELECT source_dataset || ':' || title FROM hazard") == "公園:遊具"
    result = _import_cli(cli, archive, "--member", "data/道路.shp")
    assert result.exit_code == 0, result.output
    assert sql_value(db_url, "SELECT count(*) FROM hazard") == 3

    result = _import_cli(cli, archive, "--member", "川.shp")
    assert result.exit_code == 2 and "holds no '川.shp'" in result.output


def test_a_zip_of_a_shapefile_and_a_geopackage_names_every_layer(
    db_url: str, tmp_path: Path
) -> None:
    parts = _shapefile(tmp_path / "shp", "roads", ["段差"])
    gpkg = tmp_path / "city.gpkg"
    _points(["a"]).to_file(gpkg, layer="bridges", driver="GPKG")
    _points(["b"]).to_file(gpkg, layer="signs", driver="GPKG")
    archive = _zip(tmp_path / "mixed.zip", [*parts, gpkg])
    with pytest.raises(ImportRefused) as refused:
        _hazards(archive, db_url)
    assert refused.value.extra["layers"] == ["roads.shp", "city.gpkg:bridges", "city.gpkg:signs"]
    options = ImportOptions(constants={"kind": "other"}, member="city.gpkg:signs")
    result = import_file("hazard", archive, options, db_url)
    assert result.committed and result.loaded == 1
    assert sql_value(db_url, "SELECT source_dataset || ':' || title FROM hazard") == "signs:b"


def test_a_geopackage_of_several_layers_needs_one_chosen(db_url: str, tmp_path: Path) -> None:
    gpkg = tmp_path / "two.gpkg"
    _points(["a"]).to_file(gpkg, layer="bridges", driver="GPKG")
    _points(["b", "c"]).to_file(gpkg, layer="signs", driver="GPKG")
    with pytest.raises(ImportRefused, match="more than one layer: bridges, signs"):
        _hazards(gpkg, db_url)
    options = ImportOptions(constants={"kind": "other"}, member="signs")
    assert import_file("hazard", gpkg, options, db_url).loaded == 2


def test_a_table_without_geometry_beside_the_layer_is_not_a_second_layer(
    db_url: str, tmp_path: Path
) -> None:
    """QGIS keeps its styles in the GeoPackage as a table of their own."""
    import pandas as pd
    import pyogrio

    gpkg = tmp_path / "styled.gpkg"
    pyogrio.write_dataframe(pd.DataFrame({"styleQML": ["<qgis/>"]}), gpkg, layer="layer_styles")
    _points(["a"]).to_file(gpkg, layer="hazards", driver="GPKG")
    result = _hazards(gpkg, db_url)
    assert result.committed and result.loaded == 1


def test_member_is_refused_for_a_csv(db_url: str, tmp_path: Path) -> None:
    path = _write(tmp_path / "one.csv", [PLAIN_HEADER, _plain("A")], "utf-8")
    options = ImportOptions(constants={"kind": "other"}, member="x")
    with pytest.raises(ImportRefused, match="a CSV is one table"):
        import_file("hazard", path, options, db_url)
