"""HEAD on every GET route (RFC 9110 §9.3.2): caches, link checkers and `curl -I` ask it.

FastAPI's routes answer only the methods they declare, so HEAD was a 405 everywhere. Here
a HEAD request is routed as the GET it mirrors and its answer keeps status and headers
(Content-Length, ETag, Cache-Control…) without the body. It sits next to the router: the
request log, the security headers and the guard still see HEAD.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # a streamed answer: its chunks are not sent, its end is
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)
