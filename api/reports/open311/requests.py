"""What Open311 clients send, read and checked: the query parameters of the GET answers
(W3C datetimes, the 90-day window, comma lists, open/closed) and the form of a POST, which
becomes machimap's NewReport. Every mistake is a 400 in the spec's error format."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from html.parser import HTMLParser

import shapely
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from api.reports.open311.formats import CONSENT
from layers.reports.intake import Contact, NewReport
from layers.reports.model import LocationSource, ReportSource
from layers.reports.open311 import (
    CLOSED,
    MAX_WINDOW,
    OPEN,
    Window,
    active_service,
    known_codes,
    statuses_for,
)
from layers.store.base import TEXT_MAX
from layers.store.refusals import Refused

TRUE_VALUES, FALSE_VALUES = ("true", "1", "yes"), ("false", "0", "no", "")


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


class ServiceRequestFields(BaseModel):
    """The fields of an Open311 POST requests form, as the spec lists them; read by
    new_report() above (attribute[code] fields are the service definition's)."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "api_key": "mm_…",
                    "service_code": "road_damage",
                    "lat": 34.8669,
                    "long": 138.3187,
                    "description": "歩道の舗装がはがれて段差になっています。",
                }
            ]
        },
    )

    api_key: str = Field(max_length=200, description="write 権限の API トークン / a write token")
    service_code: str = Field(max_length=40)
    lat: float = Field(ge=-90, le=90)
    long: float = Field(ge=-180, le=180)
    jurisdiction_id: str | None = Field(default=None, max_length=200)
    address_string: str | None = Field(default=None, max_length=1000)
    description: str | None = Field(default=None, max_length=TEXT_MAX)
    email: str | None = Field(default=None, max_length=254)
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=40)
    device_id: str | None = Field(default=None, max_length=200)
    account_id: str | None = Field(default=None, max_length=200)
    media_url: str | None = Field(default=None, max_length=2000)
