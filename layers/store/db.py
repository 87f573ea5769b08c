"""The one engine and session factory, for the configured or the embedded database."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any
from weakref import WeakKeyDictionary

import psycopg
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

from layers.store.audited import AuditActor, bind
from layers.store.embedded import EmbeddedCluster
from layers.store.settings import Settings, get_settings


def embedded_cluster(settings: Settings | None = None) -> EmbeddedCluster:
    s = settings or get_settings()
    return EmbeddedCluster(s.data_dir, s.pg_bindir, s.pg_user)


def _with_driver(url: str) -> str:
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def database_url(settings: Settings | None = None, *, start: bool = True) -> str:
    """The URL the service connects with: DATABASE_URL when set; otherwise the embedded
    cluster's application role (migration 0007), the cluster started on demand."""
    s = settings or get_settings()
    if s.database_url:
        return _with_driver(s.database_url)
    cluster = embedded_cluster(s)
    if start:
        cluster.start()
    return cluster.app_url()


def owner_url(settings: Settings | None = None, *, start: bool = True) -> str:
    """The URL migrations, backups and the operator's bulk commands run as: the schema's
    owner (MACHIMAP_MIGRATION_URL, else DATABASE_URL, else the embedded cluster's)."""
    s = settings or get_settings()
    if s.migration_url or s.database_url:
        return _with_driver(s.migration_url or s.database_url or "")
    cluster = embedded_cluster(s)
    return cluster.start() if start else cluster.url()


def session_options(settings: Settings | None = None) -> str:
    """Server settings every connection carries; the boundary tolerance is read by the
    district-assignment trigger. JIT is off: PostGIS functions carry high planner costs, so
    short map queries crossed the JIT threshold and spent ~350 ms compiling to save ~1 ms.
    Prepared statements are planned for each execution's values: after five runs PostgreSQL
    may switch to a generic plan that cannot see a tile envelope or bbox (on 1,000,000
    points a z10 tile went from ~0.1 s to ~8 s, a city-wide items page from 0.2 s to 2 s)."""
    s = settings or get_settings()
    return (
        f"-c statement_timeout={s.statement_timeout_ms} "
        f"-c machimap.boundary_tolerance_m={s.boundary_tolerance_m} "
        "-c jit=off -c plan_cache_mode=force_custom_plan"
    )


def libpq_url(url: str) -> str:
    """The same URL without SQLAlchemy's driver suffix, for psycopg and psql."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def psycopg_connect(url: str | None = None, **kwargs: Any) -> psycopg.Connection[Any]:
    """A plain psycopg connection (COPY, bulk SQL) with the same session settings; without
    a URL, to the service's database where it is now."""
    target = url or live_url(get_engine())
    return psycopg.connect(libpq_url(target), options=session_options(), **kwargs)


def make_engine(url: str, settings: Settings | None = None) -> Engine:
    return create_engine(
        url, pool_pre_ping=True, connect_args={"options": session_options(settings)}
    )


# Engines whose database may move: the embedded cluster comes back on another port when its
# old one is taken while it is down. New connections (and the tile pool, the version
# listener) ask this for the address as it is now, so a running server follows the cluster.
_live_urls: WeakKeyDictionary[Engine, Callable[[], str]] = WeakKeyDictionary()


def live_url(engine: Engine) -> str:
    """The engine's database URL as it is now (with the password)."""
    follow = _live_urls.get(engine)
    return follow() if follow else engine.url.render_as_string(hide_password=False)


def _follow_cluster(engine: Engine, cluster: EmbeddedCluster) -> None:
    def now() -> str:
        return cluster.app_url()

    @event.listens_for(engine, "do_connect")
    def _where_it_is_now(dialect: Any, record: Any, cargs: Any, cparams: dict[str, Any]) -> None:
        current = make_url(now())
        cparams.update(host=current.host, port=current.port, password=current.password)

    _live_urls[engine] = now


_first_engine = threading.Lock()


def get_engine() -> Engine:
    # The first requests of a new worker arrive on several threads at once: one of them
    # makes the engine (and checks the embedded cluster), the others wait and share it.
    with _first_engine:
        return _engine()


@lru_cache
def _engine() -> Engine:
    settings = get_settings()
    if settings.database_url:
        return make_engine(database_url(settings))
    cluster = embedded_cluster(settings)
    cluster.start()
    engine = make_engine(cluster.app_url(), settings)
    _follow_cluster(engine, cluster)
    return engine


@lru_cache
def _factory() -> sessionmaker[Session]:
    return sessionmaker(get_engine(), expire_on_commit=False)


@contextmanager
def session_scope(actor: AuditActor | None = None) -> Iterator[Session]:
    """A unit of work: commits on success, rolls back on any error. With an actor, every
    row it writes is audited under that actor's name."""
    session = bind(_factory()(), actor)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def reset_caches() -> None:
    """Forget the engine (tests and the CLI switch databases)."""
    if _engine.cache_info().currsize:
        _engine().dispose()
    _engine.cache_clear()
    _factory.cache_clear()
    get_settings.cache_clear()
