"""What the report pages need to know as the server enforces it: every status (open or
closed, with its name), the kinds a hazard made from a report can have, and the photo and
text limits. The pages read these (GET /api/reports/vocabulary) instead of keeping copies."""

from __future__ import annotations

from typing import Any

from layers.city.hazards import HazardKind
from layers.reports.model import (
    CONTACT_EMAIL_MAX,
    CONTACT_NAME_MAX,
    CONTACT_PHONE_MAX,
    HAZARD_TITLE_MAX,
    OPEN_STATUSES,
    PUBLIC_ID_MAX,
    REOPENABLE_STATUSES,
    RESPONSIBLE_PARTY_MAX,
    STATUS_LABELS,
    ReportStatus,
)
from layers.store.base import TEXT_MAX
from layers.store.settings import get_settings


def vocabulary() -> dict[str, Any]:
    settings = get_settings()
    return {
        "statuses": [
            {
                "code": status.value,
                "open": status in OPEN_STATUSES,
                "reopenable": status in REOPENABLE_STATUSES,
                "name_ja": STATUS_LABELS[status][0],
                "name_en": STATUS_LABELS[status][1],
            }
            for status in ReportStatus
        ],
        "hazard_kinds": [kind.value for kind in HazardKind],
        "limits": {
            "photos": settings.photo_max_count,
            "photo_bytes": settings.photo_max_bytes,
            "photo_pixels": settings.photo_max_pixels,
            "text": TEXT_MAX,
            "contact_name": CONTACT_NAME_MAX,
            "contact_email": CONTACT_EMAIL_MAX,
            "contact_phone": CONTACT_PHONE_MAX,
            "responsible_party": RESPONSIBLE_PARTY_MAX,
            "public_id": PUBLIC_ID_MAX,
            "hazard_title": HAZARD_TITLE_MAX,
        },
    }
