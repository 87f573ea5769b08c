"""通学路合同点検: the joint school-route inspection's sites, measures and links

Cities keep the joint inspection (school, road authority, police) in a spreadsheet, the
通学路交通安全対策箇所一覧表 (DOMAIN.md §7); issue 17 brings it onto the map. A site
(``school_route_site``) is one row of that sheet: its school, year and 箇所番号, the place,
why it was chosen and when it was inspected; each of the three bodies has a measure row
(``school_route_measure``: what, when, how far, and why not when it is not done); a site
links to the hazards, reports and patrol observations it is about (``school_route_link``).
A group names its school (``community_group.school_facility_id``) and reads that school's
sites. The tables follow every table's rules: updated_at by trigger, writes audited, a
site's place gets its district and the city-boundary check on write.

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

from layers.schema.losses import column_values, table_rows

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REASONS = (
    "speed",
    "heavy_vehicles",
    "near_miss",
    "poor_visibility",
    "no_sidewalk",
    "residents_request",
    "other",
)
PARTIES = ("school", "road", "police")
TIMINGS = ("ongoing", "short", "medium", "long")
STATUSES = ("planned", "in_progress", "done", "not_done")
LINKED = ("hazard", "report", "patrol_observation")
TABLES = ("school_route_site", "school_route_measure", "school_route_link")


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _stamps() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    ]


def upgrade() -> None:
    op.add_column(
        "community_group", sa.Column("school_facility_id", sa.BigInteger(), nullable=True)
    )
    op.create_foreign_key(
        op.f("fk_community_group_school_facility_id_facility"),
        "community_group",
        "facility",
        ["school_facility_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_index(
        op.f("ix_community_group_school_facility_id"), "community_group", ["school_facility_id"]
    )

    reasons = ", ".join(repr(r) for r in REASONS)
    op.create_table(
        "school_route_site",
        *_stamps(),
        sa.Column("school_facility_id", sa.BigInteger(), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(20), nullable=False),
        sa.Column("address", sa.String(300), nullable=True),
        sa.Column(
            "geom",
            Geometry(geometry_type="GEOMETRY", srid=4326, spatial_index=False),
            nullable=False,
        ),
        sa.Column("district_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "reasons",
            postgresql.ARRAY(sa.String(40)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("inspected_on", sa.Date(), nullable=True),
        sa.Column("is_published", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("synthetic", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.CheckConstraint("ST_IsValid(geom)", name=op.f("ck_school_route_site_geom_valid")),
        sa.CheckConstraint(
            "geom IS NULL OR ST_GeometryType(geom) IN "
            "('ST_Point', 'ST_LineString', 'ST_MultiLineString')",
            name=op.f("ck_school_route_site_geom_type"),
        ),
        sa.CheckConstraint(
            "fiscal_year BETWEEN 2000 AND 2200", name=op.f("ck_school_route_site_fiscal_year_range")
        ),
        sa.CheckConstraint(
            f"reasons <@ ARRAY[{reasons}]::varchar[]",
            name=op.f("ck_school_route_site_reasons_known"),
        ),
        sa.CheckConstraint("number <> ''", name=op.f("ck_school_route_site_number_present")),
        sa.ForeignKeyConstraint(
            ["school_facility_id"],
            ["facility.id"],
            name=op.f("fk_school_route_site_school_facility_id_facility"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_school_route_site_district_id_district"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school_route_site")),
        sa.UniqueConstraint(
            "school_facility_id", "fiscal_year", "number", name="uq_school_route_site_number"
        ),
    )
    op.create_index(
        "idx_school_route_site_geom", "school_route_site", ["geom"], postgresql_using="gist"
    )
    op.create_index(
        op.f("ix_school_route_site_school_facility_id"),
        "school_route_site",
        ["school_facility_id"],
    )
    op.create_index(op.f("ix_school_route_site_district_id"), "school_route_site", ["district_id"])

    op.create_table(
        "school_route_measure",
        *_stamps(),
        sa.Column("site_id", sa.BigInteger(), nullable=False),
        sa.Column("party", sa.String(40), nullable=False),
        sa.Column("measure", sa.Text(), nullable=True),
        sa.Column("timing", sa.String(40), nullable=True),
        sa.Column("status", sa.String(40), nullable=True),
        sa.Column("not_done_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(_in("party", PARTIES), name=op.f("ck_school_route_measure_party")),
        sa.CheckConstraint(_in("timing", TIMINGS), name=op.f("ck_school_route_measure_timing")),
        sa.CheckConstraint(
            _in("status", STATUSES), name=op.f("ck_school_route_measure_measurestatus")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["school_route_site.id"],
            name=op.f("fk_school_route_measure_site_id_school_route_site"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school_route_measure")),
        sa.UniqueConstraint("site_id", "party", name="uq_school_route_measure"),
    )

    op.create_table(
        "school_route_link",
        *_stamps(),
        sa.Column("site_id", sa.BigInteger(), nullable=False),
        sa.Column("subject_layer", sa.String(40), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            _in("subject_layer", LINKED), name=op.f("ck_school_route_link_linkedlayer")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["school_route_site.id"],
            name=op.f("fk_school_route_link_site_id_school_route_site"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school_route_link")),
        sa.UniqueConstraint("site_id", "subject_layer", "subject_id", name="uq_school_route_link"),
    )
    op.create_index(
        "ix_school_route_link_subject", "school_route_link", ["subject_layer", "subject_id"]
    )

    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_updated_at BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION machimap_set_updated_at()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_audit AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW WHEN (coalesce(current_setting('machimap.actor_id', true), '') <> '') "
            "EXECUTE FUNCTION machimap_audit()"
        )
    # A site's place is in the city, and in its finest district (0002's rule for places).
    op.execute(
        "CREATE TRIGGER school_route_site_district_insert BEFORE INSERT ON school_route_site "
        "FOR EACH ROW WHEN (NEW.district_id IS NULL AND NEW.geom IS NOT NULL) "
        "EXECUTE FUNCTION machimap_assign_district()"
    )
    op.execute(
        "CREATE TRIGGER school_route_site_district_update BEFORE UPDATE OF geom "
        "ON school_route_site FOR EACH ROW WHEN (NEW.geom IS NOT NULL "
        "AND NOT ST_Equals(NEW.geom, OLD.geom) "
        "AND NEW.district_id IS NOT DISTINCT FROM OLD.district_id) "
        "EXECUTE FUNCTION machimap_assign_district()"
    )


LOSES = [
    table_rows("school_route_site"),
    table_rows("school_route_measure"),
    table_rows("school_route_link"),
    column_values(
        "community_group",
        "school_facility_id",
        then=(
            "グループは学校の通学路合同点検の箇所を見られなくなります",
            "groups no longer read their school's joint-inspection sites",
        ),
    ),
]


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)  # its triggers and indexes go with it
    op.drop_index(op.f("ix_community_group_school_facility_id"), "community_group")
    op.drop_constraint(
        op.f("fk_community_group_school_facility_id_facility"),
        "community_group",
        type_="foreignkey",
    )
    op.drop_column("community_group", "school_facility_id")
