"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
"""

from collections.abc import Sequence

import geoalchemy2
import sqlalchemy as sa
from alembic import op

from layers.schema.losses import Loss
${imports if imports else ""}
revision: str = ${repr(up_revision)}
down_revision: str | None = ${repr(down_revision)}
branch_labels: str | Sequence[str] | None = ${repr(branch_labels)}
depends_on: str | Sequence[str] | None = ${repr(depends_on)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


# What downgrade() destroys, counted on the database before it runs and refused unless
# forced (layers.schema.migrate.downgrade). Name every column and table it drops and
# anything it narrows, with layers.schema.losses: column_values("t", "c") for a column's
# values (default="..." when every row has one), table_rows("t") for a table's rows,
# blocker(...) for rows it cannot keep at all (a unique or foreign key it brings back).
# Left empty, say in a comment why nothing is lost.
LOSES: list[Loss] = []


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
