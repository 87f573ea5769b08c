"""Who each facility serves: every population unit goes to its nearest open facility of a
kind, by straight-line distance in the city's plane rectangular zone times the detour
factor (a setting standing in for the road network); people farther than the kind's
distance (a setting) count as beyond its reach.

Facilities are counted as sites (migration 0012): a 住民センター that is also the 公民館 is
one place to go, named by its lowest open record id. A scenario closes sites (their users
go to the nearest remaining one) or merges site A into site B (A's users go to B, even
when B is not their nearest). PostGIS finds the nearest site and measures every distance;
Python only adds the rows up as they stream."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import BigInteger, String

from geo.crs import plane_zone_epsg
from layers.city.identity import get_city
from layers.planning.model import PopulationLevel
from layers.store.refusals import Refused
from layers.store.settings import get_settings

# A kind of the settings' distances and the facility kinds that serve it: residents use a
# 住民センター, 地域交流センター or 公民館 alike, so "community_center" takes them together.
KIND_GROUPS: dict[str, tuple[str, ...]] = {
    "community_center": ("community_center", "kominkan"),
    "kominkan": ("kominkan",),
    "shelter": ("shelter",),
}

_ARRAYS = (
    bindparam("kinds", type_=ARRAY(String)),
    bindparam("closed", type_=ARRAY(BigInteger)),
    bindparam("froms", type_=ARRAY(BigInteger)),
    bindparam("tos", type_=ARRAY(BigInteger)),
)

# The open sites of a kind group, each at its lowest open record (its id and point), with
# the records' capacities added up (想定収容人数 of a site).
SITES_CTE = """
sites AS (
  SELECT DISTINCT ON (coalesce(f.site_id, f.id)) coalesce(f.site_id, f.id) AS site,
         f.id, ST_Transform(f.geom, :srid) AS g
  FROM facility f
  WHERE f.kind = ANY(:kinds) AND f.use_status = 'open'
    AND NOT (coalesce(f.site_id, f.id) = ANY(:closed))
  ORDER BY coalesce(f.site_id, f.id), f.id
)"""

# Each unit with its nearest remaining site (ties: the lower site), then moved along the
# merges, measured again to the site it ends at.
ASSIGNMENTS = text(
    f"""
WITH {SITES_CTE},
nearest AS (
  SELECT u.id, u.code, u.name, u.district_id, u.population, u.elderly,
         ST_Transform(u.geom, :srid) AS p, n.site AS nearest_site
  FROM population_unit u
  LEFT JOIN LATERAL (
    SELECT s.site FROM sites s
    ORDER BY ST_Transform(u.geom, :srid) <-> s.g, s.site LIMIT 1
  ) n ON true
  WHERE u.level = :level
),
moved AS (
  SELECT n.*, coalesce(m.to_site, n.nearest_site) AS site
  FROM nearest n
  LEFT JOIN unnest(CAST(:froms AS bigint[]), CAST(:tos AS bigint[])) AS m(from_site, to_site)
    ON m.from_site = n.nearest_site
)
SELECT m.id, m.code, m.name, m.district_id, m.population, m.elderly, m.site,
       s.id AS facility_id, ST_Distance(m.p, s.g) * :detour AS metres,
       ST_X(ST_Transform(m.p, 4326)) AS lon, ST_Y(ST_Transform(m.p, 4326)) AS lat
FROM moved m LEFT JOIN sites s ON s.site = m.site
ORDER BY m.id
"""
).bindparams(*_ARRAYS)

# The sites that remain after a scenario (merged-away ones included: they still attract
# their users before the users move), with names and the summed capacity.
SITES = text(
    f"""
WITH {SITES_CTE}
SELECT s.site, s.id, f.name, f.kind, f.district_id,
       (SELECT sum(o.capacity) FROM facility o
         WHERE coalesce(o.site_id, o.id) = s.site AND o.kind = ANY(:kinds)
           AND o.use_status = 'open') AS capacity,
       ST_X(ST_Transform(s.g, 4326)) AS lon, ST_Y(ST_Transform(s.g, 4326)) AS lat
FROM sites s JOIN facility f ON f.id = s.id
ORDER BY s.id
"""
).bindparams(_ARRAYS[0], _ARRAYS[1])

# What a facility id given by the caller stands for: its site, kind and state.
RESOLVE = text(
    """
SELECT f.id, coalesce(f.site_id, f.id) AS site, f.kind, f.use_status
FROM facility f WHERE f.id = ANY(:ids)
"""
).bindparams(bindparam("ids", type_=ARRAY(BigInteger)))

LEVELS = text("SELECT DISTINCT level FROM population_unit")


@dataclass(frozen=True, slots=True)
class UnitRow:
    id: int
    code: str
    name: str
    district_id: int | None
    population: int
    elderly: int | None
    site: int | None  # None: no open facility of the kind at all
    facility_id: int | None
    distance_m: float | None  # detour factor applied
    beyond: bool
    lon: float
    lat: float


@dataclass(slots=True)
class FacilityRow:
    id: int
    site: int
    name: str
    kind: str
    district_id: int | None
    capacity: int | None
    lon: float
    lat: float
    served: int = 0
    elderly: int = 0
    units: int = 0
    beyond: int = 0  # of the people served, those farther than the distance
    farthest_m: float | None = None
    _metres_people: float = 0.0

    @property
    def mean_m(self) -> float | None:
        """Mean distance per person served (units weighted by their people)."""
        return self._metres_people / self.served if self.served else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "site": self.site,
            "name": self.name,
            "kind": self.kind,
            "district_id": self.district_id,
            "capacity": self.capacity,
            "served": self.served,
            "elderly": self.elderly,
            "units": self.units,
            "beyond": self.beyond,
            "farthest_m": _round(self.farthest_m),
            "mean_m": _round(self.mean_m),
            # 想定収容人数 against the people it would receive (shelters).
            "over_capacity": (
                None if self.capacity is None else max(0, self.served - self.capacity)
            ),
            "lon": self.lon,
            "lat": self.lat,
        }


@dataclass(slots=True)
class Coverage:
    kind: str
    level: str | None
    distance_m: float
    detour_factor: float
    facilities: dict[int, FacilityRow]  # by the site's facility id
    units: list[UnitRow] = field(default_factory=list)

    @property
    def population(self) -> int:
        return sum(u.population for u in self.units)

    @property
    def beyond(self) -> int:
        """People farther than the distance from the facility they use (or with none)."""
        return sum(u.population for u in self.units if u.beyond)

    @property
    def elderly_beyond(self) -> int:
        return sum(u.elderly or 0 for u in self.units if u.beyond)

    def served(self) -> dict[int, int]:
        return {fid: row.served for fid, row in self.facilities.items()}

    def totals(self) -> dict[str, Any]:
        return {
            "population": self.population,
            "beyond": self.beyond,
            "elderly_beyond": self.elderly_beyond,
            "facilities": len(self.facilities),
            "units": len(self.units),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def kind_group(kind: str) -> tuple[str, ...]:
    if kind not in KIND_GROUPS or kind not in get_settings().planning_distances_m:
        known = ", ".join(k for k in KIND_GROUPS if k in get_settings().planning_distances_m)
        raise Refused(
            f"施設の種類 {kind!r} の圏域は計算できません（{known}）",
            f"no coverage for facility kind {kind!r} (known: {known})",
            status=400,
        )
    return KIND_GROUPS[kind]


def plane_srid(session: Session) -> int:
    city = get_city(session)
    if city is None:
        raise Refused(
            "市町村が未設定です（machimap city set）",
            "the city is not set (machimap city set)",
            status=409,
        )
    return plane_zone_epsg(city.plane_zone)


def population_level(session: Session, level: str | None) -> str | None:
    """The level coverage counts: the one asked for, else 町丁目 when loaded, else 自治会."""
    if level is not None:
        if level not in PopulationLevel.__members__:
            raise Refused(
                f"人口の単位 {level!r} は town か district です",
                f"population level {level!r} must be town or district",
                status=400,
            )
        return level
    loaded = {row[0] for row in session.execute(LEVELS)}
    for candidate in ("town", "district"):
        if candidate in loaded:
            return candidate
    return None


@dataclass(frozen=True, slots=True)
class Scenario:
    """Closed and merged sites, checked against the facilities of the kind."""

    closed: frozenset[int] = frozenset()
    merges: Mapping[int, int] = field(default_factory=dict)


def resolve_scenario(
    session: Session, kinds: tuple[str, ...], closed: Collection[int], merges: Mapping[int, int]
) -> Scenario:
    """Facility ids as the caller gave them, as sites; every mistake refused by name."""
    ids = sorted({*closed, *merges.keys(), *merges.values()})
    if not ids:
        return Scenario()
    found = {row.id: row for row in session.execute(RESOLVE, {"ids": ids})}
    for fid in ids:
        row = found.get(fid)
        if row is None:
            raise Refused(
                f"施設 {fid} はありません", f"there is no facility {fid}", status=404, facility=fid
            )
        if row.kind not in kinds:
            raise Refused(
                f"施設 {fid} はこの種類（{'・'.join(kinds)}）の施設ではありません",
                f"facility {fid} is not of the kind {'/'.join(kinds)}",
                status=422,
                facility=fid,
            )
        if row.use_status != "open":
            raise Refused(
                f"施設 {fid} はすでに使用禁止です",
                f"facility {fid} is already closed",
                status=422,
                facility=fid,
            )
    closed_sites = frozenset(found[fid].site for fid in closed)
    site_merges: dict[int, int] = {}
    for source, target in merges.items():
        a, b = found[source].site, found[target].site
        if a == b:
            raise Refused(
                f"施設 {source} をそれ自身に統合することはできません",
                f"facility {source} cannot be merged into itself",
                status=422,
                facility=source,
            )
        if b in closed_sites:
            raise Refused(
                f"廃止する施設 {target} に統合することはできません",
                f"facility {source} cannot be merged into {target}, which closes",
                status=422,
                facility=target,
            )
        if a in closed_sites:
            raise Refused(
                f"施設 {source} は廃止と統合の両方に指定されています",
                f"facility {source} is both closed and merged",
                status=422,
                facility=source,
            )
        site_merges[a] = b
    for source, target in merges.items():
        if found[target].site in site_merges:
            raise Refused(
                f"施設 {target} はほかの施設に統合されるため、統合先にできません",
                f"facility {target} is itself merged away, so {source} cannot merge into it",
                status=422,
                facility=target,
            )
    return Scenario(closed_sites, site_merges)


def _units(
    session: Session, params: dict[str, Any], distance_m: float
) -> Iterator[tuple[UnitRow, int | None]]:
    rows = session.execute(
        ASSIGNMENTS, params, execution_options={"stream_results": True, "yield_per": 1000}
    )
    for r in rows:
        metres = None if r.metres is None else float(r.metres)
        unit = UnitRow(
            id=r.id,
            code=r.code,
            name=r.name,
            district_id=r.district_id,
            population=r.population,
            elderly=r.elderly,
            site=r.site,
            facility_id=r.facility_id,
            distance_m=metres,
            beyond=metres is None or metres > distance_m,
            lon=float(r.lon),
            lat=float(r.lat),
        )
        yield unit, r.facility_id


def coverage(
    session: Session,
    kind: str,
    *,
    closed: Collection[int] = (),
    merges: Mapping[int, int] = {},
    level: str | None = None,
    keep_units: bool = True,
) -> Coverage:
    """The whole picture for a kind under a scenario (none: the current state)."""
    kinds = kind_group(kind)
    settings = get_settings()
    scenario = resolve_scenario(session, kinds, closed, merges)
    srid = plane_srid(session)
    chosen = population_level(session, level)
    distance_m = float(settings.planning_distances_m[kind])
    base = {"kinds": list(kinds), "closed": sorted(scenario.closed), "srid": srid}
    facilities: dict[int, FacilityRow] = {}
    for r in session.execute(SITES, base):
        if r.site in scenario.merges:
            continue  # its users move; it serves nobody
        facilities[r.id] = FacilityRow(
            id=r.id,
            site=r.site,
            name=r.name,
            kind=r.kind,
            district_id=r.district_id,
            capacity=None if r.capacity is None else int(r.capacity),
            lon=float(r.lon),
            lat=float(r.lat),
        )
    result = Coverage(kind, chosen, distance_m, settings.planning_detour_factor, facilities)
    if chosen is None:
        return result
    params = {
        **base,
        "level": chosen,
        "detour": settings.planning_detour_factor,
        "froms": list(scenario.merges.keys()),
        "tos": list(scenario.merges.values()),
    }
    for unit, fid in _units(session, params, distance_m):
        if keep_units:
            result.units.append(unit)
        if fid is None or unit.distance_m is None:
            continue
        row = facilities[fid]
        row.served += unit.population
        row.elderly += unit.elderly or 0
        row.units += 1
        row._metres_people += unit.distance_m * unit.population
        if unit.beyond:
            row.beyond += unit.population
        if unit.population > 0 and (row.farthest_m is None or unit.distance_m > row.farthest_m):
            row.farthest_m = unit.distance_m
    return result


def people_served(
    session: Session,
    kind: str,
    *,
    closed: Collection[int] = (),
    merges: Mapping[int, int] = {},
) -> dict[int, int]:
    """facility_id -> the people whose nearest open facility of the kind it is (after the
    closures and merges given). Keys are sites at their lowest open record id; every
    remaining site is a key, 0 when nobody's nearest. Closed and merged-away sites are
    not keys. Empty when no population table is loaded."""
    result = coverage(session, kind, closed=closed, merges=merges, keep_units=False)
    return result.served()
