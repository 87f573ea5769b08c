"""Every model, imported once so ``Base.metadata`` is complete (Alembic, tests)."""

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
from layers.patrols import Patrol, PatrolObservation
from layers.reports import (
    Report,
    ReportCategory,
    ReportContact,
    ReportStatusChange,
    ReportSupporter,
)
from layers.safety_maps import SafetyMap, SafetyMapFeature
from layers.users import Department, User

__all__ = [
    "Attachment",
    "AuditEntry",
    "Base",
    "City",
    "Department",
    "District",
    "DistrictPart",
    "Facility",
    "Group",
    "Hazard",
    "Inspection",
    "InspectionPartGrade",
    "LayerMetadata",
    "Membership",
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
    "User",
]
