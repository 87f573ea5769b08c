"""地理院タイル under the poster's map, when they can be had in time.

The tiles are fetched at once, within a total budget (a few seconds for the whole poster),
and the basemap is drawn only if every tile of the page arrived: half a basemap misleads
more than none, and a poster without one is still complete (the city's layers are its
background). Tiles are Web Mercator; each is placed at its corners in the plane rectangular
zone, which PostGIS computes: over a city the two differ by a rotation of a tenth of a
degree, which a printed street map does not show."""

from __future__ import annotations

import base64
import math
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from layers.groups.posters.queries import ENVELOPE, Envelope

MAX_TILES = 48
MAX_ZOOM = 18  # the 淡色地図's finest
EARTH = 40075016.68557849  # the Web Mercator world's width, metres
USER_AGENT = "machimap-poster/1 (+https://github.com/machimap)"

TILES = text(
    f"""WITH {ENVELOPE}, m AS (SELECT ST_Transform(env.z, 3857)::box2d AS b,
                                     {EARTH} / 2 ^ :z AS size, {EARTH} / 2 AS half FROM env)
    SELECT tx, ty, ST_XMin(t), -ST_YMax(t), ST_XMax(t) - ST_XMin(t), ST_YMax(t) - ST_YMin(t)
    FROM m,
         generate_series(floor((ST_XMin(b) + half) / size)::int,
                         floor((ST_XMax(b) + half) / size)::int) tx,
         generate_series(floor((half - ST_YMax(b)) / size)::int,
                         floor((half - ST_YMin(b)) / size)::int) ty,
         LATERAL (SELECT ST_Transform(ST_TileEnvelope(:z, tx, ty), :srid)::box2d AS t) tile"""
)


@dataclass
class Deadline:
    """The basemap's time for the whole poster; once a page's tiles failed, no later page
    tries again (and so no page shows a basemap the others lack)."""

    budget_s: float
    started: float = 0.0
    failed: bool = False

    def __post_init__(self) -> None:
        self.started = time.monotonic()

    def left(self) -> float:
        return self.budget_s - (time.monotonic() - self.started)


def zoom_for(env: Envelope, metres_per_mm: float, latitude: float) -> int:
    """The zoom whose pixels print at about 150 dpi, coarser when the page would need more
    than MAX_TILES tiles."""
    wanted = metres_per_mm * 0.17  # metres per printed pixel at 150 dpi
    ground = EARTH * math.cos(math.radians(latitude)) / 256  # metres per pixel at zoom 0
    zoom = min(MAX_ZOOM, max(0, math.ceil(math.log2(ground / wanted))))
    width, height = env.x1 - env.x0, env.y1 - env.y0
    while zoom > 0:
        tile = EARTH * math.cos(math.radians(latitude)) / 2**zoom
        if (width / tile + 1) * (height / tile + 1) <= MAX_TILES:
            break
        zoom -= 1
    return zoom


def _fetch(url: str, timeout: float) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        data: bytes = answer.read(2_000_000)
    if not data.startswith(b"\x89PNG") and not data.startswith(b"\xff\xd8"):
        raise ValueError("not a tile image")
    return data


def basemap_svg(
    session: Session,
    env: Envelope,
    template: str,
    deadline: Deadline,
    metres_per_mm: float,
    latitude: float,
) -> str | None:
    """SVG <image> elements of the page's tiles in zone coordinates, or None."""
    if not template or deadline.failed or deadline.left() <= 0:
        return None
    zoom = zoom_for(env, metres_per_mm, latitude)
    tiles = session.execute(TILES, env.params(z=zoom)).all()
    if not tiles or len(tiles) > MAX_TILES * 2:
        deadline.failed = True
        return None
    pool = ThreadPoolExecutor(max_workers=8)
    try:
        left = deadline.left()
        futures = [
            pool.submit(_fetch, template.format(z=zoom, x=tx, y=ty), left) for tx, ty, *_ in tiles
        ]
        done, pending = wait(futures, timeout=max(0.0, left))
        if pending or any(f.exception() is not None for f in done):
            deadline.failed = True
            return None
        images = []
        for (_tx, _ty, x, y, w, h), future in zip(tiles, futures, strict=True):
            data = future.result()
            kind = "png" if data.startswith(b"\x89PNG") else "jpeg"
            href = f"data:image/{kind};base64,{base64.b64encode(data).decode('ascii')}"
            images.append(
                f'<image x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" '
                f'preserveAspectRatio="none" href="{href}"/>'
            )
        return "".join(images)
    finally:
        # Late tiles are not waited for: their threads end with their own timeouts.
        pool.shutdown(wait=False, cancel_futures=True)
