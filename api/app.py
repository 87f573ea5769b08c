"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api import errors
from api.permissions import check_every_route_has_a_rule
from api.rate_limits import RateLimits
from api.routers import admin, auth, features, groups, health, layers, me, patrols, safety_maps
from api.security_headers import SecurityHeaders, public_read_paths
from layers.settings import get_settings


def create_app() -> FastAPI:
    settings = get_settings()
    app = FastAPI(
        title="machimap",
        description="協働のまちづくりのための地図サービス / community mapping for Japanese cities",
        version="0.1.0",
        # FastAPI's /docs and /redoc pages load their scripts from a CDN; pages here never do.
        docs_url=None,
        redoc_url=None,
    )
    errors.install(app)
    app.state.rate_limits = RateLimits(settings)
    for module in (health, layers, auth, me, admin, groups, safety_maps, patrols, features):
        app.include_router(module.router)
    check_every_route_has_a_rule(app)
    app.add_middleware(SecurityHeaders, public_paths=public_read_paths(app))
    if settings.forwarded_allow_ips:
        # Outermost, so rate limits and the audit log see the real client address.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.forwarded_allow_ips)
    return app
