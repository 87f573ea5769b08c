"""One page's map as inline SVG. Its user units are the zone's metres (the viewBox is the
page's envelope), so PostGIS's path data goes in as it comes; what must keep a printed size
(line widths, markers, labels, the scale bar) is given in millimetres times ``k``, the
metres one printed millimetre stands for."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from layers.groups.posters import queries as q
from layers.groups.posters.basemap import Deadline, basemap_svg
from layers.groups.posters.marks import kind_symbol, marker
from layers.groups.posters.queries import Envelope

MIN_SPAN_M = 300.0  # a map of one place still shows its streets
PAD = 0.08  # of the places' extent, so no marker sits on the edge
FONT = "IPAPGothic"  # the @font-face name, which the PDF names its embedded font by
MARKER_MM = 6.2  # on A4; big enough for two digits read at arm's length


@dataclass(frozen=True)
class Frame:
    env: Envelope
    width_mm: float
    height_mm: float

    @property
    def k(self) -> float:
        return (self.env.x1 - self.env.x0) / self.width_mm

    @classmethod
    def fit(
        cls,
        extent: tuple[float, float, float, float],
        srid: int,
        width_mm: float,
        height_mm: float,
    ) -> Frame:
        """The extent, padded, grown to the map box's proportions around its centre."""
        x0, y0, x1, y1 = extent
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        w = max((x1 - x0) * (1 + 2 * PAD), MIN_SPAN_M)
        h = max((y1 - y0) * (1 + 2 * PAD), MIN_SPAN_M)
        k = max(w / width_mm, h / height_mm)
        w, h = k * width_mm, k * height_mm
        env = Envelope(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, srid)
        return cls(env, width_mm, height_mm)


@dataclass
class Drawn:
    """What a page's map showed, for its legend and credits."""

    svg: str
    kinds: set[str] = field(default_factory=set)
    background: list[str] = field(default_factory=list)
    basemap: bool = False


def _paths(paths: list[str], style: str) -> str:
    if not paths:
        return ""
    return f'<path {style} d="{" ".join(paths)}"/>'


def nice_length(max_m: float) -> float:
    """The longest 1, 2 or 5 × 10ⁿ metres not over max_m."""
    power = 10 ** math.floor(math.log10(max_m))
    return float(max(step * power for step in (1, 2, 5) if step * power <= max_m))


def scale_bar(frame: Frame, size: float) -> str:
    """A bar of a round length at the bottom left, and the scale as a ratio."""
    k = frame.k
    length = nice_length(frame.width_mm * 0.25 * k)
    bar_mm = length / k
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ratio = round(k * 1000, -math.floor(math.log10(k * 1000)) + 1)
    x, y = frame.env.x0 + 6 * k, -frame.env.y0 - 6 * k
    half = bar_mm / 2
    return (
        f'<g transform="translate({x:.1f} {y:.1f}) scale({k:.4f})">'
        f'<rect x="-2" y="{-10 * size:.2f}" width="{bar_mm + 4:.2f}" height="{12 * size:.2f}" '
        f'fill="#ffffff" fill-opacity="0.85" rx="1"/>'
        f'<rect x="0" y="{-2.2 * size:.2f}" width="{half:.2f}" height="{1.6 * size:.2f}" '
        f'fill="#222222"/>'
        f'<rect x="{half:.2f}" y="{-2.2 * size:.2f}" width="{half:.2f}" '
        f'height="{1.6 * size:.2f}" fill="#ffffff" stroke="#222222" stroke-width="0.25"/>'
        f'<text x="0" y="{-3.6 * size:.2f}" font-size="{2.8 * size:.2f}">0</text>'
        f'<text x="{bar_mm:.2f}" y="{-3.6 * size:.2f}" font-size="{2.8 * size:.2f}" '
        f'text-anchor="end">{label}</text>'
        f'<text x="{bar_mm / 2:.2f}" y="{-7 * size:.2f}" font-size="{2.6 * size:.2f}" '
        f'text-anchor="middle">縮尺 約1:{ratio:,.0f}</text></g>'
    )


def north_arrow(frame: Frame, size: float) -> str:
    """Grid north of the plane rectangular zone: true north within a fraction of a degree
    anywhere in a city."""
    k = frame.k
    x, y = frame.env.x1 - 9 * k * size, -frame.env.y1 + 11 * k * size
    return (
        f'<g transform="translate({x:.1f} {y:.1f}) scale({k * size:.4f})">'
        '<circle r="6.5" fill="#ffffff" fill-opacity="0.85"/>'
        '<path d="M0 -5.5 L3 3.5 L0 1.8 L-3 3.5 Z" fill="#222222"/>'
        '<text x="0" y="-7.2" font-size="3.4" text-anchor="middle" font-weight="bold">N</text>'
        "</g>"
    )


def draw_background(
    session: Session,
    frame: Frame,
    size: float,
    basemap: str,
    deadline: Deadline,
    latitude: float,
    map_id: int | None = None,
) -> tuple[list[str], Drawn]:
    """The page's background: basemap (if it came in time) or the city's layers, with the
    district names; ``map_id``'s own school routes are left to its places. Other prints
    (the 通学路合同点検 list) put their own marks on it and close it with finish_map."""
    env, k = frame.env, frame.k
    tol = k * 0.25  # a quarter of a printed millimetre
    drawn = Drawn("")
    parts: list[str] = [
        f'<rect x="{env.x0:.1f}" y="{-env.y1:.1f}" width="{env.x1 - env.x0:.1f}" '
        f'height="{env.y1 - env.y0:.1f}" fill="#f4f2ec"/>'
    ]
    tiles = basemap_svg(session, env, basemap, deadline, k, latitude)
    if tiles:
        drawn.basemap = True
        parts.append(tiles)
    params = env.params(tol=tol, map_id=map_id)

    def lines(statement: object, **more: object) -> list[str]:
        return [r[0] for r in q.rows(session, statement, **{**params, **more}) if r[0]]

    green = lines(q.GREEN_SPACES)
    if green:
        drawn.background.append("green_space")
        parts.append(_paths(green, 'fill="#cfe8c8" stroke="none"'))
    roads = q.rows(session, q.ROADS, **params)
    planned = [r[0] for r in roads if r[0] and r[1]]
    main = [r[0] for r in roads if r[0] and not r[1]]
    if roads:
        drawn.background.append("road")
    for width, colour in ((2.6, "#b9bcc0"), (1.9, "#ffffff")):
        parts.append(
            _paths(
                main,
                f'fill="none" stroke="{colour}" stroke-width="{width * k:.2f}" '
                'stroke-linecap="round" stroke-linejoin="round"',
            )
        )
    parts.append(
        _paths(
            planned,
            f'fill="none" stroke="#ffffff" stroke-width="{1.2 * k:.2f}" '
            'stroke-linecap="round" stroke-linejoin="round"',
        )
    )
    routes = lines(q.SCHOOL_ROUTES)
    parts.append(
        _paths(
            routes,
            f'fill="none" stroke="#ffffff" stroke-width="{2.2 * k:.2f}" '
            'stroke-linecap="round" stroke-linejoin="round"',
        )
    )
    parts.append(
        _paths(
            routes,
            f'fill="none" stroke="#cc79a7" stroke-opacity="0.55" stroke-width="{1.1 * k:.2f}" '
            'stroke-linecap="round" stroke-linejoin="round"',
        )
    )
    if routes:
        drawn.background.append("school_route")
    blocks = lines(q.DISTRICT_LINES, level="neighbourhood")
    parts.append(
        _paths(
            blocks,
            f'fill="none" stroke="#8a9096" stroke-width="{0.2 * k:.2f}" '
            f'stroke-dasharray="{1.2 * k:.1f} {0.8 * k:.1f}"',
        )
    )
    areas = lines(q.DISTRICT_LINES, level="area")
    parts.append(_paths(areas, f'fill="none" stroke="#5b6770" stroke-width="{0.45 * k:.2f}"'))
    if areas or blocks:
        drawn.background.append("district")
    city = lines(q.DISTRICT_LINES, level="city")
    parts.append(_paths(city, f'fill="none" stroke="#5b6770" stroke-width="{0.7 * k:.2f}"'))
    parks = q.rows(session, q.PARKS, **params)
    if parks:
        drawn.background.append("park")
        r = 1.0 * k * size
        parts.append(
            f'<g fill="#7fbf7b" stroke="#ffffff" stroke-width="{0.2 * k:.2f}">'
            + "".join(f'<circle cx="{x}" cy="{y}" r="{r:.1f}"/>' for x, y in parks)
            + "</g>"
        )
    min_area = (env.x1 - env.x0) * (env.y1 - env.y0) * 0.01
    labels = q.rows(session, q.DISTRICT_LABELS, **params, level="area", min_area=min_area)
    font = 3.0 * size * k
    # A white halo under each name (drawn first: WeasyPrint has no paint-order).
    texts = "".join(f'<text x="{x}" y="{y}">{html.escape(name)}</text>' for name, x, y in labels)
    parts.append(
        f'<g font-size="{font:.1f}" text-anchor="middle" fill="#ffffff" stroke="#ffffff" '
        f'stroke-width="{0.8 * k:.2f}" stroke-linejoin="round">{texts}</g>'
        f'<g font-size="{font:.1f}" text-anchor="middle" fill="#4a5560">{texts}</g>'
    )
    return parts, drawn


def finish_map(frame: Frame, parts: list[str], size: float) -> str:
    """The scale bar and north arrow on top, and the whole as one inline SVG."""
    env = frame.env
    parts = [*parts, scale_bar(frame, size), north_arrow(frame, size)]
    return (
        f'<svg class="map" xmlns="http://www.w3.org/2000/svg" width="{frame.width_mm:.1f}mm" '
        f'height="{frame.height_mm:.1f}mm" '
        f'viewBox="{env.x0:.1f} {-env.y1:.1f} {env.x1 - env.x0:.1f} {env.y1 - env.y0:.1f}" '
        f'font-family="{FONT}">{"".join(parts)}</svg>'
    )


def draw_page_map(
    session: Session,
    frame: Frame,
    map_id: int,
    size: float,
    basemap: str,
    deadline: Deadline,
    latitude: float,
    highlight: str | None = None,
) -> Drawn:
    """The page's map: the background, the places' lines and areas in their kind's colour,
    then every numbered marker on top."""
    env, k = frame.env, frame.k
    parts, drawn = draw_background(session, frame, size, basemap, deadline, latitude, map_id)
    params = env.params(tol=k * 0.25, map_id=map_id)
    if highlight:
        parts.append(
            f'<path d="{highlight}" fill="none" stroke="#0072b2" stroke-width="{1.2 * k:.2f}" '
            f'stroke-dasharray="{3 * k:.1f} {1.5 * k:.1f}"/>'
        )

    places = q.rows(session, q.PAGE_PLACES, **params)
    shapes, markers = [], []
    for number, kind, dimension, x, y, path in places:
        color = kind_symbol(kind).color
        drawn.kinds.add(kind)
        if path and dimension == 2:
            shapes.append(
                f'<path d="{path}" fill="{color}" fill-opacity="0.22" stroke="{color}" '
                f'stroke-width="{0.5 * k:.2f}"/>'
            )
        elif path and dimension == 1:
            shapes.append(
                f'<path d="{path}" fill="none" stroke="#ffffff" stroke-width="{2.0 * k:.2f}" '
                'stroke-linecap="round" stroke-linejoin="round"/>'
                f'<path d="{path}" fill="none" stroke="{color}" stroke-width="{1.2 * k:.2f}" '
                'stroke-linecap="round" stroke-linejoin="round"/>'
            )
        in_view = env.x0 <= x <= env.x1 and env.y0 <= -y <= env.y1
        if in_view:
            markers.append(
                f'<g transform="translate({x} {y}) scale({k:.4f})">'
                f"{marker(kind, number, MARKER_MM * size)}</g>"
            )
    parts += shapes
    parts += markers
    drawn.svg = finish_map(frame, parts, size)
    return drawn
