"""Request ids and structured logs.

Every request gets an id: the one the reverse proxy sent in ``X-Request-Id`` when it is
sane (deploy/nginx/machimap.conf sends nginx's ``$request_id`` and logs it too), otherwise
a new one. It is echoed in the ``X-Request-Id`` response header, never in bodies, and
carried by every log record made while the request runs, so the proxy's access log, the
request's line here and any error it caused can be joined.

With ``MACHIMAP_LOG_FORMAT=json`` everything is logged as one JSON object per line on
stdout, uvicorn's own records included, with one line per request (method, path, status,
duration_ms, request_id, client); uvicorn's access log, which would repeat it without the
id, is left out. The default, ``text``, logs as uvicorn always has.
"""

from __future__ import annotations

import json
import logging
import logging.config
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from layers.store.settings import Settings

HEADER = "X-Request-Id"
# What a proxy or a tracing system sends (nginx: 32 hex digits; UUIDs; base64 ids), and no
# more: the id goes into a response header and every log line of the request.
VALID_ID = re.compile(r"[A-Za-z0-9._:+/=-]{8,128}")
# Set per request; asyncio copies it into the request's task and its thread-pool calls.
current_request_id: ContextVar[str | None] = ContextVar("machimap_request_id", default=None)

request_log = logging.getLogger("machimap.request")


def request_id_of(given: str | None) -> str:
    """The proxy's id when it is a sane one, else a new one."""
    if given and VALID_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex


class JsonLines(logging.Formatter):
    """One JSON object per record: time (UTC), level, logger, message, pid, the request id
    when there is one, the request's fields for request lines, and the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            # Several workers write to one journal: which process said it.
            "pid": record.process,
        }
        request_id = current_request_id.get()
        if request_id:
            line["request_id"] = request_id
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def uvicorn_log_config(level: str) -> dict[str, Any]:
    """The logging configuration for JSON lines, for ``logging.config.dictConfig`` and for
    uvicorn's ``log_config`` (so its workers log JSON from their first line)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonLines}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            }
        },
        "root": {"handlers": ["stdout"], "level": level.upper()},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            # RequestLog writes the request lines, with the id.
            "uvicorn.access": {"handlers": [], "propagate": False, "level": "WARNING"},
            # Readiness reads the schema revision through Alembic, which would announce
            # itself at INFO on every probe.
            "alembic": {"level": "WARNING"},
        },
    }


def configure(settings: Settings) -> None:
    """JSON lines when asked for; text leaves logging as uvicorn set it up."""
    if settings.log_format == "json":
        logging.config.dictConfig(uvicorn_log_config(settings.log_level))


class RequestLog:
    """Gives each request its id, echoes it, and logs one line when the answer is sent (or
    the request failed). Sits inside the proxy-headers middleware, so ``client`` is the
    real caller behind a trusted proxy."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v for k, v in scope["headers"] if k == b"x-request-id"), b"")
        request_id = request_id_of(given.decode("latin-1"))
        current_request_id.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            _log_request(scope, request_id, status, started, exc)
            raise
        _log_request(scope, request_id, status, started)


def _log_request(
    scope: Scope,
    request_id: str,
    status: int,
    started: float,
    failure: Exception | None = None,
) -> None:
    client = scope.get("client")
    fields = {
        "request_id": request_id,
        "method": scope["method"],
        # The path only: query strings carry secrets (tracking links, e-mail tokens).
        "path": scope["path"],
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        "client": client[0] if client else None,
    }
    if failure is not None:
        fields["error"] = f"{type(failure).__name__}: {failure}"[:500]
    level = logging.ERROR if failure is not None or status >= 500 else logging.INFO
    message = f"{scope['method']} {scope['path']} {status}"
    request_log.log(level, message, extra={"fields": fields})
