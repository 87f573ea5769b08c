"""Photos arriving (with a report, or on a safety-map place): reading a multipart form within
the photo limits, and running the intake off the event loop a few at a time."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.guard import refuse_control_characters
from layers.store.refusals import Refused
from layers.store.settings import get_settings

T = TypeVar("T")


async def read_photo_form(
    request: Request, field: str, max_files: int, max_fields: int
) -> tuple[dict[str, str], list[bytes]]:
    """A multipart form's text fields and the files sent as ``field``. The whole body is
    limited as it arrives (api/guard.py: at most a full report's photos), each file after."""
    settings = get_settings()
    try:
        form = await request.form(max_files=max_files, max_fields=max_fields)
    except Refused:
        raise
    except Exception as exc:  # python-multipart's own limits and malformed bodies
        raise Refused(
            "フォームの内容を読み取れません。", f"unreadable form data: {exc}", status=400
        ) from None
    fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    for name, value in fields.items():
        refuse_control_characters(value, name)
    photos = []
    for name, upload in form.multi_items():
        if name != field or not isinstance(upload, UploadFile):
            continue
        if upload.size is not None and upload.size > settings.photo_max_bytes:
            raise Refused(
                f"写真が大きすぎます（上限 {settings.photo_max_bytes // 1_048_576} MB）。",
                f"a photo is larger than {settings.photo_max_bytes // 1_048_576} MB",
                status=413,
            )
        photos.append(await upload.read())
    return fields, photos


@functools.lru_cache(maxsize=1)
def _intake_slots(count: int) -> asyncio.Semaphore:
    return asyncio.Semaphore(count)


async def run_intake(fn: Callable[..., T], *args: Any) -> T:
    """Run a submission off the event loop, a few at a time per process. A burst of uploads
    would otherwise fill the threadpool with threads waiting for a photo decoder, and every
    other request (the map's reads) would wait behind them."""
    async with _intake_slots(get_settings().photo_decoders + 2):
        return await run_in_threadpool(fn, *args)
