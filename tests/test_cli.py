"""The operator's command line, as an operator types it."""

from __future__ import annotations

from pathlib import Path

import psycopg
from alembic.script import ScriptDirectory
from typer.testing import CliRunner

from api.cli import app
from layers.schema import migrate
from layers.store.db import libpq_url
from tests.conftest import DEMO_DATA, sql_value
from tests.test_migrations import reported_and_published_blurred


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


# --- db downgrade ---------------------------------------------------------------------------


def _revision(url: str) -> str | None:
    found: str | None = sql_value(url, "SELECT max(version_num) FROM alembic_version")
    return found


def test_db_downgrade_needs_a_revision_below_a_known_one(db_url: str, cli: CliRunner) -> None:
    result = cli.invoke(app, ["db", "downgrade"])
    assert result.exit_code == 2 and "Missing argument 'revision'" in result.output
    result = cli.invoke(app, ["db", "downgrade", "0042"])
    assert result.exit_code == 1 and "no revision '0042'" in result.output
    assert "リビジョン 0042 はありません" in result.output
    result = cli.invoke(app, ["db", "downgrade", "head"])
    assert result.exit_code == 0 and "nothing to undo" in result.output
    assert _revision(db_url) == migrate.head_revision()
    assert cli.invoke(app, ["db", "downgrade", "0005"]).exit_code == 0
    result = cli.invoke(app, ["db", "downgrade", "0006"])
    assert result.exit_code == 1 and "0006 is not at or below the current revision" in result.output
    # A database a newer branch of the code migrated: this code cannot know what it loses.
    with psycopg.connect(libpq_url(db_url)) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099'")
    result = cli.invoke(app, ["db", "downgrade", "0004"])
    assert result.exit_code == 1 and "revision 0099, which this code does not know" in result.output


def test_db_downgrade_base_drops_everything_only_when_confirmed(
    db_url: str, cli: CliRunner
) -> None:
    assert cli.invoke(app, ["db", "upgrade"]).exit_code == 0  # the layers' metadata rows
    reports = "SELECT count(*) FROM pg_tables WHERE tablename = 'report'"
    for typed in ("", "yes\n"):
        result = cli.invoke(app, ["db", "downgrade", "base"], input=typed)
        assert result.exit_code == 1, result.output
        assert "not confirmed: nothing was dropped (from a script, pass --yes)" in result.output
        assert "確認されませんでした" in result.output
        assert sql_value(db_url, reports) == 1 and _revision(db_url) == migrate.head_revision()
    name = db_url.rsplit("/", 1)[1]
    result = cli.invoke(app, ["db", "downgrade", "base"], input=f"{name}\n")
    assert result.exit_code == 0, result.output
    assert f"type the database name ({name})" in result.output
    undone = ", ".join(
        s.revision for s in ScriptDirectory(str(migrate.MIGRATIONS)).walk_revisions()
    )
    assert f"schema at base (undone: {undone})" in result.output
    assert "lost" not in result.output  # an empty database loses nothing
    assert sql_value(db_url, reports) == 0 and _revision(db_url) is None
    result = cli.invoke(app, ["db", "downgrade", "base"])
    assert result.exit_code == 0 and "nothing to undo" in result.output


def test_db_downgrade_refuses_to_lose_data_and_says_what_force_lost(
    demo_url: str, cli: CliRunner
) -> None:
    # The demo safety map's photos (issue 16) would be lost too; this counts a report's alone.
    with psycopg.connect(libpq_url(demo_url)) as conn:
        conn.execute("DELETE FROM attachment WHERE subject_layer = 'safety_map_feature'")
    reported_and_published_blurred()
    result = cli.invoke(app, ["db", "downgrade", "0005"])
    assert result.exit_code == 1
    assert "error: downgrading to 0005 would lose data:" in result.output
    assert "  attachment.public_key: 1 value — blurred copies gone: those photos are" in (
        result.output
    )
    assert "run again with --force" in result.output
    assert "エラー: 0005 へ戻すと次のデータが失われます:" in result.output
    assert _revision(demo_url) == migrate.head_revision()

    # base: the data is refused before the operator is asked to type anything.
    result = cli.invoke(app, ["db", "downgrade", "base", "--yes"])
    assert result.exit_code == 1 and "  report: 161 rows" in result.output
    assert sql_value(demo_url, "SELECT count(*) FROM report") == 161

    result = cli.invoke(app, ["db", "downgrade", "--force", "0005"])
    assert result.exit_code == 0, result.output
    assert "schema at 0005 (undone: " in result.output and "0006)" in result.output
    assert "lost:\n" in result.output and "失われたデータ:\n" in result.output
    assert "  report.idempotency_fingerprint: 1 value — a retried submission" in result.output
    assert "  attachment.public_key: 1 value" in result.output
    assert _revision(demo_url) == "0005"

    result = cli.invoke(app, ["db", "downgrade", "base", "--yes", "--force"])
    assert result.exit_code == 0, result.output
    assert "  report: 161 rows" in result.output and "  report_category: " in result.output
    assert sql_value(demo_url, "SELECT count(*) FROM pg_tables WHERE tablename = 'report'") == 0
