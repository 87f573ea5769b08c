"""layer versions: announce every bump with NOTIFY; bump on writes to the tables a layer's
visibility depends on

machimap_bump_layer_version() also sends pg_notify('machimap_layer_version',
'<layer_id>:<version>'), so servers learn of a write without polling (layers/serving/versions.py).
Notifications are delivered at commit, and not at all on rollback, which is exactly when
caches keyed by the version need to hear of it.

A layer's public rows also depend on other tables: publishing or withdrawing a safety map
(safety_map.is_published) shows or hides its features, and marking a report category
sensitive hides its reports. Writes to those tables bump the dependent layer too, so a cache
keyed by the version never keeps serving features that were withdrawn.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

from alembic import op

from layers.schema.losses import Loss

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNEL = "machimap_layer_version"

# Table -> the layer whose visible rows it decides (see the registry's public_filter).
DEPENDENT_TABLES = {
    "safety_map": "safety_map_feature",
    "report_category": "report",
}

NOTIFYING = f"""
CREATE OR REPLACE FUNCTION machimap_bump_layer_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bumped bigint;
BEGIN
  UPDATE layer_metadata SET version = version + 1, data_updated_at = now()
   WHERE layer_id = TG_ARGV[0]
  RETURNING version INTO bumped;
  IF bumped IS NOT NULL THEN
    PERFORM pg_notify('{CHANNEL}', TG_ARGV[0] || ':' || bumped);
  END IF;
  RETURN NULL;
END $$;
"""

# The body as migration 0002 created it.
SILENT = """
CREATE OR REPLACE FUNCTION machimap_bump_layer_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE layer_metadata SET version = version + 1, data_updated_at = now()
   WHERE layer_id = TG_ARGV[0];
  RETURN NULL;
END $$;
"""


def upgrade() -> None:
    op.execute(NOTIFYING)
    for table, layer in DEPENDENT_TABLES.items():
        op.execute(
            f"CREATE TRIGGER {table}_bumps_{layer} AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION machimap_bump_layer_version('{layer}')"
        )


# No data is lost. Until upgrade, version bumps are not announced (a server whose listener
# is connected never reads the versions again, so it keeps serving cached tiles and ETags
# until it restarts), and publishing or withdrawing a safety map or making a category
# sensitive bumps no version, so a cache may keep serving features that were withdrawn.
# That is a protection gone for a while, not data; like 0002's, upgrade brings it back.
LOSES: list[Loss] = []


def downgrade() -> None:
    for table, layer in DEPENDENT_TABLES.items():
        op.execute(f"DROP TRIGGER {table}_bumps_{layer} ON {table}")
    op.execute(SILENT)
