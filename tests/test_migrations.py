"""The schema comes only from migrations: up is repeatable, down leaves nothing behind."""

from __future__ import annotations

import io
from typing import Any

import psycopg
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from layers.schema import migrate
from layers.schema.losses import Loss
from layers.schema.models import Base
from layers.store.db import libpq_url
from layers.store.refusals import Refused
from tests.conftest import make_person, new_client, signed_in, sql_value
from tests.test_photos import noise
from tests.test_reports import form, photo_file

OUR_TABLES = set(Base.metadata.tables)

HEAD = migrate.head_revision()


def _tables(url: str) -> set[str]:
    with psycopg.connect(libpq_url(url)) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
    return {r[0] for r in rows}


def test_upgrade_is_idempotent_and_downgrade_reaches_an_empty_schema(db_url: str) -> None:
    assert _tables(db_url) >= OUR_TABLES
    migrate.upgrade(db_url)  # a second time: nothing to do, no error
    assert _tables(db_url) >= OUR_TABLES

    migrate.downgrade(db_url, "base")
    assert _tables(db_url) & OUR_TABLES == set()
    assert _tables(db_url) <= {"spatial_ref_sys", "alembic_version"}
    with psycopg.connect(libpq_url(db_url)) as conn:
        functions = conn.execute(
            "SELECT count(*) FROM pg_proc WHERE proname LIKE 'machimap_%'"
        ).fetchone()
    assert functions == (0,)

    migrate.upgrade(db_url)
    assert _tables(db_url) >= OUR_TABLES


def test_every_geometry_column_has_a_gist_index_a_validity_check_and_one_srid(
    engine: Engine,
) -> None:
    with engine.connect() as conn:
        columns = conn.execute(
            text(
                "SELECT f_table_name, f_geometry_column, srid FROM geometry_columns "
                "WHERE f_table_schema = 'public'"
            )
        ).fetchall()
        assert len(columns) >= 8
        for table, column, srid in columns:
            assert srid == 4326, (table, column)
            gist = conn.execute(
                text(
                    "SELECT count(*) FROM pg_indexes WHERE tablename = :t "
                    "AND indexdef ILIKE '%USING gist%' AND indexdef LIKE :c"
                ),
                {"t": table, "c": f"%({column})%"},
            ).scalar()
            assert gist == 1, f"{table}.{column} has no GiST index"
            if table == "district_part":
                continue  # derived by a trigger from the checked district table
            check = conn.execute(
                text(
                    "SELECT count(*) FROM pg_constraint WHERE conrelid = CAST(:t AS regclass) "
                    "AND contype = 'c' AND pg_get_constraintdef(oid) LIKE :c"
                ),
                {"t": table, "c": f"%st_isvalid({column})%"},
            ).scalar()
            assert check == 1, f"{table}.{column} has no validity check"


def test_every_table_has_timestamps_and_updated_at_follows_writes(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in OUR_TABLES - {
            "audit_log",
            "district_part",
            "patrol_point",  # written once, with the patrol: its fixes are never updated
            "report_contact",
            "notification",
            "server_secret",
        }:
            cols = set(
                conn.execute(
                    text(
                        "SELECT column_name FROM information_schema.columns WHERE table_name = :t"
                    ),
                    {"t": table},
                ).scalars()
            )
            assert {"created_at", "updated_at"} <= cols, table
        conn.execute(text("INSERT INTO department (code, name) VALUES ('road', '道路課')"))
        before = conn.execute(text("SELECT updated_at FROM department")).scalar()
    with engine.begin() as conn:
        conn.execute(text("UPDATE department SET name = '道路河川課'"))
        after = conn.execute(text("SELECT updated_at FROM department")).scalar()
    assert after is not None and before is not None and after > before


def test_constraints_refuse_bad_values(engine: Engine) -> None:
    bad = [
        "INSERT INTO facility (kind, name, geom) VALUES ('castle', 'x', "
        "ST_SetSRID(ST_MakePoint(138.3, 34.86), 4326))",
        "INSERT INTO facility (kind, name, built_year, geom) VALUES ('aed', 'x', 1200, "
        "ST_SetSRID(ST_MakePoint(138.3, 34.86), 4326))",
        "INSERT INTO facility (kind, name, disaster_types, geom) VALUES ('shelter', 'x', "
        "ARRAY['meteor'], ST_SetSRID(ST_MakePoint(138.3, 34.86), 4326))",
        "INSERT INTO hazard (kind, title, severity, geom) VALUES ('other', 'x', 9, "
        "ST_SetSRID(ST_MakePoint(138.3, 34.86), 4326))",
        # a self-intersecting (bow-tie) polygon
        "INSERT INTO hazard (kind, title, geom) VALUES ('other', 'x', "
        "ST_GeomFromText('POLYGON((138 34, 138.1 34.1, 138.1 34, 138 34.1, 138 34))', 4326))",
        "INSERT INTO city (code, name, prefecture, plane_zone) VALUES ('22212', 'x', 'y', 8)",
        "INSERT INTO city (code, name, prefecture, plane_zone) VALUES ('222127', 'x', 'y', 20)",
        "INSERT INTO inspection (subject_layer, subject_id, kind, inspected_on, overall_grade) "
        "VALUES ('facility', 1, 'daily', '2026-01-01', 'E')",
    ]
    for statement in bad:
        with pytest.raises(Exception, match=r"violates|invalid|check"), engine.begin() as conn:
            conn.execute(text(statement))


def test_audit_log_is_append_only(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_log (action, after) VALUES ('test', '{}')"))
    for statement in (
        "UPDATE audit_log SET action = 'forged'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ):
        with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT action FROM audit_log")).scalars().all() == ["test"]


# --- downgrades that would lose data --------------------------------------------------------


def _columns(url: str, table: str) -> set[str]:
    with psycopg.connect(libpq_url(url)) as conn:
        rows = conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s", (table,)
        ).fetchall()
    return {r[0] for r in rows}


def reported_and_published_blurred() -> dict[str, Any]:
    """What migration 0006 made possible, done the resident's and the staff's way: a report
    sent with an Idempotency-Key, asking to hear of changes, with a photo staff published
    blurred. Answers the report as submitted."""
    big = io.BytesIO()
    noise((400, 300)).save(big, "JPEG")
    answer = new_client().post(
        "/api/reports",
        data=form(consent_publish="true", contact_email="taro@example.jp", notify="true"),
        files=[photo_file(big.getvalue())],
        headers={"Idempotency-Key": "downgrade-7e1f-4c2a"},
    )
    assert answer.status_code == 201, answer.text
    report: dict[str, Any] = answer.json()
    staff = signed_in(make_person("road@example.jp", "staff", department="road"))
    published = staff.post(
        f"/api/triage/reports/{report['public_id']}/publish",
        json={"photos": [{"id": report["photos"][0]["id"], "blur": [[0.0, 0.0, 0.5, 0.5]]}]},
    )
    assert published.status_code == 200, published.text
    return report


def test_every_migration_declares_what_its_downgrade_loses() -> None:
    scripts = ScriptDirectory(str(migrate.MIGRATIONS))
    dropped = set()
    for script in scripts.walk_revisions():
        losses = getattr(script.module, "LOSES", None)
        assert isinstance(losses, list), f"{script.revision} declares no LOSES"
        assert all(isinstance(loss, Loss) for loss in losses), script.revision
        dropped |= {t for loss in losses if "." not in loss.what for t in loss.tables}
    # Every table some downgrade drops says so; district_part's rows are made from district's.
    assert OUR_TABLES - dropped == {"district_part"}


def _newest_first() -> tuple[str, ...]:
    return tuple(s.revision for s in ScriptDirectory(str(migrate.MIGRATIONS)).walk_revisions())


def _above(revision: str) -> tuple[str, ...]:
    """The revisions a downgrade to ``revision`` undoes, newest first."""
    newest = _newest_first()
    return newest[: newest.index(revision)]


def test_a_downgrade_on_an_empty_database_loses_nothing_and_just_works(db_url: str) -> None:
    plan = migrate.plan_downgrade(db_url, "base")
    assert plan.undone == _newest_first() and plan.undone[-1] == "0001"
    assert plan.drops_schema and plan.lost == () and plan.blocked == ()
    assert migrate.plan_downgrade(db_url, "-1").undone == _newest_first()[:1]
    done = migrate.downgrade(db_url, "0005")
    assert done.undone == _above("0005") and done.lost == ()
    assert "public_key" not in _columns(db_url, "attachment")
    assert sql_value(db_url, "SELECT version_num FROM alembic_version") == "0005"
    migrate.upgrade(db_url)
    assert "public_key" in _columns(db_url, "attachment")


def _without_demo_map_photos(url: str) -> None:
    """The demo's safety-map photos (issue 16) are losses of their own; these tests count a
    report's photo alone."""
    with psycopg.connect(libpq_url(url)) as conn:
        conn.execute("DELETE FROM attachment WHERE subject_layer = 'safety_map_feature'")


def test_undoing_reporting_with_its_data_is_refused_changing_nothing_unless_forced(
    demo_url: str,
) -> None:
    _without_demo_map_photos(demo_url)
    report = reported_and_published_blurred()
    anonymous = new_client()
    photo_url = anonymous.get(f"/api/reports/{report['public_id']}").json()["photos"][0]["url"]
    blurred = anonymous.get(photo_url).content
    public_key = sql_value(demo_url, "SELECT public_key FROM attachment")
    assert public_key is not None

    with pytest.raises(Refused) as refused:
        migrate.downgrade(demo_url, "0005")
    message = refused.value.message_en
    for line in (
        "report.idempotency_fingerprint: 1 value — a retried submission",
        "report.location_source: 1 value",
        "report_contact.notify: 1 value — reporters who asked to hear",
        "attachment.public_key: 1 value — blurred copies gone: those photos are withdrawn",
        "attachment.public_thumbnail_key: 1 value",
        "server_secret: 1 row — every tracking link sent to reporters stops working",
        "--force",
    ):
        assert line in message, message
    assert "ぼかした写真" in refused.value.message_ja and "--force" in refused.value.message_ja
    assert {"what": "attachment.public_key", "count": 1, "revision": "0006"} in (
        refused.value.extra["lost"]
    )
    # Nothing changed: the columns are there, their values intact, the public gets the blur.
    assert sql_value(demo_url, "SELECT version_num FROM alembic_version") == HEAD
    assert sql_value(demo_url, "SELECT public_key FROM attachment") == public_key
    assert sql_value(demo_url, "SELECT count(idempotency_fingerprint) FROM report") == 1
    assert sql_value(demo_url, "SELECT count(*) FROM report_contact WHERE notify") == 1
    assert anonymous.get(photo_url).content == blurred

    done = migrate.downgrade(demo_url, "0005", force=True)
    lost = {c.loss.what: c.count for c in done.lost}
    assert lost["attachment.public_key"] == 1 and lost["report.idempotency_fingerprint"] == 1
    assert lost["server_secret"] == 1 and "report_status_change.by_reporter" not in lost
    assert {"public_key", "public_thumbnail_key"} & _columns(demo_url, "attachment") == set()
    assert sql_value(demo_url, "SELECT version_num FROM alembic_version") == "0005"


def test_rows_a_downgrade_cannot_keep_refuse_it_even_when_forced(demo_url: str) -> None:
    _without_demo_map_photos(demo_url)
    reported_and_published_blurred()
    # The same photo on a second report is the same stored file (content-addressed).
    with psycopg.connect(libpq_url(demo_url)) as conn:
        conn.execute(
            "INSERT INTO attachment (subject_layer, subject_id, storage_key, content_type, "
            "byte_size, sha256) SELECT 'report', (SELECT min(id) FROM report), storage_key, "
            "content_type, byte_size, sha256 FROM attachment"
        )
    with pytest.raises(Refused) as refused:
        migrate.downgrade(demo_url, "0004", force=True)
    assert "attachment.storage_key: 1 stored file shared by several attachments" in (
        refused.value.message_en
    )
    assert "--force does not help" in refused.value.message_en
    assert sql_value(demo_url, "SELECT version_num FROM alembic_version") == HEAD
    assert "public_key" in _columns(demo_url, "attachment")


def test_undoing_accounts_names_what_people_would_lose_or_gain(db_url: str) -> None:
    with psycopg.connect(libpq_url(db_url)) as conn:
        group = conn.execute(
            "INSERT INTO community_group (name, kind) VALUES ('港町自治会', 'other') RETURNING id"
        ).fetchone()
    assert group is not None
    make_person("asked@example.jp", groups={group[0]: "requested"})
    plan = migrate.plan_downgrade(db_url, "0002")
    assert plan.blocked == ()
    lost = {c.loss.what: c.line_en() for c in plan.lost}
    assert lost["membership.status"] == (
        "membership.status: 1 value — people who only asked to join a group become its members"
    )
    assert lost["user_account.email_verified_at"].startswith("user_account.email_verified_at: 1")
    assert "user_account.locale" not in lost  # 'ja', what upgrading again gives everyone
    # An audit entry naming an account that is gone: 0002's foreign key cannot come back.
    with psycopg.connect(libpq_url(db_url)) as conn:
        conn.execute(
            "INSERT INTO audit_log (actor_user_id, action, after) VALUES (987654, 'test', '{}')"
        )
    with pytest.raises(Refused) as refused:
        migrate.downgrade(db_url, "0002", force=True)
    assert "audit_log.actor_user_id: 1 audit log entry naming no account" in (
        refused.value.message_en
    )
    assert sql_value(db_url, "SELECT version_num FROM alembic_version") == HEAD


def test_a_blurred_copy_lost_by_a_forced_downgrade_withholds_the_photo(demo_url: str) -> None:
    """After a forced downgrade below 0006 and back, the blurred copy is gone: the public
    then gets nothing (404), never the unblurred original in its place (migration 0008)."""
    _without_demo_map_photos(demo_url)
    report = reported_and_published_blurred()
    anonymous = new_client()
    photo_url = anonymous.get(f"/api/reports/{report['public_id']}").json()["photos"][0]["url"]
    original = (
        new_client().get(photo_url, headers={"X-Tracking-Token": report["tracking_token"]}).content
    )
    assert anonymous.get(photo_url).content != original
    migrate.downgrade(demo_url, "0005", force=True)
    migrate.upgrade(demo_url)
    assert anonymous.get(photo_url).status_code == 404
    assert anonymous.get(f"/api/reports/{report['public_id']}").json()["photos"] == []
    reporter = new_client().get(photo_url, headers={"X-Tracking-Token": report["tracking_token"]})
    assert reporter.status_code == 200 and reporter.content == original


def test_photos_released_as_they_are_stay_public_across_0008(demo_url: str) -> None:
    _without_demo_map_photos(demo_url)
    big = io.BytesIO()
    noise((300, 200)).save(big, "JPEG")
    sent = (
        new_client()
        .post("/api/reports", data=form(consent_publish="true"), files=[photo_file(big.getvalue())])
        .json()
    )
    staff = signed_in(make_person("road@example.jp", "staff", department="road"))
    staff.post(
        f"/api/triage/reports/{sent['public_id']}/publish",
        json={"photos": [{"id": sent["photos"][0]["id"]}]},
    )
    photo_url = f"/api/reports/{sent['public_id']}/photos/{sent['photos'][0]['id']}"
    public = new_client().get(photo_url)
    assert public.status_code == 200
    with psycopg.connect(libpq_url(demo_url)) as conn:
        conn.execute("DELETE FROM place")  # the demo's towns (0011): a loss of their own
        conn.execute("DELETE FROM safety_map")  # its maps' details and areas (0013): too
        conn.execute("DELETE FROM road; DELETE FROM green_space")  # likewise (0014)
        conn.execute("DELETE FROM school_route_site")  # the demo's joint inspection (0016)
        # The demo's walks with their tracks, and the group sharing its coverage (0015).
        conn.execute("DELETE FROM patrol; UPDATE community_group SET share_coverage = false")
        # The demo's register, play equipment and inspections (0017).
        conn.execute("DELETE FROM inspection; DELETE FROM facility_building")
        conn.execute("DELETE FROM facility WHERE kind = 'play_equipment'")
        conn.execute(
            "UPDATE facility SET kind = 'other' WHERE kind IN ('fire_station', 'health_center')"
        )
        conn.execute("DELETE FROM population_unit")  # the demo's towns' people (0018)
    migrate.downgrade(demo_url, "0007")  # the old rule: no public key for such a photo
    assert sql_value(demo_url, "SELECT count(public_key) FROM attachment") == 0
    migrate.upgrade(demo_url)
    again = new_client().get(photo_url)
    assert again.status_code == 200 and again.content == public.content
