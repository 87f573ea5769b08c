"""roads and green spaces: the city's own background layers

A printed 地域安全マップ, and the public map where no basemap can be reached, need streets
and parks to find one's way by (issue 16). The city publishes its 緊急輸送路 (一次・二次・三次)
and 都市計画道路 as lines and its 公園・緑地 as areas; they become the layers ``road`` and
``green_space``, loaded by the same importer as every other file and published like them.
Both follow the rules every layer table follows (0002, 0003): updated_at kept by a
trigger, staff edits audited, and every write bumps the layer's version so caches drop.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

from layers.schema.losses import table_rows

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROAD_KINDS = ("emergency_primary", "emergency_secondary", "emergency_tertiary", "city_planning")
TABLES = ("road", "green_space")


def _common() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("source_dataset", sa.String(length=100), nullable=True),
        sa.Column("source_id", sa.String(length=100), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    ]


def upgrade() -> None:
    kinds = ", ".join(f"'{k}'" for k in ROAD_KINDS)
    op.create_table(
        "road",
        *_common(),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("roads", sa.String(length=1000), nullable=True),
        sa.Column("designation", sa.String(length=200), nullable=True),
        sa.Column(
            "geom",
            Geometry(geometry_type="MULTILINESTRING", srid=4326, spatial_index=False),
            nullable=False,
        ),
        sa.CheckConstraint(f"kind IN ({kinds})", name=op.f("ck_road_roadkind")),
        sa.CheckConstraint("ST_IsValid(geom)", name=op.f("ck_road_geom_valid")),
        sa.CheckConstraint(
            "geom IS NULL OR ST_GeometryType(geom) IN ('ST_LineString', 'ST_MultiLineString')",
            name=op.f("ck_road_geom_type"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_road")),
        sa.UniqueConstraint("source_dataset", "source_id", name="uq_road_source"),
    )
    op.create_table(
        "green_space",
        *_common(),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column(
            "geom",
            Geometry(geometry_type="MULTIPOLYGON", srid=4326, spatial_index=False),
            nullable=False,
        ),
        sa.CheckConstraint("ST_IsValid(geom)", name=op.f("ck_green_space_geom_valid")),
        sa.CheckConstraint(
            "geom IS NULL OR ST_GeometryType(geom) IN ('ST_Polygon', 'ST_MultiPolygon')",
            name=op.f("ck_green_space_geom_type"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_green_space")),
        sa.UniqueConstraint("source_dataset", "source_id", name="uq_green_space_source"),
    )
    for table in TABLES:
        op.create_index(f"idx_{table}_geom", table, ["geom"], postgresql_using="gist")
        op.execute(
            f"CREATE TRIGGER {table}_updated_at BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION machimap_set_updated_at()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_audit AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW WHEN (coalesce(current_setting('machimap.actor_id', true), '') <> '') "
            "EXECUTE FUNCTION machimap_audit()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_layer_version AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION machimap_bump_layer_version('{table}')"
        )


# The loaded roads and parks are gone; `machimap demo` or `machimap import` brings them back.
LOSES = [table_rows("road"), table_rows("green_space")]


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)  # its triggers and indexes go with it
