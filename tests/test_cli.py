"""The operator's command line, as an operator types it."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from api.cli import app
from layers.schema import migrate
from tests.conftest import DEMO_DATA, sql_value


def test_a_new_city_is_set_up_only_through_the_command_line(
    db_url: str, tmp_path: Path, cli: CliRunner
) -> None:
    """A city other than the demo: settings, boundary file, then its facility list as
    Shift_JIS, the way many cities still publish it."""
    result = cli.invoke(
        app, ["city", "set", "--code", "222127", "--name", "焼津市", "--prefecture", "静岡県"]
    )
    assert result.exit_code == 0, result.output
    assert "zone 8" in result.output  # derived from the prefecture
    result = cli.invoke(
        app,
        [
            "import",
            "district",
            str(DEMO_DATA / "city_boundary.geojson"),
            "--set",
            "level=city",
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    sjis = tmp_path / "koukyou_shisetsu.csv"
    sjis.write_bytes((DEMO_DATA / "public_facilities.csv").read_text("utf-8-sig").encode("cp932"))
    result = cli.invoke(app, ["import", "facility", str(sjis), "--set", "kind=other", "-q"])
    assert result.exit_code == 0, result.output
    assert "28 loaded, 0 rejected" in result.output
    assert sql_value(db_url, "SELECT count(*) FROM facility WHERE district_id IS NOT NULL") == 28
    assert (
        sql_value(db_url, "SELECT name FROM facility WHERE source_id = '10947'")
        == "港地域交流センター"
    )
    result = cli.invoke(app, ["city", "show"])
    assert "焼津市" in result.output and "zone=8" in result.output


def test_bad_city_settings_are_refused_clearly(db_url: str, cli: CliRunner) -> None:
    result = cli.invoke(
        app, ["city", "set", "--code", "12", "--name", "x", "--prefecture", "静岡県"]
    )
    assert result.exit_code == 1
    assert "6桁" in result.output
    result = cli.invoke(
        app, ["city", "set", "--code", "222127", "--name", "x", "--prefecture", "アトランティス"]
    )
    assert result.exit_code == 1 and "--zone" in result.output


def test_import_usage_errors_exit_2_with_both_languages(
    db_url: str, tmp_path: Path, cli: CliRunner
) -> None:
    result = cli.invoke(app, ["import", "castle", str(DEMO_DATA / "aed.csv")])
    assert result.exit_code == 2 and "unknown layer" in result.output and "エラー" in result.output
    result = cli.invoke(app, ["import", "facility", str(tmp_path / "none.csv")])
    assert result.exit_code == 2 and "does not exist" in result.output
    odd = tmp_path / "data.xlsx"
    odd.write_bytes(b"PK")
    result = cli.invoke(app, ["import", "facility", str(odd), "--set", "kind=aed"])
    assert result.exit_code == 2 and "unsupported format" in result.output
    result = cli.invoke(app, ["import", "facility", str(DEMO_DATA / "aed.csv"), "--set", "kind"])
    assert result.exit_code == 2 and "KEY=VALUE" in result.output


def test_db_status_and_upgrade(db_url: str, cli: CliRunner) -> None:
    result = cli.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    result = cli.invoke(app, ["db", "status"])
    assert result.exit_code == 0 and f"schema: {migrate.head_revision()}" in result.output


def test_demo_is_idempotent(demo_url: str, cli: CliRunner) -> None:
    counts = (
        "SELECT (SELECT count(*) FROM facility) + (SELECT count(*) FROM report) "
        "+ (SELECT count(*) FROM hazard) + (SELECT count(*) FROM safety_map_feature)"
    )
    before = sql_value(demo_url, counts)
    result = cli.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    assert "already" in result.output
    assert sql_value(demo_url, counts) == before
    synthetic = sql_value(demo_url, "SELECT bool_and(synthetic) FROM report")
    assert synthetic is True  # every generated record says so
