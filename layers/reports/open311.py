"""Open311 GeoReport v2 over machimap's reports: the status mapping and the statements that
give the answers' rows (a JSON array built by PostgreSQL; api/reports/open311 writes it as
the spec's JSON or XML and reads what clients send).

What an Open311 answer may show is decided the same way as everywhere else: the rows come
through ``row_filter`` of the "report" layer, the text is the moderated public description
(never what the reporter wrote), and no statement here selects a contact column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from urllib.parse import urlsplit

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from layers.city.identity import get_city
from layers.policy import Action, Actor, can, row_filter
from layers.registry import get_layer
from layers.reports.model import (
    OPEN_STATUSES,
    ReportCategory,
    ReportStatus,
)
from layers.reports.tracking import REOPEN_COMMENT, token_hash
from layers.store.refusals import Refused
from layers.store.settings import get_settings
from layers.store.sql import identifier, literal

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this API last changed in a way clients should notice (discovery's changeset).
CHANGESET = "2026-11-23T00:00:00+09:00"
MAX_WINDOW = timedelta(days=90)
PAGE_SIZE_MAX = 1000
IDS_MAX = 1000

# --- status: the one mapping ------------------------------------------------------------------

OPEN, CLOSED = "open", "closed"
# FixMyStreet's extended states, for clients that show more than open/closed.
EXTERNAL_STATUS: dict[ReportStatus, str] = {
    ReportStatus.submitted: "OPEN",
    ReportStatus.accepted: "ACTION_SCHEDULED",
    ReportStatus.in_progress: "IN_PROGRESS",
    ReportStatus.resolved: "FIXED",
    ReportStatus.closed_duplicate: "DUPLICATE",
    ReportStatus.closed_not_responsible: "NOT_COUNCILS_RESPONSIBILITY",
    ReportStatus.closed_no_action: "NO_FURTHER_ACTION",
    ReportStatus.rejected: "CLOSED",
}


def open311_status(status: ReportStatus) -> str:
    return OPEN if status in OPEN_STATUSES else CLOSED


def statuses_for(open311: str) -> list[str]:
    """Our statuses behind one Open311 status (open or closed)."""
    return [str(s) for s in ReportStatus if open311_status(s) == open311]


def _case(column: str, mapping: Mapping[ReportStatus, str]) -> str:
    """A CASE over our own constants, written into the statement so its text stays fixed."""
    whens = " ".join(
        f"WHEN {literal(status)} THEN {literal(value)}" for status, value in mapping.items()
    )
    return f"(CASE {column} {whens} END)"


def _status_sql(column: str) -> str:
    return _case(column, {s: open311_status(s) for s in ReportStatus})


# Japan keeps +09:00 all year; W3C datetimes with the offset, to the second.
def _w3(column: str) -> str:
    return f"""to_char({column} AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM-DD"T"HH24:MI:SS"+09:00"')"""


# --- rows as one JSON array, built by the database ------------------------------------------


def _rows_json(rows: str, fields: Sequence[str]) -> str:
    """A statement answering (body, count, more) for ``rows``, which yields the fields and
    ``_n``, the row's place in the whole answer: rows up to :last make this page (a JSON
    array of objects with the fields in this order), and ``more`` says that one beyond it
    exists (a next page). The API writes it as Open311 JSON or XML."""
    pairs = ", ".join(f"{literal(f)}, t.{identifier(f)}" for f in fields)
    aggregate = f"json_agg(json_build_object({pairs}) ORDER BY t._n) FILTER (WHERE t._n <= :last)"
    return (
        f"SELECT coalesce({aggregate}, '[]'::json)::text, count(*) FILTER (WHERE t._n <= :last), "
        f"coalesce(bool_or(t._n > :last), false) FROM ({rows}) t"
    )


def _visible(condition: str | None) -> str:
    """The reports a caller may read, as a derived table: ``condition`` is the policy's
    row_filter for the report layer (one of a few fixed texts, never input)."""
    return f"(SELECT * FROM report WHERE {condition or 'true'})"


def _condition(actor: Actor) -> str | None:
    return row_filter(actor, get_layer("report"))


def _visible_or_own(condition: str | None) -> str:
    """What the caller may read, and the reports that are their own: sent from their
    account (:me), or the one whose tracking token they hold (:token_hash)."""
    if condition is None:
        return _visible(None)
    own = "reporter_user_id = :me OR tracking_token_hash = :token_hash"
    return f"(SELECT * FROM report WHERE ({condition}) OR {own})"


@dataclass(frozen=True)
class Rows:
    body: str  # a JSON array of the page's rows
    count: int  # rows in this page
    more: bool  # another page follows


def _page(session: Session, sql: str, params: dict[str, object], page: int, size: int) -> Rows:
    offset = (page - 1) * size
    row = session.execute(
        text(sql), {**params, "offset": offset, "limit": size + 1, "last": offset + size}
    ).one()
    return Rows(row[0], int(row[1]), bool(row[2]))


# --- services ---------------------------------------------------------------------------------

SERVICE_FIELDS = (
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
)
NOTE_PUBLIC = (
    "市が内容を確認してから地図に公開します。連絡先は公開されません。",
    "The city reviews each report before publishing it on the map; "
    "contact details are never published.",
)
NOTE_SENSITIVE = (
    "人や私有地に関わる通報のため、地図には公開されず、地区ごとの件数だけが公開されます。",
    "About people or private property: never shown on the map, only counted per area.",
)
SERVICES_ROWS = """SELECT row_number() OVER (ORDER BY c.sort_order, c.code) AS _n,
        c.code AS service_code,
        CASE WHEN :en THEN c.name_en ELSE c.name_ja END AS service_name,
        CASE WHEN :en THEN c.name_en || '. ' || CASE WHEN c.sensitive THEN :sensitive_en
            ELSE :public_en END
        ELSE c.name_ja || '。' || CASE WHEN c.sensitive THEN :sensitive_ja ELSE :public_ja END
        END AS description,
        true AS metadata,
        'realtime' AS type,
        concat_ws(', ', c.name_ja, c.name_en, c.code) AS keywords,
        CASE WHEN :en THEN coalesce(d.name_en, d.name) ELSE d.name END AS "group"
    FROM report_category c LEFT JOIN department d ON d.id = c.department_id
    WHERE c.active"""
SERVICES = _rows_json(SERVICES_ROWS, SERVICE_FIELDS)


def services(session: Session, en: bool) -> str:
    params = {
        "en": en,
        "public_ja": NOTE_PUBLIC[0],
        "public_en": NOTE_PUBLIC[1],
        "sensitive_ja": NOTE_SENSITIVE[0],
        "sensitive_en": NOTE_SENSITIVE[1],
    }
    return _page(session, SERVICES, params, 1, PAGE_SIZE_MAX).body


def active_service(session: Session, code: str) -> ReportCategory | None:
    found: ReportCategory | None = session.scalar(
        select(ReportCategory).where(ReportCategory.code == code, ReportCategory.active)
    )
    return found


# --- the jurisdiction ---------------------------------------------------------------------------


def jurisdiction_known(session: Session, value: str | None) -> bool:
    """This endpoint serves one city: its 地方公共団体コード or its host name, if given."""
    if not value or not value.strip():
        return True
    wanted = value.strip().lower().removeprefix("www.")
    host = (urlsplit(get_settings().public_url).hostname or "").lower().removeprefix("www.")
    if host and wanted == host:
        return True
    city = get_city(session)
    return city is not None and wanted == city.code


# --- query parameters -------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime


def known_codes(session: Session, codes: list[str]) -> None:
    found = set(
        session.scalars(
            text("SELECT code FROM report_category WHERE code = ANY(:codes)").bindparams(
                codes=codes
            )
        )
    )
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise Refused(
            f"service_code が不明です（{', '.join(unknown)}）。一覧は services.xml にあります。",
            f"unknown service_code {', '.join(unknown)}; see services.xml",
            status=400,
        )


# --- service requests -----------------------------------------------------------------------

REQUEST_FIELDS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
)
# A status change, or a public word without one: what the public history shows.
_PUBLIC_UPDATE = "(s.public_comment IS NOT NULL OR s.from_status IS DISTINCT FROM s.to_status)"
# The reporter's own words when reopening stay with staff; the public reads our sentence.
_UPDATE_TEXT = "CASE WHEN s.by_reporter THEN :reopen ELSE s.public_comment END"


@lru_cache(maxsize=32)
def _requests_sql(condition: str | None) -> str:
    # Only photos staff released and the reporter agreed to publish, as the photo route
    # serves them to anyone; the point of a line or area is a point on it.
    rows = f"""SELECT row_number() OVER (ORDER BY r.created_at DESC, r.id DESC) AS _n,
        r.public_id AS service_request_id,
        {_status_sql("r.status")} AS status,
        n.status_notes,
        CASE WHEN :en THEN c.name_en ELSE c.name_ja END AS service_name,
        c.code AS service_code,
        r.public_description AS description,
        CASE WHEN r.status = 'closed_not_responsible' THEN r.responsible_party
            WHEN :en THEN coalesce(d.name_en, d.name) ELSE d.name END AS agency_responsible,
        NULL::text AS service_notice,
        {_w3("r.created_at")} AS requested_datetime,
        {_w3("greatest(r.created_at, u.updated)")} AS updated_datetime,
        NULL::text AS expected_datetime,
        CASE WHEN :en THEN coalesce(x.name_en, x.name) ELSE x.name END AS address,
        NULL::text AS address_id,
        NULL::text AS zipcode,
        round(ST_Y(p.point)::numeric, 7)::float8 AS lat,
        round(ST_X(p.point)::numeric, 7)::float8 AS "long",
        (SELECT :base || '/api/reports/' || r.public_id || '/photos/' || a.id
            FROM attachment a
            WHERE a.subject_layer = 'report' AND a.subject_id = r.id
              AND a.is_public AND r.consent_publish AND a.public_key IS NOT NULL
            ORDER BY a.id LIMIT 1) AS media_url
    FROM {_visible_or_own(condition)} r
    JOIN report_category c ON c.id = r.category_id
    LEFT JOIN department d ON d.id = r.department_id
    LEFT JOIN district x ON x.id = r.district_id
    CROSS JOIN LATERAL (SELECT CASE WHEN GeometryType(r.geom) = 'POINT' THEN r.geom
        ELSE ST_PointOnSurface(r.geom) END AS point) p
    LEFT JOIN LATERAL (SELECT max(s.created_at) AS updated FROM report_status_change s
        WHERE s.report_id = r.id AND {_PUBLIC_UPDATE}) u ON true
    LEFT JOIN LATERAL (SELECT {_UPDATE_TEXT} AS status_notes FROM report_status_change s
        WHERE s.report_id = r.id AND s.public_comment IS NOT NULL
        ORDER BY s.created_at DESC, s.id DESC LIMIT 1) n ON true
    WHERE (CAST(:ids AS text[]) IS NOT NULL AND r.public_id = ANY(CAST(:ids AS text[])))
       OR (CAST(:ids AS text[]) IS NULL
           AND r.created_at >= :start AND r.created_at <= :end
           AND (CAST(:codes AS text[]) IS NULL OR c.code = ANY(CAST(:codes AS text[])))
           AND (CAST(:statuses AS text[]) IS NULL
                OR r.status = ANY(CAST(:statuses AS text[]))))
    ORDER BY r.created_at DESC, r.id DESC
    OFFSET :offset LIMIT :limit"""
    return _rows_json(rows, REQUEST_FIELDS)


@dataclass(frozen=True)
class RequestQuery:
    ids: list[str] | None = None  # overrides everything else
    codes: list[str] | None = None
    statuses: list[str] | None = None  # ours, from statuses()
    window: Window | None = None
    page: int = 1
    page_size: int = PAGE_SIZE_MAX
    tracking_token: str | None = None  # the reporter's: reads their own report


def service_requests(
    session: Session, actor: Actor, query: RequestQuery, en: bool, base: str
) -> Rows:
    """The reports this caller may read, as Open311 service requests, newest first; photo
    links (media_url) under ``base``, the service's public address."""
    sql = _requests_sql(_condition(actor))
    params: dict[str, object] = {
        "me": actor.user_id if can(actor, Action.report_read_own) else None,
        "token_hash": token_hash(query.tracking_token) if query.tracking_token else None,
        "ids": query.ids,
        "codes": query.codes,
        "statuses": query.statuses,
        "start": query.window.start if query.window else None,
        "end": query.window.end if query.window else None,
        "en": en,
        "base": base,
        "reopen": REOPEN_COMMENT,
    }
    return _page(session, sql, params, query.page, query.page_size)


def request_of_token(session: Session, token: str) -> str | None:
    """The service_request_id a reporter's tracking token belongs to (GET tokens/{token})."""
    found = session.execute(REQUEST_OF_TOKEN, {"token_hash": token_hash(token)}).scalar()
    return None if found is None else str(found)


REQUEST_OF_TOKEN = text("SELECT public_id FROM report WHERE tracking_token_hash = :token_hash")


UPDATE_FIELDS = (
    "update_id",
    "service_request_id",
    "status",
    "updated_datetime",
    "description",
    "media_url",
    "external_status_code",
)


@lru_cache(maxsize=32)
def _updates_sql(condition: str | None) -> str:
    # Internal notes are never selected; a change of department alone is no public update.
    rows = f"""SELECT row_number() OVER (ORDER BY s.created_at, s.id) AS _n,
        s.id::text AS update_id,
        r.public_id AS service_request_id,
        {_status_sql("s.to_status")} AS status,
        {_w3("s.created_at")} AS updated_datetime,
        {_UPDATE_TEXT} AS description,
        NULL::text AS media_url,
        {_case("s.to_status", EXTERNAL_STATUS)} AS external_status_code
    FROM report_status_change s
    JOIN {_visible(condition)} r ON r.id = s.report_id
    WHERE s.created_at >= :start AND s.created_at <= :end AND {_PUBLIC_UPDATE}
    ORDER BY s.created_at, s.id
    OFFSET :offset LIMIT :limit"""
    return _rows_json(rows, UPDATE_FIELDS)


def service_request_updates(
    session: Session, actor: Actor, span: Window, page: int, page_size: int
) -> Rows:
    """FixMyStreet's servicerequestupdates: status changes and public comments, oldest first."""
    sql = _updates_sql(_condition(actor))
    params: dict[str, object] = {"start": span.start, "end": span.end, "reopen": REOPEN_COMMENT}
    return _page(session, sql, params, page, page_size)
