"""What to renew first (layers/planning/priority.py): the ranking of buildings with every
part of its score. Staff only (Action.facility_plan)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["planning"])
