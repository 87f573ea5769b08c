"""the whole data model

Revision ID: 0001
Revises:
Create Date: 2026-11-23 10:41:03.026043
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

from layers.schema.losses import table_rows

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table(
        "city",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=True),
        sa.Column("prefecture", sa.String(length=20), nullable=False),
        sa.Column("plane_zone", sa.Integer(), nullable=False),
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
        sa.CheckConstraint("code ~ '^[0-9]{6}$'", name=op.f("ck_city_code_format")),
        sa.CheckConstraint("id = 1", name=op.f("ck_city_single_row")),
        sa.CheckConstraint("plane_zone BETWEEN 1 AND 19", name=op.f("ck_city_plane_zone_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_city")),
    )
    op.create_table(
        "department",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=True),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_department")),
        sa.UniqueConstraint("code", name=op.f("uq_department_code")),
    )
    op.create_geospatial_table(
        "district",
        sa.Column("parent_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "level",
            sa.Enum(
                "city",
                "area",
                "neighbourhood",
                "block",
                name="districtlevel",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "depth",
            sa.SmallInteger(),
            sa.Computed(
                "CASE level WHEN 'city' THEN 0 WHEN 'area' THEN 1 WHEN 'neighbourhood' THEN 2 WHEN 'block' THEN 3 END",
                persisted=True,
            ),
            nullable=False,
        ),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_kana", sa.String(length=200), nullable=True),
        sa.Column("name_en", sa.String(length=200), nullable=True),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("households", sa.Integer(), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
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
        sa.CheckConstraint("ST_IsValid(geom)", name=op.f("ck_district_geom_valid")),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["district.id"],
            name=op.f("fk_district_parent_id_district"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_district")),
        sa.UniqueConstraint("level", "code", name="uq_district_level_code"),
    )
    op.create_geospatial_index(
        "idx_district_geom",
        "district",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(op.f("ix_district_parent_id"), "district", ["parent_id"], unique=False)
    op.create_table(
        "layer_metadata",
        sa.Column("layer_id", sa.String(length=40), nullable=False),
        sa.Column("title_ja", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("owner_department", sa.String(length=100), nullable=True),
        sa.Column("licence", sa.String(length=200), nullable=True),
        sa.Column("attribution", sa.String(length=300), nullable=True),
        sa.Column("update_cycle", sa.String(length=40), nullable=True),
        sa.Column("is_public", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("version", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("data_updated_at", sa.DateTime(timezone=True), nullable=True),
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
        sa.PrimaryKeyConstraint("layer_id", name=op.f("pk_layer_metadata")),
    )
    op.create_geospatial_table(
        "school_district",
        sa.Column(
            "kind",
            sa.Enum(
                "elementary",
                "junior_high",
                name="schoolkind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("school_name", sa.String(length=200), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
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
        sa.CheckConstraint("ST_IsValid(geom)", name=op.f("ck_school_district_geom_valid")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school_district")),
        sa.UniqueConstraint("kind", "name", name="uq_school_district"),
    )
    op.create_geospatial_index(
        "idx_school_district_geom",
        "school_district",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_table(
        "community_group",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "neighbourhood_association",
                "pta",
                "crime_prevention_volunteer",
                "community_council",
                "disaster_prevention",
                "other",
                name="groupkind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("district_id", sa.BigInteger(), nullable=True),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
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
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_community_group_district_id_district"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_group")),
        sa.UniqueConstraint("name", name=op.f("uq_community_group_name")),
    )
    op.create_index(
        op.f("ix_community_group_district_id"), "community_group", ["district_id"], unique=False
    )
    op.create_geospatial_table(
        "district_part",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("district_id", sa.BigInteger(), nullable=False),
        sa.Column("depth", sa.SmallInteger(), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_district_part_district_id_district"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_district_part")),
    )
    op.create_geospatial_index(
        "idx_district_part_geom",
        "district_part",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index("ix_district_part_depth", "district_part", ["depth"], unique=False)
    op.create_index(
        op.f("ix_district_part_district_id"), "district_part", ["district_id"], unique=False
    )
    op.create_geospatial_table(
        "facility",
        sa.Column(
            "kind",
            sa.Enum(
                "city_hall",
                "branch_office",
                "community_center",
                "kominkan",
                "evacuation_site",
                "shelter",
                "tsunami_evacuation_building",
                "first_aid_station",
                "aed",
                "school",
                "library",
                "childcare",
                "park",
                "public_toilet",
                "sandbag_station",
                "streetlight",
                "welfare",
                "culture",
                "sports",
                "other",
                name="facilitykind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_kana", sa.String(length=200), nullable=True),
        sa.Column("name_en", sa.String(length=200), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("opening_hours", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "owner",
            sa.Enum(
                "city",
                "neighbourhood",
                "other_public",
                "private",
                name="owner",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            server_default=sa.text("'city'"),
            nullable=False,
        ),
        sa.Column("owner_district_id", sa.BigInteger(), nullable=True),
        sa.Column("department_id", sa.BigInteger(), nullable=True),
        sa.Column("built_year", sa.Integer(), nullable=True),
        sa.Column("floor_area_m2", sa.Float(), nullable=True),
        sa.Column(
            "structure",
            sa.Enum(
                "rc",
                "src",
                "steel",
                "wood",
                "light_steel",
                "block",
                "other",
                name="structure",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column(
            "seismic_standard",
            sa.Enum(
                "pre_1981",
                "post_1981",
                "retrofitted",
                "not_applicable",
                "unknown",
                name="seismicstandard",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            server_default=sa.text("'unknown'"),
            nullable=False,
        ),
        sa.Column(
            "cost_category",
            sa.Enum(
                "civic_culture",
                "social_education",
                "sports_recreation",
                "industry",
                "school_education",
                "childcare",
                "health_welfare",
                "medical",
                "administration",
                "public_housing",
                "park",
                "supply_treatment",
                "other",
                name="costcategory",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column(
            "disaster_types",
            postgresql.ARRAY(sa.String(length=20)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column(
            "accessibility",
            postgresql.ARRAY(sa.String(length=40)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column(
            "extra",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("source", sa.String(length=100), server_default="manual", nullable=False),
        sa.Column("source_id", sa.String(length=100), nullable=True),
        sa.Column(
            "synthetic",
            postgresql.ARRAY(sa.String(length=40)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("district_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
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
        sa.CheckConstraint(
            "disaster_types <@ ARRAY['flood', 'landslide', 'storm_surge', 'earthquake', 'tsunami', 'large_fire', 'inland_flood', 'volcano']::varchar[]",
            name=op.f("ck_facility_disasters"),
        ),
        sa.CheckConstraint("ST_IsValid(geom)", name=op.f("ck_facility_geom_valid")),
        sa.CheckConstraint(
            "built_year IS NULL OR built_year BETWEEN 1850 AND 2100",
            name=op.f("ck_facility_built_year"),
        ),
        sa.CheckConstraint("capacity IS NULL OR capacity >= 0", name=op.f("ck_facility_capacity")),
        sa.CheckConstraint(
            "floor_area_m2 IS NULL OR floor_area_m2 > 0", name=op.f("ck_facility_floor_area")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_facility_department_id_department"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_facility_district_id_district"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_district_id"],
            ["district.id"],
            name=op.f("fk_facility_owner_district_id_district"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facility")),
        sa.UniqueConstraint("source", "source_id", name="uq_facility_source"),
    )
    op.create_geospatial_index(
        "idx_facility_geom",
        "facility",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(op.f("ix_facility_district_id"), "facility", ["district_id"], unique=False)
    op.create_geospatial_table(
        "hazard",
        sa.Column(
            "kind",
            sa.Enum(
                "road_damage",
                "waterside",
                "streetlight_out",
                "blind_corner",
                "vacant_house",
                "illegal_dumping",
                "school_route",
                "traffic_accident",
                "underpass",
                "flood_history",
                "landslide",
                "other",
                name="hazardkind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("severity", sa.SmallInteger(), server_default=sa.text("2"), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "monitoring",
                "mitigated",
                "resolved",
                name="hazardstatus",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            server_default=sa.text("'active'"),
            nullable=False,
        ),
        sa.Column(
            "source",
            sa.Enum(
                "open_data",
                "report",
                "inspection",
                "patrol",
                "staff",
                name="hazardsource",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            server_default=sa.text("'staff'"),
            nullable=False,
        ),
        sa.Column("source_dataset", sa.String(length=100), nullable=True),
        sa.Column("source_id", sa.String(length=100), nullable=True),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("department_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "extra",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("synthetic", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("district_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
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
        sa.CheckConstraint(
            "geom IS NULL OR ST_GeometryType(geom) IN ('ST_Point', 'ST_LineString', 'ST_MultiLineString', 'ST_Polygon', 'ST_MultiPolygon')",
            name=op.f("ck_hazard_geom_type"),
        ),
        sa.CheckConstraint("ST_IsValid(geom)", name=op.f("ck_hazard_geom_valid")),
        sa.CheckConstraint("severity BETWEEN 1 AND 4", name=op.f("ck_hazard_severity_range")),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_hazard_department_id_department"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_hazard_district_id_district"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hazard")),
        sa.UniqueConstraint("source_dataset", "source_id", name="uq_hazard_source"),
    )
    op.create_geospatial_index(
        "idx_hazard_geom",
        "hazard",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(op.f("ix_hazard_district_id"), "hazard", ["district_id"], unique=False)
    op.create_index(op.f("ix_hazard_observed_at"), "hazard", ["observed_at"], unique=False)
    op.create_table(
        "report_category",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_ja", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("icon", sa.String(length=40), nullable=False),
        sa.Column("department_id", sa.BigInteger(), nullable=True),
        sa.Column("sensitive", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
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
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_report_category_department_id_department"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_category")),
        sa.UniqueConstraint("code", name=op.f("uq_report_category_code")),
    )
    op.create_table(
        "user_account",
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column(
            "role",
            sa.Enum(
                "resident",
                "staff",
                "admin",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            server_default=sa.text("'resident'"),
            nullable=False,
        ),
        sa.Column("department_id", sa.BigInteger(), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
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
        sa.CheckConstraint(
            "email = lower(email) AND position('@' in email) > 1",
            name=op.f("ck_user_account_email_form"),
        ),
        sa.CheckConstraint(
            "role <> 'staff' OR department_id IS NOT NULL",
            name=op.f("ck_user_account_staff_department"),
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_user_account_department_id_department"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("email", name=op.f("uq_user_account_email")),
    )
    op.create_index(
        op.f("ix_user_account_department_id"), "user_account", ["department_id"], unique=False
    )
    op.create_table(
        "attachment",
        sa.Column("subject_layer", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("thumbnail_key", sa.String(length=200), nullable=True),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("byte_size", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("is_public", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("uploaded_by_user_id", sa.BigInteger(), nullable=True),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
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
        sa.CheckConstraint(
            "content_type IN ('image/jpeg', 'image/png', 'image/webp', 'application/pdf')",
            name=op.f("ck_attachment_content_type_allowed"),
        ),
        sa.CheckConstraint("byte_size > 0", name=op.f("ck_attachment_byte_size_positive")),
        sa.ForeignKeyConstraint(
            ["uploaded_by_user_id"],
            ["user_account.id"],
            name=op.f("fk_attachment_uploaded_by_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_attachment_storage_key")),
    )
    op.create_index(
        "ix_attachment_subject", "attachment", ["subject_layer", "subject_id"], unique=False
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("actor_user_id", sa.BigInteger(), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("subject_layer", sa.String(length=40), nullable=True),
        sa.Column("subject_id", sa.BigInteger(), nullable=True),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("ip", postgresql.INET(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_user_id"],
            ["user_account.id"],
            name=op.f("fk_audit_log_actor_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(
        op.f("ix_audit_log_actor_user_id"), "audit_log", ["actor_user_id"], unique=False
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"], unique=False)
    op.create_table(
        "inspection",
        sa.Column("subject_layer", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "building_article12",
                "daily",
                "school_route",
                "playground",
                "streetlight",
                "other",
                name="inspectionkind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("inspected_on", sa.Date(), nullable=False),
        sa.Column("inspector_user_id", sa.BigInteger(), nullable=True),
        sa.Column("department_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "overall_grade",
            sa.Enum(
                "A",
                "B",
                "C",
                "D",
                name="overall_grade",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("findings", sa.Text(), nullable=True),
        sa.Column("follow_up", sa.Text(), nullable=True),
        sa.Column("next_due", sa.Date(), nullable=True),
        sa.Column("synthetic", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
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
        sa.CheckConstraint(
            "next_due IS NULL OR next_due >= inspected_on",
            name=op.f("ck_inspection_next_due_after"),
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_inspection_department_id_department"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["inspector_user_id"],
            ["user_account.id"],
            name=op.f("fk_inspection_inspector_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection")),
    )
    op.create_index(
        "ix_inspection_subject", "inspection", ["subject_layer", "subject_id"], unique=False
    )
    op.create_table(
        "membership",
        sa.Column("group_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "member",
                "leader",
                name="memberrole",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            server_default=sa.text("'member'"),
            nullable=False,
        ),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
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
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["community_group.id"],
            name=op.f("fk_membership_group_id_community_group"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_membership_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership")),
        sa.UniqueConstraint("group_id", "user_id", name="uq_membership"),
    )
    op.create_index(op.f("ix_membership_user_id"), "membership", ["user_id"], unique=False)
    op.create_geospatial_table(
        "patrol",
        sa.Column("group_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "patrol",
                "safety_walk",
                "school_watch",
                name="patrolkind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            server_default=sa.text("'patrol'"),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("participants", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("recorded_by_user_id", sa.BigInteger(), nullable=True),
        sa.Column("synthetic", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column(
            "route",
            Geometry(
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
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
        sa.CheckConstraint(
            "route IS NULL OR ST_GeometryType(route) IN ('ST_LineString', 'ST_MultiLineString')",
            name=op.f("ck_patrol_route_type"),
        ),
        sa.CheckConstraint("ST_IsValid(route)", name=op.f("ck_patrol_route_valid")),
        sa.CheckConstraint(
            "ended_at IS NULL OR ended_at >= started_at", name=op.f("ck_patrol_time_order")
        ),
        sa.CheckConstraint("participants >= 1", name=op.f("ck_patrol_participants_positive")),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["community_group.id"],
            name=op.f("fk_patrol_group_id_community_group"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_user_id"],
            ["user_account.id"],
            name=op.f("fk_patrol_recorded_by_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol")),
    )
    op.create_geospatial_index(
        "idx_patrol_route",
        "patrol",
        ["route"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(op.f("ix_patrol_group_id"), "patrol", ["group_id"], unique=False)
    op.create_geospatial_table(
        "report",
        sa.Column("public_id", sa.String(length=20), nullable=False),
        sa.Column("tracking_token_hash", sa.String(length=128), nullable=False),
        sa.Column("category_id", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("public_description", sa.Text(), nullable=True),
        sa.Column("location_accuracy_m", sa.Float(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "submitted",
                "accepted",
                "in_progress",
                "resolved",
                "closed_duplicate",
                "closed_not_responsible",
                "closed_no_action",
                "rejected",
                name="reportstatus",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            server_default=sa.text("'submitted'"),
            nullable=False,
        ),
        sa.Column("is_public", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consent_publish", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("responsible_party", sa.String(length=200), nullable=True),
        sa.Column("duplicate_of_id", sa.BigInteger(), nullable=True),
        sa.Column("hazard_id", sa.BigInteger(), nullable=True),
        sa.Column("subject_layer", sa.String(length=40), nullable=True),
        sa.Column("subject_id", sa.BigInteger(), nullable=True),
        sa.Column("department_id", sa.BigInteger(), nullable=True),
        sa.Column("reporter_user_id", sa.BigInteger(), nullable=True),
        sa.Column("supporter_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "web",
                "api",
                "open311",
                "staff",
                name="reportsource",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            server_default=sa.text("'web'"),
            nullable=False,
        ),
        sa.Column("idempotency_key", sa.String(length=100), nullable=True),
        sa.Column("synthetic", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("district_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
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
        sa.CheckConstraint(
            "geom IS NULL OR ST_GeometryType(geom) IN ('ST_Point', 'ST_LineString', 'ST_MultiLineString', 'ST_Polygon', 'ST_MultiPolygon')",
            name=op.f("ck_report_geom_type"),
        ),
        sa.CheckConstraint(
            "status <> 'closed_duplicate' OR duplicate_of_id IS NOT NULL",
            name=op.f("ck_report_duplicate_target"),
        ),
        sa.CheckConstraint(
            "status <> 'closed_not_responsible' OR responsible_party IS NOT NULL",
            name=op.f("ck_report_responsible_party_named"),
        ),
        sa.CheckConstraint(
            "NOT is_public OR published_at IS NOT NULL",
            name=op.f("ck_report_published_when_public"),
        ),
        sa.CheckConstraint("ST_IsValid(geom)", name=op.f("ck_report_geom_valid")),
        sa.CheckConstraint(
            "char_length(description) BETWEEN 1 AND 4000", name=op.f("ck_report_description_length")
        ),
        sa.CheckConstraint(
            "duplicate_of_id IS NULL OR duplicate_of_id <> id", name=op.f("ck_report_not_self_dup")
        ),
        sa.CheckConstraint("supporter_count >= 0", name=op.f("ck_report_supporters_nonnegative")),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["report_category.id"],
            name=op.f("fk_report_category_id_report_category"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_report_department_id_department"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_report_district_id_district"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of_id"],
            ["report.id"],
            name=op.f("fk_report_duplicate_of_id_report"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["hazard_id"],
            ["hazard.id"],
            name=op.f("fk_report_hazard_id_hazard"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_user_id"],
            ["user_account.id"],
            name=op.f("fk_report_reporter_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_report_idempotency_key")),
        sa.UniqueConstraint("public_id", name=op.f("uq_report_public_id")),
    )
    op.create_geospatial_index(
        "idx_report_geom",
        "report",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(op.f("ix_report_category_id"), "report", ["category_id"], unique=False)
    op.create_index(op.f("ix_report_department_id"), "report", ["department_id"], unique=False)
    op.create_index(op.f("ix_report_district_id"), "report", ["district_id"], unique=False)
    op.create_index(op.f("ix_report_hazard_id"), "report", ["hazard_id"], unique=False)
    op.create_index(
        op.f("ix_report_reporter_user_id"), "report", ["reporter_user_id"], unique=False
    )
    op.create_table(
        "safety_map",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("group_id", sa.BigInteger(), nullable=True),
        sa.Column("department_id", sa.BigInteger(), nullable=True),
        sa.Column("is_published", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
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
        sa.CheckConstraint(
            "NOT is_published OR published_at IS NOT NULL",
            name=op.f("ck_safety_map_published_at_set"),
        ),
        sa.CheckConstraint(
            "group_id IS NOT NULL OR department_id IS NOT NULL",
            name=op.f("ck_safety_map_has_owner"),
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_safety_map_department_id_department"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["community_group.id"],
            name=op.f("fk_safety_map_group_id_community_group"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_map")),
    )
    op.create_index(op.f("ix_safety_map_group_id"), "safety_map", ["group_id"], unique=False)
    op.create_table(
        "inspection_part_grade",
        sa.Column("inspection_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "part",
            sa.Enum(
                "roof",
                "exterior_wall",
                "interior",
                "electrical",
                "mechanical",
                "structure",
                "playground_equipment",
                "other",
                name="buildingpart",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "grade",
            sa.Enum(
                "A",
                "B",
                "C",
                "D",
                name="part_grade",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
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
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspection.id"],
            name=op.f("fk_inspection_part_grade_inspection_id_inspection"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_part_grade")),
        sa.UniqueConstraint("inspection_id", "part", name="uq_inspection_part"),
    )
    op.create_geospatial_table(
        "patrol_observation",
        sa.Column("patrol_id", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("subject_layer", sa.String(length=40), nullable=True),
        sa.Column("subject_id", sa.BigInteger(), nullable=True),
        sa.Column("district_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
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
        sa.CheckConstraint("ST_IsValid(geom)", name=op.f("ck_patrol_observation_geom_valid")),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_patrol_observation_district_id_district"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["patrol_id"],
            ["patrol.id"],
            name=op.f("fk_patrol_observation_patrol_id_patrol"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_observation")),
    )
    op.create_geospatial_index(
        "idx_patrol_observation_geom",
        "patrol_observation",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(
        op.f("ix_patrol_observation_district_id"),
        "patrol_observation",
        ["district_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_patrol_observation_patrol_id"), "patrol_observation", ["patrol_id"], unique=False
    )
    op.create_table(
        "report_contact",
        sa.Column("report_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["report.id"],
            name=op.f("fk_report_contact_report_id_report"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("report_id", name=op.f("pk_report_contact")),
    )
    op.create_table(
        "report_status_change",
        sa.Column("report_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum(
                "submitted",
                "accepted",
                "in_progress",
                "resolved",
                "closed_duplicate",
                "closed_not_responsible",
                "closed_no_action",
                "rejected",
                name="from_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "submitted",
                "accepted",
                "in_progress",
                "resolved",
                "closed_duplicate",
                "closed_not_responsible",
                "closed_no_action",
                "rejected",
                name="to_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("public_comment", sa.Text(), nullable=True),
        sa.Column("internal_note", sa.Text(), nullable=True),
        sa.Column("actor_user_id", sa.BigInteger(), nullable=True),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
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
        sa.ForeignKeyConstraint(
            ["actor_user_id"],
            ["user_account.id"],
            name=op.f("fk_report_status_change_actor_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["report.id"],
            name=op.f("fk_report_status_change_report_id_report"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_status_change")),
    )
    op.create_index(
        op.f("ix_report_status_change_report_id"),
        "report_status_change",
        ["report_id"],
        unique=False,
    )
    op.create_table(
        "report_supporter",
        sa.Column("report_id", sa.BigInteger(), nullable=False),
        sa.Column("supporter_key", sa.String(length=128), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
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
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["report.id"],
            name=op.f("fk_report_supporter_report_id_report"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_supporter")),
        sa.UniqueConstraint("report_id", "supporter_key", name="uq_report_supporter"),
    )
    op.create_geospatial_table(
        "safety_map_feature",
        sa.Column("safety_map_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "easy_to_enter",
                "hard_to_see",
                "easy_to_enter_hard_to_see",
                "safe_haven",
                "help_place",
                "school_route",
                "lone_stretch",
                "note",
                name="safetyfeaturekind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "extra",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("source_id", sa.String(length=100), nullable=True),
        sa.Column("district_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
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
        sa.CheckConstraint(
            "geom IS NULL OR ST_GeometryType(geom) IN ('ST_Point', 'ST_LineString', 'ST_MultiLineString', 'ST_Polygon', 'ST_MultiPolygon')",
            name=op.f("ck_safety_map_feature_geom_type"),
        ),
        sa.CheckConstraint("ST_IsValid(geom)", name=op.f("ck_safety_map_feature_geom_valid")),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_safety_map_feature_district_id_district"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["safety_map_id"],
            ["safety_map.id"],
            name=op.f("fk_safety_map_feature_safety_map_id_safety_map"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_map_feature")),
        sa.UniqueConstraint("safety_map_id", "source_id", name="uq_safety_map_feature_source"),
    )
    op.create_geospatial_index(
        "idx_safety_map_feature_geom",
        "safety_map_feature",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(
        op.f("ix_safety_map_feature_district_id"),
        "safety_map_feature",
        ["district_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_safety_map_feature_safety_map_id"),
        "safety_map_feature",
        ["safety_map_id"],
        unique=False,
    )


# What downgrade() destroys: the whole schema, so every row of every table is lost.
# district_part is not counted: a trigger makes its rows from district's.
TABLES = (
    "city",
    "department",
    "district",
    "school_district",
    "community_group",
    "facility",
    "hazard",
    "report_category",
    "user_account",
    "attachment",
    "audit_log",
    "inspection",
    "membership",
    "patrol",
    "report",
    "safety_map",
    "inspection_part_grade",
    "patrol_observation",
    "report_contact",
    "report_status_change",
    "report_supporter",
    "safety_map_feature",
)
LOSES = [
    *(table_rows(name) for name in TABLES),
    # `machimap db upgrade` writes each registry layer's row afresh: only a row changed since
    # (curated by staff, or its version moved by a write) holds anything of this instance.
    table_rows("layer_metadata", where="updated_at > created_at OR version > 0"),
]


def downgrade() -> None:
    op.drop_index(op.f("ix_safety_map_feature_safety_map_id"), table_name="safety_map_feature")
    op.drop_index(op.f("ix_safety_map_feature_district_id"), table_name="safety_map_feature")
    op.drop_geospatial_index(
        "idx_safety_map_feature_geom",
        table_name="safety_map_feature",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("safety_map_feature")
    op.drop_table("report_supporter")
    op.drop_index(op.f("ix_report_status_change_report_id"), table_name="report_status_change")
    op.drop_table("report_status_change")
    op.drop_table("report_contact")
    op.drop_index(op.f("ix_patrol_observation_patrol_id"), table_name="patrol_observation")
    op.drop_index(op.f("ix_patrol_observation_district_id"), table_name="patrol_observation")
    op.drop_geospatial_index(
        "idx_patrol_observation_geom",
        table_name="patrol_observation",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("patrol_observation")
    op.drop_table("inspection_part_grade")
    op.drop_index(op.f("ix_safety_map_group_id"), table_name="safety_map")
    op.drop_table("safety_map")
    op.drop_index(op.f("ix_report_reporter_user_id"), table_name="report")
    op.drop_index(op.f("ix_report_hazard_id"), table_name="report")
    op.drop_index(op.f("ix_report_district_id"), table_name="report")
    op.drop_index(op.f("ix_report_department_id"), table_name="report")
    op.drop_index(op.f("ix_report_category_id"), table_name="report")
    op.drop_geospatial_index(
        "idx_report_geom", table_name="report", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("report")
    op.drop_index(op.f("ix_patrol_group_id"), table_name="patrol")
    op.drop_geospatial_index(
        "idx_patrol_route", table_name="patrol", postgresql_using="gist", column_name="route"
    )
    op.drop_geospatial_table("patrol")
    op.drop_index(op.f("ix_membership_user_id"), table_name="membership")
    op.drop_table("membership")
    op.drop_index("ix_inspection_subject", table_name="inspection")
    op.drop_table("inspection")
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_actor_user_id"), table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_attachment_subject", table_name="attachment")
    op.drop_table("attachment")
    op.drop_index(op.f("ix_user_account_department_id"), table_name="user_account")
    op.drop_table("user_account")
    op.drop_table("report_category")
    op.drop_index(op.f("ix_hazard_observed_at"), table_name="hazard")
    op.drop_index(op.f("ix_hazard_district_id"), table_name="hazard")
    op.drop_geospatial_index(
        "idx_hazard_geom", table_name="hazard", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("hazard")
    op.drop_index(op.f("ix_facility_district_id"), table_name="facility")
    op.drop_geospatial_index(
        "idx_facility_geom", table_name="facility", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("facility")
    op.drop_index(op.f("ix_district_part_district_id"), table_name="district_part")
    op.drop_index("ix_district_part_depth", table_name="district_part")
    op.drop_geospatial_index(
        "idx_district_part_geom",
        table_name="district_part",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("district_part")
    op.drop_index(op.f("ix_community_group_district_id"), table_name="community_group")
    op.drop_table("community_group")
    op.drop_geospatial_index(
        "idx_school_district_geom",
        table_name="school_district",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("school_district")
    op.drop_table("layer_metadata")
    op.drop_index(op.f("ix_district_parent_id"), table_name="district")
    op.drop_geospatial_index(
        "idx_district_geom", table_name="district", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("district")
    op.drop_table("department")
    op.drop_table("city")
