"""A city's 公共施設一覧 as published imports with no flags: each row's kind is inferred from
its 種別 / POIコード / 備考 / name, and the import says how many rows got which kind from
what. The real files: 市川市's (tests/data/ichikawa, Shift_JIS, the new 56-column layout, no
kind column) and 焼津市's 市役所・センター list (the kind written in 備考)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from layers.city.facility_kinds import match
from tests.conftest import DEMO_DATA, sql_value

ICHIKAWA = Path(__file__).parent / "data" / "ichikawa" / "122033_101_public_facility.csv"
YAIZU = DEMO_DATA / "public_facilities.csv"

# Counted once by reading all 342 names (tests/data/ichikawa), then pinned.
ICHIKAWA_KINDS = {
    "school": 58,  # 39 小学校 rows, 16 中学校, 塩浜学園 twice, 支援学校 twice, 院内学級
    "childcare": 40,  # 幼稚園 6, 保育園 21, 放課後保育クラブ 11, こども館 2
    "sports": 29,  # 体育館, プール, 野球場, テニスコート (in parks too), 競技場 …
    "public_housing": 24,  # …団地
    "welfare": 19,  # いきいきセンター, 老人ホーム, 福祉センター, こども発達センター
    "kominkan": 15,
    "community_center": 14,  # 地域ふれあい館 13, 南行徳市民センター
    "library": 14,  # 図書館, 図書室 (also 公民館図書室), こどもとしょかん
    "fire_station": 13,  # 消防局, 消防署, 消防署…出張所, 消防団…分団
    "culture": 12,  # 博物館, 文化会館, 公会堂, ホール, ギャラリー, 記念館, 伝承館
    "branch_office": 6,  # 支所, 出張所, 行政サービスセンター, 窓口連絡所
    "health_center": 5,  # 保健センター, 急病診療所
    "park": 3,  # 広尾防災公園「健康の広場」, 動植物園, 観賞植物園
    "city_hall": 3,  # 第1庁舎, 第2庁舎, 分庁舎Ｃ棟
    "other": 87,  # 駐輪場 45, 防災倉庫, 農園, 処理場, 斎場 …
}


def _import(cli: CliRunner, path: Path, *args: str) -> tuple[int, str]:
    result = cli.invoke(app, ["import", "facility", str(path), "-q", *args])
    return result.exit_code, result.output


def _kinds(url: str) -> dict[str, int]:
    rows = sql_value(
        url,
        "SELECT json_object_agg(kind, n) "
        "FROM (SELECT kind, count(*) n FROM facility GROUP BY kind) k",
    )
    return dict(rows)


def _of(url: str, name: str) -> tuple[str, str | None]:
    kind = sql_value(url, "SELECT kind FROM facility WHERE name = %s", name)
    cost = sql_value(url, "SELECT cost_category FROM facility WHERE name = %s", name)
    return kind, cost


def test_ichikawa_standard_file_imports_with_no_flags_into_a_fresh_instance(
    db_url: str, cli: CliRunner
) -> None:
    assert ICHIKAWA.read_bytes()[:2] != b"\xef\xbb"  # Shift_JIS as published, no BOM
    assert b"\r\n" in ICHIKAWA.read_bytes()[:2000]
    assert sql_value(db_url, "SELECT count(*) FROM district") == 0
    code, output = _import(cli, ICHIKAWA)
    assert code == 0, output
    assert "342 loaded, 0 rejected (342 read" in output
    assert _kinds(db_url) == ICHIKAWA_KINDS
    assert sum(ICHIKAWA_KINDS.values()) == 342
    # The summary: per kind, how many rows and from what, in Japanese and English.
    assert "種別の推定 / kinds inferred" in output
    assert "school（学校） 58 (名称 58)" in output
    assert "kominkan（公民館） 15 (名称 15)" in output
    assert "culture（文化施設） 12 (名称 11, POIコード 1)" in output
    assert "other（その他） 87 (名称 19, 既定 default 68)" in output
    # The one POIコード of the file (0801) is the museum the row names.
    assert _of(db_url, "市川市東山魁夷記念館") == ("culture", "social_education")
    # Names that hold two kinds' words take the more specific one.
    assert _of(db_url, "若宮小学校放課後保育クラブ") == ("childcare", "childcare")
    assert _of(db_url, "本行徳公民館プール") == ("sports", "sports_recreation")
    assert _of(db_url, "大野公民館図書室") == ("library", "social_education")
    assert _of(db_url, "行徳中央公園テニスコート") == ("sports", "sports_recreation")
    assert _of(db_url, "東消防署中山出張所") == ("fire_station", "administration")
    assert _of(db_url, "大柏出張所") == ("branch_office", "administration")
    assert _of(db_url, "広尾防災公園備蓄倉庫") == ("other", None)
    assert _of(db_url, "大町第一団地") == ("public_housing", "public_housing")
    assert _of(db_url, "終末処理場") == ("other", "supply_treatment")
    # Columns with no field of their own are kept.
    assert (
        sql_value(db_url, "SELECT extra->>'備考' FROM facility WHERE name = '鬼高公民館'")
        == "スロープのみ有"
    )


def test_yaizu_list_takes_its_kinds_from_biko(db_url: str, cli: CliRunner) -> None:
    code, output = _import(cli, YAIZU)
    assert code == 0, output
    assert "28 loaded, 0 rejected" in output
    # The 地域交流センター are the city's 公民館: 備考 says so, before the name is read.
    centres = sql_value(
        db_url,
        "SELECT array_agg(DISTINCT kind) FROM facility WHERE name LIKE '%%地域交流センター'",
    )
    assert centres == ["kominkan"]
    assert sql_value(db_url, "SELECT count(*) FROM facility WHERE kind = 'kominkan'") == 9
    assert _of(db_url, "港地域交流センター") == ("kominkan", "social_education")
    assert _of(db_url, "保福島体育館") == ("sports", "sports_recreation")
    assert _of(db_url, "焼津文化会館") == ("culture", "civic_culture")
    assert _of(db_url, "大井川文化会館") == ("culture", "civic_culture")
    assert _of(db_url, "焼津市役所本庁舎") == ("city_hall", "administration")
    assert _of(db_url, "歴史民俗資料館") == ("culture", "social_education")
    assert _of(db_url, "総合福祉会館（ウェルシップ）") == ("welfare", "health_welfare")
    assert _of(db_url, "保健センター") == ("health_center", "health_welfare")
    assert _of(db_url, "消防防災センター") == ("fire_station", "administration")
    assert _of(db_url, "大井川児童センター（とまとぴあ）") == ("childcare", "childcare")
    assert _of(db_url, "市立総合病院") == ("other", "medical")
    assert _of(db_url, "大井川港管理事務所") == ("other", None)
    assert "kominkan（公民館） 9 (備考 9)" in output
    assert "other（その他） 2 (備考 1, 既定 default 1)" in output


def test_map_values_override_the_inference(db_url: str, cli: CliRunner) -> None:
    code, output = _import(
        cli,
        YAIZU,
        "--map-values",
        "備考=公民館:community_center",
        "--map-values",
        "名称=大井川港管理事務所:branch_office",
    )
    assert code == 0, output
    assert sql_value(db_url, "SELECT count(*) FROM facility WHERE kind = 'kominkan'") == 0
    assert sql_value(db_url, "SELECT count(*) FROM facility WHERE kind = 'community_center'") == 9
    assert _of(db_url, "港地域交流センター") == ("community_center", "civic_culture")
    assert _of(db_url, "大井川港管理事務所") == ("branch_office", "administration")
    assert _of(db_url, "保福島体育館") == ("sports", "sports_recreation")  # not mapped: inferred
    assert "community_center（住民センター・集会所） 9 (--map-values 備考 9)" in output
    assert "branch_office（支所・出張所） 1 (--map-values 名称 1)" in output


@pytest.mark.parametrize(
    ("option", "said"),
    [
        ("備考=公民館:castle", "unknown kind 'castle'"),
        ("備考公民館kominkan", "takes COLUMN=VALUE:kind"),
        ("種別=公民館:kominkan", "column 種別 is not in the file"),
    ],
)
def test_bad_map_values_are_refused_changing_nothing(
    db_url: str, cli: CliRunner, option: str, said: str
) -> None:
    code, output = _import(cli, YAIZU, "--map-values", option)
    assert code == 2
    assert said in output
    assert sql_value(db_url, "SELECT count(*) FROM facility") == 0


def _write(tmp_path: Path, header: str, rows: list[str]) -> Path:
    path = tmp_path / "facilities.csv"
    path.write_bytes(("\r\n".join([header, *rows]) + "\r\n").encode("cp932"))
    return path


def test_a_file_with_a_kind_column_still_uses_it(
    db_url: str, cli: CliRunner, tmp_path: Path
) -> None:
    path = _write(
        tmp_path,
        "ID,名称,kind,緯度,経度",
        ["1,青葉公民館,library,34.86,138.32", "2,中央図書館,school,34.87,138.32"],
    )
    code, output = _import(cli, path)
    assert code == 0, output
    assert _of(db_url, "青葉公民館") == ("library", None)  # the column, not the name
    assert _of(db_url, "中央図書館") == ("school", None)
    assert "kinds inferred" not in output
    code, output = _import(cli, path, "--map-values", "名称=中央図書館:library")
    assert code == 2
    assert "--map-values only changes inferred kinds (the file has a kind column)" in output


def test_a_kind_column_in_words_comes_before_the_name(
    db_url: str, cli: CliRunner, tmp_path: Path
) -> None:
    path = _write(
        tmp_path,
        "ID,名称,種別,POIコード,緯度,経度,備考",
        [
            "1,みなとプラザ,公民館,,34.86,138.32,",
            "2,青葉会館,,0801,34.86,138.32,",
            "3,ひまわり,,,34.86,138.32,保育園",
            "4,東小学校,体育館,,34.86,138.32,",
            "5,しおさい,,,34.86,138.32,",
        ],
    )
    code, output = _import(cli, path)
    assert code == 0, output
    assert _of(db_url, "みなとプラザ") == ("kominkan", "social_education")
    assert _of(db_url, "青葉会館") == ("culture", "social_education")
    assert _of(db_url, "ひまわり") == ("childcare", "childcare")
    assert _of(db_url, "東小学校") == ("sports", "sports_recreation")  # 種別 wins over the name
    assert _of(db_url, "しおさい") == ("other", None)
    assert "sports（スポーツ施設） 1 (種別 1)" in output
    assert "culture（文化施設） 1 (POIコード 1)" in output


def test_reimport_keeps_a_cost_category_already_recorded(db_url: str, cli: CliRunner) -> None:
    assert _import(cli, YAIZU)[0] == 0
    with_ids = "SELECT count(*) FROM facility"
    assert sql_value(db_url, with_ids) == 28
    sql_value(
        db_url,
        "UPDATE facility SET cost_category = 'civic_culture', kind = 'community_center' "
        "WHERE name = '港地域交流センター' RETURNING id",
    )
    code, output = _import(cli, YAIZU)
    assert code == 0, output
    assert sql_value(db_url, with_ids) == 28  # updated by (source, NO), not added
    # The file's kind is the file's; a guessed cost category never replaces a recorded one.
    assert _of(db_url, "港地域交流センター") == ("kominkan", "civic_culture")
    assert "kominkan（公民館） 9 (備考 9)" in output


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("若宮小学校放課後保育クラブ", "childcare"),
        ("本行徳公民館プール", "sports"),
        ("東消防署中山出張所", "fire_station"),
        ("消防局・東消防署合同庁舎", "fire_station"),
        ("行徳支所", "branch_office"),
        ("塩焼中央公園テニスコート", "sports"),
        ("原木公園運動広場", "sports"),
        ("新田第２保育園", "childcare"),
        ("焼津市役所本庁舎", "city_hall"),
        ("中央公民館", "kominkan"),
        ("東部公衆トイレ", "public_toilet"),
        ("スロープのみ有", None),
    ],
)
def test_the_more_specific_word_wins(name: str, kind: str | None) -> None:
    rule = match(name)
    assert (rule.kind.value if rule else None) == kind


def test_the_summary_counts_only_the_rows_loaded(
    db_url: str, cli: CliRunner, tmp_path: Path
) -> None:
    path = _write(
        tmp_path,
        "ID,名称,緯度,経度",
        [
            "1,東公民館,34.86,138.32",
            "2,西公民館,138.32,34.86",  # line 3: swapped coordinates, refused
            "3,南小学校,34.86,138.32",
            "3,北小学校,34.87,138.32",  # line 5: ID 3 again, refused
            "4,港団地,34.86,138.32",
        ],
    )
    code, output = _import(cli, path, "--skip-invalid")
    assert code == 0, output
    assert "3 loaded, 2 rejected" in output
    assert "kominkan（公民館） 1 (名称 1)" in output
    assert "school（学校） 1 (名称 1)" in output
    assert "public_housing（市営住宅） 1 (名称 1)" in output
    assert _kinds(db_url) == {"kominkan": 1, "school": 1, "public_housing": 1}
    # Copied straight into the table (a new dataset, no key twice): the same counting.
    lines = path.read_bytes().decode("cp932").splitlines()
    path.write_bytes(("\r\n".join(lines[:4] + lines[5:]) + "\r\n").encode("cp932"))
    code, output = _import(cli, path, "--skip-invalid", "--source", "again")
    assert code == 0, output
    assert "3 loaded, 1 rejected" in output
    assert "kominkan（公民館） 1 (名称 1)" in output
    assert "public_housing（市営住宅） 1 (名称 1)" in output
    assert _kinds(db_url) == {"kominkan": 2, "school": 2, "public_housing": 2}


def test_a_gis_file_without_kinds_is_inferred_too(
    db_url: str, cli: CliRunner, tmp_path: Path
) -> None:
    features = [
        {
            "type": "Feature",
            "properties": {"名称": name, "備考": note},
            "geometry": {"type": "Point", "coordinates": [138.32, 34.86 + i / 100]},
        }
        for i, (name, note) in enumerate(
            [("青葉会館", "公民館"), ("みどり野球場", None), ("旧倉庫", None)]
        )
    ]
    path = tmp_path / "facilities.geojson"
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
        encoding="utf-8",
    )
    code, output = _import(cli, path)
    assert code == 0, output
    assert _kinds(db_url) == {"kominkan": 1, "sports": 1, "other": 1}
    assert "kominkan（公民館） 1 (備考 1)" in output
    assert "sports（スポーツ施設） 1 (名称 1)" in output
