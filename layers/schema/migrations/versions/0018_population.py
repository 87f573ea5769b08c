"""population for renewal planning's coverage

Who lives where (``population_unit``): one row per 町丁目 (the national 地域・年齢別人口
unit, counted at the town's representative point) or per district (自治会, counted at a
point on its area), with its people, households, 65歳以上 and 0–14歳, the date of the
figures, their source and whether they were generated (the demo city's). Coverage and
merger scenarios (layers/planning/) count the people each facility serves from these rows.

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

from layers.schema.losses import table_rows

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "population_unit"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("level", sa.String(40), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("place_id", sa.BigInteger(), nullable=True),
        sa.Column("district_id", sa.BigInteger(), nullable=True),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("households", sa.Integer(), nullable=True),
        sa.Column("elderly", sa.Integer(), nullable=True),
        sa.Column("children", sa.Integer(), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("synthetic", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column(
            "geom",
            Geometry(geometry_type="POINT", srid=4326, spatial_index=False),
            nullable=False,
        ),
        sa.CheckConstraint("ST_IsValid(geom)", name=op.f("ck_population_unit_geom_valid")),
        sa.CheckConstraint(
            "level IN ('town', 'district')", name=op.f("ck_population_unit_populationlevel")
        ),
        sa.CheckConstraint("population >= 0", name=op.f("ck_population_unit_population")),
        sa.CheckConstraint(
            "elderly IS NULL OR elderly BETWEEN 0 AND population",
            name=op.f("ck_population_unit_elderly"),
        ),
        sa.CheckConstraint(
            "children IS NULL OR children BETWEEN 0 AND population",
            name=op.f("ck_population_unit_children"),
        ),
        sa.CheckConstraint("name <> ''", name=op.f("ck_population_unit_name_present")),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["place.id"],
            name=op.f("fk_population_unit_place_id_place"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_population_unit_district_id_district"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_population_unit")),
        sa.UniqueConstraint("level", "code", name="uq_population_unit_level_code"),
    )
    op.create_index("idx_population_unit_geom", TABLE, ["geom"], postgresql_using="gist")
    op.create_index(op.f("ix_population_unit_place_id"), TABLE, ["place_id"])
    op.create_index(op.f("ix_population_unit_district_id"), TABLE, ["district_id"])
    op.execute(
        f"CREATE TRIGGER {TABLE}_updated_at BEFORE UPDATE ON {TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION machimap_set_updated_at()"
    )
    op.execute(
        f"CREATE TRIGGER {TABLE}_audit AFTER INSERT OR UPDATE OR DELETE ON {TABLE} "
        "FOR EACH ROW WHEN (coalesce(current_setting('machimap.actor_id', true), '') <> '') "
        "EXECUTE FUNCTION machimap_audit()"
    )


LOSES = [table_rows(TABLE)]


def downgrade() -> None:
    op.drop_table(TABLE)  # its triggers and indexes go with it
