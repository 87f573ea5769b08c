"""an index in the hazard layer's tile order

A capped low-zoom tile keeps the hazards that matter most (layers/registry.py tile_order).
Without an index in that order PostgreSQL sorts every hazard in the tile: on 1,000,000 points a
z10 tile took ~950 ms; with it the scan stops after the first 10,000 rows (~240 ms). High-zoom
tiles keep using the GiST index. The expression list must match hazard's tile_order exactly.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

from alembic import op

from layers.schema.losses import Loss

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX ix_hazard_tile_order ON hazard "
        "(severity DESC, (status = 'resolved'), observed_at DESC NULLS LAST, id)"
    )


# An index only: nothing is lost, the hazard layer's low-zoom tiles are slower until upgrade.
LOSES: list[Loss] = []


def downgrade() -> None:
    op.execute("DROP INDEX ix_hazard_tile_order")
