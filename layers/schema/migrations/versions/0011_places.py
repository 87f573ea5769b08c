"""a gazetteer of named places (町丁目)

Residents know where they are by 町丁目 (「焼津三丁目」), not by the 自治会 whose area holds
the point (issue 15): the report flow and the map describe a point by the nearest town's
representative point, and place search finds towns by name. One row per named place with
its point, reading when known, and the list it came from (source, attribution), so another
city loads its own list (`machimap places load`) and a reload replaces only that list.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import geoalchemy2
import sqlalchemy as sa
from alembic import op

from layers.schema.losses import table_rows

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "place",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_kana", sa.String(length=200), nullable=True),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("kana_key", sa.String(length=200), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("attribution", sa.Text(), nullable=False),
        sa.Column(
            "geom",
            geoalchemy2.Geometry(geometry_type="POINT", srid=4326, spatial_index=False),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("kind IN ('town')", name=op.f("ck_place_place_kind")),
        sa.CheckConstraint("ST_IsValid(geom)", name=op.f("ck_place_geom_valid")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place")),
        sa.UniqueConstraint("kind", "name", name="uq_place_kind_name"),
    )
    op.create_index("idx_place_geom", "place", ["geom"], postgresql_using="gist")
    op.execute(
        "CREATE TRIGGER place_updated_at BEFORE UPDATE ON place "
        "FOR EACH ROW EXECUTE FUNCTION machimap_set_updated_at()"
    )


# The loaded lists are gone; `machimap demo` or `machimap places load` brings them back.
LOSES = [table_rows("place")]


def downgrade() -> None:
    op.drop_table("place")
