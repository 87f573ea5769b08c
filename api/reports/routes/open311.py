"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) at /open311/v2, with
FixMyStreet's servicerequestupdates and the page/page_size extension.

- Formats: ``.xml`` (the spec's required one) and ``.json``; any other suffix is 404.
- jurisdiction_id is optional: this endpoint serves one city. When given it must be the
  city's 地方公共団体コード or the host name of MACHIMAP_PUBLIC_URL, else 404.
- POST requests: ``api_key`` is a machimap personal API token with the write scope; missing,
  unknown or read-only → 403, as the spec's error section says for a missing or wrong key.
  The location must be lat/long (machimap does not geocode an address); media_url is never
  fetched (a server that fetches any URL it is given can be pointed at its own network), and
  the service_notice says how to add photos instead. device_id and account_id are not
  kept: the api_key's account is the reporter. first_name, last_name, email and phone are the
  contact only staff see. Answers service_request_id at once, so tokens are never issued
  and GET tokens/{token} is always 404.
- GET requests show what ``row_filter`` lets the caller read (anonymous: published reports
  of non-sensitive categories; staff with a session or a Bearer token: all), the moderated
  text only, and never a contact. An api_key in a GET's query string is ignored: secrets in
  URLs end up in logs; send ``Authorization: Bearer`` instead.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from sqlalchemy.orm import Session

from api.addresses import public_base
from api.callers import token_caller
from api.guard import refuse_control_characters
from api.openapi import body
from api.permissions import Authorized, permit, rate_limits
from api.reports.open311 import requests as parse
from api.reports.open311.formats import (
    FORMATS,
    Open311Route,
    document,
    reply,
    rows_document,
)
from api.reports.open311.formats import (
    service_definition as definition_document,
)
from api.uploads import run_intake
from layers.city.identity import get_city
from layers.policy import Action, Actor, can
from layers.reports import open311
from layers.reports.intake import receive
from layers.reports.tracking import tracking_url
from layers.store.db import session_scope
from layers.store.refusals import Refused

router = APIRouter(prefix="/open311/v2", tags=["open311"], route_class=Open311Route)

Jurisdiction = Annotated[str | None, Query(max_length=200)]
Lang = Annotated[Literal["ja", "en"], Query(description="名称の言語 / language of the names")]
DateParam = Annotated[
    str | None,
    Query(max_length=40, description="ISO 8601", json_schema_extra={"format": "date-time"}),
]
# Read as text and refused by _format in Open311's own error shape; the document says which.
Format = Annotated[str, Path(description="xml / json", json_schema_extra={"enum": list(FORMATS)})]
PageParam = Annotated[int, Query(ge=1, le=100_000)]
PageSize = Annotated[int, Query(ge=1, le=open311.PAGE_SIZE_MAX)]
TrackingToken = Annotated[
    str | None,
    Query(max_length=200, description="通報者の追跡トークン / the reporter's tracking token"),
]

NOTICE = (
    "受け付けました。市が内容を確認し、担当課が対応します。連絡先は公開されません。",
    "Received. The city reviews the report and passes it to the responsible division; "
    "contact details are never published.",
)


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Refused(
            f"形式「{fmt}」には対応していません（xml か json）。",
            f"format {fmt!r} is not served; use .xml or .json",
            status=404,
        )
    return fmt


def _jurisdiction(db: Session, value: str | None) -> None:
    if not open311.jurisdiction_known(db, value):
        raise Refused(
            f"jurisdiction_id「{value}」は見つかりません。",
            f"jurisdiction_id not found: {value!r}",
            status=404,
        )


def _cache(auth: Authorized) -> dict[str, str]:
    # What staff or a token holder reads must not sit in a shared cache.
    if auth.actor.signed_in:
        return {"Cache-Control": "private, no-store"}
    return {"Cache-Control": "public, max-age=60"}


# --- discovery and services ----------------------------------------------------------------


@router.get("/discovery.{fmt}", summary="Open311 サービス発見 / Open311 service discovery")
def discovery(
    fmt: Format,
    request: Request,
    jurisdiction_id: Jurisdiction = None,
    auth: Authorized = permit(Action.public_read),
) -> Response:
    fmt = _format(fmt)
    with session_scope() as db:
        _jurisdiction(db, jurisdiction_id)
        city = get_city(db)
    public_url = public_base(request)
    name = city.name if city else "machimap"
    body = {
        "changeset": open311.CHANGESET,
        "contact": f"{name}（{public_url}）",
        "key_service": (
            f"{public_url} にログインし、write 権限の API トークンを発行して api_key か"
            f"Authorization: Bearer で送ってください。 / Sign in at {public_url} and create an "
            "API token with the write scope; send it as api_key or as Authorization: Bearer."
        ),
        "endpoints": [
            {
                "specification": open311.SPECIFICATION,
                "url": f"{public_url}/open311/v2",
                "changeset": open311.CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return reply(document("discovery", body, fmt), fmt, headers=_cache(auth))


@router.get("/services.{fmt}", summary="通報の種類（Open311） / Open311 service list")
def services(
    fmt: Format,
    jurisdiction_id: Jurisdiction = None,
    lang: Lang = "ja",
    auth: Authorized = permit(Action.public_read),
) -> Response:
    fmt = _format(fmt)
    with session_scope() as db:
        _jurisdiction(db, jurisdiction_id)
        rows = open311.services(db, lang == "en")
    return reply(rows_document("services", rows, fmt), fmt, headers=_cache(auth))


@router.get(
    "/services/{service_code}.{fmt}",
    summary="通報の種類の定義（Open311） / Open311 service definition",
)
def service_definition(
    service_code: str,
    fmt: Format,
    jurisdiction_id: Jurisdiction = None,
    lang: Lang = "ja",
    auth: Authorized = permit(Action.public_read),
) -> Response:
    fmt = _format(fmt)
    with session_scope() as db:
        _jurisdiction(db, jurisdiction_id)
        category = open311.active_service(db, service_code)
    if category is None:
        raise Refused(
            f"service_code「{service_code}」が不明です。",
            f"unknown service_code {service_code!r}",
            status=404,
        )
    body = definition_document(category.code, lang == "en")
    return reply(document("service_definition", body, fmt), fmt, headers=_cache(auth))


# --- service requests ----------------------------------------------------------------------


def _token_actor(request: Request, api_key: str | None, auth: Authorized) -> Actor:
    """The account behind api_key, or behind the Authorization: Bearer token the rest of
    the API takes (what the README tells programs to send), as the policy sees it."""
    key = (api_key or "").strip()
    if not key and auth.caller.via == "token":
        actor = auth.actor  # the Bearer token, already checked by permit()
        return _writer(request, actor)
    if not key and "api_key" in request.query_params:
        raise Refused(
            "api_key は URL ではなくフォームの本文で送ってください（URL はログに残ります）。",
            "send api_key in the form body, not in the URL (URLs end up in logs)",
            status=403,
        )
    if not key:
        raise Refused(
            "api_key がありません。write 権限の API トークンを api_key か"
            "Authorization: Bearer で送ってください。",
            "api_key is missing; send an API token with the write scope as api_key or as "
            "Authorization: Bearer",
            status=403,
        )
    caller = token_caller(key, auth.actor.ip)
    if caller is None:
        raise Refused(
            "api_key が無効です（失効・期限切れ・形式誤り）。",
            "invalid api_key (unknown, revoked or expired)",
            status=403,
        )
    return _writer(request, caller.actor)


def _writer(request: Request, actor: Actor) -> Actor:
    if not can(actor, Action.report_submit):
        raise Refused(
            "この API トークンには write 権限がありません。",
            "this API token lacks the write scope",
            status=403,
        )
    rate_limits(request).hit("write_account", str(actor.user_id))
    return actor


async def _form(request: Request) -> list[tuple[str, str]]:
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        raise Refused(
            "本文は application/x-www-form-urlencoded で送ってください。",
            "send the fields as application/x-www-form-urlencoded",
            status=400,
        )
    # The body's size is limited as it arrives (api/guard.py, the Open311 limit).
    try:
        form = await request.form(max_files=0, max_fields=200)
    except Refused:
        raise
    except Exception as exc:  # python-multipart's limits (files are refused) and bad bodies
        raise Refused(
            "フォームの内容を読み取れません（ファイルは送れません）。",
            f"unreadable form: {exc}",
            status=400,
        ) from None
    fields = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    for name, value in fields:
        refuse_control_characters(value, name)
    return fields


@router.post(
    "/requests.{fmt}",
    status_code=201,
    openapi_extra=body(parse.ServiceRequestFields, json=False),
    summary="通報する（Open311） / Open311: create a service request",
)
async def create_request(
    fmt: Format, request: Request, auth: Authorized = permit(Action.report_submit)
) -> Response:
    fmt = _format(fmt)
    fields = await _form(request)
    single = dict(fields)  # a field sent twice: the last one
    with session_scope() as db:
        _jurisdiction(db, single.get("jurisdiction_id"))
    actor = _token_actor(request, single.get("api_key"), auth)
    assert actor.user_id is not None
    with session_scope() as db:
        new = parse.new_report(db, single, parse.attributes(fields), actor.user_id)
    result = await run_intake(receive, new, actor.audit)
    ja, en = NOTICE
    if (single.get("media_url") or "").strip():
        ja += (
            f" media_url の写真は取り込んでいません。写真は POST /api/reports/"
            f"{result.public_id}/photos に同じ API トークンで追加できます。"
        )
        en += (
            f" media_url was not fetched; add photos with POST /api/reports/"
            f"{result.public_id}/photos using the same API token."
        )
    # token: the spec's field for following a request; here the reporter's tracking token,
    # which GET tokens/{token} and GET requests/{id}?token= read the request with, and which
    # opens tracking_url (an extension: the reporter's own page).
    body = [
        {
            "service_request_id": result.public_id,
            "token": result.tracking_token,
            "service_notice": f"{ja} / {en}",
            "account_id": None,
            "tracking_url": tracking_url(
                result.public_id, result.tracking_token, public_base(request)
            ),
        }
    ]
    return reply(
        document("service_requests", body, fmt),
        fmt,
        status=201,
        headers={
            "Cache-Control": "no-store",
            "Location": f"/open311/v2/requests/{result.public_id}.{fmt}",
        },
    )


@router.get("/requests.{fmt}", summary="通報の一覧（Open311） / Open311 service requests")
def service_requests(
    fmt: Format,
    request: Request,
    service_request_id: Annotated[str | None, Query(max_length=25_000)] = None,
    service_code: Annotated[str | None, Query(max_length=5_000)] = None,
    start_date: DateParam = None,
    end_date: DateParam = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    page: PageParam = 1,
    page_size: PageSize = open311.PAGE_SIZE_MAX,
    jurisdiction_id: Jurisdiction = None,
    lang: Lang = "ja",
    auth: Authorized = permit(Action.public_read),
) -> Response:
    """service_request_id (comma-separated) overrides every other filter. Otherwise
    requests made between start_date and end_date (at most 90 days apart; the last 90 days
    by default), of the given service_code(s) and status (open, closed), newest first,
    ``page_size`` (≤ 1000) at a time; a ``Link: rel="next"`` header names the next page."""
    fmt = _format(fmt)
    ids = parse.comma_list(service_request_id)
    if len(ids) > open311.IDS_MAX:
        raise Refused(
            f"service_request_id は{open311.IDS_MAX}件までです。",
            f"at most {open311.IDS_MAX} service_request_id values",
            status=400,
        )
    with session_scope() as db:
        _jurisdiction(db, jurisdiction_id)
        if ids:
            query = open311.RequestQuery(ids=ids, page=page, page_size=page_size)
        else:
            codes = parse.comma_list(service_code)
            if codes:
                open311.known_codes(db, codes)
            query = open311.RequestQuery(
                codes=codes or None,
                statuses=parse.statuses(status),
                window=parse.window(start_date, end_date, datetime.now(UTC)),
                page=page,
                page_size=page_size,
            )
        found = open311.service_requests(db, auth.actor, query, lang == "en", public_base(request))
    headers = _cache(auth)
    if found.more:
        following = request.url.include_query_params(page=page + 1)
        headers["Link"] = f'<{following}>; rel="next"'
    return reply(rows_document("service_requests", found.body, fmt), fmt, headers=headers)


@router.get(
    "/requests/{service_request_id}.{fmt}",
    summary="通報の状況（Open311） / Open311: one service request",
)
def service_request(
    service_request_id: str,
    fmt: Format,
    request: Request,
    jurisdiction_id: Jurisdiction = None,
    lang: Lang = "ja",
    token: TrackingToken = None,
    auth: Authorized = permit(Action.public_read),
) -> Response:
    """A one-element list. A report this caller may not read is answered exactly as one
    that does not exist; its reporter reads it with their API token (Bearer) or with the
    tracking token the POST answered."""
    fmt = _format(fmt)
    with session_scope() as db:
        _jurisdiction(db, jurisdiction_id)
        query = open311.RequestQuery(ids=[service_request_id], page_size=1, tracking_token=token)
        found = open311.service_requests(db, auth.actor, query, lang == "en", public_base(request))
    if found.count == 0:
        raise Refused(
            f"service_request_id「{service_request_id}」は見つかりません。",
            f"service_request_id not found: {service_request_id!r}",
            status=404,
        )
    headers = {"Cache-Control": "private, no-store"} if token else _cache(auth)
    return reply(rows_document("service_requests", found.body, fmt), fmt, headers=headers)


@router.get(
    "/tokens/{token}.{fmt}",
    summary="トークンから受付番号（Open311） / Open311: service_request_id from a token",
)
def token(
    token: str,
    fmt: Format,
    jurisdiction_id: Jurisdiction = None,
    _: Authorized = permit(Action.public_read),
) -> Response:
    """The token a POST answered (the reporter's tracking token): its service_request_id.
    The POST answers the id at once too; this is for a client that kept only the token."""
    fmt = _format(fmt)
    with session_scope() as db:
        _jurisdiction(db, jurisdiction_id)
        found = open311.request_of_token(db, token)
    if found is None:
        raise Refused(
            "このトークンの通報は見つかりません。",
            "no service request has this token",
            status=404,
        )
    body = [{"service_request_id": found, "token": token}]
    return reply(
        document("service_requests", body, fmt), fmt, headers={"Cache-Control": "private, no-store"}
    )


@router.get(
    "/servicerequestupdates.{fmt}",
    summary="通報の更新（FixMyStreet 拡張） / Service request updates (FixMyStreet extension)",
)
def service_request_updates(
    fmt: Format,
    start_date: DateParam = None,
    end_date: DateParam = None,
    page: PageParam = 1,
    page_size: PageSize = open311.PAGE_SIZE_MAX,
    jurisdiction_id: Jurisdiction = None,
    auth: Authorized = permit(Action.public_read),
) -> Response:
    """Status changes and public comments on the reports this caller may read, oldest
    first; internal notes never."""
    fmt = _format(fmt)
    span = parse.window(start_date, end_date, datetime.now(UTC))
    with session_scope() as db:
        _jurisdiction(db, jurisdiction_id)
        found = open311.service_request_updates(db, auth.actor, span, page, page_size)
    body = rows_document("service_request_updates", found.body, fmt)
    return reply(body, fmt, headers=_cache(auth))
