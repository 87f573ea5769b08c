"""The rows group routes are about, loaded for permit() from the path."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from api.params import PathId
from api.permissions import path_parameters, row_of
from layers.groups.map_places import PlaceAccess, find_place
from layers.groups.membership import find_membership
from layers.groups.model import Group, Membership, Patrol, SafetyMap
from layers.groups.observations import ObservationAccess
from layers.groups.observations import find as find_observation
from layers.groups.place_photos import find_photo

group_row = row_of(Group, "group_id", "グループ", "group")
map_row = row_of(SafetyMap, "map_id", "安全マップ", "safety map")
patrol_row = row_of(Patrol, "patrol_id", "パトロール記録", "patrol")


@path_parameters(group_id=PathId, user_id=PathId)
def membership_row(db: Session, request: Request) -> Membership:
    group_id = str(request.path_params.get("group_id", ""))
    user_id = str(request.path_params.get("user_id", ""))
    return find_membership(db, group_id, user_id)


@path_parameters(map_id=PathId, feature_id=PathId)
def place_row(db: Session, request: Request) -> PlaceAccess:
    """A live place of the map in the path, with its map (what the policy decides on)."""
    m = map_row(db, request)
    return PlaceAccess(find_place(db, m, str(request.path_params.get("feature_id", ""))), m)


@path_parameters(map_id=PathId, feature_id=PathId)
def any_place_row(db: Session, request: Request) -> PlaceAccess:
    """As place_row, a deleted place too (to read its history or restore it)."""
    m = map_row(db, request)
    found = find_place(db, m, str(request.path_params.get("feature_id", "")), deleted=True)
    return PlaceAccess(found, m)


@path_parameters(map_id=PathId, photo_id=PathId)
def photo_place_row(db: Session, request: Request) -> PlaceAccess:
    """The place a photo of the map in the path is on."""
    m = map_row(db, request)
    return PlaceAccess(find_photo(db, m, str(request.path_params.get("photo_id", "")))[1], m)


@path_parameters(observation_id=PathId)
def observation_row(db: Session, request: Request) -> ObservationAccess:
    """An observation with its patrol (the patrol's group is what the policy decides on)."""
    return find_observation(db, str(request.path_params.get("observation_id", "")))
