"""The one error format: RFC 9457 problem+json with a Japanese and an English message.

Every refusal is a ``Refused`` (layers/store/refusals.py), wherever it was raised; the
framework's own refusals (unknown route, wrong method, a parameter failing its declared
type) and the database's rules are translated into one here, in ``refusal_of``. Open311's
routes answer the same refusals in that standard's format (api/reports/open311/formats.py).
"""

from __future__ import annotations

from typing import Any

import psycopg
import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from psycopg_pool import PoolTimeout
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from api import logs
from layers.store.refusals import Refused

PROBLEM = "application/problem+json"
# A restarting database is back within seconds (pg_ctl restart: under one).
RETRY_AFTER_S = 5
OUTSIDE_CITY = "MM001"  # raised by machimap_district_for()
CONSTRAINT_PROBLEMS = {
    "23514": (422, "入力内容がデータの規則に反しています", "the data breaks a rule"),
    "23505": (409, "同じものが既に登録されています", "this already exists"),
    "23503": (
        422,
        "参照先が存在しないか、まだ使われています",
        "a referenced record is missing or in use",
    ),
    "23502": (422, "必須の項目が空です", "a required value is missing"),
}

GENERIC = {
    400: ("リクエストが正しくありません。", "Bad request."),
    401: ("ログインが必要です。", "Sign-in required."),
    403: ("この操作は許可されていません。", "Not allowed."),
    404: ("見つかりません。", "Not found."),
    405: ("このメソッドは使えません。", "Method not allowed."),
    409: ("競合しています。", "Conflict."),
    413: ("大きすぎます。", "Too large."),
    422: ("入力内容に誤りがあります。", "Invalid input."),
    429: ("リクエストが多すぎます。しばらくしてからお試しください。", "Too many requests."),
    500: ("サーバーでエラーが発生しました。", "Internal server error."),
    503: ("一時的に利用できません。", "Service unavailable."),
}


def _generic(status: int) -> tuple[str, str]:
    return GENERIC.get(status, GENERIC[400 if status < 500 else 500])


def invalid_input(errors: list[dict[str, Any]]) -> Refused:
    """The one answer to fields that fail their model or their declared type: which ones,
    and why. 400, not FastAPI's 422: OGC API and most clients expect 400."""
    listed = [
        {"location": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg")}
        for e in errors
    ]
    where = ", ".join(str(e["location"]) for e in listed)
    return Refused(
        f"入力に誤りがあります: {where}", f"invalid input: {where}", status=400, errors=listed
    )


def refusal_of(exc: Exception) -> Refused | None:
    """Any refusal, wherever it was raised, as the one refusal type; None: not the caller's
    mistake (a server error)."""
    if isinstance(exc, Refused):
        return exc
    if isinstance(exc, StarletteHTTPException):
        ja, en = _generic(exc.status_code)
        detail_en = exc.detail if isinstance(exc.detail, str) and exc.detail else en
        headers = dict(exc.headers) if exc.headers else None
        return Refused(ja, detail_en, status=exc.status_code, headers=headers)
    if isinstance(exc, RequestValidationError):
        return invalid_input(list(exc.errors()))
    if isinstance(exc, DBAPIError):
        return _database_rule(exc) or _database_away(exc)
    if isinstance(exc, psycopg.OperationalError | PoolTimeout | sqlalchemy.exc.TimeoutError):
        return _unavailable()
    return None


def _database_away(exc: DBAPIError) -> Refused | None:
    """The database cannot be reached or gave up (restarting, a lost connection, a statement
    over its time limit): nothing the caller did, and worth trying again shortly."""
    if isinstance(exc, sqlalchemy.exc.OperationalError) or exc.connection_invalidated:
        return _unavailable()
    return None


def _unavailable() -> Refused:
    return Refused(
        "データベースに一時的に接続できません。しばらくしてからもう一度お試しください。",
        "the database is unavailable for the moment; try again shortly",
        status=503,
        type_="/problems/database-unavailable",
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


def _database_rule(exc: DBAPIError) -> Refused | None:
    """Rules enforced by the database itself (the schema's triggers and constraints) are the
    caller's mistake, not a server error."""
    state = getattr(exc.orig, "sqlstate", None)
    if state == OUTSIDE_CITY:
        return Refused(
            "市の区域外の場所は登録できません。",
            "the location is outside the city boundary",
            status=422,
            type_="/problems/outside-city",
        )
    # Constraints are the last line of defence behind validation; when one speaks, the
    # data sent broke it, and the caller should hear which rule.
    constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
    if state in CONSTRAINT_PROBLEMS:
        status, ja, en = CONSTRAINT_PROBLEMS[state]
        return Refused(
            f"{ja}（{constraint}）",
            f"{en} ({constraint})",
            status=status,
            type_="/problems/constraint",
            constraint=constraint,
        )
    return None


def problem_response(refusal: Refused, instance: str | None = None) -> JSONResponse:
    title_ja, title_en = _generic(refusal.status)
    body: dict[str, Any] = {
        "type": refusal.type,
        "title": title_en,
        "status": refusal.status,
        "detail": refusal.message_en,
        "detail_ja": refusal.message_ja,
        "title_ja": title_ja,
        **({"instance": instance} if instance else {}),
        **refusal.extra,
    }
    return JSONResponse(
        body, status_code=refusal.status, media_type=PROBLEM, headers=refusal.headers
    )


_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _allowed(app: FastAPI, request: Request) -> str:
    """Every method the path answers. Starlette names only those of the first route that
    matched the path, and a path's methods are often declared by several routes."""
    methods = [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in app.routes
        )
    ]
    if "GET" in methods:  # answered by every GET route (api/head.py)
        methods.insert(1, "HEAD")
    return ", ".join(methods)


def install(app: FastAPI) -> None:
    # Imported here: Open311's formats read refusal_of from this module.
    from api.reports.open311.formats import OPEN311_PREFIX, error_response, format_of_path

    async def answer(request: Request, exc: Exception) -> Response:
        refusal = refusal_of(exc)
        if refusal is None:
            raise exc
        path = request.url.path
        response: Response
        if path.startswith(OPEN311_PREFIX):  # an unknown path or method under Open311
            response = error_response(refusal, format_of_path(path))
        else:
            response = problem_response(refusal, path)
        if refusal.status == 405:
            response.headers["Allow"] = _allowed(app, request)
        return response

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        """A fault of ours: the same problem shape, carrying the request id the log line
        has, so a resident's screenshot leads staff to the trace. Starlette re-raises the
        exception after this answer, so the server still logs it."""
        request_id = logs.current_request_id.get()
        title_ja, title_en = _generic(500)
        refusal = Refused(
            f"{title_ja}問い合わせの際は次の番号をお伝えください: {request_id}",
            f"{title_en} Please quote this number if you contact us: {request_id}",
            status=500,
            type_="/problems/internal",
            request_id=request_id,
        )
        response = problem_response(refusal, request.url.path)
        if request_id:
            response.headers[logs.HEADER] = request_id
        return response

    app.add_exception_handler(Exception, unexpected)
    for kind in (
        Refused,
        StarletteHTTPException,
        RequestValidationError,
        DBAPIError,
        psycopg.OperationalError,
        PoolTimeout,
        sqlalchemy.exc.TimeoutError,
    ):
        app.add_exception_handler(kind, answer)
