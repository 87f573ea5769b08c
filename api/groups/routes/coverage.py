"""The gaps nobody watches (見守りの空白地帯): a group's coverage of its area for its members,
the city's aggregated view of the groups that share theirs, and the leader's switch
(layers/groups/coverage.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict
from starlette.status import HTTP_200_OK

from api.groups.loaders import group_row
from api.permissions import Authorized, acting, permit
from layers.groups import coverage
from layers.groups.membership import lock_group
from layers.policy import Action
from layers.store.db import session_scope
from layers.store.settings import get_settings

router = APIRouter(tags=["coverage"])

# "from" is a Python keyword: the parameter takes it as its alias.
FromDate = Annotated[str | None, Query(alias="from", description="YYYY-MM-DD, included")]
PRIVATE = {"Cache-Control": "private, no-store"}


class Sharing(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"share": True}]})

    share: bool


def _today() -> Any:
    return datetime.now(ZoneInfo(get_settings().city_time_zone)).date()


@router.get(
    "/api/groups/{group_id}/coverage",
    summary="見守りの範囲と空白地帯 / Where the group's patrols walked, and the gaps",
)
def group_coverage(
    response: Response,
    from_: FromDate = None,
    to: str | None = None,
    band: str | None = None,
    auth: Authorized = permit(Action.group_read_private, group_row),
) -> dict[str, Any]:
    """``from`` and ``to`` are dates in the city's time, both included (default: this
    month); ``band`` is school_in (登校 7–9時), school_out (下校 14–18時), night (夜間
    18–5時), other, or all (default). The walked pieces and gaps are for that band; the
    totals and the table per 自治会・町内会 give every band."""
    settings = get_settings()
    when = coverage.period(from_, to, _today())
    code = coverage.band(band)
    response.headers.update(PRIVATE)
    with session_scope() as db:
        return coverage.group_coverage(db, settings, auth.resource.id, when, code)


@router.get(
    "/api/coverage",
    summary="通学路の見守り状況（共有した団体の集計） / School-route coverage, aggregated",
)
def city_coverage(
    response: Response,
    from_: FromDate = None,
    to: str | None = None,
    auth: Authorized = permit(Action.coverage_read),
) -> dict[str, Any]:
    """Per school-route stretch and time band, the length walked by the groups that chose to
    share their coverage; never a track, never which group walked a stretch."""
    settings = get_settings()
    when = coverage.period(from_, to, _today())
    response.headers.update(PRIVATE)
    with session_scope() as db:
        return coverage.city_coverage(db, settings, when)


@router.put(
    "/api/groups/{group_id}/coverage-sharing",
    status_code=HTTP_200_OK,
    summary="見守りの範囲を市と共有する / Share the group's coverage with the city",
)
def set_sharing(
    body: Sharing, auth: Authorized = permit(Action.coverage_share, group_row)
) -> dict[str, Any]:
    group_id = auth.resource.id
    with acting(auth, lambda db: lock_group(db, group_id)) as (_, group):
        return coverage.set_sharing(group, body.share)
