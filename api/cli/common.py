"""What every `machimap` command shares: the command groups, failing with both messages,
the database URL, one unit of work, and a table for the terminal."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import NoReturn

import typer
from sqlalchemy.orm import Session

from layers.schema import migrate
from layers.store.db import owner_url, session_scope
from layers.store.embedded import EmbeddedError
from layers.store.refusals import Refused

app = typer.Typer(
    help="machimap — 協働のまちづくりのための地図サービス / community mapping for cities",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(
    help="The database (embedded PostGIS unless DATABASE_URL is set).", no_args_is_help=True
)
city_app = typer.Typer(help="The city this instance serves.", no_args_is_help=True)
user_app = typer.Typer(
    help="Accounts: residents, staff and administrators (アカウント).", no_args_is_help=True
)
department_app = typer.Typer(help="The city's departments (部署).", no_args_is_help=True)
outbox_app = typer.Typer(
    help="Notifications waiting to be sent (送信待ちの通知).", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(city_app, name="city")
app.add_typer(user_app, name="user")
app.add_typer(department_app, name="department")
app.add_typer(outbox_app, name="outbox")
media_app = typer.Typer(help="Stored photo files.", no_args_is_help=True)
app.add_typer(media_app, name="media")


def fail(message_ja: str, message_en: str, code: int = 1) -> NoReturn:
    typer.echo(f"エラー: {message_ja}\nerror: {message_en}", err=True)
    raise typer.Exit(code)


def database() -> str:
    """The owner's URL: the operator's commands migrate, import and load as the schema's
    owner; the service connects as the application role (layers.store.db.database_url)."""
    try:
        return owner_url()
    except EmbeddedError as exc:
        fail("データベースを起動できません。", str(exc))
        raise  # unreachable; fail() exits


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """One transaction on the migrated database. A refusal from the data layer rolls it back
    and ends the command with both of its messages."""
    migrate.upgrade(database())
    try:
        with session_scope() as session:
            yield session
    except Refused as exc:
        fail(exc.message_ja, exc.message_en)


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    def width(text: str) -> int:
        # Kanji and kana take two cells in a terminal; len() would misalign the columns.
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

    widths = [max(width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        cells = [cell + " " * (w - width(cell)) for cell, w in zip(row, widths, strict=True)]
        typer.echo("  ".join(cells).rstrip())


def yes(flag: bool) -> str:
    return "yes" if flag else "no"
