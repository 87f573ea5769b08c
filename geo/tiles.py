"""The WebMercatorQuad tile matrix set (OGC 2D Tile Matrix Set 2.0), as machimap's vector
tiles use it: the tile grid of web maps, EPSG:3857, 256-pixel tiles, row 0 at the top."""

from __future__ import annotations

import math
from typing import Any

URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
CRS = "http://www.opengis.net/def/crs/EPSG/0/3857"
ID = "WebMercatorQuad"
ORIGIN = 20037508.3427892  # metres from the centre to the edge of the square world
TILE_SIZE = 256
# The standard's pixel size in metres (0.28 mm), relating cell size to scale denominator.
PIXEL_M = 0.00028
MAX_LATITUDE = 85.0511287798066  # where the square world ends


def cell_size(zoom: int) -> float:
    return 2 * ORIGIN / TILE_SIZE / float(2**zoom)


def definition(max_zoom: int) -> dict[str, Any]:
    """The tile matrix set as JSON (2DTMS 2.0), levels 0 to ``max_zoom``.

    The 1.0 members (identifier, supportedCRS, tileMatrix with topLeftCorner) are said too:
    GDAL 3.6 (Debian 12, under QGIS 3.22) reads only 1.0, newer GDAL reads 2.0, and the two
    versions' member names do not collide."""
    return {
        "type": "TileMatrixSetType",
        "identifier": ID,
        "supportedCRS": CRS,
        "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
        "tileMatrix": [
            {
                "type": "TileMatrixType",
                "identifier": str(z),
                "scaleDenominator": cell_size(z) / PIXEL_M,
                "topLeftCorner": [-ORIGIN, ORIGIN],
                "tileWidth": TILE_SIZE,
                "tileHeight": TILE_SIZE,
                "matrixWidth": 2**z,
                "matrixHeight": 2**z,
            }
            for z in range(max_zoom + 1)
        ],
        "id": ID,
        "title": "Google Maps Compatible for the World",
        "uri": URI,
        "crs": CRS,
        "orderedAxes": ["X", "Y"],
        "tileMatrices": [
            {
                "id": str(z),
                "scaleDenominator": cell_size(z) / PIXEL_M,
                "cellSize": cell_size(z),
                "cornerOfOrigin": "topLeft",
                "pointOfOrigin": [-ORIGIN, ORIGIN],
                "tileWidth": TILE_SIZE,
                "tileHeight": TILE_SIZE,
                "matrixWidth": 2**z,
                "matrixHeight": 2**z,
            }
            for z in range(max_zoom + 1)
        ],
    }


def _column(lon: float, zoom: int) -> int:
    n = 2**zoom
    return int(min(n - 1, max(0, math.floor((lon + 180.0) / 360.0 * n))))


def _row(lat: float, zoom: int) -> int:
    n = 2**zoom
    clamped = max(-MAX_LATITUDE, min(MAX_LATITUDE, lat))
    y = (1.0 - math.asinh(math.tan(math.radians(clamped))) / math.pi) / 2.0 * n
    return int(min(n - 1, max(0, math.floor(y))))


def limits(
    bbox: tuple[float, float, float, float], min_zoom: int, max_zoom: int
) -> list[dict[str, Any]]:
    """The tiles covering a longitude/latitude box at each level (tileMatrixSetLimits), so
    a client asks only for tiles where there is data."""
    west, south, east, north = bbox
    return [
        {
            "tileMatrix": str(z),
            "minTileRow": _row(north, z),
            "maxTileRow": _row(south, z),
            "minTileCol": _column(west, z),
            "maxTileCol": _column(east, z),
        }
        for z in range(min_zoom, max_zoom + 1)
    ]
