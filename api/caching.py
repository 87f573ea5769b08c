"""Cache headers for answers that depend on who asks."""

from __future__ import annotations

from fastapi import Response

from layers.policy import Actor


def vary_by_caller(response: Response, actor: Actor) -> None:
    """For a public answer that shows the signed-in caller more (their role, the group's
    drafts): a shared cache must neither store it nor hand the anonymous copy to members."""
    response.headers["Vary"] = "Cookie, Authorization"
    if actor.signed_in:
        response.headers["Cache-Control"] = "private"
