"""The schema comes only from migrations: up is repeatable, down leaves nothing behind."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import Engine, text

from layers.schema import migrate
from layers.schema.models import Base
from layers.store.db import libpq_url

OUR_TABLES = set(Base.metadata.tables)


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
