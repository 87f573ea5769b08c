"""The city's calendar: today where the city is (a deadline passes at midnight in the city,
not in UTC) and the 年度 (fiscal year, April to the following March) plans and registers
count in."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from layers.store.settings import Settings, get_settings


def city_today(settings: Settings | None = None) -> date:
    return datetime.now(ZoneInfo((settings or get_settings()).city_time_zone)).date()


def fiscal_year(day: date) -> int:
    """The 年度 a day falls in: April to the following March."""
    return day.year if day.month >= 4 else day.year - 1


def this_fiscal_year() -> int:
    return fiscal_year(city_today())
