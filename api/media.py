"""Media types the API answers with, and the response classes that carry them, so that a
route's OpenAPI entry names the type its answers really have."""

from __future__ import annotations

from fastapi.responses import JSONResponse

GEOJSON = "application/geo+json"


class GeoJSONResponse(JSONResponse):
    media_type = GEOJSON
