"""The policy's row filters: which rows of a layer each caller may read."""

from __future__ import annotations

from layers.accounts.api_tokens import Scope
from layers.accounts.users import Role
from layers.groups.model import MemberRole
from layers.policy import ANONYMOUS, Action, Actor, can, row_filter
from layers.registry import get_layer

MEMBER = Actor(
    user_id=1, role=Role.resident, memberships={7: MemberRole.member, 3: MemberRole.leader}
)
STAFF = Actor(user_id=2, role=Role.staff, department_id=5)


def test_public_layers_have_no_filter_for_anyone() -> None:
    for actor in (ANONYMOUS, MEMBER, STAFF):
        assert row_filter(actor, get_layer("facility")) is None


def test_group_rows_are_the_callers_groups_plus_the_published_ones() -> None:
    layer = get_layer("safety_map_feature")
    assert row_filter(ANONYMOUS, layer) == f"({layer.public_filter})"
    member = row_filter(MEMBER, layer)
    assert member is not None and "group_id IN (3,7)" in member
    assert row_filter(ANONYMOUS, get_layer("patrol")) == "(false)"
    assert "group_id IN (3,7)" in (row_filter(MEMBER, get_layer("patrol")) or "")


def test_a_token_without_the_read_scope_sees_only_public_rows() -> None:
    writer = Actor(user_id=1, memberships={7: MemberRole.member}, scopes=frozenset({Scope.write}))
    assert row_filter(writer, get_layer("patrol")) == "(false)"


def test_staff_read_every_report_but_residents_only_published_ones() -> None:
    reports = get_layer("report")
    assert row_filter(STAFF, reports) is None
    assert "is_public" in (row_filter(MEMBER, reports) or "")


def test_an_action_without_a_rule_is_refused() -> None:
    from layers import policy

    rule = policy.RULES.pop(Action.public_read)
    try:
        assert not can(ANONYMOUS, Action.public_read)
    finally:
        policy.RULES[Action.public_read] = rule
    assert can(ANONYMOUS, Action.public_read)


def test_triage_is_for_the_department_the_report_is_routed_to() -> None:
    class Routed:
        def __init__(self, department_id: int) -> None:
            self.department_id = department_id

    assert can(STAFF, Action.report_triage, Routed(5))
    assert not can(STAFF, Action.report_triage, Routed(6))
    assert can(Actor(user_id=3, role=Role.admin), Action.report_triage, Routed(6))
    assert not can(MEMBER, Action.report_triage, Routed(5))
