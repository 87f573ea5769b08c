"""Open311 GeoReport v2 over machimap's reports: the status mapping, the statements that
build the answers (JSON or XML, both by PostgreSQL) and the checks on what clients send.

What an Open311 answer may show is decided the same way as everywhere else: the rows come
through ``row_filter`` of the "report" layer, the text is the moderated public description
(never what the reporter wrote), and no statement here selects a contact column.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from html.parser import HTMLParser
from urllib.parse import urlsplit

import shapely
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from layers.city.identity import get_city
from layers.policy import Actor, row_filter
from layers.registry import get_layer
from layers.reports.intake import Contact, NewReport
from layers.reports.model import (
    OPEN_STATUSES,
    LocationSource,
    ReportCategory,
    ReportSource,
    ReportStatus,
)
from layers.reports.tracking import REOPEN_COMMENT
from layers.store.base import TEXT_MAX
from layers.store.refusals import Refused
from layers.store.settings import get_settings

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this API last changed in a way clients should notice (discovery's changeset).
CHANGESET = "2026-11-23T00:00:00+09:00"
FORMATS = ("xml", "json")
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
    whens = " ".join(f"WHEN '{status}' THEN '{value}'" for status, value in mapping.items())
    return f"(CASE {column} {whens} END)"


def _status_sql(column: str) -> str:
    return _case(column, {s: open311_status(s) for s in ReportStatus})


# Japan keeps +09:00 all year; W3C datetimes with the offset, to the second.
def _w3(column: str) -> str:
    return f"""to_char({column} AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM-DD"T"HH24:MI:SS"+09:00"')"""


# --- rendering rows as JSON or XML, in the database --------------------------------------------

# XML 1.0 cannot carry these control characters at all, escaped or not.
_XML_INVALID = r"'[\x01-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]'"


def _render(rows: str, fields: Sequence[str], root: str, item: str, fmt: str) -> str:
    """A statement answering (body, count, more) for ``rows``, which yields the fields and
    ``_n``, the row's place in the whole answer: rows up to :last make this page, and
    ``more`` says that one beyond it exists (a next page)."""
    if fmt == "json":
        pairs = ", ".join(f"'{f}', t.\"{f}\"" for f in fields)
        value = f"json_build_object({pairs})"
        aggregate = f"json_agg({value} ORDER BY t._n) FILTER (WHERE t._n <= :last)"
        body = f"coalesce({aggregate}, '[]'::json)::text"
    else:
        children = ", ".join(
            f"xmlelement(name \"{f}\", regexp_replace(t.\"{f}\"::text, {_XML_INVALID}, '', 'g'))"
            for f in fields
        )
        aggregate = (
            f'xmlagg(xmlelement(name "{item}", {children}) ORDER BY t._n) '
            "FILTER (WHERE t._n <= :last)"
        )
        body = f'xmlelement(name "{root}", {aggregate})::text'
    return (
        f"SELECT {body}, count(*) FILTER (WHERE t._n <= :last), "
        f"coalesce(bool_or(t._n > :last), false) FROM ({rows}) t"
    )


def _visible(condition: str | None) -> str:
    """The reports a caller may read, as a derived table: ``condition`` is the policy's
    row_filter for the report layer (one of a few fixed texts, never input)."""
    return f"(SELECT * FROM report WHERE {condition or 'true'})"


def _condition(actor: Actor) -> str | None:
    return row_filter(actor, get_layer("report"))


@dataclass(frozen=True)
class Page:
    body: str
    count: int  # rows in this page
    more: bool  # another page follows


def _page(session: Session, sql: str, params: dict[str, object], page: int, size: int) -> Page:
    offset = (page - 1) * size
    row = session.execute(
        text(sql), {**params, "offset": offset, "limit": size + 1, "last": offset + size}
    ).one()
    return Page(row[0], int(row[1]), bool(row[2]))


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
SERVICES = {
    fmt: _render(SERVICES_ROWS, SERVICE_FIELDS, "services", "service", fmt) for fmt in FORMATS
}


def services(session: Session, fmt: str, en: bool) -> str:
    params = {
        "en": en,
        "public_ja": NOTE_PUBLIC[0],
        "public_en": NOTE_PUBLIC[1],
        "sensitive_ja": NOTE_SENSITIVE[0],
        "sensitive_en": NOTE_SENSITIVE[1],
    }
    return _page(session, SERVICES[fmt], params, 1, PAGE_SIZE_MAX).body


def active_service(session: Session, code: str) -> ReportCategory | None:
    found: ReportCategory | None = session.scalar(
        select(ReportCategory).where(ReportCategory.code == code, ReportCategory.active)
    )
    return found


CONSENT = "consent_publish"
TRUE_VALUES, FALSE_VALUES = ("true", "1", "yes"), ("false", "0", "no", "")


def service_definition(code: str, en: bool) -> dict[str, object]:
    """Every service asks the same optional question: may the photos the reporter adds
    later (through their API token) be published after review."""
    return {
        "service_code": code,
        "attributes": [
            {
                "variable": True,
                "code": CONSENT,
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": None,
                "order": 1,
                "description": (
                    "May the city publish the photos you add to this report, after review?"
                    if en
                    else "この通報に追加する写真を、市の確認後に公開してよいですか。"
                ),
                "values": [
                    {"key": "true", "name": "Yes" if en else "はい"},
                    {"key": "false", "name": "No" if en else "いいえ"},
                ],
            }
        ],
    }


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


# "+09:00" written unencoded in a query string arrives as " 09:00".
_PLUS_AS_SPACE = re.compile(r" (\d\d:?\d\d)$")


def w3_datetime(value: str, name: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(_PLUS_AS_SPACE.sub(r"+\1", value.strip()))
    except ValueError:
        raise Refused(
            f"{name} は W3C 形式の日時で指定してください（例: 2010-05-24T00:00:00Z）。",
            f"{name} must be a W3C datetime, e.g. 2010-05-24T00:00:00Z",
            status=400,
        ) from None
    if parsed.tzinfo is None:
        raise Refused(
            f"{name} にはタイムゾーン（Z や +09:00）を付けてください。",
            f"{name} needs a time zone (Z or +09:00)",
            status=400,
        )
    return parsed


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime


def window(start: str | None, end: str | None, now: datetime) -> Window:
    """start_date/end_date: at most 90 days apart; a missing end is 90 days after the start,
    a missing start 90 days before the end, and neither: the last 90 days."""
    first = w3_datetime(start, "start_date") if start else None
    last = w3_datetime(end, "end_date") if end else None
    if first is None and last is None:
        last = now
    if first is None:
        assert last is not None
        first = last - MAX_WINDOW
    if last is None:
        last = first + MAX_WINDOW
    if last < first:
        raise Refused(
            "end_date が start_date より前です。",
            "end_date is before start_date",
            status=400,
        )
    if last - first > MAX_WINDOW:
        raise Refused(
            "start_date と end_date の間は90日以内にしてください。",
            "start_date and end_date may be at most 90 days apart",
            status=400,
        )
    return Window(first, last)


def comma_list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def statuses(value: str | None) -> list[str] | None:
    """Our statuses behind an Open311 status filter (open, closed or both); None: all."""
    wanted = comma_list(value)
    unknown = [v for v in wanted if v not in (OPEN, CLOSED)]
    if unknown:
        raise Refused(
            f"status は open か closed で指定してください（{', '.join(unknown)}）。",
            f"status must be open or closed, not {', '.join(unknown)}",
            status=400,
        )
    if not wanted:
        return None
    return [s for o in sorted(set(wanted)) for s in statuses_for(o)]


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
def _requests_sql(condition: str | None, fmt: str) -> str:
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
              AND a.is_public AND r.consent_publish
            ORDER BY a.id LIMIT 1) AS media_url
    FROM {_visible(condition)} r
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
    return _render(rows, REQUEST_FIELDS, "service_requests", "request", fmt)


@dataclass(frozen=True)
class RequestQuery:
    ids: list[str] | None = None  # overrides everything else
    codes: list[str] | None = None
    statuses: list[str] | None = None  # ours, from statuses()
    window: Window | None = None
    page: int = 1
    page_size: int = PAGE_SIZE_MAX


def service_requests(
    session: Session, actor: Actor, query: RequestQuery, fmt: str, en: bool
) -> Page:
    """The reports this caller may read, as Open311 service requests, newest first."""
    sql = _requests_sql(_condition(actor), fmt)
    params: dict[str, object] = {
        "ids": query.ids,
        "codes": query.codes,
        "statuses": query.statuses,
        "start": query.window.start if query.window else None,
        "end": query.window.end if query.window else None,
        "en": en,
        "base": get_settings().public_url.rstrip("/"),
        "reopen": REOPEN_COMMENT,
    }
    return _page(session, sql, params, query.page, query.page_size)


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
def _updates_sql(condition: str | None, fmt: str) -> str:
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
    return _render(rows, UPDATE_FIELDS, "service_request_updates", "request_update", fmt)


def service_request_updates(
    session: Session, actor: Actor, span: Window, fmt: str, page: int, page_size: int
) -> Page:
    """FixMyStreet's servicerequestupdates: status changes and public comments, oldest first."""
    sql = _updates_sql(_condition(actor), fmt)
    params: dict[str, object] = {"start": span.start, "end": span.end, "reopen": REOPEN_COMMENT}
    return _page(session, sql, params, page, page_size)


# --- POST requests --------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]{1,100})\](\[\])?$")


class _PlainText(HTMLParser):
    """The text of a description that came with markup (the spec allows none)."""

    SKIP = frozenset({"script", "style"})
    BREAKS = frozenset({"br", "p", "div", "li", "tr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def plain_text(value: str) -> str:
    parser = _PlainText()
    parser.feed(value.replace("\r\n", "\n"))
    parser.close()
    return _CONTROL.sub("", "".join(parser.parts)).strip()


def attributes(form: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    """attribute[code]=v and attribute[code][]=v (several values) from the form."""
    found: dict[str, list[str]] = {}
    for key, value in form:
        match = _ATTRIBUTE.match(key)
        if match:
            found.setdefault(match.group(1), []).append(value)
    return found


def _coordinate(value: str | None, name: str, limit: float) -> float:
    try:
        number = float(value or "")
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or not -limit <= number <= limit:
        raise Refused(
            f"{name} は {-limit:g}〜{limit:g} の数値で指定してください。",
            f"{name} must be a number from {-limit:g} to {limit:g}",
            status=400,
        )
    return number


def _consent(values: list[str] | None) -> bool:
    value = (values or [""])[-1].strip().lower()
    if value in TRUE_VALUES:
        return True
    if value in FALSE_VALUES:
        return False
    raise Refused(
        f"attribute[{CONSENT}] は true か false で指定してください。",
        f"attribute[{CONSENT}] must be true or false",
        status=400,
    )


def new_report(
    session: Session, form: Mapping[str, str], attrs: Mapping[str, list[str]], reporter: int
) -> NewReport:
    """An Open311 POST as machimap's NewReport. The location must be lat/long: machimap does
    not geocode, so an address alone cannot place the report. media_url is never fetched
    (the server would fetch any URL a client names), so it is not taken in."""
    code = (form.get("service_code") or "").strip()
    if not code:
        raise Refused("service_code を指定してください。", "service_code is required", status=400)
    category = active_service(session, code)
    if category is None:
        known_codes(session, [code])  # names the code in its refusal
        raise Refused(
            f"service_code「{code}」は受け付けていません。",
            f"service_code {code!r} is not accepted now",
            status=400,
        )
    if not (form.get("lat") or "").strip() or not (form.get("long") or "").strip():
        raise Refused(
            "場所は lat と long（緯度・経度）で指定してください。"
            "住所（address_string / address_id）からの位置の特定には対応していません。",
            "give the location as lat and long; machimap does not geocode "
            "address_string or address_id",
            status=400,
        )
    lat = _coordinate(form.get("lat"), "lat", 90)
    lon = _coordinate(form.get("long"), "long", 180)
    description = plain_text(form.get("description") or "")
    if len(description) > TEXT_MAX:
        raise Refused(
            f"description は{TEXT_MAX}文字以内にしてください（{len(description)}文字）。",
            f"description is longer than {TEXT_MAX} characters ({len(description)})",
            status=400,
        )
    # The spec makes description optional; the report then says what kind it is.
    description = description or category.name_ja
    address = plain_text(form.get("address_string") or "")[:200]
    if address:
        with_address = f"{description}\n\n場所の説明: {address}"
        if len(with_address) <= TEXT_MAX:
            description = with_address
    name = " ".join(
        part for part in (form.get("last_name"), form.get("first_name")) if part and part.strip()
    )
    return NewReport(
        category=category.code,
        description=description,
        geometry=shapely.Point(lon, lat),
        location_source=LocationSource.other,
        contact=Contact(name or None, form.get("email"), form.get("phone")),
        consent_publish=_consent(attrs.get(CONSENT)),
        source=ReportSource.open311,
        reporter_user_id=reporter,
    )
