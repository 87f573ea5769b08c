"""Importing a population table: the national 地域・年齢別人口 layout in Shift_JIS and the
plain code,name,population CSV in UTF-8, matched to the gazetteer's towns and to districts;
a file with a bad or unmatched row is refused naming every such line, and nothing changes;
a good file replaces its level's rows."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from api.cli import app
from layers.store.db import libpq_url
from tests.conftest import sql_value

HEADER = (
    "全国地方公共団体コード,地域コード,地域名,調査年月日,世帯数,総数,男,女,"
    "0-4歳,5-9歳,10-14歳,15-64歳,65-74歳,75歳以上\n"
)
STANDARD = (
    HEADER
    + """222127,,焼津市,2025-03-31,2890,6520,3200,3320,210,240,260,3700,1010,1100
222127,001,焼津一丁目,2025-03-31,820,1850,900,950,60,70,75,1045,300,300
222127,002,焼津２丁目,2025-03-31,700,1620,800,820,50,60,65,925,250,270
222127,003,本町一丁目,2025-03-31,1370,3050,1500,1550,100,110,120,1730,460,530
"""
)
SIMPLE = """code,name,population
N1,本町西町内会,1200
N2,港町内会,800
"""


@pytest.fixture
def places(db_url: str) -> str:
    from layers.places.gazetteer import keys

    with psycopg.connect(libpq_url(db_url)) as conn:
        for name, lon in (("焼津一丁目", 138.335), ("焼津二丁目", 138.34), ("本町一丁目", 138.31)):
            conn.execute(
                "INSERT INTO place (kind, name, name_key, source, attribution, geom) VALUES "
                "('town', %s, %s, 'test', 'test', ST_SetSRID(ST_MakePoint(%s, 34.87), 4326))",
                (name, keys(name, None)[0], lon),
            )
        for code, name, west in (("N1", "本町西町内会", 138.300), ("N2", "港町内会", 138.325)):
            conn.execute(
                "INSERT INTO district (level, code, name, geom) VALUES ('neighbourhood', %s, %s, "
                "ST_Multi(ST_MakeEnvelope(%s, 34.86, %s, 34.88, 4326)))",
                (code, name, west, west + 0.02),
            )
    return db_url


def rows(url: str) -> list[tuple[object, ...]]:
    with psycopg.connect(libpq_url(url)) as conn:
        return conn.execute(
            "SELECT u.level, u.code, u.name, p.name, d.code, u.population, u.households, "
            "u.elderly, u.children, u.as_of::text, u.source FROM population_unit u "
            "LEFT JOIN place p ON p.id = u.place_id LEFT JOIN district d ON d.id = u.district_id "
            "ORDER BY u.level, u.code"
        ).fetchall()


def test_the_standard_layout_in_shift_jis_matches_towns(
    places: str, cli: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "地域・年齢別人口.csv"
    path.write_bytes(STANDARD.encode("cp932"))
    result = cli.invoke(app, ["import", "population", str(path)])
    assert result.exit_code == 0, result.output
    assert "3 town rows, 6520 people loaded (standard layout" in result.output
    source = path.name
    # The city's total row is skipped; 焼津２丁目 (kept NFKC: 焼津2丁目) is the gazetteer's
    # 焼津二丁目; the town's district is the 町内会 holding its point.
    day = "2025-03-31"
    assert rows(places) == [
        ("town", "001", "焼津一丁目", "焼津一丁目", "N2", 1850, 820, 600, 205, day, source),
        ("town", "002", "焼津2丁目", "焼津二丁目", "N2", 1620, 700, 520, 175, day, source),
        ("town", "003", "本町一丁目", "本町一丁目", "N1", 3050, 1370, 990, 330, day, source),
    ]


def test_the_simple_layout_matches_districts_and_replaces_only_its_level(
    places: str, cli: CliRunner, tmp_path: Path
) -> None:
    standard = tmp_path / "towns.csv"
    standard.write_text(STANDARD, encoding="utf-8")
    assert cli.invoke(app, ["import", "population", str(standard)]).exit_code == 0
    path = tmp_path / "jichikai.csv"
    path.write_text(SIMPLE, encoding="utf-8")
    args = ["import", "population", str(path), "--level", "district", "--as-of", "2025-04-01"]
    result = cli.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert [r[:6] for r in rows(places) if r[0] == "district"] == [
        ("district", "N1", "本町西町内会", None, "N1", 1200),
        ("district", "N2", "港町内会", None, "N2", 800),
    ]
    assert sql_value(places, "SELECT count(*) FROM population_unit WHERE level = 'town'") == 3
    # A second table of the level replaces the first.
    path.write_text("code,name,population\nN2,港町内会,810\n", encoding="utf-8")
    assert cli.invoke(app, args).exit_code == 0
    assert [r[5] for r in rows(places) if r[0] == "district"] == [810]


def test_bad_and_unmatched_rows_are_named_by_line_and_nothing_loads(
    places: str, cli: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "code,name,population,elderly\n"
        "1,焼津一丁目,1000,200\n"
        "2,焼津九丁目,500,100\n"  # no such town
        "3,本町一丁目,多い,\n"  # not a number
        "4,焼津二丁目,300,400\n"  # more 65+ than people
        "5,焼津一丁目,20,\n",  # the same town as line 2
        encoding="utf-8",
    )
    result = cli.invoke(app, ["import", "population", str(path)])
    assert result.exit_code == 1
    assert "2 row(s) cannot be imported (nothing was imported)" in result.output
    assert "line 4: a count is not a whole number" in result.output
    assert "line 5: an age group counts more people than the total" in result.output
    assert "line 3: no town named '焼津九丁目'" not in result.output  # parse mistakes first
    assert rows(places) == []
    path.write_text(
        "code,name,population\n1,焼津一丁目,1000\n2,焼津九丁目,500\n5,焼津一丁目,20\n",
        encoding="utf-8",
    )
    result = cli.invoke(app, ["import", "population", str(path)])
    assert result.exit_code == 1
    assert "line 3: no town named '焼津九丁目' in the gazetteer" in result.output
    assert "line 4: the same unit as line 2" in result.output
    assert rows(places) == []
    bad_level = cli.invoke(app, ["import", "population", str(path), "--level", "ken"])
    assert bad_level.exit_code == 1 and "town or district" in bad_level.output
