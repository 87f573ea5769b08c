"""Alembic environment: the URL comes from the caller (layers.schema.migrate), never from a file."""

from __future__ import annotations

from alembic import context
from geoalchemy2 import alembic_helpers
from sqlalchemy import create_engine, pool

from layers.schema.models import Base

config = context.config
target_metadata = Base.metadata

# PostGIS and tiger/topology objects are not ours to manage.
IGNORED_TABLES = {"spatial_ref_sys"}


def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    if type_ == "table" and name in IGNORED_TABLES:
        return False
    return bool(alembic_helpers.include_object(obj, name, type_, reflected, compare_to))  # type: ignore[no-untyped-call]


def run() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "layers.schema.migrate sets sqlalchemy.url"
    # A caller's connection already in a transaction (layers.schema.migrate.downgrade) runs
    # every step in that one transaction: Alembic commits nothing of its own then.
    connectable = config.attributes.get("connection") or create_engine(url, poolclass=pool.NullPool)
    if hasattr(connectable, "connect"):
        with connectable.connect() as connection:
            _configure(connection)
    else:
        _configure(connectable)


def _configure(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        process_revision_directives=alembic_helpers.writer,
        render_item=alembic_helpers.render_item,
        compare_type=True,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
