"""The 40-year renewal cost projection (layers/planning/projection.py) under the named
scenarios, compared side by side, as JSON, CSV and a one-page A4 PDF. Staff only
(Action.facility_plan)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["planning"])
