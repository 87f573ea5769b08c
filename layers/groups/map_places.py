"""The places of a safety map as its group makes them together: who added each, its version
(the ETag a save is checked against, so a second editor never silently overwrites the
first), its history and restoring any earlier state or a deleted place in one action.

A place's JSON is assembled by PostGIS for one audience: the group's members see authors and
every photo; everyone else only released photos and no names (DOMAIN.md §6)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import shapely
from geoalchemy2.shape import from_shape
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from geo.crs import STORAGE_SRID
from layers.groups.model import (
    DANGER_DETAILS,
    DANGER_KINDS,
    SAFE_DETAILS,
    SAFE_KINDS,
    SafetyFeatureDetail,
    SafetyFeatureKind,
    SafetyMap,
    SafetyMapFeature,
    SafetyMapFeatureVersion,
)
from layers.store import versions
from layers.store.refusals import Refused
from layers.store.sql import Page, find_row

PHOTO_JSON = """jsonb_build_object(
    'id', a.id,
    'url', '/api/safety-maps/' || :map_id || '/photos/' || a.id,
    'thumbnail_url', '/api/safety-maps/' || :map_id || '/photos/' || a.id || '/thumbnail',
    'released', a.is_public AND a.public_key IS NOT NULL,
    'blurred', a.public_key IS NOT NULL AND a.public_key IS DISTINCT FROM a.storage_key,
    'width', a.width, 'height', a.height)"""

# :member — the caller is in the map's group (authors, unreleased photos); :leader — they
# lead it (edit everything); :user_id — which places are theirs.
FEATURE_JSON = f"""jsonb_build_object(
    'type', 'Feature',
    'id', p.id,
    'geometry', ST_AsGeoJSON(p.geom, 7)::jsonb,
    'properties', jsonb_build_object(
        'number', p.number, 'kind', p.kind, 'detail', p.detail, 'title', p.title,
        'note', p.note, 'district_id', p.district_id, 'version', p.version,
        'created_at', p.created_at, 'updated_at', p.updated_at,
        'mine', coalesce(p.author_user_id = :user_id, false),
        'can_edit', :leader OR (:member AND coalesce(p.author_user_id = :user_id, false)),
        'photos', (SELECT coalesce(jsonb_agg({PHOTO_JSON} ORDER BY a.id), '[]'::jsonb)
            FROM attachment a
            WHERE a.subject_layer = 'safety_map_feature' AND a.subject_id = p.id
              AND (:member OR (a.is_public AND a.public_key IS NOT NULL))))
      || CASE WHEN :member THEN jsonb_build_object('author', CASE WHEN u.id IS NOT NULL
             THEN jsonb_build_object('id', u.id, 'name', u.display_name) END)
         ELSE '{{}}'::jsonb END)"""

# Numbers follow the order places were added, the order a poster lists them in.
NUMBERED = """WITH p AS (
    SELECT f.*, row_number() OVER (ORDER BY f.id) AS number
    FROM safety_map_feature f WHERE f.safety_map_id = :map_id AND f.deleted_at IS NULL)"""

COLLECTION = text(
    f"""{NUMBERED}
    SELECT jsonb_build_object('type', 'FeatureCollection', 'features',
        coalesce(jsonb_agg({FEATURE_JSON} ORDER BY p.id), '[]'::jsonb))
    FROM p LEFT JOIN user_account u ON u.id = p.author_user_id"""
)
ONE = text(
    f"""{NUMBERED}
    SELECT {FEATURE_JSON} FROM p LEFT JOIN user_account u ON u.id = p.author_user_id
    WHERE p.id = :feature_id"""
)
# A deleted place has no number: it is on no poster.
ONE_DELETED = text(
    f"""WITH p AS (SELECT f.*, NULL::bigint AS number FROM safety_map_feature f
        WHERE f.id = :feature_id AND f.safety_map_id = :map_id)
    SELECT {FEATURE_JSON} FROM p LEFT JOIN user_account u ON u.id = p.author_user_id"""
)

VERSION_JSON = """jsonb_build_object(
    'feature_id', v.feature_id, 'version', v.version, 'change', v.change, 'kind', v.kind,
    'detail', v.detail, 'title', v.title, 'note', v.note,
    'geometry', ST_AsGeoJSON(v.geom, 7)::jsonb,
    'changed_by', CASE WHEN u.id IS NOT NULL
        THEN jsonb_build_object('id', u.id, 'name', u.display_name) END,
    'changed_at', v.created_at,
    'deleted', f.deleted_at IS NOT NULL)"""

HISTORY_FROM = """FROM safety_map_feature_version v
    JOIN safety_map_feature f ON f.id = v.feature_id
    LEFT JOIN user_account u ON u.id = v.changed_by_user_id
    WHERE v.safety_map_id = :map_id
      AND (CAST(:feature_id AS bigint) IS NULL OR v.feature_id = :feature_id)"""
HISTORY = text(
    f"SELECT {VERSION_JSON} {HISTORY_FROM} ORDER BY v.id DESC LIMIT :limit OFFSET :offset"
)
HISTORY_COUNT = text(f"SELECT count(*) {HISTORY_FROM}")
DELETED = text(
    f"""WITH p AS (SELECT f.*, NULL::bigint AS number FROM safety_map_feature f
        WHERE f.safety_map_id = :map_id AND f.deleted_at IS NOT NULL)
    SELECT jsonb_build_object('type', 'FeatureCollection', 'features',
        coalesce(jsonb_agg({FEATURE_JSON} || jsonb_build_object('deleted_at', p.deleted_at)
            ORDER BY p.deleted_at DESC), '[]'::jsonb))
    FROM p LEFT JOIN user_account u ON u.id = p.author_user_id"""
)
MARK_RESTORE = text("SELECT set_config('machimap.place_change', :change, true)")


@dataclass(frozen=True)
class Audience:
    """Who the JSON is for (see FEATURE_JSON)."""

    user_id: int | None = None
    member: bool = False
    leader: bool = False

    def params(self, map_id: int) -> dict[str, Any]:
        return {
            "map_id": map_id,
            "user_id": self.user_id,
            "member": self.member,
            "leader": self.leader,
        }


PUBLIC = Audience()


@dataclass(frozen=True)
class PlaceAccess:
    """A place with what the policy decides on: its map's group (or the city's
    department) and its author."""

    place: SafetyMapFeature
    map: SafetyMap

    @property
    def group_id(self) -> int | None:
        return self.map.group_id

    @property
    def author_user_id(self) -> int | None:
        return self.place.author_user_id

    @property
    def is_published(self) -> bool:
        return self.map.is_published


def collection(session: Session, m: SafetyMap, who: Audience) -> dict[str, Any]:
    found: dict[str, Any] = session.execute(COLLECTION, who.params(m.id)).scalar_one()
    return found


def place_json(session: Session, place: SafetyMapFeature, who: Audience) -> dict[str, Any]:
    params = {**who.params(place.safety_map_id), "feature_id": place.id}
    query = ONE_DELETED if place.deleted_at is not None else ONE
    found: dict[str, Any] = session.execute(query, params).scalar_one()
    return found


def _no_place(feature_id: int | str, map_id: int) -> Refused:
    return Refused(
        f"この安全マップに地点 {feature_id} はありません。",
        f"no place {feature_id} on safety map {map_id}",
        status=404,
    )


def lock_map(session: Session, map_id: int) -> SafetyMap:
    return find_row(session, SafetyMap, map_id, "安全マップ", "safety map", lock=True)


def lock_place(
    session: Session, map_id: int, feature_id: int | str, *, deleted: bool = False
) -> PlaceAccess:
    """The map, then its place, locked in that order, as every writer of a place takes them
    (a map's publication and a place's edit never wait on each other the other way round)."""
    m = lock_map(session, map_id)
    return PlaceAccess(find_place(session, m, feature_id, lock=True, deleted=deleted), m)


def find_place(
    session: Session,
    m: SafetyMap,
    feature_id: int | str,
    *,
    lock: bool = False,
    deleted: bool = False,
) -> SafetyMapFeature:
    """A place of this map (``deleted``: also one deleted, to restore it)."""
    place = find_row(session, SafetyMapFeature, feature_id, "地点", "place", lock=lock)
    if place.safety_map_id != m.id or (place.deleted_at is not None and not deleted):
        raise _no_place(feature_id, m.id)
    return place


def checked_kind(kind: SafetyFeatureKind, detail: SafetyFeatureDetail | None) -> None:
    """A detail belongs to its side of the method: 高い塀 describes a dangerous place,
    交番 a safe one."""
    if detail is None:
        return
    if (kind in DANGER_KINDS and detail not in DANGER_DETAILS) or (
        kind in SAFE_KINDS and detail not in SAFE_DETAILS
    ):
        side_ja = "危険な場所" if kind in DANGER_KINDS else "安全な場所"
        raise Refused(
            f"「{detail.value}」は{side_ja}（{kind.value}）の項目ではありません。",
            f"detail {detail.value!r} does not belong to kind {kind.value!r}",
            allowed=sorted(DANGER_DETAILS if kind in DANGER_KINDS else SAFE_DETAILS),
        )
    if kind not in DANGER_KINDS | SAFE_KINDS:
        raise Refused(
            f"種別「{kind.value}」には項目を付けられません。",
            f"kind {kind.value!r} takes no detail",
        )


def add_place(
    session: Session,
    m: SafetyMap,
    fields: dict[str, Any],
    geom: shapely.Geometry,
    author_user_id: int | None,
) -> SafetyMapFeature:
    checked_kind(fields["kind"], fields.get("detail"))
    place = SafetyMapFeature(
        safety_map_id=m.id,
        author_user_id=author_user_id,
        geom=from_shape(geom, srid=STORAGE_SRID),
        **fields,
    )
    session.add(place)
    session.flush()  # the district trigger refuses a place outside the city here (MM001)
    session.refresh(place)
    return place


def etag(place: SafetyMapFeature) -> str:
    return versions.etag(place.version)


def check_version(
    session: Session,
    place: SafetyMapFeature,
    if_match: str | None,
    who: Audience,
    *,
    required: bool,
) -> None:
    """If-Match against the locked place. The refusal carries the place as it is now, so
    nothing typed is lost: the editor shows both and lets its user choose."""
    try:
        versions.check_if_match(place.version, if_match, ("地点", "place"), required=required)
    except Refused as refused:
        if refused.status == 412:
            refused.extra["current"] = place_json(session, place, who)
        raise


def edit_place(
    session: Session,
    place: SafetyMapFeature,
    changes: dict[str, Any],
    geom: shapely.Geometry | None,
) -> SafetyMapFeature:
    checked_kind(changes.get("kind", place.kind), changes.get("detail", place.detail))
    for name, value in changes.items():
        setattr(place, name, value)
    if geom is not None:
        place.geom = from_shape(geom, srid=STORAGE_SRID)
    session.flush()
    session.refresh(place)
    return place


def delete_place(session: Session, place: SafetyMapFeature) -> None:
    place.deleted_at = datetime.now(UTC)
    session.flush()


def restore(session: Session, place: SafetyMapFeature, version: int) -> SafetyMapFeature:
    """The place as it was at ``version``, and back on the map if it was deleted: one
    action, kept in the history as a restoration."""
    old = session.scalar(
        select(SafetyMapFeatureVersion).where(
            SafetyMapFeatureVersion.feature_id == place.id,
            SafetyMapFeatureVersion.version == version,
        )
    )
    if old is None:
        raise Refused(
            f"地点 {place.id} に版 {version} はありません。",
            f"place {place.id} has no version {version}",
            status=404,
        )
    session.execute(MARK_RESTORE, {"change": "restored"})
    place.kind, place.detail = old.kind, old.detail
    place.title, place.note, place.geom = old.title, old.note, old.geom
    place.deleted_at = None
    # Written even when nothing differs: the restoration is itself a step of the history.
    flag_modified(place, "title")
    session.flush()
    session.execute(MARK_RESTORE, {"change": ""})
    session.refresh(place)
    return place


def history(
    session: Session, map_id: int, feature_id: int | None, limit: int, offset: int
) -> Page[dict[str, Any]]:
    params = {"map_id": map_id, "feature_id": feature_id}
    items = session.execute(HISTORY, {**params, "limit": limit, "offset": offset}).scalars()
    matched = session.execute(HISTORY_COUNT, params).scalar_one()
    return Page(list(items), int(matched))


def deleted_places(session: Session, m: SafetyMap, who: Audience) -> dict[str, Any]:
    found: dict[str, Any] = session.execute(DELETED, who.params(m.id)).scalar_one()
    return found
