"""Which k of today's open sites of a kind to keep so that the most people live within the
distance: maximal covering (geo.covering) over the distance matrix PostGIS measures in the
plane zone (times the detour factor), the pinned sites kept whatever the answer."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import numpy as np
from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import BigInteger, String

from geo.covering import covered_weight, maximal_covering
from layers.planning.coverage import (
    SITES_CTE,
    kind_group,
    plane_srid,
    population_level,
    resolve_scenario,
)
from layers.store.refusals import Refused
from layers.store.settings import get_settings

# Every unit against every site, one row a pair (n units × m sites; m is tens to hundreds).
MATRIX = text(
    f"""
WITH {SITES_CTE}
SELECT u.id AS unit, u.population, s.id AS facility,
       ST_Distance(ST_Transform(u.geom, :srid), s.g) * :detour AS metres
FROM population_unit u CROSS JOIN sites s
WHERE u.level = :level
ORDER BY u.id, s.id
"""
).bindparams(bindparam("kinds", type_=ARRAY(String)), bindparam("closed", type_=ARRAY(BigInteger)))
SITE_OF = text(
    "SELECT id, coalesce(site_id, id) AS site FROM facility WHERE id = ANY(:ids)"
).bindparams(bindparam("ids", type_=ARRAY(BigInteger)))
NAMES = text("SELECT id, name FROM facility WHERE id = ANY(:ids)").bindparams(
    bindparam("ids", type_=ARRAY(BigInteger))
)


def distance_matrix(
    session: Session, kind: str, level: str | None = None
) -> tuple[list[int], list[int], np.ndarray, np.ndarray]:
    """(unit ids, site facility ids, units × sites metres, people per unit)."""
    kinds = kind_group(kind)
    chosen = population_level(session, level)
    if chosen is None:
        return [], [], np.zeros((0, 0)), np.zeros(0)
    rows = session.execute(
        MATRIX,
        {
            "kinds": list(kinds),
            "closed": [],
            "srid": plane_srid(session),
            "detour": get_settings().planning_detour_factor,
            "level": chosen,
        },
    ).all()
    units = sorted({r.unit for r in rows})
    sites = sorted({r.facility for r in rows})
    row_of = {u: i for i, u in enumerate(units)}
    col_of = {s: j for j, s in enumerate(sites)}
    metres = np.full((len(units), len(sites)), np.inf)
    people = np.zeros(len(units))
    for r in rows:
        metres[row_of[r.unit], col_of[r.facility]] = r.metres
        people[row_of[r.unit]] = r.population
    return units, sites, metres, people


def suggest(session: Session, kind: str, k: int, pinned: Collection[int] = ()) -> dict[str, Any]:
    kinds = kind_group(kind)
    # Pins are checked as closures are (unknown, other kind, not open), then named by site.
    plan = resolve_scenario(session, kinds, pinned, {})
    radius = float(get_settings().planning_distances_m[kind])
    _, sites, metres, people = distance_matrix(session, kind)
    if not sites:
        raise Refused(
            "この種類の施設か人口がありません",
            "no facilities of the kind or no population",
            status=409,
        )
    site_of = {r.id: r.site for r in session.execute(SITE_OF, {"ids": sites})}
    pins = [j for j, fid in enumerate(sites) if site_of[fid] in plan.closed]
    low = max(1, len(pins))
    if not low <= k <= len(sites):
        raise Refused(
            f"残す数 k は {low}〜{len(sites)} で指定してください",
            f"k (how many to keep) must be from {low} to {len(sites)}",
            status=422,
            parameter="k",
        )
    cover = maximal_covering(metres, people, radius, k, pins)
    everyone = covered_weight(metres, people, radius, range(len(sites)))
    names = {r.id: r.name for r in session.execute(NAMES, {"ids": sites})}
    return {
        "kind": kind,
        "k": k,
        "n": len(sites),
        "distance_m": radius,
        "pinned": sorted(sites[j] for j in pins),
        "keep": [{"id": sites[j], "name": names[sites[j]]} for j in cover.chosen],
        "close": [
            {"id": fid, "name": names[fid]}
            for j, fid in enumerate(sites)
            if j not in set(cover.chosen)
        ],
        "population": round(cover.total),
        "covered": round(cover.covered),
        "covered_now": round(everyone),
        "beyond": round(cover.total - cover.covered),
    }
