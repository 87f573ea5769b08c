"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI

from api import errors
from api.routers import health, layers


def create_app() -> FastAPI:
    app = FastAPI(
        title="machimap",
        description="協働のまちづくりのための地図サービス / community mapping for Japanese cities",
        version="0.1.0",
        # FastAPI's /docs and /redoc pages load their scripts from a CDN; pages here never do.
        docs_url=None,
        redoc_url=None,
    )
    errors.install(app)
    app.include_router(health.router)
    app.include_router(layers.router)
    return app
