"""Which database a backup reads and a restore writes, as the schema's owner: the one
MACHIMAP_MIGRATION_URL (else DATABASE_URL) names, or else the embedded cluster under
MACHIMAP_DATA_DIR, initialised and started when needed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import make_url

from layers.store.db import embedded_cluster, libpq_url, owner_url
from layers.store.embedded import EmbeddedCluster
from layers.store.settings import Settings, get_settings


@dataclass(frozen=True)
class Database:
    url: str  # the owner's, with its password
    cluster: EmbeddedCluster | None  # None: a database machimap does not run itself

    @property
    def bindir(self) -> Path | None:
        """The embedded cluster's own client programs (its server's version); None: search."""
        return self.cluster.bindir if self.cluster else None

    def describe(self) -> str:
        if self.cluster is not None:
            return f"embedded cluster {self.cluster.data_dir}"
        url = make_url(self.url)
        return f"{url.host or 'localhost'}:{url.port or 5432}/{url.database}"

    def connect(self, application: str) -> psycopg.Connection[Any]:
        return psycopg.connect(libpq_url(self.url), autocommit=True, application_name=application)


def database(settings: Settings | None = None) -> Database:
    s = settings or get_settings()
    if s.migration_url or s.database_url:
        return Database(owner_url(s), None)
    cluster = embedded_cluster(s)
    return Database(cluster.start(), cluster)
