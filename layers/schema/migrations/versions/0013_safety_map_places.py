"""safety-map places made together: their author, version, history and deletion

A group's members add places to their 地域安全マップ together (issue 16). Each place now
records who added it (members edit their own, leaders all), a version that a trigger adds
one to on every update (the ETag two editors are checked against), and a soft deletion, so
deleting is undoable. Another trigger keeps every state of a place in
``safety_map_feature_version`` with who made it (the transaction's audit actor), so no write
path, the generic layer editor and imports included, can change a place without a trace.
Groups may be a school class (the teacher leads, pupils are members). Places get the
method's sub-item (``detail``: 高い塀, 街灯が少ない道 ... 交番, コンビニ) and maps an area
(``safety_map.district_id``).

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

from layers.schema.losses import Loss, column_values, table_rows

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DETAILS = (
    "high_wall",
    "quiet_road",
    "dark_road",
    "blind_park",
    "gap_between_houses",
    "graffiti_litter",
    "abandoned_bicycles",
    "vacant_house",
    "other",
    "child_safe_house",
    "police_box",
    "convenience_store",
    "school",
    "shop",
    "hospital",
    "aed",
)
KINDS = (
    "easy_to_enter",
    "hard_to_see",
    "easy_to_enter_hard_to_see",
    "safe_haven",
    "help_place",
    "school_route",
    "lone_stretch",
    "note",
)
CHANGES = ("added", "edited", "deleted", "restored")
GROUP_KINDS = (
    "neighbourhood_association",
    "pta",
    "crime_prevention_volunteer",
    "community_council",
    "disaster_prevention",
    "other",
)


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# machimap.place_change lets a restore name itself; anything else is worked out from the row.
VERSIONING = """
CREATE FUNCTION machimap_place_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.version := OLD.version + 1;
  RETURN NEW;
END $$;

CREATE FUNCTION machimap_place_version_keep() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  change text;
BEGIN
  IF TG_OP = 'INSERT' THEN
    change := 'added';
  ELSIF OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL THEN
    change := 'deleted';
  ELSIF OLD.deleted_at IS NOT NULL AND NEW.deleted_at IS NULL THEN
    change := 'restored';
  ELSE
    change := coalesce(nullif(current_setting('machimap.place_change', true), ''), 'edited');
  END IF;
  INSERT INTO safety_map_feature_version
    (feature_id, safety_map_id, version, change, kind, detail, title, note, geom,
     changed_by_user_id)
  VALUES (NEW.id, NEW.safety_map_id, NEW.version, change, NEW.kind, NEW.detail, NEW.title,
          NEW.note, NEW.geom,
          nullif(current_setting('machimap.actor_id', true), '')::bigint);
  RETURN NULL;
END $$;
"""


def _group_kinds(kinds: Sequence[str]) -> None:
    op.drop_constraint(op.f("ck_community_group_groupkind"), "community_group", type_="check")
    op.create_check_constraint(
        op.f("ck_community_group_groupkind"), "community_group", _in("kind", kinds)
    )


def upgrade() -> None:
    _group_kinds((*GROUP_KINDS, "school_class"))
    op.add_column("safety_map", sa.Column("district_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_safety_map_district_id_district"),
        "safety_map",
        "district",
        ["district_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_index(op.f("ix_safety_map_district_id"), "safety_map", ["district_id"])

    op.add_column("safety_map_feature", sa.Column("detail", sa.String(40), nullable=True))
    op.create_check_constraint(
        op.f("ck_safety_map_feature_safetyfeaturedetail"),
        "safety_map_feature",
        _in("detail", DETAILS),
    )
    op.add_column("safety_map_feature", sa.Column("author_user_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_safety_map_feature_author_user_id_user_account"),
        "safety_map_feature",
        "user_account",
        ["author_user_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_index(
        op.f("ix_safety_map_feature_author_user_id"), "safety_map_feature", ["author_user_id"]
    )
    op.add_column(
        "safety_map_feature",
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
    )
    op.add_column(
        "safety_map_feature",
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
    )

    op.create_table(
        "safety_map_feature_version",
        sa.Column("feature_id", sa.BigInteger(), nullable=False),
        sa.Column("safety_map_id", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("change", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("detail", sa.String(40), nullable=True),
        sa.Column("title", sa.String(200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("changed_by_user_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "geom",
            Geometry(geometry_type="GEOMETRY", srid=4326, spatial_index=False),
            nullable=False,
        ),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            _in("change", CHANGES), name=op.f("ck_safety_map_feature_version_placechange")
        ),
        sa.CheckConstraint(
            _in("kind", KINDS), name=op.f("ck_safety_map_feature_version_safetyfeaturekind")
        ),
        sa.CheckConstraint(
            _in("detail", DETAILS),
            name=op.f("ck_safety_map_feature_version_safetyfeaturedetail"),
        ),
        sa.CheckConstraint(
            "ST_IsValid(geom)", name=op.f("ck_safety_map_feature_version_geom_valid")
        ),
        sa.ForeignKeyConstraint(
            ["feature_id"],
            ["safety_map_feature.id"],
            name=op.f("fk_safety_map_feature_version_feature_id_safety_map_feature"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["safety_map_id"],
            ["safety_map.id"],
            name=op.f("fk_safety_map_feature_version_safety_map_id_safety_map"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["changed_by_user_id"],
            ["user_account.id"],
            name=op.f("fk_safety_map_feature_version_changed_by_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_map_feature_version")),
        sa.UniqueConstraint("feature_id", "version", name="uq_safety_map_feature_version"),
    )
    op.create_index(
        "idx_safety_map_feature_version_geom",
        "safety_map_feature_version",
        ["geom"],
        postgresql_using="gist",
    )
    op.create_index(
        op.f("ix_safety_map_feature_version_safety_map_id"),
        "safety_map_feature_version",
        ["safety_map_id"],
    )
    op.execute(
        "CREATE TRIGGER safety_map_feature_version_updated_at BEFORE UPDATE ON "
        "safety_map_feature_version FOR EACH ROW EXECUTE FUNCTION machimap_set_updated_at()"
    )
    # The places there are: their first version, so every place has a history to restore.
    op.execute(
        "INSERT INTO safety_map_feature_version (feature_id, safety_map_id, version, change, "
        "kind, detail, title, note, geom, created_at) SELECT id, safety_map_id, version, "
        "'added', kind, detail, title, note, geom, created_at FROM safety_map_feature"
    )
    op.execute(VERSIONING)
    op.execute(
        "CREATE TRIGGER safety_map_feature_version_bump BEFORE UPDATE ON safety_map_feature "
        "FOR EACH ROW EXECUTE FUNCTION machimap_place_version_bump()"
    )
    op.execute(
        "CREATE TRIGGER safety_map_feature_version_keep AFTER INSERT OR UPDATE ON "
        "safety_map_feature FOR EACH ROW EXECUTE FUNCTION machimap_place_version_keep()"
    )


LOSES: list[Loss] = [
    Loss(
        "community_group.kind",
        "SELECT count(*) FROM community_group WHERE kind = 'school_class'",
        ("community_group",),
        ("行", "row", "rows"),
        ("学級のグループは「その他」になります", "school classes become 'other' groups"),
    ),
    table_rows("safety_map_feature_version", where="version > 1"),
    column_values("safety_map", "district_id"),
    column_values("safety_map_feature", "detail"),
    column_values("safety_map_feature", "author_user_id"),
    Loss(
        "safety_map_feature.deleted_at",
        "SELECT count(*) FROM safety_map_feature WHERE deleted_at IS NOT NULL",
        ("safety_map_feature",),
        ("行", "row", "rows"),
        ("削除済みの地点は元に戻せなくなります", "deleted places can no longer be restored"),
    ),
]


def downgrade() -> None:
    op.execute("DROP TRIGGER safety_map_feature_version_keep ON safety_map_feature")
    op.execute("DROP TRIGGER safety_map_feature_version_bump ON safety_map_feature")
    op.execute("DROP FUNCTION machimap_place_version_keep()")
    op.execute("DROP FUNCTION machimap_place_version_bump()")
    op.drop_table("safety_map_feature_version")
    # Deleted places were hidden; without the column they would come back, so they go.
    op.execute("DELETE FROM safety_map_feature WHERE deleted_at IS NOT NULL")
    op.drop_column("safety_map_feature", "deleted_at")
    op.drop_column("safety_map_feature", "version")
    op.drop_index(op.f("ix_safety_map_feature_author_user_id"), "safety_map_feature")
    op.drop_constraint(
        op.f("fk_safety_map_feature_author_user_id_user_account"),
        "safety_map_feature",
        type_="foreignkey",
    )
    op.drop_column("safety_map_feature", "author_user_id")
    op.drop_constraint(
        op.f("ck_safety_map_feature_safetyfeaturedetail"), "safety_map_feature", type_="check"
    )
    op.drop_column("safety_map_feature", "detail")
    op.drop_index(op.f("ix_safety_map_district_id"), "safety_map")
    op.drop_constraint(op.f("fk_safety_map_district_id_district"), "safety_map", type_="foreignkey")
    op.drop_column("safety_map", "district_id")
    op.execute("UPDATE community_group SET kind = 'other' WHERE kind = 'school_class'")
    _group_kinds(GROUP_KINDS)
