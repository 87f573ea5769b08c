"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api import errors, logs, openapi
from api.accounts.routes import admin, auth, me
from api.city.routes import editing, register, shelters
from api.compression import Compression
from api.groups.routes import (
    coverage,
    groups,
    map_places,
    observations,
    patrol_files,
    patrols,
    place_photos,
    posters,
    safety_maps,
)
from api.guard import RequestGuard
from api.head import HeadAsGet
from api.inspections.routes import due, inspections, kinds, printing, school_routes
from api.permissions import check_every_route_has_a_rule
from api.places.routes import places
from api.planning.routes import coverage as planning_coverage
from api.planning.routes import hotspots, priority, projection
from api.rate_limits import RateLimits
from api.reports.routes import categories, figures, open311, submission, tracking, triage
from api.security_headers import SecurityHeaders, public_read_paths
from api.serving.routes import layers, ogc, records, reference, tiles
from api.store.routes import health
from api.web.routes import pages
from layers.accounts import outbox
from layers.store.settings import get_settings

log = logging.getLogger("machimap")


async def _send_outbox(interval: float) -> None:
    while True:
        try:
            await run_in_threadpool(outbox.deliver_all)
        except Exception:  # the database may be restarting; try again next round
            log.exception("outbox delivery failed")
        await asyncio.sleep(interval)


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    interval = get_settings().outbox_interval_s
    task = None
    if interval > 0:
        outbox.make_log_visible(get_settings().log_level)
        task = asyncio.create_task(_send_outbox(interval))
    yield
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def create_app() -> FastAPI:
    settings = get_settings()
    logs.configure(settings)
    app = FastAPI(
        title="machimap",
        description="協働のまちづくりのための地図サービス / community mapping for Japanese cities."
        " OGC API - Features の定義は /ogc/api / the OGC API's own definition is /ogc/api.",
        version="0.1.0",
        # FastAPI's /docs and /redoc pages load their scripts from a CDN; pages here never do.
        # /docs is machimap's own page (api/serving/routes/reference.py).
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    errors.install(app)
    openapi.install(app)
    app.state.rate_limits = RateLimits(settings)
    for module in (
        health,
        # Before any router with /api/reports/{public_id}: /api/reports/areas is a path of its own.
        figures,
        categories,
        submission,
        tracking,
        triage,
        layers,
        auth,
        me,
        admin,
        groups,
        safety_maps,
        map_places,
        place_photos,
        posters,
        patrols,
        coverage,
        observations,
        patrol_files,
        # Before any router with /api/inspections/{inspection_id}: due is a path of its own.
        due,
        # Before the inspections' own router: /api/inspections/{id} would take "7.pdf" as an id.
        printing,
        school_routes,
        register,
        kinds,  # before inspections: /api/inspections/{inspection_id} would take its path
        inspections,
        projection,
        priority,
        planning_coverage,
        hotspots,
        places,
        editing,
        shelters,
        records,
        tiles,
        ogc,
        reference,
        open311,
        pages,
    ):
        app.include_router(module.router)
    check_every_route_has_a_rule(app)
    # Inside HeadAsGet, so a HEAD answer says the Content-Encoding and length GET would.
    app.add_middleware(Compression)
    app.add_middleware(HeadAsGet)
    app.add_middleware(RequestGuard)
    app.add_middleware(SecurityHeaders, public_paths=public_read_paths(app))
    app.add_middleware(logs.RequestLog)
    if settings.forwarded_allow_ips:
        # Outermost, so rate limits and the audit log see the real client address.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.forwarded_allow_ips)
    return app
