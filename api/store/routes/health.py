"""Health, for people and for orchestration (docs/deploy.md):

- `GET /health`: is the database reachable, which PostGIS, which schema revision;
- `GET /health/live`: the process answers (no database), so a supervisor restarts a worker
  only when the worker itself is stuck, never because the database is restarting;
- `GET /health/ready`: this instance can serve: the database answers and holds exactly the
  schema this code expects; otherwise a 503 problem with Retry-After, so a balancer or a
  rolling restart waits for it."""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.errors import RETRY_AFTER_S
from api.permissions import permit
from layers.policy import Action
from layers.schema import migrate
from layers.store.db import get_engine
from layers.store.refusals import Refused

router = APIRouter(tags=["health"])


@router.get(
    "/health", summary="Service health / 稼働状況", dependencies=[permit(Action.public_read)]
)
def health() -> JSONResponse:
    body: dict[str, Any] = {"status": "ok", "migration_head": migrate.head_revision()}
    try:
        body.update(migrate.database_status(get_engine()))
    except Exception as exc:  # any failure means "not healthy", with the reason
        body.update(status="unavailable", error=str(exc).splitlines()[0])
        return JSONResponse(body, status_code=503)
    if body["migration"] != body["migration_head"]:
        body["status"] = "degraded"
    return JSONResponse(body)


@router.get(
    "/health/live",
    summary="Liveness / プロセスの応答",
    dependencies=[permit(Action.public_read)],
)
async def live() -> dict[str, str]:
    # On the event loop, not in the thread pool: a worker whose threads are all busy on
    # slow queries is still alive and must not be killed for it.
    return {"status": "ok"}


@router.get(
    "/health/ready",
    summary="Readiness / 受付可能か（データベースとスキーマ）",
    dependencies=[permit(Action.public_read)],
)
def ready() -> dict[str, Any]:
    head = _expected_head()
    try:
        current = migrate.current_revision(get_engine())
    except Exception as exc:  # unreachable, refusing connections, or timing out
        raise _not_ready(
            "データベースに接続できません。",
            "the database cannot be reached",
            reason=str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
            migration_head=head,
        ) from exc
    if current != head:
        raise _not_ready(
            f"データベースのスキーマ（{current or 'なし'}）がこの版の想定（{head}）と違います。",
            f"the database schema is at {current or 'nothing'}, this code expects {head}",
            migration=current,
            migration_head=head,
        )
    return {"status": "ready", "migration": current}


@cache
def _expected_head() -> str | None:
    # Read once: the schema this running code was written for, even after a deployment has
    # put newer migrations on disk (and it spares each probe ~50 ms of parsing them).
    return migrate.head_revision()


def _not_ready(message_ja: str, message_en: str, **extra: Any) -> Refused:
    return Refused(
        f"{message_ja}まだリクエストを受け付けられません。",
        f"not ready: {message_en}",
        status=503,
        type_="/problems/not-ready",
        headers={"Retry-After": str(RETRY_AFTER_S)},
        **extra,
    )
