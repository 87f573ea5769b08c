"""Backups and restores (issue 13, item 6). A backup taken while residents keep submitting
reports is one snapshot with exactly the files it refers to; restored into a fresh data
directory it is the same table by table, sequence by sequence, grant by grant and file by
file, and a server over it answers as the original does. A newer schema, a database holding
data, a missing or damaged file are refused clearly, and `media gc` never runs beside a
backup."""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from psycopg import sql
from typer.testing import CliRunner

from api.cli import app
from layers.backup.clients import find_clients
from layers.backup.manifest import DUMP, MANIFEST, MEDIA, Manifest
from layers.backup.restore import read_manifest
from layers.media.gc import FILES_LOCK
from layers.schema import migrate
from layers.store.db import libpq_url, reset_caches
from layers.store.embedded import APP_ROLE, EmbeddedCluster
from layers.store.refusals import Refused
from tests.conftest import (
    DEMO_TEMPLATE,
    ROOT,
    _admin,
    _clone,
    _drop,
    _recreate,
    make_person,
    new_client,
    signed_in,
    sql_value,
)
from tests.test_photos import encode, noise
from tests.test_reports import TOKEN, form, photo_file

ENV = ("DATABASE_URL", "MACHIMAP_MIGRATION_URL", "MACHIMAP_DATA_DIR", "MACHIMAP_MEDIA_DIR")


def _jpeg(seed: int, size: tuple[int, int] = (120, 90)) -> bytes:
    """A photo of its own: different seeds are different files in the store."""
    return encode(noise(size, seed=seed), "JPEG")


def _as(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    """Where the commands and the app under test look: these variables and no others."""
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    reset_caches()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- the original: the demo city, reports with photos, one published with a blurred copy ---


@dataclass
class Source:
    url: str  # the owner's
    env: dict[str, str]
    media: Path
    public_id: str  # published, its photo blurred for the public
    token: str
    photo_id: int


@pytest.fixture(scope="module")
def source(
    cluster: EmbeddedCluster,
    demo_template_url: str,
    demo_media: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Source]:
    with pytest.MonkeyPatch.context() as mp:
        url = _clone(cluster, DEMO_TEMPLATE, mp)
        media = tmp_path_factory.mktemp("source-media")
        shutil.copytree(demo_media, media, dirs_exist_ok=True)  # the demo map's photos
        mp.setenv("MACHIMAP_MEDIA_DIR", str(media))
        mp.setenv("MACHIMAP_RATE_LIMIT_ENABLED", "false")
        reset_caches()
        client = new_client()
        for seed in range(3):
            photos = [photo_file(_jpeg(seed)), photo_file(_jpeg(100 + seed))][: seed % 2 + 1]
            answer = client.post("/api/reports", data=form(), files=photos)
            assert answer.status_code == 201, answer.text
        report = client.post(
            "/api/reports",
            data=form(consent_publish="true", contact_email="taro@example.jp"),
            files=[photo_file(_jpeg(7, (400, 300)))],
        ).json()
        staff = signed_in(make_person("road@example.jp", "staff", department="road"))
        published = staff.post(
            f"/api/triage/reports/{report['public_id']}/publish",
            json={
                "public_description": "道路に穴があいています。",
                "photos": [{"id": report["photos"][0]["id"], "blur": [[0.0, 0.0, 0.5, 0.5]]}],
            },
        )
        assert published.status_code == 200, published.text
        env = {name: os.environ[name] for name in ENV if name in os.environ}
        yield Source(
            url,
            env,
            media,
            report["public_id"],
            report["tracking_token"],
            report["photos"][0]["id"],
        )
    _drop(cluster, url)


# --- a backup during the report load ----------------------------------------------------------


@dataclass
class Loaded:
    path: Path
    exit_code: int
    output: str
    started: float
    finished: float
    submitted: list[tuple[float, str]] = field(default_factory=list)  # (done at, public_id)


@pytest.fixture(scope="module")
def during_load(source: Source, tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    """`machimap backup` while a resident keeps submitting reports with new photos."""
    with pytest.MonkeyPatch.context() as mp:
        _as(mp, source.env)
        path = tmp_path_factory.mktemp("backups") / "during-load.tar"
        submitted: list[tuple[float, str]] = []
        failures: list[str] = []
        stop = threading.Event()

        def submit() -> None:
            client = new_client()
            seed = 1000
            while not stop.is_set() and seed < 1200:
                answer = client.post(
                    "/api/reports",
                    data=form(description=f"負荷試験 {seed}"),
                    files=[photo_file(_jpeg(seed))],
                )
                if answer.status_code != 201:
                    failures.append(answer.text)
                    return
                submitted.append((time.monotonic(), answer.json()["public_id"]))
                seed += 1

        thread = threading.Thread(target=submit)
        thread.start()
        try:
            while len(submitted) < 2 and thread.is_alive():
                time.sleep(0.05)
            started = time.monotonic()
            result = CliRunner().invoke(app, ["backup", str(path)])
            finished = time.monotonic()
            # A few after the backup too: those must not be in it.
            while sum(t > finished for t, _ in submitted) < 2 and thread.is_alive():
                time.sleep(0.05)
        finally:
            stop.set()
            thread.join(timeout=60)
        assert not failures, failures
        return Loaded(path, result.exit_code, result.output, started, finished, submitted)


def test_a_backup_taken_during_the_report_load_is_one_consistent_snapshot(
    during_load: Loaded,
    cluster: EmbeddedCluster,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    cli: CliRunner,
) -> None:
    assert during_load.exit_code == 0, during_load.output
    # Reports really were being submitted while the backup ran.
    assert any(during_load.started < t < during_load.finished for t, _ in during_load.submitted)
    manifest = read_manifest(during_load.path)
    with tarfile.open(during_load.path) as tar:
        names = tar.getnames()
    assert names[0] == DUMP and names[-1] == MANIFEST  # the manifest last: it marks completion
    assert during_load.path.stat().st_mode & 0o777 == 0o600  # contacts, the server's secret
    assert set(names) == {DUMP, MANIFEST} | {MEDIA + f.key for f in manifest.media.files}
    assert not manifest.media.missing

    # Restored, the dump refers to exactly the files the backup holds.
    name = f"t_{uuid.uuid4().hex[:12]}"
    url = _recreate(cluster, name)  # an empty database without PostGIS: the dump brings it
    media = tmp_path / "media"
    _as(monkeypatch, {"DATABASE_URL": url, "MACHIMAP_MEDIA_DIR": str(media)})
    try:
        restored = cli.invoke(app, ["restore", str(during_load.path)])
        assert restored.exit_code == 0, restored.output
        with psycopg.connect(libpq_url(url)) as conn:
            keys = {
                str(k)
                for (k,) in conn.execute(
                    "SELECT k FROM attachment, LATERAL (VALUES (storage_key), (thumbnail_key),"
                    " (public_key), (public_thumbnail_key)) AS keys(k) WHERE k IS NOT NULL"
                ).fetchall()
            }
            public_ids = {str(p) for (p,) in conn.execute("SELECT public_id FROM report")}
        assert keys == {f.key for f in manifest.media.files}
        for file in manifest.media.files:
            assert _sha((media / file.key).read_bytes()) == file.sha256
        assert len(public_ids) == manifest.tables["report"]
        # Committed before the backup began: in it; committed after it ended: not.
        before = {p for t, p in during_load.submitted if t < during_load.started}
        after = {p for t, p in during_load.submitted if t > during_load.finished}
        assert before and after
        assert before <= public_ids and not after & public_ids
    finally:
        _drop(cluster, url)


# --- a quiet backup, restored into a fresh data directory -------------------------------------

TABLES = """SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace
    AND c.relkind = 'r' AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid
    AND d.classid = 'pg_class'::regclass AND d.deptype = 'e') ORDER BY 1"""
GRANTS = """SELECT c.relname, pg_get_userbyid(a.grantee), a.privilege_type
    FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
    WHERE c.relnamespace = 'public'::regnamespace AND a.grantee <> c.relowner ORDER BY 1, 2, 3"""


@dataclass
class State:
    """What a database holds, table by table: rows, a checksum of their content, the
    sequences' positions and the grants to roles other than the owner."""

    tables: dict[str, tuple[int, str]]
    sequences: dict[str, int | None]
    grants: list[tuple[str, str, str]]


def _state(url: str) -> State:
    with psycopg.connect(libpq_url(url)) as conn:
        # Text forms of times and numbers depend on the session: the same for both sides.
        conn.execute("SET TIME ZONE 'UTC'; SET DateStyle = 'ISO, YMD'; SET extra_float_digits = 1")
        tables: dict[str, tuple[int, str]] = {}
        for (table,) in conn.execute(TABLES).fetchall():
            # Every column of every row, in an order that does not depend on the ids.
            checksum = sql.SQL(
                "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                " FROM public.{} t"
            ).format(sql.Identifier(table))
            row = conn.execute(checksum).fetchone()
            assert row is not None
            tables[str(table)] = (int(row[0]), str(row[1]))
        sequences = {
            str(name): None if value is None else int(value)
            for name, value in conn.execute("SELECT sequencename, last_value FROM pg_sequences")
        }
        grants = [(str(t), str(r), str(p)) for t, r, p in conn.execute(GRANTS).fetchall()]
    return State(tables, sequences, grants)


@dataclass
class Quiet:
    path: Path
    manifest: Manifest
    state: State  # the original's, as backed up


@pytest.fixture(scope="module")
def quiet(source: Source, during_load: Loaded, tmp_path_factory: pytest.TempPathFactory) -> Quiet:
    """A backup once the load has stopped, and the original as it was then."""
    with pytest.MonkeyPatch.context() as mp:
        _as(mp, source.env)
        path = tmp_path_factory.mktemp("backups") / "quiet.tar"
        result = CliRunner().invoke(app, ["backup", str(path)])
        assert result.exit_code == 0, result.output
        return Quiet(path, read_manifest(path), _state(source.url))


@dataclass
class Restored:
    data_dir: Path
    cluster: EmbeddedCluster
    output: str


@pytest.fixture(scope="module")
def restored(quiet: Quiet) -> Iterator[Restored]:
    """`machimap restore` into a data directory that does not exist yet (no DATABASE_URL):
    the embedded cluster is initialised, started and filled."""
    # Under the project, not /tmp: as root the cluster account must be able to enter it.
    data_dir = ROOT / ".machimap-test" / f"restored-{uuid.uuid4().hex[:8]}"
    cluster = EmbeddedCluster(data_dir)
    try:
        with pytest.MonkeyPatch.context() as mp:
            _as(mp, {"MACHIMAP_DATA_DIR": str(data_dir)})  # media: the default, data_dir/media
            result = CliRunner().invoke(app, ["restore", str(quiet.path)])
            assert result.exit_code == 0, result.output
        yield Restored(data_dir, cluster, result.output)
    finally:
        reset_caches()
        cluster.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def test_restored_into_a_fresh_data_directory_it_is_the_same_table_by_table(
    source: Source, quiet: Quiet, restored: Restored
) -> None:
    assert "as in the manifest" in restored.output and "all hashes checked" in restored.output
    again = _state(restored.cluster.url())
    assert quiet.manifest.media.files and quiet.state.tables["attachment"][0] >= 5
    assert again.tables.keys() == quiet.state.tables.keys()
    for table, (rows, checksum) in quiet.state.tables.items():
        assert again.tables[table] == (rows, checksum), table
        assert quiet.manifest.tables[table] == rows, table
    # The next report does not collide with a restored one.
    assert again.sequences == quiet.state.sequences
    assert quiet.state.sequences["report_id_seq"]
    # machimap_app may do exactly what it could: read and write rows, only add to the log.
    assert again.grants == quiet.state.grants
    assert ("audit_log", APP_ROLE, "INSERT") in again.grants
    assert ("audit_log", APP_ROLE, "UPDATE") not in again.grants
    # File by file: the store holds the backup's files and nothing else, byte for byte.
    media = restored.data_dir / "media"
    stored = {p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file()}
    assert stored == {f.key for f in quiet.manifest.media.files}
    for file in quiet.manifest.media.files:
        assert (media / file.key).read_bytes() == (source.media / file.key).read_bytes()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def restored_server(restored: Restored, tmp_path: Path) -> Iterator[str]:
    """A real server over the restored data directory, connecting as machimap_app."""
    env = {k: v for k, v in os.environ.items() if k not in ENV}
    env |= {
        "MACHIMAP_DATA_DIR": str(restored.data_dir),
        "MACHIMAP_OUTBOX_INTERVAL_S": "0",
        "MACHIMAP_RATE_LIMIT_ENABLED": "false",
    }
    port = _free_port()
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [
                *(sys.executable, "-m", "uvicorn", "--factory", "api.app:create_app"),
                *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(base + "/health", timeout=5).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(log_path.read_text()[-2000:])
                time.sleep(0.2)
            yield base
        finally:
            server.terminate()
            server.wait(timeout=20)


def test_a_server_over_the_restored_data_answers_as_the_original(
    source: Source, quiet: Quiet, restored_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = f"/api/reports/{source.public_id}"
    photo = f"{api}/photos/{source.photo_id}"
    asks: list[tuple[str, dict[str, str]]] = [
        (api, {TOKEN: source.token}),  # the reporter
        (api, {}),  # the public
        (f"/reports/{source.public_id}?token={source.token}", {}),  # the e-mailed link
        (photo, {TOKEN: source.token}),  # the original photo
        (photo, {}),  # the public's blurred copy
        (f"{photo}/thumbnail", {}),
    ]
    _as(monkeypatch, source.env)
    original = new_client()
    with httpx.Client(base_url=restored_server, timeout=30) as again:
        answers = []
        for path, headers in asks:
            first, second = original.get(path, headers=headers), again.get(path, headers=headers)
            assert first.status_code == second.status_code == 200, (path, second.text[:300])
            assert second.content == first.content, path
            answers.append(second.content)
        # The service, as machimap_app, writes too: a new report takes the next number.
        new = again.post("/api/reports", data=form(), files=[photo_file(_jpeg(9999))])
        assert new.status_code == 201, new.text
    assert answers[3] != answers[4]  # the reporter's original, the public's blurred copy
    assert _sha(answers[3]) in {f.sha256 for f in quiet.manifest.media.files}


# --- where the backup goes elsewhere: an operator's database and role -------------------------


def test_restoring_into_an_operators_database_as_a_role_that_is_no_superuser(
    quiet: Quiet, cluster: EmbeddedCluster, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The objects belong to the restoring role, machimap_app gets exactly the grants it had,
    and tables the next migration creates are the service's to use too."""
    suffix = uuid.uuid4().hex[:8]
    owner, name = f"mm_owner_{suffix}", f"t_city_{suffix}"
    with _admin(cluster) as admin:
        admin.execute(f"CREATE ROLE {owner} LOGIN PASSWORD 'owner-pw'".encode())
        admin.execute(f'CREATE DATABASE "{name}" OWNER {owner}'.encode())
    try:
        with psycopg.connect(libpq_url(cluster.url(name)), autocommit=True) as su:
            su.execute("CREATE EXTENSION postgis")  # what a superuser does for the operator
        port = cluster.status().port
        owner_url = f"postgresql://{owner}:owner-pw@127.0.0.1:{port}/{name}"
        _as(
            monkeypatch,
            {
                "DATABASE_URL": cluster.app_url(name),
                "MACHIMAP_MIGRATION_URL": owner_url,
                "MACHIMAP_MEDIA_DIR": str(tmp_path / "media"),
            },
        )
        result = CliRunner().invoke(app, ["restore", str(quiet.path)])
        assert result.exit_code == 0, result.output
        assert "spatial_ref_sys" in result.output  # PostGIS's grants are not this role's
        assert (
            sql_value(owner_url, "SELECT tableowner FROM pg_tables WHERE tablename = 'report'")
            == owner
        )
        with psycopg.connect(libpq_url(owner_url), autocommit=True) as conn:
            conn.execute("CREATE TABLE added_by_a_later_migration (id int)")
        with psycopg.connect(libpq_url(cluster.app_url(name)), autocommit=True) as service:
            rows = service.execute("SELECT count(*) FROM report").fetchone()
            assert rows == (quiet.manifest.tables["report"],)
            service.execute("INSERT INTO audit_log (action, after) VALUES ('test', '{}')")
            service.execute("INSERT INTO added_by_a_later_migration VALUES (1)")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                service.execute("UPDATE audit_log SET action = 'forged'")
    finally:
        reset_caches()
        with _admin(cluster) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())
            admin.execute(f"DROP ROLE IF EXISTS {owner}".encode())


def test_a_backup_of_an_older_schema_is_upgraded_after_restoring(
    db_url: str, cluster: EmbeddedCluster, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    head = migrate.head_revision()
    older = migrate.downgrade(db_url, "-1").target
    backup = tmp_path / "older.tar"
    made = CliRunner().invoke(app, ["backup", str(backup)])
    assert made.exit_code == 0, made.output
    assert read_manifest(backup).schema_revision == older
    url = _recreate(cluster, f"t_{uuid.uuid4().hex[:12]}")
    try:
        _as(monkeypatch, {"DATABASE_URL": url, "MACHIMAP_MEDIA_DIR": str(tmp_path / "m")})
        result = CliRunner().invoke(app, ["restore", str(backup)])
        assert result.exit_code == 0, result.output
        assert f"{older} → {head}" in result.output
        assert sql_value(url, "SELECT version_num FROM alembic_version") == head
    finally:
        _drop(cluster, url)


# --- refusals ---------------------------------------------------------------------------------


def _rewritten(
    backup: Path, target: Path, change: dict[str, Callable[[bytes], bytes] | None]
) -> Path:
    """A copy of a backup with some members' bytes changed (None: left out)."""
    with (
        tarfile.open(backup) as source,
        tarfile.open(target, "w", format=tarfile.PAX_FORMAT) as out,
    ):
        for member in source:
            reader = source.extractfile(member)
            assert reader is not None
            data = reader.read()
            if member.name in change:
                how = change[member.name]
                if how is None:
                    continue
                data = how(data)
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    return target


@pytest.fixture
def empty_url(
    cluster: EmbeddedCluster, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[str]:
    """An empty database (no PostGIS, no schema) the commands restore into."""
    url = _recreate(cluster, f"t_{uuid.uuid4().hex[:12]}")
    _as(monkeypatch, {"DATABASE_URL": url, "MACHIMAP_MEDIA_DIR": str(tmp_path / "restored")})
    yield url
    _drop(cluster, url)


def _tables(url: str) -> int:
    return int(sql_value(url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"))


def test_a_backup_of_a_newer_schema_or_an_incomplete_one_is_refused(
    quiet: Quiet, empty_url: str, tmp_path: Path, cli: CliRunner
) -> None:
    def newer(data: bytes) -> bytes:
        return data.replace(
            f'"schema_revision": "{quiet.manifest.schema_revision}"'.encode(),
            b'"schema_revision": "9999_from_the_future"',
        )

    future = _rewritten(quiet.path, tmp_path / "future.tar", {MANIFEST: newer})
    refused = cli.invoke(app, ["restore", str(future)])
    assert refused.exit_code == 1
    assert "9999_from_the_future" in refused.output
    assert f"its latest is {migrate.head_revision()}" in refused.output
    assert "Nothing was changed" in refused.output and "リビジョン" in refused.output
    cut_short = _rewritten(quiet.path, tmp_path / "cut.tar", {MANIFEST: None})
    incomplete = cli.invoke(app, ["restore", str(cut_short)])
    assert (
        incomplete.exit_code == 1 and "not a complete one (no manifest.json)" in incomplete.output
    )
    assert _tables(empty_url) == 0
    assert not list((tmp_path / "restored").rglob("*.jpg"))


def test_a_damaged_file_in_the_backup_is_refused_before_the_database_changes(
    quiet: Quiet, empty_url: str, tmp_path: Path, cli: CliRunner
) -> None:
    victim = quiet.manifest.media.files[-1]

    def flip(data: bytes) -> bytes:
        return data[:-3] + bytes([data[-3] ^ 0xFF]) + data[-2:]

    damaged = _rewritten(quiet.path, tmp_path / "damaged.tar", {MEDIA + victim.key: flip})
    refused = cli.invoke(app, ["restore", str(damaged)])
    assert refused.exit_code == 1
    assert victim.key in refused.output and "damaged" in refused.output
    assert "The database was not changed" in refused.output
    assert _tables(empty_url) == 0
    assert not (tmp_path / "restored" / victim.key).exists()


def test_a_database_holding_data_is_only_replaced_with_force(
    quiet: Quiet, demo_url: str, cli: CliRunner
) -> None:
    refused = cli.invoke(app, ["restore", str(quiet.path)])
    assert refused.exit_code == 1
    assert "already holds data" in refused.output and "既にデータがあります" in refused.output
    # The biggest tables with their rows: the 675 traffic accidents and more are hazards.
    assert re.search(r"hazard [\d,]{3,}", refused.output) and "--force" in refused.output
    assert sql_value(demo_url, "SELECT count(*) FROM report") == 160  # untouched
    forced = cli.invoke(app, ["restore", "--force", str(quiet.path)])
    assert forced.exit_code == 0, forced.output
    assert "objects replaced (--force)" in forced.output
    assert sql_value(demo_url, "SELECT count(*) FROM report") == quiet.manifest.tables["report"]
    assert _state(demo_url).tables == quiet.state.tables
    assert _state(demo_url).grants == quiet.state.grants


def test_a_referenced_file_missing_from_the_store_fails_the_backup_unless_allowed(
    demo_url: str,
    media_dir: Path,
    cluster: EmbeddedCluster,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    cli: CliRunner,
) -> None:
    answer = new_client().post("/api/reports", data=form(), files=[photo_file(_jpeg(42))])
    assert answer.status_code == 201, answer.text
    lost = str(
        sql_value(demo_url, "SELECT thumbnail_key FROM attachment WHERE subject_layer = 'report'")
    )
    (media_dir / lost).unlink()
    backup = tmp_path / "backup.tar"
    refused = cli.invoke(app, ["backup", str(backup)])
    assert refused.exit_code == 1
    assert lost in refused.output and "--allow-missing-media" in refused.output
    assert not backup.exists() and not list(tmp_path.iterdir())  # nor any partial file
    allowed = cli.invoke(app, ["backup", "--allow-missing-media", str(backup)])
    assert allowed.exit_code == 0, allowed.output
    manifest = read_manifest(backup)
    kept = {f.key for f in manifest.media.files}
    assert manifest.media.missing == (lost,) and lost not in kept
    assert answer.json()["photos"] and len(kept) == len(_stored(media_dir))
    url = _recreate(cluster, f"t_{uuid.uuid4().hex[:12]}")
    try:
        _as(monkeypatch, {"DATABASE_URL": url, "MACHIMAP_MEDIA_DIR": str(tmp_path / "m")})
        restored = cli.invoke(app, ["restore", str(backup)])
        assert restored.exit_code == 0, restored.output
        assert "missing when the backup was taken: 1" in restored.output and lost in restored.output
    finally:
        _drop(cluster, url)


def _stored(media_dir: Path) -> list[Path]:
    return [p for p in media_dir.rglob("*") if p.is_file()]


def test_client_programs_older_than_the_server_are_refused() -> None:
    with pytest.raises(Refused, match="postgresql-client-99"):
        find_clients(None, "99.1 (Debian 99.1-1)")
    assert find_clients(None, "15.4").major >= 15


# --- media gc and a backup --------------------------------------------------------------------


def test_media_gc_waits_for_a_backup_and_a_backup_for_gc(
    demo_url: str, media_dir: Path, tmp_path: Path, cli: CliRunner
) -> None:
    from layers.backup.make import backup
    from layers.media.gc import Collected, collect
    from layers.media.storage import media_store
    from layers.store.db import session_scope

    store = media_store()
    orphan = store.put(b"\xff\xd8 left by a failed submission", "image/jpeg")
    old = time.time() - 3 * 86400
    os.utime(store.path(orphan), (old, old))

    def waiting(conn: psycopg.Connection[Any]) -> int:
        row = conn.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        ).fetchone()
        return int(row[0]) if row else 0

    with psycopg.connect(libpq_url(demo_url), autocommit=True) as as_backup:
        # Held as a backup holds it while it copies files.
        as_backup.execute("SELECT pg_advisory_lock_shared(%s)", (FILES_LOCK,))
        done: list[Collected] = []

        def gc() -> None:
            with session_scope() as db:
                done.append(collect(db, store, 3600, dry_run=False))

        thread = threading.Thread(target=gc)
        thread.start()
        deadline = time.monotonic() + 30
        while waiting(as_backup) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert waiting(as_backup) == 1 and thread.is_alive()  # gc waits on the lock
        assert store.path(orphan).is_file()  # and has deleted nothing
        as_backup.execute("SELECT pg_advisory_unlock_shared(%s)", (FILES_LOCK,))
        thread.join(timeout=30)
        assert done and done[0].removed == 1
        assert not (media_dir / orphan).exists()

    with psycopg.connect(libpq_url(demo_url), autocommit=True) as as_gc:
        as_gc.execute("SELECT pg_advisory_lock(%s)", (FILES_LOCK,))  # as gc or a restore
        holder = as_gc.info.backend_pid
        refused = cli.invoke(app, ["backup", "--wait", "1", str(tmp_path / "refused.tar")])
        assert refused.exit_code == 1
        assert f"pid {holder}" in refused.output and "media gc" in refused.output
        assert not (tmp_path / "refused.tar").exists()
        # With time to wait, a backup waits for the holder, says whom for, then runs.
        said: list[str] = []
        made: list[Path] = []
        waiter = threading.Thread(
            target=lambda: made.append(
                backup(tmp_path / "waited.tar", wait_s=60, say=said.append).path
            )
        )
        waiter.start()
        deadline = time.monotonic() + 30
        while not any("waiting for" in s for s in said) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert any(f"pid {holder}" in s for s in said) and not made
        as_gc.execute("SELECT pg_advisory_unlock(%s)", (FILES_LOCK,))
        waiter.join(timeout=60)
    assert made and made[0].is_file()
