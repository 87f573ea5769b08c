"""Health for orchestration: liveness without the database, readiness with it (reachable,
schema at this code's head), and /health as before."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from httpx import Response

from layers.schema import migrate
from layers.store.db import reset_caches
from tests.conftest import new_client, sql_value
from tests.test_restarts import _free_port


def _assert_not_ready(answer: Response) -> dict[str, object]:
    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    assert int(answer.headers["Retry-After"]) > 0
    body: dict[str, object] = answer.json()
    assert body["type"] == "/problems/not-ready"
    assert body["detail"] and body["detail_ja"]
    return body


def test_a_migrated_database_is_ready(db_url: str) -> None:
    client = new_client()
    ready = client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "migration": migrate.head_revision()}
    assert client.get("/health/live").json() == {"status": "ok"}
    assert client.get("/health").json()["status"] == "ok"


def test_a_schema_behind_the_code_is_alive_but_not_ready(db_url: str) -> None:
    head = migrate.head_revision()
    assert head is not None
    previous = ScriptDirectory(str(migrate.MIGRATIONS)).get_revision(head).down_revision
    sql_value(db_url, "UPDATE alembic_version SET version_num = %s RETURNING 1", previous)
    client = new_client()
    body = _assert_not_ready(client.get("/health/ready"))
    assert body["migration"] == previous and body["migration_head"] == head
    assert client.get("/health/live").status_code == 200
    assert client.get("/health").json()["status"] == "degraded"  # as before


@pytest.fixture
def no_database(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A DATABASE_URL where nothing listens."""
    monkeypatch.setenv("DATABASE_URL", f"postgresql://machimap:x@127.0.0.1:{_free_port()}/machimap")
    reset_caches()
    yield
    reset_caches()


def test_without_a_database_the_process_is_alive_and_not_ready(no_database: None) -> None:
    from api.app import create_app

    client = TestClient(create_app())
    live = client.get("/health/live")
    assert live.status_code == 200 and live.json() == {"status": "ok"}
    body = _assert_not_ready(client.get("/health/ready"))
    assert body["reason"] and body["migration_head"] == migrate.head_revision()
    assert client.get("/health").status_code == 503  # as before


def test_every_answer_carries_a_request_id(db_url: str) -> None:
    client = new_client()
    given = "lb-0123456789abcdef"
    assert (
        client.get("/health/live", headers={"X-Request-Id": given}).headers["x-request-id"] == given
    )
    made = client.get("/health/ready").headers["x-request-id"]
    assert len(made) == 32
    # Refusals too, and the body stays as it always was.
    missing = client.get("/api/layers/nothing-here")
    assert missing.status_code == 404 and missing.headers["x-request-id"]
    assert "request_id" not in missing.json()


def test_a_fault_of_ours_answers_a_problem_naming_the_request(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """An unexpected exception: a 500 problem in both languages with the request id in the
    header, the body and the error log line, never Starlette's bare text."""
    from api.app import create_app

    app = create_app()

    def broken() -> None:
        raise RuntimeError("the disk is on fire")

    app.add_api_route("/broken-for-the-test", broken)
    client = TestClient(app, base_url="https://testserver", raise_server_exceptions=False)
    answer = client.get("/broken-for-the-test", headers={"X-Request-Id": "fault-0123456789"})
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["x-request-id"] == "fault-0123456789"
    body = answer.json()
    assert body["request_id"] == "fault-0123456789"
    assert "fault-0123456789" in body["detail_ja"] and "fault-0123456789" in body["detail"]
    assert "disk" not in answer.text  # nothing of the fault's insides
    [logged] = [r for r in caplog.records if r.name == "machimap.request"]
    fields = logged.fields  # type: ignore[attr-defined]
    assert fields["request_id"] == "fault-0123456789" and "the disk is on fire" in fields["error"]
