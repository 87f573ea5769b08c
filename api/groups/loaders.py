"""The rows group routes are about, loaded for permit() from the path."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from api.params import PathId
from api.permissions import path_parameters, row_of
from layers.groups.membership import find_membership
from layers.groups.model import Group, Membership, Patrol, SafetyMap

group_row = row_of(Group, "group_id", "グループ", "group")
map_row = row_of(SafetyMap, "map_id", "安全マップ", "safety map")
patrol_row = row_of(Patrol, "patrol_id", "パトロール記録", "patrol")


@path_parameters(group_id=PathId, user_id=PathId)
def membership_row(db: Session, request: Request) -> Membership:
    group_id = str(request.path_params.get("group_id", ""))
    user_id = str(request.path_params.get("user_id", ""))
    return find_membership(db, group_id, user_id)
