"""What a downgrade would destroy, declared as data next to each migration's downgrade()
(a module-level ``LOSES`` list in every version file) and counted on the live database
before anything is undone (layers.schema.migrate.downgrade).

A loss counts what would be gone: the non-null (or non-default) values of a dropped column,
the rows of a dropped table, the values a narrowed column cannot keep. Some downgrades
cannot run at all while certain rows exist (a unique key or a foreign key they restore
would be violated); those are declared with ``blocks=True`` and refuse even when forced.
"""

from __future__ import annotations

from dataclasses import dataclass

# (Japanese, English): what follows once it is gone.
Words = tuple[str, str]
# (Japanese, English for one, English for more): what is counted.
Noun = tuple[str, str, str]

VALUES: Noun = ("値", "value", "values")
ROWS: Noun = ("行", "row", "rows")
NOTHING: Words = ("", "")


@dataclass(frozen=True)
class Loss:
    what: str  # the table, or table.column, as an operator finds it in psql
    count: str  # one SQL query answering one number: how much would be lost (0: nothing)
    tables: tuple[str, ...]  # held locked from the count until the downgrade commits
    noun: Noun = VALUES
    then: Words = NOTHING  # what follows once it is gone, when that is worse than the loss
    blocks: bool = False  # the downgrade cannot run while count > 0; force does not help


def column_values(
    table: str, name: str, *, default: str | None = None, then: Words = NOTHING
) -> Loss:
    """A dropped column: its non-null values, or those other than ``default`` (an SQL
    literal) when every row has one and upgrading again gives every row the default."""
    kept = f"{name} IS NOT NULL" if default is None else f"{name} IS DISTINCT FROM {default}"
    return Loss(
        f"{table}.{name}", f"SELECT count(*) FROM {table} WHERE {kept}", (table,), then=then
    )


def table_rows(name: str, *, where: str = "true", then: Words = NOTHING) -> Loss:
    """A dropped table: its rows (those matching ``where``, when only they hold anything)."""
    return Loss(name, f"SELECT count(*) FROM {name} WHERE {where}", (name,), ROWS, then)


def blocker(what: str, count: str, tables: tuple[str, ...], noun: Noun, why: Words) -> Loss:
    """Rows the downgrade cannot keep and cannot run with: ``why`` says what it restores."""
    return Loss(what, count, tables, noun, why, blocks=True)


@dataclass(frozen=True)
class Counted:
    """One declared loss as found on the database."""

    revision: str
    loss: Loss
    count: int

    def line_ja(self) -> str:
        noun, then = self.loss.noun[0], self.loss.then[0]
        return f"{self.loss.what}: {noun} {self.count} 件" + (f"（{then}）" if then else "")

    def line_en(self) -> str:
        noun, then = self.loss.noun[1 if self.count == 1 else 2], self.loss.then[1]
        return f"{self.loss.what}: {self.count} {noun}" + (f" — {then}" if then else "")

    def as_dict(self) -> dict[str, str | int]:
        return {"revision": self.revision, "what": self.loss.what, "count": self.count}
