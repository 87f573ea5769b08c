"""an index on the reports' tracking-token hashes

Open311's GET tokens/{token} finds a report by the hash of the reporter's tracking token
(issue 14): without an index that is a scan of every report on a public, unauthenticated
route.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

from alembic import op

from layers.schema.losses import Loss

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_report_tracking_token_hash"), "report", ["tracking_token_hash"])


# An index only: nothing is lost; looking a token up scans the reports until upgrade.
LOSES: list[Loss] = []


def downgrade() -> None:
    op.drop_index(op.f("ix_report_tracking_token_hash"), table_name="report")
