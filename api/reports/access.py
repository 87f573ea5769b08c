"""What the report routes share: the report a request names (with the tracking token it
may carry), who is looking at it, and the report answered as that audience sees it."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from api.params import ReportId
from api.permissions import Authorized, path_parameters
from layers.policy import Action, can, is_reporter
from layers.reports import access
from layers.reports.access import ReportAccess
from layers.reports.view import Audience, Offered, report_json
from layers.store.db import session_scope

JSON = "application/json"
TOKEN_HEADER = "X-Tracking-Token"


@path_parameters(public_id=ReportId)
def report_access(db: Session, request: Request) -> ReportAccess:
    """permit()'s loader: the report named in the path, with what the permission check
    needs: whether its category is sensitive and whether the caller holds its token."""
    token = request.headers.get(TOKEN_HEADER) or request.query_params.get("token")
    return access.report_access(db, request.path_params.get("public_id", ""), token)


def lock(auth: Authorized) -> Callable[[Session], ReportAccess]:
    """For acting(): the report of this request, locked and read again."""
    return lambda db: access.locked(db, auth.resource)


def audience(auth: Authorized) -> Audience:
    if auth.actor.is_staff:
        return Audience.staff
    if is_reporter(auth.actor, auth.resource):
        return Audience.reporter
    return Audience.public


def cache_control(who: Audience) -> str:
    # What a reporter or staff see must not sit in a shared cache.
    return "public, max-age=60" if who == Audience.public else "private, no-store"


def offered(auth: Authorized) -> Offered:
    """What the report's page may offer this caller, as the policy decides it. Supporting
    one's own report counts for nothing, so the reporter is not offered it."""
    reporter = is_reporter(auth.actor, auth.resource)
    return Offered(
        follow_up=can(auth.actor, Action.report_follow_up, auth.resource),
        support=not reporter and can(auth.actor, Action.report_support, auth.resource),
    )


def view_response(auth: Authorized, status: int = 200) -> Response:
    who = audience(auth)
    with session_scope() as db:
        body = report_json(db, auth.resource.report.id, who, offered(auth))
    return Response(body, status, media_type=JSON, headers={"Cache-Control": cache_control(who)})
