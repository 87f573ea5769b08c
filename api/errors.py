"""The one error format: RFC 9457 problem+json with a Japanese and an English message."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from layers.store.refusals import Refused

PROBLEM = "application/problem+json"
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


class Problem(Exception):
    """Raise anywhere in a router to answer with problem+json."""

    def __init__(
        self,
        status: int,
        detail_ja: str,
        detail_en: str,
        *,
        type_: str = "about:blank",
        headers: dict[str, str] | None = None,
        **extra: Any,
    ):
        super().__init__(detail_en)
        self.status, self.detail_ja, self.detail_en = status, detail_ja, detail_en
        self.type, self.extra, self.headers = type_, extra, headers


def problem_response(
    status: int,
    detail_ja: str,
    detail_en: str,
    *,
    type_: str = "about:blank",
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    title_ja, title_en = GENERIC.get(status, GENERIC[400 if status < 500 else 500])
    body: dict[str, Any] = {
        "type": type_,
        "title": title_en,
        "status": status,
        "detail": detail_en,
        "detail_ja": detail_ja,
        "title_ja": title_ja,
        **({"instance": instance} if instance else {}),
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def problem_of(exc: Exception) -> Problem | None:
    """Any refusal, wherever it was raised, as one Problem; None: not the caller's mistake.
    The problem+json handlers and Open311's error format (api/open311) both answer from it."""
    if isinstance(exc, Problem):
        return exc
    if isinstance(exc, Refused):
        return Problem(exc.status, exc.message_ja, exc.message_en)
    if isinstance(exc, StarletteHTTPException):
        ja, en = GENERIC.get(exc.status_code, GENERIC[400 if exc.status_code < 500 else 500])
        detail_en = exc.detail if isinstance(exc.detail, str) and exc.detail else en
        headers = dict(exc.headers) if exc.headers else None
        return Problem(exc.status_code, ja, detail_en, headers=headers)
    if isinstance(exc, RequestValidationError):
        # 400, not FastAPI's 422: OGC API and most clients expect 400 for bad parameters.
        errors = [
            {"location": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg")}
            for e in exc.errors()
        ]
        where = ", ".join(e["location"] for e in errors)
        return Problem(
            400, f"入力に誤りがあります: {where}", f"invalid input: {where}", errors=errors
        )
    if isinstance(exc, DBAPIError):
        return _database_rule(exc)
    return None


def _database_rule(exc: DBAPIError) -> Problem | None:
    """Rules enforced by the database itself (layers/migrations 0002) are the caller's
    mistake, not a server error."""
    state = getattr(exc.orig, "sqlstate", None)
    if state == OUTSIDE_CITY:
        return Problem(
            422,
            "市の区域外の場所は登録できません。",
            "the location is outside the city boundary",
            type_="/problems/outside-city",
        )
    # Constraints are the last line of defence behind validation; when one speaks, the
    # data sent broke it, and the caller should hear which rule.
    constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
    if state in CONSTRAINT_PROBLEMS:
        status, ja, en = CONSTRAINT_PROBLEMS[state]
        return Problem(
            status,
            f"{ja}（{constraint}）",
            f"{en} ({constraint})",
            type_="/problems/constraint",
            constraint=constraint,
        )
    return None


def install(app: FastAPI) -> None:
    async def answer(request: Request, exc: Exception) -> JSONResponse:
        problem = problem_of(exc)
        if problem is None:
            raise exc
        return problem_response(
            problem.status,
            problem.detail_ja,
            problem.detail_en,
            type_=problem.type,
            instance=request.url.path,
            headers=problem.headers,
            **problem.extra,
        )

    for kind in (Problem, Refused, StarletteHTTPException, RequestValidationError, DBAPIError):
        app.add_exception_handler(kind, answer)
