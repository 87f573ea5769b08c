"""Tests run against a real PostGIS the suite starts itself (the embedded cluster under
.machimap-test/). Each test gets its own database, cloned from a migrated template, so tests
never see each other's rows and commits are real."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from layers.schema import migrate
from layers.store.db import libpq_url, make_engine, reset_caches
from layers.store.embedded import EmbeddedCluster

ROOT = Path(__file__).resolve().parents[1]
# Under pytest-xdist each worker runs its own cluster: one cluster's templates and
# databases are not built for two sessions at once.
TEST_DATA_DIR = Path(
    os.environ.get("MACHIMAP_TEST_DATA_DIR", ROOT / ".machimap-test")
) / os.environ.get("PYTEST_XDIST_WORKER", "")
DEMO_DATA = ROOT / "layers" / "demo" / "data" / "yaizu"
TEMPLATE = "mm_template"
DEMO_TEMPLATE = "mm_demo_template"


@pytest.fixture(scope="session")
def cluster() -> Iterator[EmbeddedCluster]:
    c = EmbeddedCluster(TEST_DATA_DIR)
    c.start()
    yield c
    c.stop()


def _admin(cluster: EmbeddedCluster) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(cluster.admin_conninfo(), autocommit=True)


def _recreate(cluster: EmbeddedCluster, name: str, template: str | None = None) -> str:
    with _admin(cluster) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        suffix = f' TEMPLATE "{template}"' if template else ""
        conn.execute(f'CREATE DATABASE "{name}"{suffix}')
    return cluster.url(name)


@pytest.fixture(scope="session")
def template_url(cluster: EmbeddedCluster) -> str:
    url = _recreate(cluster, TEMPLATE)
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="session")
def demo_media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The photo files the demo city's rows refer to (its safety map's photos)."""
    return tmp_path_factory.mktemp("demo-media")


@pytest.fixture(scope="session")
def demo_template_url(cluster: EmbeddedCluster, template_url: str, demo_media: Path) -> str:
    from layers.demo.load import load_demo
    from layers.store.settings import get_settings

    url = _recreate(cluster, DEMO_TEMPLATE, TEMPLATE)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MACHIMAP_MEDIA_DIR", str(demo_media))
        get_settings.cache_clear()
        for _ in load_demo(url):
            pass
    get_settings.cache_clear()
    return url


def _clone(cluster: EmbeddedCluster, template: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A database of the test's own. The service under test connects as the application
    role, as in production; the test itself (and migrations) get the owner's URL."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    url = _recreate(cluster, name, template)
    monkeypatch.setenv("DATABASE_URL", cluster.app_url(name))
    monkeypatch.setenv("MACHIMAP_MIGRATION_URL", url)
    reset_caches()
    return url


def _drop(cluster: EmbeddedCluster, url: str) -> None:
    reset_caches()
    with _admin(cluster) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


@pytest.fixture
def db_url(
    cluster: EmbeddedCluster, template_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """An empty, migrated database of this test's own; DATABASE_URL points at it."""
    url = _clone(cluster, TEMPLATE, monkeypatch)
    yield url
    _drop(cluster, url)


@pytest.fixture
def demo_url(
    cluster: EmbeddedCluster,
    demo_template_url: str,
    monkeypatch: pytest.MonkeyPatch,
    demo_media: Path,
    media_dir: Path,
) -> Iterator[str]:
    """A database of this test's own holding the whole demo city, and its photo files in
    the test's media directory."""
    shutil.copytree(demo_media, media_dir, dirs_exist_ok=True)
    url = _clone(cluster, DEMO_TEMPLATE, monkeypatch)
    yield url
    _drop(cluster, url)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    e = make_engine(db_url)
    yield e
    e.dispose()


@pytest.fixture
def demo_engine(demo_url: str) -> Iterator[Engine]:
    e = make_engine(demo_url)
    yield e
    e.dispose()


def sql_value(url: str, query: str, *params: object) -> Any:
    """One value from the database, for assertions."""
    with psycopg.connect(libpq_url(url)) as conn:
        row = conn.execute(query.encode(), params).fetchone()
        return row[0] if row else None


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()


# --- people and signed-in clients -------------------------------------------------------

PASSWORD = "correct horse battery staple"


@dataclass
class Person:
    id: int
    email: str
    role: str
    password: str = PASSWORD


def make_person(
    email: str,
    role: str = "resident",
    *,
    department: str | None = None,
    verified: bool = True,
    groups: dict[int, str] | None = None,
    password: str = PASSWORD,
) -> Person:
    """A real account (and memberships: group id -> "member" | "leader" | "requested")."""
    from layers.accounts import lifecycle as accounts
    from layers.accounts.users import Department, Role
    from layers.groups.model import MemberRole, Membership, MembershipStatus
    from layers.store.db import session_scope

    with session_scope() as db:
        dept = None
        if department:
            dept = db.scalar(select(Department).where(Department.code == department))
            if dept is None:
                dept = Department(code=department, name=department)
                db.add(dept)
                db.flush()
        user = accounts.create_user(
            db, email, email.split("@")[0], password, Role(role), dept, verified=verified
        )
        for group_id, kind in (groups or {}).items():
            requested = kind == "requested"
            db.add(
                Membership(
                    group_id=group_id,
                    user_id=user.id,
                    role=MemberRole.member if requested else MemberRole(kind),
                    status=MembershipStatus.requested if requested else MembershipStatus.active,
                )
            )
        return Person(user.id, user.email, role, password)


def new_client() -> TestClient:
    """A client of a fresh app over https (the session cookie is Secure)."""
    from api.app import create_app

    return TestClient(create_app(), base_url="https://testserver")


def signed_in(person: Person, client: TestClient | None = None) -> TestClient:
    """A client holding a real session row for this person, sending the CSRF header."""
    from api.callers import CSRF_HEADER, SESSION_COOKIE
    from layers.accounts import sessions
    from layers.accounts.users import User
    from layers.store.db import session_scope

    client = client or new_client()
    with session_scope() as db:
        user = db.get(User, person.id)
        assert user is not None
        new = sessions.start(db, user, "127.0.0.1", "pytest")
    client.cookies.set(SESSION_COOKIE, new.token, domain="testserver.local")
    client.headers[CSRF_HEADER] = new.csrf_token
    return client


@pytest.fixture
def no_rate_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """For tests that send hundreds of writes from one address on purpose."""
    from layers.store.settings import get_settings

    monkeypatch.setenv("MACHIMAP_RATE_LIMIT_ENABLED", "false")
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def media_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Photos stored by a test go to a directory of its own, never into the project."""
    from layers.store.settings import get_settings

    directory = tmp_path_factory.mktemp("media")
    monkeypatch.setenv("MACHIMAP_MEDIA_DIR", str(directory))
    get_settings.cache_clear()
    return directory
