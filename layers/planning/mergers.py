"""What closing or merging facilities changes, side by side with today: the people beyond
the distance in total, per district and per population unit, each facility's people, and
the 40-year saving (the projection's cost of the closed and merged-away facilities'
in-use buildings under a renewal scenario)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import BigInteger, String

from layers.planning import projection
from layers.planning.coverage import Coverage, coverage, kind_group, resolve_scenario
from layers.planning.scenarios import scenario

# Every record of the kind at the sites that go: closing the site ends them all.
SITE_RECORDS = text(
    """
SELECT f.id FROM facility f
WHERE coalesce(f.site_id, f.id) = ANY(:sites) AND f.kind = ANY(:kinds)
  AND f.use_status = 'open'
ORDER BY f.id
"""
).bindparams(bindparam("sites", type_=ARRAY(BigInteger)), bindparam("kinds", type_=ARRAY(String)))
DISTRICT_NAMES = text("SELECT id, name, level FROM district WHERE id = ANY(:ids)").bindparams(
    bindparam("ids", type_=ARRAY(BigInteger))
)


def _per_district(session: Session, now: Coverage, after: Coverage) -> list[dict[str, Any]]:
    rows: dict[int | None, dict[str, Any]] = {}
    for unit, moved in zip(now.units, after.units, strict=True):
        row = rows.setdefault(
            unit.district_id,
            {"district_id": unit.district_id, "population": 0, "beyond_now": 0, "beyond_after": 0},
        )
        row["population"] += unit.population
        row["beyond_now"] += unit.population if unit.beyond else 0
        row["beyond_after"] += moved.population if moved.beyond else 0
    ids = [d for d in rows if d is not None]
    names = {r.id: r.name for r in session.execute(DISTRICT_NAMES, {"ids": ids})}
    result = []
    for district, row in rows.items():
        row["name"] = names.get(district) if district is not None else None
        row["change"] = row["beyond_after"] - row["beyond_now"]
        result.append(row)
    result.sort(key=lambda r: (-r["change"], -r["beyond_after"], r["name"] or ""))
    return result


def _unit(unit: Any) -> dict[str, Any]:
    return {
        "facility_id": unit.facility_id,
        "distance_m": None if unit.distance_m is None else round(unit.distance_m, 1),
        "beyond": unit.beyond,
    }


def compare(
    session: Session,
    kind: str,
    *,
    closed: Collection[int] = (),
    merges: Mapping[int, int] = {},
    scenario_code: str = "soumu",
    base_year: int,
) -> dict[str, Any]:
    """Today and after the closures and merges, with the saving. Refuses what
    coverage.resolve_scenario refuses (unknown, closed, wrong kind, into itself ...)."""
    kinds = kind_group(kind)
    # An unknown renewal scenario is refused even when nothing goes.
    renewal = scenario(scenario_code)
    plan = resolve_scenario(session, kinds, closed, merges)
    now = coverage(session, kind)
    after = coverage(session, kind, closed=closed, merges=merges)
    gone_sites = sorted({*plan.closed, *plan.merges.keys()})
    gone = [
        r.id for r in session.execute(SITE_RECORDS, {"sites": gone_sites, "kinds": list(kinds)})
    ]
    saving = 0.0
    per_facility_saving: dict[int, float] = {}
    if gone:
        totals = projection.facility_totals(session, scenario_code, base_year)
        per_facility_saving = {fid: round(totals.get(fid, 0.0), 1) for fid in gone}
        saving = sum(totals.get(fid, 0.0) for fid in gone)
    facilities = []
    for fid, row in now.facilities.items():
        later = after.facilities.get(fid)
        entry = row.as_dict()
        entry["served_after"] = later.served if later else None
        entry["beyond_after"] = later.beyond if later else None
        entry["farthest_m_after"] = later.as_dict()["farthest_m"] if later else None
        entry["over_capacity_after"] = later.as_dict()["over_capacity"] if later else None
        entry["status"] = (
            "closed" if row.site in plan.closed else "merged" if row.site in plan.merges else "kept"
        )
        facilities.append(entry)
    units = []
    for unit, moved in zip(now.units, after.units, strict=True):
        units.append(
            {
                "id": unit.id,
                "code": unit.code,
                "name": unit.name,
                "district_id": unit.district_id,
                "population": unit.population,
                "elderly": unit.elderly,
                "now": _unit(unit),
                "after": _unit(moved),
                "changed": unit.facility_id != moved.facility_id,
            }
        )
    return {
        "kind": kind,
        "level": now.level,
        "distance_m": now.distance_m,
        "detour_factor": now.detour_factor,
        "scenario": scenario_code,
        "scenario_name": {"ja": renewal.name_ja, "en": renewal.name_en},
        "base_year": base_year,
        "closed": sorted(closed),
        "merges": {str(a): b for a, b in merges.items()},
        "now": now.totals(),
        "after": after.totals(),
        "saving_man_yen": round(saving, 1),
        "saving_by_facility": {str(k): v for k, v in per_facility_saving.items()},
        "districts": _per_district(session, now, after),
        "facilities": facilities,
        "units": units,
    }
