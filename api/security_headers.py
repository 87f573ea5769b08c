"""Security headers on every response, and CORS opened only for the public read API.

Which paths are "public read" is not listed here: it is every GET route whose permit()
action is public.read, so a new public endpoint is open to other sites' maps automatically
and a private one never is."""

from __future__ import annotations

import re
from collections.abc import Iterable

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.permissions import api_routes, route_action
from layers.policy import Action
from layers.store.settings import get_settings


def content_security_policy(basemap_origin: str) -> str:
    # No inline scripts anywhere; MapLibre needs blob: workers; the basemap serves tiles.
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src 'self' data: blob: {basemap_origin}",
            f"connect-src 'self' {basemap_origin}",
            "worker-src 'self' blob:",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def public_read_paths(app: FastAPI) -> list[re.Pattern[str]]:
    return [
        r.path_regex
        for r in api_routes(app.routes)
        if "GET" in (r.methods or ()) and route_action(r) == Action.public_read
    ]


class SecurityHeaders:
    def __init__(self, app: ASGIApp, public_paths: Iterable[re.Pattern[str]] = ()):
        self.app = app
        self.public_paths = list(public_paths)
        s = get_settings()
        self.headers = {
            "Content-Security-Policy": content_security_policy(s.basemap_origin),
            "X-Content-Type-Options": "nosniff",
            # Tracking links carry a secret token: never send the URL to another site.
            "Referrer-Policy": "same-origin",
            "X-Frame-Options": "DENY",
            "Permissions-Policy": "geolocation=(self), camera=(self), microphone=()",
            "Cross-Origin-Opener-Policy": "same-origin",
        }
        if s.public_url.startswith("https://"):
            self.headers["Strict-Transport-Security"] = "max-age=31536000"

    def _is_public(self, path: str) -> bool:
        return any(p.match(path) for p in self.public_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        cors = self._is_public(scope["path"])
        request_headers = dict(scope["headers"])
        if cors and method == "OPTIONS" and b"access-control-request-method" in request_headers:
            await self._preflight(send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
                if cors and method in ("GET", "HEAD"):
                    # No credentials: another site's map reads only what anyone may read.
                    headers["Access-Control-Allow-Origin"] = "*"
                    headers["Access-Control-Expose-Headers"] = (
                        "ETag, Link, Content-Crs, Retry-After"
                    )
            await send(message)

        await self.app(scope, receive, with_headers)

    async def _preflight(self, send: Send) -> None:
        headers = [
            (b"access-control-allow-origin", b"*"),
            (b"access-control-allow-methods", b"GET, HEAD, OPTIONS"),
            (b"access-control-allow-headers", b"Accept, Accept-Language, If-None-Match"),
            (b"access-control-max-age", b"86400"),
            *((k.lower().encode(), v.encode()) for k, v in self.headers.items()),
        ]
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
