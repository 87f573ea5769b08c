"""Who a safety map's answer is for (layers/groups/map_places.py Audience), decided by the one
policy: the group's members see authors and every photo, its leaders may change every
place, everyone else sees what was published."""

from __future__ import annotations

from layers.groups.map_places import Audience
from layers.groups.model import SafetyMap
from layers.policy import Action, Actor, can


def audience(actor: Actor, m: SafetyMap) -> Audience:
    return Audience(
        user_id=actor.user_id,
        member=can(actor, Action.group_read_private, m) or can(actor, Action.safety_map_edit, m),
        leader=can(actor, Action.safety_map_publish, m),
    )
