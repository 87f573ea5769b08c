"""HTTP content negotiation: the q-values of an Accept or Accept-Encoding header."""

from __future__ import annotations


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
