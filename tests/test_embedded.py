"""The embedded PostGIS starts, reports, stops and restarts on its own data directory."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import psycopg
import pytest

from layers.store.db import libpq_url
from layers.store.embedded import EmbeddedCluster, EmbeddedError, find_bindir
from tests.conftest import ROOT


def test_lifecycle_in_a_fresh_data_directory() -> None:
    # Under the project, not /tmp: as root the cluster account must be able to enter it.
    data_dir = ROOT / ".machimap-test" / f"lifecycle-{uuid.uuid4().hex[:8]}"
    cluster = EmbeddedCluster(data_dir)
    try:
        url = cluster.start()
        status = cluster.status()
        assert status.running and status.port is not None
        assert (data_dir / "cluster.json").stat().st_mode & 0o077 == 0  # password file private
        with psycopg.connect(libpq_url(url)) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            version = conn.execute("SELECT postgis_lib_version()").fetchone()
        assert version is not None and str(version[0]).startswith("3.")
        assert cluster.stop() is True
        assert cluster.status().running is False
        assert cluster.stop() is False
        assert cluster.start() == url or cluster.status().running  # restart keeps data
        with psycopg.connect(libpq_url(cluster.url())) as conn:
            assert conn.execute(
                "SELECT count(*) FROM pg_extension WHERE extname = 'postgis'"
            ).fetchone() == (1,)
    finally:
        cluster.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def test_missing_server_binaries_are_explained(tmp_path: Path) -> None:
    cluster = EmbeddedCluster(tmp_path / "x", bindir=tmp_path / "no-such-bin")
    with pytest.raises(
        EmbeddedError, match="apt-get install postgresql-15 postgresql-15-postgis-3"
    ):
        cluster.start()
    assert find_bindir() is not None
