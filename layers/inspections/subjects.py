"""What an inspection is about: ``(subject_layer, subject_id)``, a building of the register,
a facility (play equipment, a streetlight, a park), a school-route site, a hazard or a row
of any other registry layer. Resolving a subject answers whether it exists and this caller
may see it (one answer for both, so an inspection cannot probe hidden rows), what it is
called, the facility it belongs to and where it is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from layers.inspections.model import InspectionKindRow
from layers.inspections.school_routes.sites import reads_every_site
from layers.policy import Actor, row_filter
from layers.registry import get_layer, layer_ids
from layers.store.refusals import Refused
from layers.store.sql import BIGINT_MAX, identifier

BUILDING = "facility_building"
SCHOOL_ROUTE_SITE = "school_route_site"


@dataclass(frozen=True)
class Subject:
    layer: str
    id: int
    name: str | None
    # What subject_kinds of a kind are matched against: the facility's kind for a facility
    # and for a building (its facility's), the row's own kind on other layers.
    kind: str | None
    facility_id: int | None
    facility_name: str | None
    facility_kind: str | None
    use_status: str | None
    # The facility's department: an inspection's department when its kind names none.
    department_id: int | None
    geometry: dict[str, Any] | None

    def json(self) -> dict[str, Any]:
        return {
            "layer": self.layer,
            "id": self.id,
            "name": self.name,
            "facility_id": self.facility_id,
            "facility_name": self.facility_name,
            "facility_kind": self.facility_kind,
            "use_status": self.use_status,
            "geometry": self.geometry,
        }


def gone(layer: str, subject_id: int) -> dict[str, Any]:
    """The subject of an inspection whose subject was deleted since (a building recorded by
    mistake): staff still read the inspection."""
    return Subject(layer, subject_id, None, None, None, None, None, None, None, None).json()


def subject_layers() -> tuple[str, ...]:
    return (BUILDING, SCHOOL_ROUTE_SITE, *layer_ids())


_COLUMNS = (
    "name, kind, facility_id, facility_name, facility_kind, use_status, department_id, geometry"
)

# A facility is its own facility; its use_status is what the public map shows (使用禁止).
FACILITY = """SELECT f.name, f.kind::text AS kind, f.id AS facility_id, f.name AS facility_name,
        f.kind::text AS facility_kind, f.use_status::text AS use_status, f.department_id,
        ST_AsGeoJSON(f.geom, 7)::json AS geometry
    FROM facility f WHERE f.id = :id AND f.id IN (SELECT id FROM facility WHERE {visible})"""

# A building is placed at its facility's point and named with it (「中央公民館 本館」).
BUILDING_SQL = """SELECT f.name || ' ' || b.name AS name, f.kind::text AS kind,
        f.id AS facility_id, f.name AS facility_name, f.kind::text AS facility_kind,
        f.use_status::text AS use_status, f.department_id,
        ST_AsGeoJSON(f.geom, 7)::json AS geometry
    FROM facility_building b JOIN facility f ON f.id = b.facility_id
    WHERE b.id = :id AND f.id IN (SELECT id FROM facility WHERE {visible})"""

# Seen as the sites' list shows them: staff every site, a school's groups theirs, anyone
# the published ones (layers/inspections/school_routes/sites.py).
SITE = """SELECT f.name || ' 箇所' || s.number AS name, NULL::text AS kind,
        f.id AS facility_id, f.name AS facility_name, f.kind::text AS facility_kind,
        NULL::text AS use_status, f.department_id,
        ST_AsGeoJSON(s.geom, 7)::json AS geometry
    FROM school_route_site s JOIN facility f ON f.id = s.school_facility_id
    WHERE s.id = :id AND (:every OR s.is_published OR s.school_facility_id IN (
        SELECT g.school_facility_id FROM community_group g WHERE g.id = ANY(:groups)))"""

# Any other registry layer: its name or title, its kind if it has one, its own geometry.
OTHER = """SELECT {name} AS name, {kind} AS kind, NULL::bigint AS facility_id,
        NULL::text AS facility_name, NULL::text AS facility_kind, NULL::text AS use_status,
        NULL::bigint AS department_id, ST_AsGeoJSON({geom}, 7)::json AS geometry
    FROM {table} WHERE id = :id AND ({visible})"""


def _statement(actor: Actor, layer: str) -> tuple[str, dict[str, Any]]:
    if layer == SCHOOL_ROUTE_SITE:
        return SITE, {"every": reads_every_site(actor), "groups": sorted(actor.memberships)}
    if layer == BUILDING:
        return BUILDING_SQL.format(visible=row_filter(actor, get_layer("facility")) or "true"), {}
    found = get_layer(layer)
    visible = row_filter(actor, found) or "true"
    if layer == "facility":
        return FACILITY.format(visible=visible), {}
    names = {f.name for f in found.fields}
    name = next((n for n in ("name", "title") if n in names), None)
    return OTHER.format(
        name=f"{identifier(name)}::text" if name else "NULL::text",
        kind='"kind"::text' if "kind" in names else "NULL::text",
        geom=identifier(found.geometry_column),
        table=identifier(found.table),
        visible=visible,
    ), {}


def resolve(session: Session, actor: Actor, layer: str, subject_id: int) -> Subject | None:
    """The subject, or None when it does not exist, this caller may not see it, or the layer
    is not one an inspection can be about."""
    if layer not in subject_layers() or not 0 < subject_id <= BIGINT_MAX:
        return None
    sql, params = _statement(actor, layer)
    row = session.execute(text(sql), {"id": subject_id, **params}).mappings().first()
    if row is None:
        return None
    return Subject(layer, subject_id, **{c.strip(): row[c.strip()] for c in _COLUMNS.split(",")})


def fits(kind: InspectionKindRow, subject: Subject) -> bool:
    """Whether an inspection of ``kind`` can be about ``subject``: its layer (a kind naming
    none takes any) and, where the kind lists them, the subject's kind."""
    if kind.subject_layer is not None and kind.subject_layer != subject.layer:
        return False
    return not kind.subject_kinds or subject.kind in kind.subject_kinds


def checked(
    session: Session, actor: Actor, kind: InspectionKindRow, layer: str, subject_id: int
) -> Subject:
    """The subject of a new inspection of ``kind``, or a 422 naming the field at fault."""
    if layer not in subject_layers():
        raise Refused(
            f"点検の対象のレイヤー「{layer}」はありません。",
            f"subject_layer '{layer}' is not a layer an inspection can be about",
            status=422,
            field="subject_layer",
            allowed=list(subject_layers()),
        )
    subject = resolve(session, actor, layer, subject_id)
    if subject is None:
        raise Refused(
            f"点検の対象 {layer} {subject_id} は見つかりません。",
            f"subject_id: no {layer} {subject_id} to inspect",
            status=422,
            field="subject_id",
        )
    if not fits(kind, subject):
        wanted = kind.subject_layer or layer
        if kind.subject_kinds:
            wanted += f" ({', '.join(kind.subject_kinds)})"
        raise Refused(
            f"点検の種類「{kind.name_ja}」は、この対象には使えません（対象: {wanted}）。",
            f"subject_id: an inspection of kind '{kind.code}' is about {wanted}, "
            f"not {layer} {subject_id}",
            status=422,
            field="subject_id",
        )
    return subject
