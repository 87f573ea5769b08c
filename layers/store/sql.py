"""Small builders the named statements share: quoting the few trusted words that are written
into SQL text (registry names, our own constants; values a caller sends are always bound),
and the one count-plus-page of a listing."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from layers.store.refusals import Refused

T = TypeVar("T")
BIGINT_MAX = 2**63 - 1


def literal(text: str) -> str:
    """A SQL string literal of trusted text (a field name, a table name, a label)."""
    return "'" + text.replace("'", "''") + "'"


def identifier(name: str) -> str:
    """A quoted SQL identifier (a registry table or column name)."""
    return '"' + name.replace('"', '""') + '"'


def for_pyformat(sql: str) -> str:
    """Trusted SQL (a registry condition, a policy filter) placed in a statement that psycopg
    formats with %(name)s parameters: its own % signs must not be read as placeholders."""
    return sql.replace("%", "%%")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    matched: int  # rows of the whole listing, for numberMatched and the next link


def counted_page(
    session: Session, query: Select[Any], limit: int, offset: int, *, scalars: bool = False
) -> Page[Any]:
    """One page of ``query`` (already ordered) and how many rows the whole listing has.
    ``scalars``: the page holds the first column's values (ORM objects) rather than rows."""
    matched = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    paged = query.limit(limit).offset(offset)
    rows: Sequence[Any] = session.scalars(paged).all() if scalars else session.execute(paged).all()
    return Page(list(rows), int(matched or 0))


_DECIMAL = re.compile(r"[0-9]{1,19}")


def id_of(text: str) -> int | None:
    """A row id written in a URL: ASCII digits that fit a bigint; None for anything else
    (str.isdigit() also takes "³" and "٣", which int() then refuses)."""
    if not _DECIMAL.fullmatch(text):
        return None
    number = int(text)
    return number if number <= BIGINT_MAX else None


def find_row(
    session: Session,
    model: type[T],
    row_id: int | str,
    what_ja: str,
    what_en: str,
    *,
    lock: bool = False,
) -> T:
    """The row ``row_id`` of ``model`` (an id from a URL, still text or already a number),
    locked FOR UPDATE when ``lock``; a clear 404 when there is none (also when it was deleted
    since the caller last saw it)."""
    number = row_id if isinstance(row_id, int) else id_of(row_id)
    row = None
    if number is not None and 0 < number <= BIGINT_MAX:
        row = session.get(model, number, with_for_update=True if lock else None)
    if row is None:
        shown = row_id if isinstance(row_id, int) else repr(row_id)
        raise Refused(f"{what_ja} {row_id} はありません。", f"no {what_en} {shown}", status=404)
    return row
