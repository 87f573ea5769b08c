"""indexes on the geometry type of the mixed-geometry tables

The OGC API publishes hazard, report and safety_map_feature as one collection per geometry
type (issue 14). An index on ST_GeometryType(geom) gives PostgreSQL statistics on each
type's share of the table (ANALYZE samples index expressions), so the planner's estimate
of a part's rows is close and a page of a large, unfiltered part can say it as
numberMatched instead of counting the table on every page (layers/serving/features.py). Only the migration declares them: the models cannot name an
expression index on a column of another type.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from layers.schema.losses import Loss

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("hazard", "report", "safety_map_feature")


def upgrade() -> None:
    for table in TABLES:
        op.create_index(f"ix_{table}_geometry_type", table, [sa.text("ST_GeometryType(geom)")])


# Indexes only: nothing is lost; large parts are counted on every page until upgrade.
LOSES: list[Loss] = []


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_geometry_type", table_name=table)
