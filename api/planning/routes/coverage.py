"""Who each facility serves (layers/planning/coverage.py), what closing or merging
facilities changes (mergers.py) and which k of n to keep (suggestions.py). Staff only
(Action.facility_plan)."""

from __future__ import annotations

import csv
import io
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from api.caching import PRIVATE_NO_STORE
from api.downloads import disposition
from api.media import GEOJSON
from api.permissions import Authorized, permit
from layers.city.calendar import this_fiscal_year
from layers.planning import coverage, mergers, suggestions
from layers.policy import Action
from layers.store.db import session_scope
from layers.store.refusals import Refused

router = APIRouter(tags=["planning"])

OBJECT: dict[str, Any] = {"schema": {"type": "object"}}
Kind = Annotated[
    str,
    Query(
        max_length=40,
        pattern=r"^[a-z_]+$",
        description="community_center（住民センター・公民館）, kominkan, shelter（指定避難所）",
    ),
]
MAX_IDS = 500
FacilityId = Annotated[int, Field(ge=1, le=2**62)]

CSV_COLUMNS = (
    ("id", "施設ID"),
    ("name", "施設名"),
    ("kind", "種類"),
    ("served", "利用者数（人）"),
    ("elderly", "うち65歳以上"),
    ("units", "地域数"),
    ("beyond", "距離外の利用者"),
    ("mean_m", "平均距離（m）"),
    ("farthest_m", "最遠距離（m）"),
    ("capacity", "想定収容人数"),
    ("over_capacity", "収容超過"),
)


def _json(body: Any, media_type: str = "application/json") -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        media_type=media_type,
        headers=PRIVATE_NO_STORE,
    )


@router.get(
    "/api/planning/coverage",
    summary="施設の利用圏（利用者数・距離外の人口） / Who each facility serves",
    response_class=Response,
    responses={
        200: {
            "content": {
                "application/json": OBJECT,
                GEOJSON: OBJECT,
                "text/csv": {"schema": {"type": "string"}},
            },
            "description": "f=json: facilities, population units and totals; f=geojson: both "
            "on the map (role facility / unit); f=csv: one row per facility (UTF-8 with BOM)",
        }
    },
)
def coverage_report(
    kind: Kind = "community_center",
    f: Annotated[Literal["json", "geojson", "csv"], Query(description="形式 / format")] = "json",
    auth: Authorized = permit(Action.facility_plan),
) -> Response:
    with session_scope() as db:
        found = coverage.coverage(db, kind)
    facilities = [row.as_dict() for row in found.facilities.values()]
    if f == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([title for _, title in CSV_COLUMNS])
        for row in facilities:
            writer.writerow(["" if row[key] is None else row[key] for key, _ in CSV_COLUMNS])
        return Response(
            ("\ufeff" + out.getvalue()).encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={
                **PRIVATE_NO_STORE,
                "Content-Disposition": disposition(
                    f"coverage-{kind}.csv", f"施設利用圏_{kind}.csv"
                ),
            },
        )
    units = [
        {
            "id": u.id,
            "code": u.code,
            "name": u.name,
            "district_id": u.district_id,
            "population": u.population,
            "elderly": u.elderly,
            "facility_id": u.facility_id,
            "distance_m": None if u.distance_m is None else round(u.distance_m, 1),
            "beyond": u.beyond,
            "lon": u.lon,
            "lat": u.lat,
        }
        for u in found.units
    ]
    head = {
        "kind": kind,
        "level": found.level,
        "distance_m": found.distance_m,
        "detour_factor": found.detour_factor,
        "totals": found.totals(),
    }
    if f == "geojson":

        def feature(role: str, row: dict[str, Any]) -> dict[str, Any]:
            props = {k: v for k, v in row.items() if k not in ("lon", "lat")}
            return {
                "type": "Feature",
                "id": f"{role}-{row['id']}",
                "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
                "properties": {"role": role, **props},
            }

        features = [feature("unit", u) for u in units] + [
            feature("facility", r) for r in facilities
        ]
        return _json({"type": "FeatureCollection", **head, "features": features}, GEOJSON)
    return _json({**head, "facilities": facilities, "units": units})


class ScenarioBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(default="community_center", max_length=40, pattern=r"^[a-z_]+$")
    closed: list[FacilityId] = Field(default_factory=list, max_length=MAX_IDS)
    # {"from facility id": into facility id}: A's users move to B.
    merges: dict[str, FacilityId] = Field(default_factory=dict, max_length=MAX_IDS)
    scenario: str = Field(default="soumu", max_length=40, pattern=r"^[A-Za-z0-9_-]+$")
    base_year: int | None = Field(default=None, ge=1900, le=2200)


def _merge_keys(merges: dict[str, int]) -> dict[int, int]:
    result = {}
    for key, target in merges.items():
        if not key.isascii() or not key.isdigit() or not 1 <= int(key) <= 2**62:
            raise Refused(
                f"統合元の施設ID {key[:20]!r} が数字ではありません",
                f"the merged facility id {key[:20]!r} is not a number",
                status=422,
                parameter="merges",
            )
        result[int(key)] = target
    return result


@router.post(
    "/api/planning/coverage/scenario",
    summary="統廃合の試算（廃止・統合と現状の比較） / A closure and merger scenario",
    response_class=Response,
    responses={200: {"content": {"application/json": OBJECT}}},
)
def coverage_scenario(
    body: ScenarioBody, auth: Authorized = permit(Action.facility_plan)
) -> Response:
    merges = _merge_keys(body.merges)
    base_year = body.base_year or this_fiscal_year()
    with session_scope() as db:
        result = mergers.compare(
            db,
            body.kind,
            closed=body.closed,
            merges=merges,
            scenario_code=body.scenario,
            base_year=base_year,
        )
    return _json(result)


class SuggestionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(default="community_center", max_length=40, pattern=r"^[a-z_]+$")
    k: int = Field(ge=0, le=10_000)
    pinned: list[FacilityId] = Field(default_factory=list, max_length=MAX_IDS)


def _suggest(body: SuggestionBody) -> Response:
    with session_scope() as db:
        return _json(suggestions.suggest(db, body.kind, body.k, body.pinned))


@router.get(
    "/api/planning/coverage/suggestion",
    summary="残す施設の提案（最大被覆） / Which k facilities to keep (maximal covering)",
    response_class=Response,
    responses={200: {"content": {"application/json": OBJECT}}},
)
def coverage_suggestion(
    k: Annotated[int, Query(ge=0, le=10_000, description="残す数 / how many to keep")],
    kind: Kind = "community_center",
    pinned: Annotated[
        list[int] | None,
        Query(max_length=MAX_IDS, description="必ず残す施設ID / facilities to keep"),
    ] = None,
    auth: Authorized = permit(Action.facility_plan),
) -> Response:
    if any(not 1 <= p <= 2**62 for p in pinned or []):
        raise Refused(
            "必ず残す施設の ID が正しくありません",
            "a pinned facility id is out of range",
            status=422,
            parameter="pinned",
        )
    return _suggest(SuggestionBody(kind=kind, k=k, pinned=pinned or []))


@router.post(
    "/api/planning/coverage/suggestion",
    summary="残す施設の提案（最大被覆） / Which k facilities to keep (maximal covering)",
    response_class=Response,
    responses={200: {"content": {"application/json": OBJECT}}},
)
def coverage_suggestion_post(
    body: SuggestionBody, auth: Authorized = permit(Action.facility_plan)
) -> Response:
    return _suggest(body)
