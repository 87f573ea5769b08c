"""a released photo names its public copy, so a missing copy withholds it

Until now a photo staff released without blurring had no public key, and the public got the
stored original whenever public_key was empty. A blurred copy lost by a forced downgrade
then looked exactly like "released as it is": the public got the unblurred original. From
here on the public gets only what public_key names (the blurred copy, or the photo itself
when released as it is), and nothing when it names nothing.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

from alembic import op

from layers.schema.losses import Loss

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Photos released as they are, under the old rule.
    op.execute(
        "UPDATE attachment SET public_key = storage_key, public_thumbnail_key = thumbnail_key "
        "WHERE is_public AND public_key IS NULL"
    )


# Nothing: a public key equal to the photo's own key is the old rule's empty one.
LOSES: list[Loss] = []


def downgrade() -> None:
    op.execute(
        "UPDATE attachment SET public_key = NULL, public_thumbnail_key = NULL "
        "WHERE public_key = storage_key"
    )
