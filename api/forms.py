"""Request bodies that arrive either as JSON (programs, the web app) or as an HTML form
(the e-mail link pages, Open311 clients), validated by one pydantic model."""

from __future__ import annotations

import json
from typing import TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError
from starlette.requests import ClientDisconnect

from api.errors import Problem

M = TypeVar("M", bound=BaseModel)


async def json_or_form(request: Request, model: type[M]) -> M:
    content_type = request.headers.get("content-type", "")
    try:
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            data: object = {k: v for k, v in form.items() if isinstance(v, str)}
        else:
            data = await request.json()
    except ClientDisconnect:  # the client went away mid-upload: nobody to answer, no error
        raise Problem(400, "送信が途中で切れました。", "the request body was cut off") from None
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        raise Problem(
            400,
            "リクエスト本文を読み取れません。",
            "the request body is not valid JSON or form data",
        ) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid_input(exc) from None


def invalid_input(exc: ValidationError) -> Problem:
    """The one answer to fields that fail their model: which ones, and why."""
    where = ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors())
    return Problem(
        400,
        f"入力に誤りがあります: {where}",
        f"invalid input: {where}",
        errors=[
            {"location": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
            for e in exc.errors()
        ],
    )


def wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")
