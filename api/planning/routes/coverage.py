"""Who each facility serves (layers/planning/coverage.py), what closing or merging
facilities changes (mergers.py) and which k of n to keep (suggestions.py). Staff only
(Action.facility_plan)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["planning"])
