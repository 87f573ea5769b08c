"""Who may do what: the one permission check.

Every router asks ``can(actor, action, resource)`` (through ``api.permissions.permit``) and
every query over a layer narrows its rows with ``row_filter``; nothing else decides access.
An action without a rule is refused, so a forgotten rule fails closed.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from layers.accounts.api_tokens import Scope
from layers.accounts.users import Role
from layers.groups.model import Group, MemberRole
from layers.registry import NO_PUBLIC_ROWS, Layer
from layers.store.audited import AuditActor


class Action(enum.StrEnum):
    public_read = "public.read"  # public layers, catalogues, published maps
    sign_in = "auth.sign_in"
    sign_up = "auth.sign_up"
    account_read = "account.read"  # one's own account
    account_security = "account.security"  # password, tokens, sessions: browser sign-in only
    report_submit = "report.submit"
    # resource: a ReportAccess. The public reads published reports of non-sensitive
    # categories; the reporter (signed in, or holding the tracking link) and staff read more.
    report_read = "report.read"
    report_follow_up = "report.follow_up"  # the reporter adds photos, says "not fixed"
    report_support = "report.support"  # 「私も困っています」 on a published report
    report_read_own = "report.read_own"
    report_read_all = "report.read_all"  # the staff queue, unpublished reports
    report_triage = "report.triage"  # resource: anything with a department_id
    group_create = "group.create"
    group_join = "group.join"
    group_read_private = "group.read_private"  # resource: the group or its rows
    group_members_read = "group.members_read"  # who is in the group (not its content)
    group_edit = "group.edit"  # the group's maps and patrols
    group_manage_members = "group.manage_members"
    membership_end = "membership.end"  # resource: the membership (a member may leave)
    # The city's view of school-route coverage, aggregated over the groups that share it.
    coverage_read = "coverage.read"
    # A leader's choice to share the group's coverage with the city (never a track).
    coverage_share = "group.share_coverage"
    safety_map_read = "safety_map.read"  # resource: the map
    safety_map_edit = "safety_map.edit"
    safety_map_publish = "safety_map.publish"  # and release or withhold its photos
    # resource: a place (layers.groups.map_places.PlaceAccess): members change their own places,
    # leaders every place of their group's maps.
    safety_map_place_edit = "safety_map.place_edit"
    layer_edit = "layer.edit"
    inspection_record = "inspection.record"
    # An inspection's findings, per-part grades and follow-up. Its date, kind and overall
    # grade are public wherever its feature is (12条点検 results are public information).
    inspection_read = "inspection.read"
    # Publish an inspection's findings and photos (or withdraw them).
    inspection_release = "inspection.release"
    # Add or change inspection kinds: their interval, subjects and graded parts.
    inspection_kind_manage = "inspection_kind.manage"
    # The facility register (公共施設台帳) per building: staff read and keep it.
    register_read = "register.read"
    register_edit = "register.edit"
    # 通学路合同点検 (resource: layers.inspections.school_routes.sites.SiteAccess): staff and
    # the groups of the site's school read it, anyone once published; staff of the
    # departments running the inspection change it.
    school_route_read = "school_route.read"
    school_route_edit = "school_route.edit"
    facility_plan = "facility.plan"
    account_manage = "account.manage"
    department_manage = "department.manage"
    audit_read = "audit.read"
    settings_manage = "settings.manage"


@dataclass(frozen=True)
class Actor:
    """The caller: anonymous, or a signed-in account with its active group roles."""

    user_id: int | None = None
    role: Role | None = None
    department_id: int | None = None
    memberships: Mapping[int, MemberRole] = field(default_factory=dict)
    # None: a browser session, which may use every scope its role allows.
    scopes: frozenset[Scope] | None = None
    email_verified: bool = False
    ip: str | None = None

    @property
    def signed_in(self) -> bool:
        return self.user_id is not None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin

    @property
    def is_staff(self) -> bool:
        """City staff; admins can do what staff do."""
        return self.role in (Role.staff, Role.admin)

    def in_group(self, group_id: int | None) -> bool:
        return group_id is not None and group_id in self.memberships

    def leads(self, group_id: int | None) -> bool:
        return group_id is not None and self.memberships.get(group_id) == MemberRole.leader

    @property
    def audit(self) -> AuditActor | None:
        return AuditActor(self.user_id, self.ip) if self.user_id is not None else None


ANONYMOUS = Actor()


def _group_of(resource: Any) -> int | None:
    if isinstance(resource, Group):
        return resource.id
    return getattr(resource, "group_id", None)


def _published(resource: Any) -> bool:
    return bool(getattr(resource, "is_published", False))


def _city_map(actor: Actor, resource: Any) -> bool:
    """Maps the city keeps itself (no group) are edited by staff."""
    return _group_of(resource) is None and actor.is_staff


@dataclass(frozen=True)
class Rule:
    check: Callable[[Actor, Any], bool]
    # The API-token scope the action needs; None: no scope (anyone may, even anonymously).
    scope: Scope | None
    browser_only: bool = False  # never through an API token


def _anyone(actor: Actor, resource: Any) -> bool:
    return True


def _publicly_visible(resource: Any) -> bool:
    return bool(resource.is_public and not resource.sensitive)


def is_reporter(actor: Actor, resource: Any) -> bool:
    """The caller sent this report: their account, or they hold its tracking token."""
    return bool(resource.token_ok) or (
        actor.user_id is not None and actor.user_id == resource.reporter_user_id
    )


def _signed_in(actor: Actor, resource: Any) -> bool:
    return actor.signed_in


def _staff(actor: Actor, resource: Any) -> bool:
    return actor.is_staff


def _admin(actor: Actor, resource: Any) -> bool:
    return actor.is_admin


def _reads_school_route(actor: Actor, resource: Any) -> bool:
    return (
        _published(resource) or actor.is_staff or any(actor.in_group(g) for g in resource.group_ids)
    )


def _edits_school_route(actor: Actor, resource: Any) -> bool:
    return actor.is_admin or (
        actor.role == Role.staff
        and actor.department_id is not None
        and actor.department_id in resource.editor_department_ids
    )


RULES: dict[Action, Rule] = {
    Action.public_read: Rule(_anyone, None),
    Action.sign_in: Rule(_anyone, None),
    Action.sign_up: Rule(lambda a, r: not a.signed_in, None),
    Action.account_read: Rule(_signed_in, Scope.read),
    Action.account_security: Rule(_signed_in, Scope.write, browser_only=True),
    Action.report_submit: Rule(_anyone, Scope.write),
    Action.report_read: Rule(
        lambda a, r: _publicly_visible(r) or is_reporter(a, r) or a.is_staff, None
    ),
    Action.report_follow_up: Rule(is_reporter, Scope.write),
    Action.report_support: Rule(lambda a, r: _publicly_visible(r), Scope.write),
    Action.report_read_own: Rule(_signed_in, Scope.read),
    Action.report_read_all: Rule(_staff, Scope.read),
    Action.report_triage: Rule(
        lambda a, r: (
            a.is_admin
            or (a.role == Role.staff and (r is None or r.department_id in (None, a.department_id)))
        ),
        Scope.write,
    ),
    Action.group_create: Rule(_staff, Scope.write),
    Action.group_join: Rule(lambda a, r: a.signed_in and a.email_verified, Scope.write),
    Action.group_read_private: Rule(lambda a, r: a.in_group(_group_of(r)), Scope.read),
    # Admins manage memberships, so they see who is in a group; the group's maps and patrols
    # stay the group's own (a voluntary body's drafts are not the city's to read).
    Action.group_members_read: Rule(
        lambda a, r: a.in_group(_group_of(r)) or a.is_admin, Scope.read
    ),
    Action.group_edit: Rule(lambda a, r: a.in_group(_group_of(r)), Scope.write),
    Action.group_manage_members: Rule(
        lambda a, r: a.leads(_group_of(r)) or a.is_admin, Scope.write
    ),
    Action.membership_end: Rule(
        lambda a, r: a.leads(_group_of(r)) or a.is_admin or a.user_id == r.user_id, Scope.write
    ),
    Action.coverage_read: Rule(_staff, Scope.read),
    # The group's own decision: not the city's administrators' to make for it.
    Action.coverage_share: Rule(lambda a, r: a.leads(_group_of(r)), Scope.write),
    Action.safety_map_read: Rule(
        lambda a, r: _published(r) or a.in_group(_group_of(r)) or _city_map(a, r), None
    ),
    Action.safety_map_edit: Rule(
        lambda a, r: a.in_group(_group_of(r)) or _city_map(a, r), Scope.write
    ),
    Action.safety_map_publish: Rule(
        lambda a, r: a.leads(_group_of(r)) or _city_map(a, r), Scope.write
    ),
    Action.safety_map_place_edit: Rule(
        lambda a, r: (
            a.leads(_group_of(r))
            or (a.in_group(_group_of(r)) and a.user_id == r.author_user_id)
            or _city_map(a, r)
        ),
        Scope.write,
    ),
    Action.layer_edit: Rule(_staff, Scope.write),
    Action.inspection_record: Rule(_staff, Scope.write),
    Action.inspection_read: Rule(_staff, Scope.read),
    Action.inspection_release: Rule(_staff, Scope.write),
    Action.inspection_kind_manage: Rule(_admin, Scope.admin),
    Action.register_read: Rule(_staff, Scope.read),
    Action.register_edit: Rule(_staff, Scope.write),
    Action.school_route_read: Rule(_reads_school_route, None),
    Action.school_route_edit: Rule(_edits_school_route, Scope.write),
    Action.facility_plan: Rule(_staff, Scope.read),
    Action.account_manage: Rule(_admin, Scope.admin),
    Action.department_manage: Rule(_admin, Scope.admin),
    Action.audit_read: Rule(_admin, Scope.admin),
    Action.settings_manage: Rule(_admin, Scope.admin),
}


def can(actor: Actor, action: Action, resource: Any = None) -> bool:
    rule = RULES.get(action)
    if rule is None:
        return False
    if actor.scopes is not None:  # an API token
        if rule.browser_only:
            return False
        if rule.scope is not None and rule.scope not in actor.scopes:
            return False
    return rule.check(actor, resource)


class RowFilter(str):
    """SQL condition (on a layer's table, unaliased) selecting the rows a caller may read.

    ``reads_nothing`` is decided where the filter is made, from the registry's declaration,
    so nobody has to read the SQL text to know that a caller sees no row at all."""

    reads_nothing: bool

    def __new__(cls, sql: str, *, reads_nothing: bool = False) -> RowFilter:
        made = super().__new__(cls, sql)
        made.reads_nothing = reads_nothing
        return made


def row_filter(actor: Actor, layer: Layer) -> RowFilter | None:
    """The rows of ``layer`` this caller may read; None means every row. Group ids are
    integers from the database, never input."""
    if not layer.public_filter and not layer.group_filter:
        return None  # a fully public layer
    reads = actor.scopes is None or Scope.read in actor.scopes
    if layer.staff_reads_all and actor.is_staff and reads:
        return None
    conditions = [layer.public_filter] if layer.public_filter else []
    if layer.group_filter and actor.memberships and reads:
        ids = ",".join(str(int(g)) for g in sorted(actor.memberships))
        conditions.append(layer.group_filter.format(groups=ids))
    if not conditions:
        return RowFilter("false", reads_nothing=True)
    nothing = all(c == NO_PUBLIC_ROWS for c in conditions)
    return RowFilter(" OR ".join(f"({c})" for c in conditions), reads_nothing=nothing)


def reads_nothing(condition: RowFilter | None) -> bool:
    return condition is not None and condition.reads_nothing


def private_fields_visible(actor: Actor, layer: Layer) -> bool:
    """Staff see a layer's non-public fields (the original report text ...); nobody else."""
    return layer.staff_reads_all and actor.is_staff
