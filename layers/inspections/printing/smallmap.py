"""The report's small map: a few hundred metres around the subject, on the poster's background
(地理院タイル when they come in time, else the city's roads, parks, school routes and
districts), with the facilities nearby named and the subject marked in the middle."""

from __future__ import annotations

import html
import json
from typing import Any

from sqlalchemy.orm import Session

from layers.groups.posters.basemap import Deadline
from layers.groups.posters.mapsvg import Frame, draw_background, finish_map
from layers.inspections.printing import queries as q
from layers.store.settings import get_settings

SUBJECT_COLOUR = "#d55e00"  # the hazards' vermillion: the one thing to find on the map
NEARBY_LIMIT = 8
SIZE = 0.8  # of the poster's A4 marks: the map is a quarter of the width


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def small_map(
    session: Session, subject: dict[str, Any], srid: int, width_mm: float, height_mm: float
) -> tuple[str, bool] | None:
    """The map as inline SVG and whether 地理院タイル are under it; None when the subject
    has no place to draw."""
    geometry = subject.get("geometry")
    if not geometry:
        return None
    geojson = json.dumps(geometry)
    x0, y0, x1, y1, latitude = session.execute(q.EXTENT, {"geojson": geojson, "srid": srid}).one()
    frame = Frame.fit((x0, y0, x1, y1), srid, width_mm, height_mm)
    settings = get_settings()
    parts, drawn = draw_background(
        session,
        frame,
        SIZE,
        settings.print_basemap_url,
        Deadline(settings.print_basemap_budget_s),
        float(latitude),
    )
    k = frame.k
    params = frame.env.params(tol=k * 0.25)
    dimension, sx, sy, path = session.execute(q.SUBJECT, {**params, "geojson": geojson}).one()
    font = 2.3 * k
    # Names that would cover the subject's ring or another name are left out (their dot
    # stays): at this scale a 住民センター and its library share one spot.
    taken = [(sx - 4.5 * k, sy - 4.5 * k, sx + 4.5 * k, sy + 4.5 * k)]
    dots, names = [], []
    nearby = session.execute(
        q.NEARBY, {**params, "facility_id": subject.get("facility_id"), "limit": NEARBY_LIMIT}
    )
    for name, _kind, x, y in nearby:
        dots.append(f'<circle cx="{x}" cy="{y}" r="{0.9 * k:.1f}"/>')
        width = len(name) * font
        left = x + 1.4 * k + width > frame.env.x1
        box = (
            (x - 1.4 * k - width, y - font, x, y + 0.4 * k)
            if left
            else (x, y - font, x + 1.4 * k + width, y + 0.4 * k)
        )
        if any(_overlap(box, other) for other in taken):
            continue
        taken.append(box)
        anchor = 'text-anchor="end" ' if left else ""
        tx = x - 1.4 * k if left else x + 1.4 * k
        names.append(f'<text {anchor}x="{tx:.1f}" y="{y + 0.8 * k:.1f}">{html.escape(name)}</text>')
    if dots:
        parts.append(
            f'<g fill="#5b6770" stroke="#ffffff" stroke-width="{0.25 * k:.2f}">{"".join(dots)}</g>'
        )
        # A white halo first: WeasyPrint has no paint-order.
        parts.append(
            f'<g font-size="{font:.1f}" fill="#ffffff" stroke="#ffffff" '
            f'stroke-width="{0.7 * k:.2f}" stroke-linejoin="round">{"".join(names)}</g>'
            f'<g font-size="{font:.1f}" fill="#37414a">{"".join(names)}</g>'
        )
    if path and dimension == 2:
        parts.append(
            f'<path d="{path}" fill="{SUBJECT_COLOUR}" fill-opacity="0.25" '
            f'stroke="{SUBJECT_COLOUR}" stroke-width="{0.6 * k:.2f}"/>'
        )
    elif path and dimension == 1:
        parts.append(
            f'<path d="{path}" fill="none" stroke="#ffffff" stroke-width="{2.2 * k:.2f}" '
            'stroke-linecap="round" stroke-linejoin="round"/>'
            f'<path d="{path}" fill="none" stroke="{SUBJECT_COLOUR}" '
            f'stroke-width="{1.3 * k:.2f}" stroke-linecap="round" stroke-linejoin="round"/>'
        )
    # A ring around a dot: it reads as "here" in black and white too.
    parts.append(
        f'<g transform="translate({sx} {sy}) scale({k:.4f})">'
        f'<circle r="4.2" fill="none" stroke="#ffffff" stroke-width="1.6"/>'
        f'<circle r="4.2" fill="none" stroke="{SUBJECT_COLOUR}" stroke-width="0.9"/>'
        f'<circle r="1.6" fill="{SUBJECT_COLOUR}" stroke="#ffffff" stroke-width="0.4"/></g>'
    )
    return finish_map(frame, parts, SIZE), drawn.basemap
