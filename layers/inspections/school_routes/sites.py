"""The joint inspection's sites: who may see and change them, the list as the map and the
table show it, and the changes staff make (a site, its three measures, its links).

A site is read by city staff, by the groups that name its school, and by anyone once it is
published. It is changed by staff of the departments that run the inspection (学校教育課 and
道路課, ``EDITING_DEPARTMENTS``); the police are not an account of the city's, so the
education department records the police's measure as agreed at the inspection."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import shapely
from geoalchemy2.shape import from_shape
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from geo.crs import STORAGE_SRID
from layers.accounts.api_tokens import Scope
from layers.accounts.users import Department
from layers.city.facilities import Facility, FacilityKind
from layers.inspections.school_routes.model import (
    LinkedLayer,
    MeasureStatus,
    Party,
    Reason,
    SchoolRouteLink,
    SchoolRouteMeasure,
    SchoolRouteSite,
    Timing,
)
from layers.policy import Actor
from layers.store import versions
from layers.store.refusals import Refused
from layers.store.sql import find_row, id_of

# The departments (codes) whose staff keep the list: the 教育委員会's school education
# department and the road department.
EDITING_DEPARTMENTS = ("school_education", "road")
MEASURE_FIELDS = ("measure", "timing", "status", "not_done_reason")


@dataclass(frozen=True)
class SiteAccess:
    """What the policy decides a site on: whether it is published, the groups that name its
    school, and the departments that edit. ``site`` is None for a site not made yet."""

    site: SchoolRouteSite | None
    group_ids: frozenset[int] = frozenset()
    editor_department_ids: frozenset[int] = frozenset()

    @property
    def is_published(self) -> bool:
        return self.site is not None and self.site.is_published


def editor_departments(session: Session) -> frozenset[int]:
    found = session.scalars(select(Department.id).where(Department.code.in_(EDITING_DEPARTMENTS)))
    return frozenset(found)


def _school_groups(session: Session, school_id: int) -> frozenset[int]:
    return frozenset(
        session.scalars(
            text("SELECT id FROM community_group WHERE school_facility_id = :school"),
            {"school": school_id},
        )
    )


def editing(session: Session) -> SiteAccess:
    """For a new site or an import: only who edits matters."""
    return SiteAccess(None, editor_department_ids=editor_departments(session))


def site_access(session: Session, site_id: int | str, *, lock: bool = False) -> SiteAccess:
    site = find_row(session, SchoolRouteSite, site_id, "箇所", "site", lock=lock)
    return SiteAccess(
        site, _school_groups(session, site.school_facility_id), editor_departments(session)
    )


def reads_every_site(actor: Actor) -> bool:
    return actor.is_staff and (actor.scopes is None or Scope.read in actor.scopes)


# -- reading ------------------------------------------------------------------------------

# A site as a GeoJSON Feature: its place, the school, its measures by body, a point on it
# (the spreadsheet's 経度・緯度), and its links for staff.
_FEATURE = """jsonb_build_object(
    'type', 'Feature',
    'id', s.id,
    'geometry', ST_AsGeoJSON(s.geom, 7)::jsonb,
    'properties', jsonb_build_object(
        'id', s.id,
        'number', s.number,
        'fiscal_year', s.fiscal_year,
        'school', jsonb_build_object('id', f.id, 'name', f.name),
        'address', s.address,
        'lon', round(ST_X(anchor.p)::numeric, 7),
        'lat', round(ST_Y(anchor.p)::numeric, 7),
        'reasons', to_jsonb(s.reasons),
        'inspected_on', s.inspected_on,
        'is_published', s.is_published,
        'published_at', s.published_at,
        'synthetic', s.synthetic,
        'version', s.version,
        'updated_at', s.updated_at,
        'measures', (SELECT coalesce(jsonb_object_agg(m.party, jsonb_build_object(
                         'measure', m.measure, 'timing', m.timing, 'status', m.status,
                         'not_done_reason', m.not_done_reason)), '{}'::jsonb)
                     FROM school_route_measure m WHERE m.site_id = s.id),
        'links', CASE WHEN :staff THEN
                     (SELECT coalesce(jsonb_agg(jsonb_build_object(
                          'id', l.id, 'layer', l.subject_layer, 'subject_id', l.subject_id)
                          ORDER BY l.id), '[]'::jsonb)
                      FROM school_route_link l WHERE l.site_id = s.id) END))"""

# A line's point is the one on it nearest its middle: 経度・緯度 always lie on the site.
_FROM = """FROM school_route_site s
    JOIN facility f ON f.id = s.school_facility_id,
    LATERAL (SELECT CASE WHEN ST_GeometryType(s.geom) = 'ST_Point' THEN s.geom
                         ELSE ST_ClosestPoint(s.geom, ST_Centroid(s.geom)) END AS p) anchor"""

# Who sees which rows: staff every row, a group its school's, anyone the published ones.
_VISIBLE = """(:every OR s.is_published OR s.school_facility_id IN (
        SELECT g.school_facility_id FROM community_group g WHERE g.id = ANY(:groups)))"""

# 箇所番号 in the order people count: 2 before 10, then as text (A-1, 追加1 ...).
_ORDER = """ORDER BY f.name, s.school_facility_id, s.fiscal_year DESC,
    (substring(s.number FROM '^[0-9]{1,18}'))::bigint NULLS LAST, s.number, s.id"""

LIST = text(
    f"""SELECT {_FEATURE} {_FROM}
    WHERE {_VISIBLE}
      AND (CAST(:school AS bigint) IS NULL OR s.school_facility_id = :school)
      AND (CAST(:year AS integer) IS NULL OR s.fiscal_year = :year)
      AND (CAST(:status AS text) IS NULL OR EXISTS (
            SELECT 1 FROM school_route_measure m WHERE m.site_id = s.id AND m.status = :status))
      AND (CAST(:group_id AS bigint) IS NULL OR s.school_facility_id = (
            SELECT g.school_facility_id FROM community_group g WHERE g.id = :group_id))
    {_ORDER}"""
)

ONE = text(f"SELECT {_FEATURE} {_FROM} WHERE s.id = :site_id")

SCHOOLS = text(
    """SELECT f.id, f.name, f.address,
              (SELECT count(*) FROM school_route_site s WHERE s.school_facility_id = f.id)
    FROM facility f WHERE f.kind = 'school' ORDER BY f.name, f.id"""
)


@dataclass(frozen=True)
class Filters:
    school: int | None = None
    year: int | None = None
    status: MeasureStatus | None = None
    group: int | None = None


def _complete(feature: dict[str, Any]) -> dict[str, Any]:
    """Every body's measure, empty where nobody recorded one, in the sheet's order."""
    props = feature["properties"]
    given = props["measures"]
    empty = dict.fromkeys(MEASURE_FIELDS)
    props["measures"] = {p.value: given.get(p.value, empty) for p in Party}
    if props["links"] is None:
        del props["links"]
    for name in ("lon", "lat"):
        props[name] = float(props[name])
    return feature


def list_sites(session: Session, actor: Actor, filters: Filters) -> list[dict[str, Any]]:
    rows = session.execute(
        LIST,
        {
            "every": reads_every_site(actor),
            "staff": actor.is_staff,
            "groups": sorted(actor.memberships),
            "school": filters.school,
            "year": filters.year,
            "status": filters.status.value if filters.status else None,
            "group_id": filters.group,
        },
    ).scalars()
    return [_complete(f) for f in rows]


def site_json(session: Session, site_id: int, actor: Actor) -> dict[str, Any]:
    found = session.execute(ONE, {"site_id": site_id, "staff": actor.is_staff}).scalar_one()
    return _complete(found)


def schools(session: Session) -> list[dict[str, Any]]:
    return [
        {"id": i, "name": name, "address": address, "sites": count}
        for i, name, address, count in session.execute(SCHOOLS)
    ]


def etag(site: SchoolRouteSite) -> str:
    return versions.etag(site.version)


def check_version(site: SchoolRouteSite, if_match: str | None, *, required: bool) -> None:
    """Two staff editing one site never overwrite each other unseen."""
    versions.check_if_match(site.version, if_match, ("箇所", "site"), required=required)


# -- changing -----------------------------------------------------------------------------


@dataclass
class SiteValues:
    """A site's own values as a caller gives them (already checked for type)."""

    school_facility_id: int
    fiscal_year: int
    number: str
    geom: shapely.Geometry
    address: str | None = None
    reasons: list[Reason] = field(default_factory=list)
    inspected_on: date | None = None
    is_published: bool = False


def school_of(session: Session, facility_id: int) -> Facility:
    found = session.get(Facility, facility_id)
    if found is None or found.kind != FacilityKind.school:
        raise Refused(
            f"学校（施設番号 {facility_id}）が見つかりません。",
            f"no school facility {facility_id}",
            status=422,
            parameter="school_facility_id",
        )
    return found


def _taken(session: Session, school: int, year: int, number: str, but: int | None) -> None:
    clash = session.scalar(
        select(SchoolRouteSite.id).where(
            SchoolRouteSite.school_facility_id == school,
            SchoolRouteSite.fiscal_year == year,
            SchoolRouteSite.number == number,
            SchoolRouteSite.id != (but or 0),
        )
    )
    if clash is not None:
        raise Refused(
            f"{year}年度のこの学校には箇所番号 {number} が既にあります。",
            f"the school already has site number {number} in {year}",
            status=409,
            existing=clash,
        )


def _published(site: SchoolRouteSite, published: bool) -> None:
    if published and not site.is_published:
        site.published_at = datetime.now(UTC)
    site.is_published = published


def create_site(session: Session, values: SiteValues) -> SchoolRouteSite:
    school_of(session, values.school_facility_id)
    _taken(session, values.school_facility_id, values.fiscal_year, values.number, None)
    site = SchoolRouteSite(
        school_facility_id=values.school_facility_id,
        fiscal_year=values.fiscal_year,
        number=values.number,
        address=values.address,
        geom=from_shape(values.geom, srid=STORAGE_SRID),
        reasons=[r.value for r in values.reasons],
        inspected_on=values.inspected_on,
    )
    _published(site, values.is_published)
    session.add(site)
    session.flush()  # the district trigger refuses a place outside the city here (MM001)
    return site


def edit_site(
    session: Session,
    site: SchoolRouteSite,
    changes: Mapping[str, Any],
    geom: shapely.Geometry | None,
) -> SchoolRouteSite:
    school = changes.get("school_facility_id", site.school_facility_id)
    year = changes.get("fiscal_year", site.fiscal_year)
    number = changes.get("number", site.number)
    if school != site.school_facility_id:
        school_of(session, school)
    _taken(session, school, year, number, site.id)
    for name in ("school_facility_id", "fiscal_year", "number", "address", "inspected_on"):
        if name in changes:
            setattr(site, name, changes[name])
    if "reasons" in changes:
        site.reasons = [Reason(r).value for r in changes["reasons"] or []]
    if "is_published" in changes:
        _published(site, bool(changes["is_published"]))
    if geom is not None:
        site.geom = from_shape(geom, srid=STORAGE_SRID)
    site.version += 1
    session.flush()
    return site


def set_measure(
    session: Session, site: SchoolRouteSite, party: Party, values: Mapping[str, Any]
) -> None:
    """One body's measure, replaced as a whole (what the sheet's four cells say)."""
    status = values.get("status")
    reason = values.get("not_done_reason")
    if reason and status != MeasureStatus.not_done:
        raise Refused(
            "未実施の理由は、対策状況が「未実施」のときだけ書けます。",
            "a reason for not doing it goes only with the status not_done",
            status=422,
            parameter="not_done_reason",
        )
    measure = session.scalar(
        select(SchoolRouteMeasure)
        .where(SchoolRouteMeasure.site_id == site.id, SchoolRouteMeasure.party == party)
        .with_for_update()
    )
    if measure is None:
        measure = SchoolRouteMeasure(site_id=site.id, party=party)
        session.add(measure)
    measure.measure = values.get("measure") or None
    measure.timing = Timing(values["timing"]) if values.get("timing") else None
    measure.status = MeasureStatus(status) if status else None
    measure.not_done_reason = reason or None
    site.version += 1
    session.flush()


_LINKED_ROWS = {
    LinkedLayer.hazard: ("hazard", "危険箇所", "hazard"),
    LinkedLayer.report: ("report", "通報", "report"),
    LinkedLayer.patrol_observation: ("patrol_observation", "巡回の記録", "patrol observation"),
}


def add_link(
    session: Session, site: SchoolRouteSite, layer: LinkedLayer, subject_id: int
) -> SchoolRouteLink:
    table, ja, en = _LINKED_ROWS[layer]
    exists = session.scalar(
        text(f"SELECT EXISTS (SELECT 1 FROM {table} WHERE id = :id)"), {"id": subject_id}
    )
    if not exists:
        raise Refused(
            f"{ja}（番号 {subject_id}）が見つかりません。",
            f"no {en} {subject_id}",
            status=422,
            parameter="subject_id",
        )
    if session.scalar(
        select(SchoolRouteLink.id).where(
            SchoolRouteLink.site_id == site.id,
            SchoolRouteLink.subject_layer == layer,
            SchoolRouteLink.subject_id == subject_id,
        )
    ):
        raise Refused(
            "この箇所には既につながっています。",
            "the site is already linked to it",
            status=409,
        )
    link = SchoolRouteLink(site_id=site.id, subject_layer=layer, subject_id=subject_id)
    session.add(link)
    site.version += 1
    session.flush()
    return link


def remove_link(session: Session, site: SchoolRouteSite, link_id: str | int) -> None:
    number = link_id if isinstance(link_id, int) else id_of(link_id)
    link = session.get(SchoolRouteLink, number) if number else None
    if link is None or link.site_id != site.id:
        raise Refused("つながりが見つかりません。", "no such link", status=404)
    session.delete(link)
    site.version += 1
    session.flush()


def delete_site(session: Session, site: SchoolRouteSite) -> None:
    session.delete(site)  # measures and links go with it (ON DELETE CASCADE)
    session.flush()


def set_group_school(session: Session, group_id: int, school_id: int | None) -> None:
    if school_id is not None:
        school_of(session, school_id)
    session.execute(
        text("UPDATE community_group SET school_facility_id = :school WHERE id = :group"),
        {"school": school_id, "group": group_id},
    )


def reasons_of(values: Iterable[str]) -> list[Reason]:
    return [Reason(v) for v in values]
