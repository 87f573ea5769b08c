"""`machimap import facility_building FILE`: a city's 公共施設台帳 export (one row per
building) into the register, as the facility import does it: Shift_JIS or UTF-8 (with or
without BOM), CRLF, all rows or none, every bad row named by its line, re-imports update.
The buildings are synthetic; the facilities they belong to are the demo city's real ones."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from layers.importing.register.columns import cost_category, fiscal_year, owner, structure
from layers.importing.values import RowError
from tests.conftest import sql_value

HEADER = (
    "施設名,棟名,建築年度,延床面積（㎡）,構造,地上階数,耐震診断,耐震補強,Is値,施設分類,"
    "所有者,供用状況,備考,管理番号"
)


def _write(path: Path, lines: list[str], encoding: str) -> Path:
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def _import(cli: CliRunner, path: Path, *args: str) -> tuple[int, str]:
    result = cli.invoke(app, ["import", "facility_building", str(path), "-q", *args])
    return result.exit_code, result.output


def _building(url: str, source_id: str) -> dict[str, object]:
    return dict(
        sql_value(
            url,
            "SELECT to_jsonb(b) - 'created_at' - 'updated_at' FROM facility_building b "
            "WHERE source_id = %s",
            source_id,
        )
    )


def _facility_id(url: str, name: str) -> int:
    # The building's own facility, not the 指定避難所 rows of the same place.
    return int(
        sql_value(
            url,
            "SELECT id FROM facility WHERE name = %s AND kind = 'community_center'",
            name,
        )
    )


def test_shift_jis_register_loads_with_wareki_and_derived_seismic_standard(
    demo_url: str, cli: CliRunner, tmp_path: Path
) -> None:
    path = _write(
        tmp_path / "台帳.csv",
        [
            HEADER,
            '港地域交流センター,本館,昭和55年度,"1,234.5",RC,2,済,済（H20）,0.72,'
            "市民文化系施設,市,供用中,外壁改修 H27,A-001",
            # A full-width space in the name: matched once width and spacing are folded.
            "港　地域交流センター,体育館,S56,812,鉄骨造,1,未,未,,,,供用中,,A-002",
            "焼津地域交流センター,本館,H3,２００１.２５,SRC,5,,,,,,,,",
            "小川地域交流センター,倉庫,1975,60,W,1,,,,その他,,廃止,,",
            "和田地域交流センター,本館,R2,900,軽量鉄骨造,2,,,,社会教育系施設,,,,",
        ],
        "cp932",
    )
    code, output = _import(cli, path)
    assert code == 0, output
    assert "5 loaded, 0 rejected (5 read from 台帳.csv)" in output
    main = _building(demo_url, "港地域交流センター/本館")
    assert main["facility_id"] == _facility_id(demo_url, "港地域交流センター")
    assert main["built_year"] == 1980  # 昭和55年度
    assert main["floor_area_m2"] == 1234.5
    assert main["structure"] == "rc"
    assert main["storeys"] == 2
    assert main["seismic_standard"] == "retrofitted"  # 旧耐震, reinforced in H20
    assert main["retrofit_year"] == 2008
    assert main["seismic_diagnosis_year"] is None  # 済, no year given
    assert main["is_value"] == 0.72
    assert main["cost_category"] == "civic_culture"
    assert main["owner"] == "city" and main["in_use"] is True
    assert main["note"] == "外壁改修 H27"
    assert main["extra"] == {"管理番号": "A-001"}
    assert main["source"] == "台帳"
    gym = _building(demo_url, "港　地域交流センター/体育館")
    assert gym["facility_id"] == main["facility_id"]
    assert gym["built_year"] == 1981 and gym["seismic_standard"] == "unknown"  # S56: 年度 1981
    assert gym["structure"] == "steel"
    # No 施設分類 in the row: the facility's own category.
    assert gym["cost_category"] == sql_value(
        demo_url, "SELECT cost_category FROM facility WHERE id = %s", main["facility_id"]
    )
    yaizu = _building(demo_url, "焼津地域交流センター/本館")
    assert (yaizu["built_year"], yaizu["seismic_standard"]) == (1991, "post_1981")  # H3
    assert yaizu["floor_area_m2"] == 2001.25 and yaizu["structure"] == "src"
    store = _building(demo_url, "小川地域交流センター/倉庫")
    assert (store["seismic_standard"], store["structure"], store["in_use"]) == (
        "pre_1981",
        "wood",
        False,
    )
    assert store["cost_category"] == "other"
    wada = _building(demo_url, "和田地域交流センター/本館")
    assert (wada["built_year"], wada["seismic_standard"]) == (2020, "post_1981")  # R2
    assert (wada["structure"], wada["cost_category"]) == ("light_steel", "social_education")


def test_utf8_bom_register_by_facility_id_with_a_neighbourhood_owner(
    demo_url: str, cli: CliRunner, tmp_path: Path
) -> None:
    area = sql_value(demo_url, "SELECT name FROM district WHERE level = 'area' ORDER BY id LIMIT 1")
    area_id = sql_value(demo_url, "SELECT id FROM district WHERE name = %s", area)
    facility = _facility_id(demo_url, "港地域交流センター")
    poi = sql_value(demo_url, "SELECT source_id FROM facility WHERE id = %s", facility)
    path = _write(
        tmp_path / "register.csv",
        [
            "施設ID,棟ID,建物名,建築年,延べ床面積,構造,耐震基準,所有者,状態",
            f"{poi},B-1,集会棟,1979,320,CB,新耐震,{area},休止",
            f"{poi},B-2,会議棟,2001,150.5,その他,,{area}自治会の土地,供用中",
        ],
        "utf-8-sig",
    )
    code, output = _import(cli, path)
    # The second owner names no district: refused, naming the line, and nothing loads.
    assert code != 0
    assert "line 3:" in output and "3行目" in output
    assert (
        sql_value(demo_url, "SELECT count(*) FROM facility_building WHERE source = 'register'") == 0
    )
    path = _write(
        tmp_path / "register.csv",
        [
            "施設ID,棟ID,建物名,建築年,延べ床面積,構造,耐震基準,所有者,状態",
            f"{poi},B-1,集会棟,1979,320,CB,新耐震,{area},休止",
            f"{poi},B-2,会議棟,2001,150.5,その他,,市,供用中",
        ],
        "utf-8-sig",
    )
    code, output = _import(cli, path)
    assert code == 0, output
    hall = _building(demo_url, "B-1")
    assert hall["facility_id"] == facility and hall["name"] == "集会棟"
    assert hall["seismic_standard"] == "post_1981"  # the file says so, over the year
    assert (hall["owner"], hall["owner_district_id"]) == ("neighbourhood", area_id)
    assert hall["structure"] == "block" and hall["in_use"] is False
    meeting = _building(demo_url, "B-2")
    assert (meeting["owner"], meeting["structure"]) == ("city", "other")
    assert meeting["seismic_standard"] == "post_1981"


def test_bad_rows_are_named_by_line_and_nothing_loads_without_skip_invalid(
    demo_url: str, cli: CliRunner, tmp_path: Path
) -> None:
    # Two facilities of a building's kind with one name: the name cannot say which.
    sql_value(
        demo_url,
        "INSERT INTO facility (kind, name, geom, source, source_id) "
        "SELECT 'kominkan', name, geom, 'test', 'twin' FROM facility "
        "WHERE name = '大村地域交流センター' AND kind = 'community_center' RETURNING id",
    )
    path = _write(
        tmp_path / "bad.csv",
        [
            HEADER,
            "存在しない会館,本館,1990,500,RC,2,,,,,,,,",  # line 2
            "港地域交流センター,本館,3000,500,RC,2,,,,,,,,",  # line 3
            "港地域交流センター,別館,1990,abc,RC,2,,,,,,,,",  # line 4
            "港地域交流センター,倉庫,1990,50,紙,1,,,,,,,,",  # line 5
            "焼津地域交流センター,本館,1990,500,RC,2,,,,,,,,",  # line 6: good
            "大村地域交流センター,本館,1990,500,RC,2,,,,,,,,",  # line 7
            "焼津地域交流センター,本館,1991,500,RC,2,,,,,,,,",  # line 8: line 6 again
        ],
        "cp932",
    )
    before = sql_value(demo_url, "SELECT count(*) FROM facility_building")
    code, output = _import(cli, path)
    assert code != 0
    lines = [line for line in output.splitlines() if line.startswith("line ")]
    assert [line.split(":")[0] for line in lines] == [f"line {n}" for n in (2, 3, 4, 5, 7, 8)]
    assert "line 2: no facility with facility name 存在しない会館" in output
    assert "2行目: 施設名 存在しない会館 の施設がありません" in output
    assert "year 3000 is out of range" in output and "年度 3000 はありえません" in output
    assert "'abc' is not a number" in output and "'abc' は数値として読めません" in output
    assert "'structure' value '紙' is not known" in output
    assert "matches 2 facilities" in output and "施設IDで指定してください" in output
    assert "repeats line 6" in output and "6 行目と重複しています" in output
    assert "nothing was imported" in output
    assert sql_value(demo_url, "SELECT count(*) FROM facility_building") == before
    rejects = tmp_path / "bad.rejects.csv"
    code, output = _import(cli, path, "--skip-invalid", "--rejects", str(rejects))
    assert code == 0, output
    assert "1 loaded, 6 rejected (7 read from bad.csv)" in output
    assert sql_value(demo_url, "SELECT count(*) FROM facility_building") == before + 1
    assert _building(demo_url, "焼津地域交流センター/本館")["built_year"] == 1990
    with rejects.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["line", "理由", "reason"]
    assert [r[0] for r in rows[1:]] == ["2", "3", "4", "5", "7", "8"]


def test_reimport_updates_the_same_buildings(demo_url: str, cli: CliRunner, tmp_path: Path) -> None:
    lines = [
        "施設名,棟名,建築年度,延床面積,構造",
        "港地域交流センター,本館,1980,1000,RC",
        "港地域交流センター,体育館,1985,800,S",
    ]
    path = _write(tmp_path / "daicho.csv", lines, "utf-8")
    assert _import(cli, path)[0] == 0
    count = "SELECT count(*) FROM facility_building WHERE source = 'daicho'"
    assert sql_value(demo_url, count) == 2
    assert _building(demo_url, "港地域交流センター/本館")["version"] == 1
    # The same file again changes nothing, not even the version staff edit against.
    code, output = _import(cli, path)
    assert code == 0, output
    assert "2 loaded, 0 rejected" in output
    assert _building(demo_url, "港地域交流センター/本館")["version"] == 1
    lines[1] = "港地域交流センター,本館,1982,1100.5,SRC"
    code, output = _import(cli, _write(path, lines, "cp932"))
    assert code == 0, output
    assert sql_value(demo_url, count) == 2
    main = _building(demo_url, "港地域交流センター/本館")
    assert (main["built_year"], main["floor_area_m2"], main["structure"]) == (1982, 1100.5, "src")
    assert main["seismic_standard"] == "post_1981" and main["version"] == 2
    assert _building(demo_url, "港地域交流センター/体育館")["version"] == 1


def test_a_file_without_a_facility_or_building_column_is_refused(
    db_url: str, cli: CliRunner, tmp_path: Path
) -> None:
    path = _write(tmp_path / "x.csv", ["棟名,建築年度", "本館,1990"], "utf-8")
    code, output = _import(cli, path)
    assert code == 2
    assert "no column names the facility" in output and "施設を示す列がありません" in output
    path = _write(tmp_path / "x.csv", ["施設名,建築年度", "港地域交流センター,1990"], "utf-8")
    code, output = _import(cli, path)
    assert code == 2
    assert "no column names the building" in output


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("昭和55年度", 1980),
        ("S55", 1980),
        ("Ｓ５５", 1980),
        ("H3", 1991),
        ("平成元年度", 1989),
        ("R2", 2020),
        ("令和2年", 2020),
        ("1975/04/01", 1975),
        ("２００１年度", 2001),
    ],
)
def test_years_as_registers_write_them(text: str, year: int) -> None:
    assert fiscal_year("建築年度", text) == year


@pytest.mark.parametrize("text", ["3000", "昭和100年", "abc", "S", "19"])
def test_years_that_cannot_be_are_refused(text: str) -> None:
    with pytest.raises(RowError):
        fiscal_year("建築年度", text)


def test_structures_categories_and_owners_in_words() -> None:
    assert [structure(t) for t in ("RC", "鉄筋コンクリート造", "ＳＲＣ", "S", "木造", "LGS")] == [
        "rc",
        "rc",
        "src",
        "steel",
        "wood",
        "light_steel",
    ]
    assert structure("補強コンクリートブロック造") == "block"
    assert cost_category("学校教育系施設") == "school_education"
    assert cost_category("スポーツ・レクリエーション系施設") == "sports_recreation"
    assert cost_category("集会施設") == "civic_culture"  # a 中分類
    assert cost_category("公営住宅") == "public_housing"
    assert owner("市") == ("city", None)
    assert owner("焼津市") == ("city", None)
    assert owner("行政区") == ("neighbourhood", None)
    assert owner("高新田自治会") == ("neighbourhood", "高新田自治会")
    assert owner("静岡県") == ("other_public", None)
    for bad in (lambda: structure("紙"), lambda: cost_category("宇宙系施設"), lambda: owner("?")):
        with pytest.raises(RowError):
            bad()
