"""The service connects as a role that owns nothing: it reads and writes rows, adds to the
audit log, and cannot rewrite history or switch the rules off, whatever runs as it."""

from __future__ import annotations

import os

import psycopg
import pytest

from layers.store.db import libpq_url


def _as_the_service() -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(libpq_url(os.environ["DATABASE_URL"]), autocommit=True)


def test_the_service_is_the_application_role(db_url: str) -> None:
    from sqlalchemy import text

    from layers.store.db import get_engine

    with get_engine().connect() as conn:
        assert conn.execute(text("SELECT current_user")).scalar_one() == "machimap_app"
        owner = conn.execute(
            text("SELECT tableowner FROM pg_tables WHERE tablename = 'audit_log'")
        ).scalar_one()
    assert owner != "machimap_app"


@pytest.mark.parametrize(
    ("statement", "refusal"),
    [
        ("UPDATE audit_log SET action = 'forged'", "permission denied"),
        ("DELETE FROM audit_log", "permission denied"),
        ("TRUNCATE audit_log", "permission denied"),
        ("ALTER TABLE audit_log DISABLE TRIGGER ALL", "must be owner"),
        ("DROP TRIGGER audit_log_append_only ON audit_log", "must be owner"),
        ("ALTER TABLE report DISABLE TRIGGER ALL", "must be owner"),
        ("SET session_replication_role = replica", "permission denied"),
        ("UPDATE alembic_version SET version_num = '0001'", "permission denied"),
        ("UPDATE server_secret SET secret = 'x'", "permission denied"),
        ("CREATE TABLE mine (id int)", "permission denied"),
        ("DROP TABLE report", "must be owner"),
    ],
)
def test_what_the_service_may_not_do(db_url: str, statement: str, refusal: str) -> None:
    with _as_the_service() as conn:
        conn.execute("INSERT INTO audit_log (action, after) VALUES ('test', '{}')")
        with pytest.raises(psycopg.Error, match=refusal):
            conn.execute(statement.encode())
    with psycopg.connect(libpq_url(db_url)) as conn:
        actions = conn.execute("SELECT action FROM audit_log").fetchall()
    assert actions == [("test",)]
