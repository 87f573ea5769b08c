"""Every model, imported once so ``Base.metadata`` is complete (Alembic, tests)."""

from layers.accounts import EmailToken
from layers.api_tokens import ApiToken
from layers.attachments import Attachment
from layers.audit import AuditEntry
from layers.base import Base
from layers.city import City
from layers.districts import District, DistrictPart, SchoolDistrict
from layers.facilities import Facility
from layers.groups import Group, Membership
from layers.hazards import Hazard
from layers.inspections import Inspection, InspectionPartGrade
from layers.layer_metadata import LayerMetadata
from layers.outbox import Notification
from layers.patrols import Patrol, PatrolObservation
from layers.reports import (
    Report,
    ReportCategory,
    ReportContact,
    ReportStatusChange,
    ReportSupporter,
)
from layers.safety_maps import SafetyMap, SafetyMapFeature
from layers.secrets import ServerSecret
from layers.sessions import AuthSession
from layers.users import Department, User

__all__ = [
    "ApiToken",
    "Attachment",
    "AuditEntry",
    "AuthSession",
    "Base",
    "City",
    "Department",
    "District",
    "DistrictPart",
    "EmailToken",
    "Facility",
    "Group",
    "Hazard",
    "Inspection",
    "InspectionPartGrade",
    "LayerMetadata",
    "Membership",
    "Notification",
    "Patrol",
    "PatrolObservation",
    "Report",
    "ReportCategory",
    "ReportContact",
    "ReportStatusChange",
    "ReportSupporter",
    "SafetyMap",
    "SafetyMapFeature",
    "SchoolDistrict",
    "ServerSecret",
    "User",
]
