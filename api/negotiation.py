"""HTTP content negotiation: the q-values of an Accept or Accept-Encoding header, and whether
a caller wants the HTML page or the JSON document of a resource."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import Request

from layers.store.refusals import ParameterRefused

JSON_TYPES = ("application/json", "application/geo+json", "application/schema+json")


def qualities(header: str) -> dict[str, float]:
    """Each listed media type or coding (lower-cased) with its q-value (1 when absent, 0
    when unreadable); a token listed twice keeps its best."""
    found: dict[str, float] = {}
    for part in header.split(","):
        token, *params = (p.strip() for p in part.split(";"))
        if not token:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        found[token.lower()] = max(q, found.get(token.lower(), 0.0))
    return found


def _quality(accept: str, media_types: Iterable[str]) -> float:
    offered = qualities(accept)
    return max((offered.get(m, 0.0) for m in media_types), default=0.0)


def wants_html(request: Request) -> bool:
    """f=html|json decides; otherwise the Accept header (JSON unless HTML is preferred)."""
    f = request.query_params.get("f")
    if f is not None:
        if f.lower() == "html":
            return True
        if f.lower() in ("json", "geojson"):
            return False
        raise ParameterRefused(
            "f",
            f"f={f} には対応していません（json / html）。",
            f"unsupported f={f!r}; use json or html",
        )
    accept = request.headers.get("accept", "")
    return _quality(accept, ("text/html",)) > _quality(accept, JSON_TYPES)
