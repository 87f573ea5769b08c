"""Request bodies that arrive either as JSON (programs, the web app) or as an HTML form
(the e-mail link pages, Open311 clients), validated by one pydantic model."""

from __future__ import annotations

import json
from typing import Annotated, Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, StringConstraints, ValidationError
from starlette.requests import ClientDisconnect

from api.errors import invalid_input
from api.guard import refuse_control_characters
from layers.store.base import TEXT_MAX
from layers.store.refusals import Refused

M = TypeVar("M", bound=BaseModel)

# A description, a public text, a comment or a note: the one limit every long text field has.
LongText = Annotated[str, StringConstraints(max_length=TEXT_MAX)]


def validated(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid_input([dict(e) for e in exc.errors()]) from None


async def json_or_form(request: Request, model: type[M]) -> M:
    content_type = request.headers.get("content-type", "")
    try:
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            data: object = {k: v for k, v in form.items() if isinstance(v, str)}
            for name, value in form.items():
                if isinstance(value, str):
                    refuse_control_characters(value, name)
        else:
            data = await request.json()
    except Refused:
        raise
    except ClientDisconnect:  # the client went away mid-upload: nobody to answer, no error
        raise Refused(
            "送信が途中で切れました。", "the request body was cut off", status=400
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        raise Refused(
            "リクエスト本文を読み取れません。",
            "the request body is not valid JSON or form data",
            status=400,
        ) from None
    return validated(model, data)
