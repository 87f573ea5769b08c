"""Every model, imported once so ``Base.metadata`` is complete (Alembic, tests)."""

from layers.accounts.api_tokens import ApiToken
from layers.accounts.audit import AuditEntry
from layers.accounts.lifecycle import EmailToken
from layers.accounts.outbox import Notification
from layers.accounts.secrets import ServerSecret
from layers.accounts.sessions import AuthSession
from layers.accounts.users import Department, User
from layers.city.buildings import FacilityBuilding
from layers.city.districts import District, DistrictPart, SchoolDistrict
from layers.city.facilities import Facility
from layers.city.hazards import Hazard
from layers.city.identity import City
from layers.city.roads import GreenSpace, Road
from layers.groups.model import (
    Group,
    Membership,
    Patrol,
    PatrolObservation,
    SafetyMap,
    SafetyMapFeature,
)
from layers.inspections.model import Inspection, InspectionKindRow, InspectionPartGrade
from layers.inspections.school_routes.model import (
    SchoolRouteLink,
    SchoolRouteMeasure,
    SchoolRouteSite,
)
from layers.media.attachments import Attachment
from layers.places.model import Place
from layers.planning.model import PopulationUnit
from layers.reports.model import (
    Report,
    ReportCategory,
    ReportContact,
    ReportStatusChange,
    ReportSupporter,
)
from layers.serving.layer_metadata import LayerMetadata
from layers.store.base import Base

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
    "FacilityBuilding",
    "GreenSpace",
    "Group",
    "Hazard",
    "Inspection",
    "InspectionKindRow",
    "InspectionPartGrade",
    "LayerMetadata",
    "Membership",
    "Notification",
    "Patrol",
    "PatrolObservation",
    "Place",
    "PopulationUnit",
    "Report",
    "ReportCategory",
    "ReportContact",
    "ReportStatusChange",
    "ReportSupporter",
    "Road",
    "SafetyMap",
    "SafetyMapFeature",
    "SchoolDistrict",
    "SchoolRouteLink",
    "SchoolRouteMeasure",
    "SchoolRouteSite",
    "ServerSecret",
    "User",
]
