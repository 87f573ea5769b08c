"""Reading one cell as a field's value, the way cities write them: full-width digits and
thousands separators, ○ and 有 for yes, Excel serial dates, 2024/05/01, local time without
an offset. A value that cannot be read is a RowError naming the field, in both languages."""

from __future__ import annotations

import math
import unicodedata
from datetime import UTC, date, datetime, timedelta
from typing import Any

from layers.registry import Field
from layers.store.refusals import Refused

TRUTHY = {"○", "◯", "〇", "1", "有", "あり", "true", "yes", "y", "t", "✓", "●"}
EXCEL_EPOCH = date(1899, 12, 30)
JST = timedelta(hours=9)
# A cell quoted in a reason is cut here: a reason is read on a screen and in the rejects
# file, and a runaway cell (a quote never closed) can be a megabyte long.
QUOTED = 80


class ImportRefused(Refused):
    """The import as a whole is refused (bad options, unreadable file); nothing changed."""


class RowError(ValueError):
    def __init__(self, ja: str, en: str):
        super().__init__(en)
        self.ja, self.en = ja, en


def text_of(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    text = str(value).strip()
    return text or None


def shown(text: str) -> str:
    """A cell as a reason quotes it."""
    return text if len(text) <= QUOTED else text[:QUOTED] + "…"


def number_text(raw: str) -> str:
    # "32,500 " and full-width digits are common in city spreadsheets.
    return unicodedata.normalize("NFKC", raw).replace(",", "").replace(" ", "")


def convert(f: Field, value: Any) -> Any:
    text = text_of(value)
    if text is None:
        if f.required:
            raise RowError(f"「{f.title_ja}」が空です", f"'{f.name}' is required")
        return None
    try:
        if f.type == "string":
            if f.choices is not None and text not in {c.value for c in f.choices}:
                allowed = ", ".join(c.value for c in f.choices)
                raise RowError(
                    f"「{f.title_ja}」の値 {shown(text)!r} は使えません（{allowed}）",
                    f"'{f.name}' has unknown value {shown(text)!r} (allowed: {allowed})",
                )
            return text
        if f.type == "integer":
            number = float(number_text(text))
            if not number.is_integer():
                raise ValueError(text)
            return int(number)
        if f.type == "number":
            number = float(number_text(text))
            if not math.isfinite(number):
                raise ValueError(text)
            return number
        if f.type == "boolean":
            return text.lower() in TRUTHY
        if f.type == "date":
            return _parse_date(text)
        if f.type == "datetime":
            return _parse_datetime(text)
        if f.type == "string[]":
            return [part.strip() for part in text.replace("；", ";").split(";") if part.strip()]
    except RowError:
        raise
    except (ValueError, OverflowError):
        kind = {"integer": "整数", "number": "数値", "date": "日付", "datetime": "日時"}.get(
            f.type, f.type
        )
        raise RowError(
            f"「{f.title_ja}」の値 {shown(text)!r} は{kind}として読めません",
            f"'{f.name}' value {shown(text)!r} is not a valid {f.type}",
        ) from None
    raise AssertionError(f.type)


def _parse_date(text: str) -> date:
    normalized = number_text(text).replace("/", "-").replace(".", "-")
    if normalized.isdigit() and len(normalized) <= 5:  # Excel serial date
        return EXCEL_EPOCH + timedelta(days=int(normalized))
    return date.fromisoformat(normalized[:10])


def _parse_datetime(text: str) -> datetime:
    normalized = unicodedata.normalize("NFKC", text).replace("/", "-")
    try:
        parsed = datetime.fromisoformat(normalized)
    except ValueError:
        parsed = datetime.combine(_parse_date(normalized), datetime.min.time())
    if parsed.tzinfo is None:  # Japanese open data gives local time without an offset
        parsed = parsed.replace(tzinfo=UTC) - JST
    return parsed
