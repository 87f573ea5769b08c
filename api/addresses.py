"""Where this service is, as the documents it serves must name it."""

from __future__ import annotations

from fastapi import Request

from layers.store.settings import get_settings


def public_base(request: Request) -> str:
    """MACHIMAP_PUBLIC_URL when the operator set it (the address residents and programs
    use, whatever proxy the request came through), else the request's own base: never the
    setting's default, which names a loopback address nobody else can reach."""
    settings = get_settings()
    if "public_url" in settings.model_fields_set:
        return settings.public_url.rstrip("/")
    return str(request.base_url).rstrip("/")
