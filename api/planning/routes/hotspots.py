"""Where hazards and reports cluster (layers/planning/hotspots.py): 250 m cells and
clusters as GeoJSON for the staff map. Staff only (Action.facility_plan)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["planning"])
