"""Typed, bounded request parameters shared by the routes: a row id is a positive bigint,
so "99999999999999999999" or "³" is a 400 naming the parameter, never a database error."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from pydantic import Field

from layers.store.sql import BIGINT_MAX

PathId = Annotated[int, Path(ge=1, le=BIGINT_MAX)]
# A report's reference (R + 8 letters and digits; the demo's D00001; tests' R-1).
ReportId = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9_-]{1,20}$", description="受付番号 / reference")
]
QueryId = Annotated[int | None, Query(ge=1, le=BIGINT_MAX)]
BodyId = Annotated[int, Field(ge=1, le=BIGINT_MAX)]
