"""API reference pages: the OGC API's definition (/ogc/api) at /ogc/docs, the landing
page's service-doc, and the service's own (/openapi.json) at /docs.

Swagger UI comes from npm (swagger-ui-dist) in the built pages, never from a CDN, which is
why the app turns FastAPI's /docs off (api/app.py) and serves this page at the same path.
Swagger UI runs under the site's strict CSP (no inline script or style, no eval): it styles
itself from swagger-ui.css and sets element styles only through the DOM, which the CSP
allows; tests/browser/test_ogc_pages.py fails on any CSP violation."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.addresses import public_base
from api.permissions import Authorized, permit
from api.serving.ogc import html
from api.serving.ogc.requests import check_parameters, english
from layers.policy import Action

router = APIRouter(tags=["reference"], include_in_schema=False)

OGC_DOCS = "/ogc/docs"
SERVICE_DOCS = "/docs"


def _page(request: Request, definition: str) -> HTMLResponse:
    check_parameters(request, {"lang"}, others_ignored=True)
    base = public_base(request)
    choices = (
        (f"{base}{OGC_DOCS}", "地図データ（OGC API - Features）", "Map data (OGC API - Features)"),
        (f"{base}{SERVICE_DOCS}", "machimap の API", "The machimap API"),
    )
    here = f"{base}{request.url.path}"
    # Fetched by the page from the address it was opened at, whatever the public URL says.
    return html.reference(definition, here, choices, english(request))


@router.get(OGC_DOCS, summary="OGC API のリファレンス / OGC API reference")
def ogc_reference(request: Request, auth: Authorized = permit(Action.public_read)) -> HTMLResponse:
    return _page(request, "/ogc/api")


@router.get(SERVICE_DOCS, summary="API リファレンス / API reference")
def service_reference(
    request: Request, auth: Authorized = permit(Action.public_read)
) -> HTMLResponse:
    return _page(request, "/openapi.json")
