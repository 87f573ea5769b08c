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
# Layer ids as the registry writes them. Only documented: an id of another shape is a
# layer that does not exist, answered 404 like any unknown one.
LAYER_ID = "[a-z][a-z0-9_]{0,62}"
LayerList = Annotated[
    str,
    Path(
        description="レイヤ ID（カンマ区切り） / layer ids, comma separated",
        json_schema_extra={"pattern": f"^{LAYER_ID}(,{LAYER_ID})*$"},
    ),
]
LayerId = Annotated[
    str, Path(description="レイヤ ID / layer id", json_schema_extra={"pattern": f"^{LAYER_ID}$"})
]
BodyId = Annotated[int, Field(ge=1, le=BIGINT_MAX)]
