"""`GET /health`: is the database reachable, which PostGIS, which schema revision."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.permissions import permit
from layers.policy import Action
from layers.schema import migrate
from layers.store.db import get_engine

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
