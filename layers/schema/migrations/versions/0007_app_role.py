"""the application role: the service reads and writes rows and owns nothing

machimap connects as ``machimap_app`` (the embedded cluster creates it with a password of
its own; an operator with DATABASE_URL creates a login role and grants it membership).
It may read and write the rows of every table but cannot alter a table, drop or disable a
trigger, or rewrite history: on audit_log it may only add entries, and alembic_version and
server_secret it may only read. Migrations run as the schema's owner
(MACHIMAP_MIGRATION_URL, or the embedded cluster's owner).

Where the migrating role may not create roles and none exists, the grants are skipped with
a notice and the service keeps running as whatever DATABASE_URL names.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

from alembic import op

from layers.schema.losses import Loss

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP = "machimap_app"
# Written rows only by the owner (migrations) or, for the log, only ever added to.
READ_ONLY = ("alembic_version", "server_secret")


def upgrade() -> None:
    op.execute(f"""
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP}') THEN
    IF NOT (SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user) THEN
      RAISE NOTICE 'role {APP} is missing and % may not create it: no grants made', current_user;
      RETURN;
    END IF;
    CREATE ROLE {APP} NOLOGIN;
  END IF;
  EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO {APP}', current_database());
  GRANT USAGE ON SCHEMA public TO {APP};
  GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP};
  GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP};
  REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON audit_log, {", ".join(READ_ONLY)} FROM {APP};
  GRANT INSERT ON audit_log TO {APP};
  -- Tables later migrations create (as this same owner) are the service's to use too.
  ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP};
  ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {APP};
END $$;
""")


# Privileges only, no data: the role itself stays (roles belong to the cluster, and other
# databases may use it), it can simply do nothing here any more.
LOSES: list[Loss] = []


def downgrade() -> None:
    op.execute(f"""
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP}') THEN
    ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM {APP};
    ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM {APP};
    REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {APP};
    REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {APP};
    REVOKE ALL ON SCHEMA public FROM {APP};
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM {APP}', current_database());
  END IF;
END $$;
""")
