"""Schema migrations (Alembic), driven from code so no alembic.ini is needed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, create_engine, pool, text

from layers.schema.losses import Counted, Loss
from layers.store.refusals import Refused

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


@dataclass(frozen=True)
class Downgrade:
    """What undoing migrations down to ``target`` does to one database: the revisions undone
    (newest first) and, counted on it, what their downgrades would lose or cannot keep."""

    database: str
    current: str | None
    target: str | None  # None: base, the schema gone entirely
    undone: tuple[str, ...]
    lost: tuple[Counted, ...]
    blocked: tuple[Counted, ...]

    @property
    def drops_schema(self) -> bool:
        return self.target is None and bool(self.undone)

    def refusal(self, force: bool) -> Refused | None:
        """Why this downgrade must not run: rows it cannot keep (always), or data it would
        lose (unless forced); None when it may."""
        to = self.target or "base"
        if self.blocked:
            return Refused(
                f"{to} へ戻せません。次の行が戻した先のスキーマに合いません:\n"
                + _lines(c.line_ja() for c in self.blocked)
                + "\n何も変更していません。--force でも戻せません。"
                "先にこれらの行を直してください。",
                f"cannot downgrade to {to}: these rows do not fit the schema it goes back to:\n"
                + _lines(c.line_en() for c in self.blocked)
                + "\nNothing was changed. --force does not help: fix these rows first.",
                status=409,
                blocked=[c.as_dict() for c in self.blocked],
            )
        if self.lost and not force:
            return Refused(
                f"{to} へ戻すと次のデータが失われます:\n"
                + _lines(c.line_ja() for c in self.lost)
                + "\n何も変更していません。失ってよい場合は --force を付けて実行してください。",
                f"downgrading to {to} would lose data:\n"
                + _lines(c.line_en() for c in self.lost)
                + "\nNothing was changed. To go ahead and lose it, run again with --force.",
                status=409,
                lost=[c.as_dict() for c in self.lost],
            )
        return None


def _lines(lines: Iterable[str]) -> str:
    return "\n".join(f"  {line}" for line in lines)


def plan_downgrade(url: str, revision: str) -> Downgrade:
    """What ``downgrade(url, revision)`` would undo and lose, counted now; changes nothing."""
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return _plan(conn, revision)
    finally:
        engine.dispose()


def downgrade(url: str, revision: str, *, force: bool = False) -> Downgrade:
    """Undo migrations down to ``revision`` (an id, "-N", or "base" for an empty schema) in
    one transaction. Each undone revision's ``LOSES`` is counted first, with its tables
    locked until the commit, so what is returned is exactly what was lost. Refused, with
    nothing changed, when a downgrade cannot keep some rows or, unless ``force``, when it
    would lose data."""
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            plan = _plan(conn, revision, lock=True)
            refusal = plan.refusal(force)
            if refusal is not None:
                raise refusal
            if plan.undone:
                cfg = alembic_config(url)
                # In this transaction: Alembic runs every step in it (env.py), all or none.
                cfg.attributes["connection"] = conn
                command.downgrade(cfg, plan.target or "base")
        return plan
    finally:
        engine.dispose()


def _plan(conn: Connection, revision: str, lock: bool = False) -> Downgrade:
    scripts = ScriptDirectory(str(MIGRATIONS))
    current = MigrationContext.configure(conn).get_current_revision()
    chain = _below(scripts, current)
    target = _target(scripts, chain, current, revision)
    undone = chain[: [s.revision for s in chain].index(target)] if target else chain
    declared = [(s.revision, loss) for s in undone for loss in _declared(s)]
    if lock and declared:
        tables = sorted({t for _, loss in declared for t in loss.tables})
        conn.execute(text(f"LOCK TABLE {', '.join(tables)} IN ACCESS EXCLUSIVE MODE"))
    counted = [
        Counted(rev, loss, int(conn.execute(text(loss.count)).scalar_one()))
        for rev, loss in declared
    ]
    return Downgrade(
        database=str(conn.execute(text("SELECT current_database()")).scalar_one()),
        current=current,
        target=target,
        undone=tuple(s.revision for s in undone),
        lost=tuple(c for c in counted if c.count and not c.loss.blocks),
        blocked=tuple(c for c in counted if c.count and c.loss.blocks),
    )


def _below(scripts: ScriptDirectory, current: str | None) -> list[Script]:
    """The current revision and every one below it, newest first."""
    chain: list[Script] = []
    rev = current
    while rev is not None:
        try:
            script = scripts.get_revision(rev)
        except CommandError as exc:
            raise Refused(
                f"データベースはこのコードの知らないリビジョン {rev} にあります。"
                "それを作ったコードで戻してください。",
                f"the database is at revision {rev}, which this code does not know; "
                "downgrade it with the code that made it",
            ) from exc
        chain.append(script)
        down = script.down_revision
        if not (down is None or isinstance(down, str)):
            raise Refused(
                f"リビジョン {rev} は枝を合わせたものです。alembic で直接戻してください。",
                f"revision {rev} merges branches; downgrade it with alembic itself",
            )
        rev = down
    return chain


def _target(
    scripts: ScriptDirectory, chain: list[Script], current: str | None, revision: str
) -> str | None:
    """The revision to stop at (None: base), which must be the current one or below it."""
    if revision == "base":
        return None
    if revision.startswith("-") and revision[1:].isdigit():
        steps = int(revision[1:])
        if steps > len(chain):
            raise Refused(
                f"{steps} 段も戻せません（現在 {current or '空'}）。",
                f"cannot go {steps} revisions down from {current or 'an empty schema'}",
            )
        return chain[steps].revision if steps < len(chain) else None
    try:
        target = scripts.get_revision(revision)
    except CommandError as exc:
        raise Refused(
            f"リビジョン {revision} はありません。", f"no revision {revision!r}: {exc}"
        ) from exc
    if target is None or target.revision not in [s.revision for s in chain]:
        raise Refused(
            f"{revision} は現在のリビジョン（{current or '空'}）より前ではありません。"
            "進めるには machimap db upgrade を使ってください。",
            f"{revision} is not at or below the current revision ({current or 'empty'}); "
            "to go forward use machimap db upgrade",
        )
    return target.revision


def _declared(script: Script) -> list[Loss]:
    losses = getattr(script.module, "LOSES", None)
    if not isinstance(losses, list):
        raise Refused(
            f"リビジョン {script.revision} は downgrade で失うものを宣言していません（LOSES）。"
            "何も変更していません。",
            f"revision {script.revision} does not declare what its downgrade loses (LOSES); "
            "nothing was changed",
        )
    return losses


def head_revision() -> str | None:
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def database_status(engine: Engine) -> dict[str, str | None]:
    """The server's PostgreSQL and PostGIS versions and the schema revision it holds."""
    with engine.connect() as conn:
        postgres = conn.execute(text("SHOW server_version")).scalar_one()
        postgis = conn.execute(text("SELECT postgis_lib_version()")).scalar_one()
        revision = MigrationContext.configure(conn).get_current_revision()
    return {"postgres": postgres, "postgis": postgis, "migration": revision}
