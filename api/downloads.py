"""Files the API hands out (CSV, PDF, GPX): the one way to name them."""

from __future__ import annotations

from urllib.parse import quote


def disposition(plain: str, titled: str | None = None, *, inline: bool = False) -> str:
    """A Content-Disposition header: ``plain`` (ASCII) for every client, and ``titled``, the
    name people read (Japanese), as RFC 6266's ``filename*`` for the browsers that take it.
    ``inline`` opens a PDF in the browser instead of saving it."""
    value = f'{"inline" if inline else "attachment"}; filename="{plain}"'
    if titled is not None:
        value += f"; filename*=UTF-8''{quote(titled, safe='')}"
    return value
