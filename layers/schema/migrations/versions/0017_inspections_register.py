"""inspections and the facility register: buildings, inspection kinds as data, follow-ups,
play equipment and its closure

A facility's buildings (棟) become rows of their own (``facility_building``): what the
公共施設台帳 holds per building (built 年度, floor area, structure, storeys, seismic standard,
diagnosis and retrofit, the 総務省 cost category, owner, in use or not). Inspection kinds
become data (``inspection_kind``) with their interval, the subjects they apply to and the
parts they grade, so a city adds its own; ``inspection.kind`` and the graded ``part`` refer to
that data instead of a fixed list. An inspection gains the JPFA hazard level, a follow-up
with its deadline, the named inspector, a release switch for its findings and photos, an
Idempotency-Key (the field form sends drafts kept offline) and a version for If-Match.

Play equipment (遊具) is a facility kind, placed in its park (``parent_facility_id``); a
facility has a ``use_status`` the public map shows, closed (使用禁止) by an inspection
that finds it dangerous until a later one clears it.

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from layers.schema.losses import Loss, column_values, table_rows

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_FACILITY_KINDS = (
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
)
FACILITY_KINDS = (
    *OLD_FACILITY_KINDS,
    "play_equipment",
    "fire_station",
    "health_center",
    "public_housing",
)
NEW_FACILITY_KINDS = FACILITY_KINDS[len(OLD_FACILITY_KINDS) :]
OLD_INSPECTION_KINDS = (
    "building_article12",
    "daily",
    "school_route",
    "playground",
    "streetlight",
    "other",
)
OLD_PARTS = (
    "roof",
    "exterior_wall",
    "interior",
    "electrical",
    "mechanical",
    "structure",
    "playground_equipment",
    "other",
)
STRUCTURES = ("rc", "src", "steel", "wood", "light_steel", "block", "other")
SEISMIC = ("pre_1981", "post_1981", "retrofitted", "unknown")
COST_CATEGORIES = (
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
)
OWNERS = ("city", "neighbourhood", "other_public", "private")
USE_STATUSES = ("open", "closed")
FOLLOW_UPS = ("none", "repair", "close", "survey")
GRADINGS = ("parts", "jpfa", "overall")
CODE = "^[a-z][a-z0-9_]{0,39}$"

BUILDING_PARTS = [
    {"code": "roof", "ja": "屋根・屋上", "en": "Roof"},
    {"code": "exterior_wall", "ja": "外壁", "en": "Exterior walls"},
    {"code": "interior", "ja": "内部仕上", "en": "Interior finishes"},
    {"code": "electrical", "ja": "電気設備", "en": "Electrical services"},
    {"code": "mechanical", "ja": "機械設備", "en": "Mechanical services"},
]
EQUIPMENT_PARTS = [
    {"code": "electrical", "ja": "電気設備", "en": "Electrical services"},
    {"code": "mechanical", "ja": "機械設備（換気・給排水）", "en": "Mechanical services"},
    {"code": "elevator", "ja": "昇降機", "en": "Lifts"},
    {"code": "fire_protection", "ja": "防火設備", "en": "Fire protection"},
]
# (code, ja, en, months, subject layer, subject kinds, parts, grading, legal basis)
KINDS: list[tuple[str, str, str, int | None, str | None, list[str], list[object], str, str]] = [
    (
        "building_article12",
        "建築基準法12条点検（敷地・構造）",
        "Building inspection (Building Standards Act art. 12)",
        36,
        "facility_building",
        [],
        list(BUILDING_PARTS),
        "parts",
        "建築基準法第12条第2項（3年以内ごと）",
    ),
    (
        "building_equipment",
        "建築基準法12条点検（建築設備・昇降機）",
        "Building services and lifts inspection (art. 12)",
        12,
        "facility_building",
        [],
        list(EQUIPMENT_PARTS),
        "parts",
        "建築基準法第12条第4項（1年以内ごと）",
    ),
    (
        "playground",
        "遊具定期点検",
        "Play equipment inspection (JPFA)",
        12,
        "facility",
        ["play_equipment"],
        [],
        "jpfa",
        "都市公園における遊具の安全確保に関する指針・JPFA 遊具の安全に関する規準（年1回以上）",
    ),
    ("daily", "日常点検", "Routine inspection", None, None, [], [], "overall", ""),
    (
        "school_route",
        "通学路合同点検",
        "Joint school-route inspection",
        12,
        "school_route_site",
        [],
        [],
        "overall",
        "通学路交通安全プログラム",
    ),
    (
        "streetlight",
        "防犯灯点検",
        "Street light inspection",
        12,
        "facility",
        ["streetlight"],
        [],
        "overall",
        "",
    ),
    ("other", "その他の点検", "Other inspection", None, None, [], [], "overall", ""),
]


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


def _rules(table: str) -> None:
    op.execute(
        f"CREATE TRIGGER {table}_updated_at BEFORE UPDATE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION machimap_set_updated_at()"
    )
    op.execute(
        f"CREATE TRIGGER {table}_audit AFTER INSERT OR UPDATE OR DELETE ON {table} "
        "FOR EACH ROW WHEN (coalesce(current_setting('machimap.actor_id', true), '') <> '') "
        "EXECUTE FUNCTION machimap_audit()"
    )


def _facility_kinds(kinds: Sequence[str]) -> None:
    op.drop_constraint(op.f("ck_facility_facilitykind"), "facility", type_="check")
    op.create_check_constraint(op.f("ck_facility_facilitykind"), "facility", _in("kind", kinds))


def upgrade() -> None:
    _facility_kinds(FACILITY_KINDS)
    op.add_column(
        "facility",
        sa.Column("use_status", sa.String(40), server_default=sa.text("'open'"), nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_facility_usestatus"), "facility", _in("use_status", USE_STATUSES)
    )
    op.add_column("facility", sa.Column("closed_on", sa.Date(), nullable=True))
    op.add_column("facility", sa.Column("closed_by_inspection_id", sa.BigInteger(), nullable=True))
    op.add_column("facility", sa.Column("parent_facility_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_facility_parent_facility_id_facility"),
        "facility",
        "facility",
        ["parent_facility_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_index(op.f("ix_facility_parent_facility_id"), "facility", ["parent_facility_id"])

    op.create_table(
        "facility_building",
        *_stamps(),
        sa.Column("facility_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("built_year", sa.Integer(), nullable=True),
        sa.Column("floor_area_m2", sa.Float(), nullable=True),
        sa.Column("structure", sa.String(40), nullable=True),
        sa.Column("storeys", sa.Integer(), nullable=True),
        sa.Column(
            "seismic_standard", sa.String(40), server_default=sa.text("'unknown'"), nullable=False
        ),
        sa.Column("seismic_diagnosis_year", sa.Integer(), nullable=True),
        sa.Column("retrofit_year", sa.Integer(), nullable=True),
        sa.Column("is_value", sa.Float(), nullable=True),
        sa.Column("cost_category", sa.String(40), nullable=True),
        sa.Column("owner", sa.String(40), server_default=sa.text("'city'"), nullable=False),
        sa.Column("owner_district_id", sa.BigInteger(), nullable=True),
        sa.Column("in_use", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "extra",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("source", sa.String(100), server_default=sa.text("'manual'"), nullable=False),
        sa.Column("source_id", sa.String(100), nullable=True),
        sa.Column(
            "synthetic",
            postgresql.ARRAY(sa.String(40)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.CheckConstraint(
            "built_year IS NULL OR built_year BETWEEN 1850 AND 2100",
            name=op.f("ck_facility_building_built_year"),
        ),
        sa.CheckConstraint(
            "floor_area_m2 IS NULL OR floor_area_m2 > 0",
            name=op.f("ck_facility_building_floor_area"),
        ),
        sa.CheckConstraint(
            "storeys IS NULL OR storeys BETWEEN 1 AND 200",
            name=op.f("ck_facility_building_storeys"),
        ),
        sa.CheckConstraint(
            "is_value IS NULL OR is_value BETWEEN 0 AND 10",
            name=op.f("ck_facility_building_is_value"),
        ),
        sa.CheckConstraint(
            "seismic_diagnosis_year IS NULL OR seismic_diagnosis_year BETWEEN 1950 AND 2100",
            name=op.f("ck_facility_building_diagnosis_year"),
        ),
        sa.CheckConstraint(
            "retrofit_year IS NULL OR retrofit_year BETWEEN 1950 AND 2100",
            name=op.f("ck_facility_building_retrofit_year"),
        ),
        sa.CheckConstraint("name <> ''", name=op.f("ck_facility_building_name_present")),
        sa.CheckConstraint(
            "structure IS NULL OR " + _in("structure", STRUCTURES),
            name=op.f("ck_facility_building_structure"),
        ),
        sa.CheckConstraint(
            _in("seismic_standard", SEISMIC), name=op.f("ck_facility_building_seismicstandard")
        ),
        sa.CheckConstraint(
            "cost_category IS NULL OR " + _in("cost_category", COST_CATEGORIES),
            name=op.f("ck_facility_building_costcategory"),
        ),
        sa.CheckConstraint(_in("owner", OWNERS), name=op.f("ck_facility_building_owner")),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facility.id"],
            name=op.f("fk_facility_building_facility_id_facility"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_district_id"],
            ["district.id"],
            name=op.f("fk_facility_building_owner_district_id_district"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facility_building")),
        sa.UniqueConstraint("source", "source_id", name="uq_facility_building_source"),
    )
    op.create_index(op.f("ix_facility_building_facility_id"), "facility_building", ["facility_id"])
    _rules("facility_building")

    op.create_table(
        "inspection_kind",
        *_stamps(),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("name_ja", sa.String(100), nullable=False),
        sa.Column("name_en", sa.String(100), nullable=False),
        sa.Column("interval_months", sa.Integer(), nullable=True),
        sa.Column("subject_layer", sa.String(40), nullable=True),
        sa.Column(
            "subject_kinds",
            postgresql.ARRAY(sa.String(40)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column(
            "parts",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'"),
            nullable=False,
        ),
        sa.Column("grading", sa.String(20), server_default=sa.text("'overall'"), nullable=False),
        sa.Column("legal_basis", sa.String(300), server_default=sa.text("''"), nullable=False),
        sa.Column("department_id", sa.BigInteger(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("builtin", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.CheckConstraint(f"code ~ '{CODE}'", name=op.f("ck_inspection_kind_code_format")),
        sa.CheckConstraint(
            "interval_months IS NULL OR interval_months BETWEEN 1 AND 240",
            name=op.f("ck_inspection_kind_interval"),
        ),
        sa.CheckConstraint(_in("grading", GRADINGS), name=op.f("ck_inspection_kind_grading")),
        sa.CheckConstraint(
            "jsonb_typeof(parts) = 'array'", name=op.f("ck_inspection_kind_parts_array")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_inspection_kind_department_id_department"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_kind")),
        sa.UniqueConstraint("code", name="uq_inspection_kind_code"),
    )
    _rules("inspection_kind")
    kind_table = sa.table(
        "inspection_kind",
        sa.column("code", sa.String),
        sa.column("name_ja", sa.String),
        sa.column("name_en", sa.String),
        sa.column("interval_months", sa.Integer),
        sa.column("subject_layer", sa.String),
        sa.column("subject_kinds", postgresql.ARRAY(sa.String)),
        sa.column("parts", postgresql.JSONB),
        sa.column("grading", sa.String),
        sa.column("legal_basis", sa.String),
        sa.column("builtin", sa.Boolean),
    )
    op.bulk_insert(
        kind_table,
        [
            {
                "code": code,
                "name_ja": ja,
                "name_en": en,
                "interval_months": months,
                "subject_layer": layer,
                "subject_kinds": kinds,
                "parts": parts,
                "grading": grading,
                "legal_basis": basis,
                "builtin": True,
            }
            for code, ja, en, months, layer, kinds, parts, grading, basis in KINDS
        ],
    )

    op.drop_constraint(op.f("ck_inspection_inspectionkind"), "inspection", type_="check")
    op.create_foreign_key(
        op.f("fk_inspection_kind_inspection_kind"),
        "inspection",
        "inspection_kind",
        ["kind"],
        ["code"],
        onupdate="CASCADE",
        ondelete="RESTRICT",
    )
    op.add_column("inspection", sa.Column("hazard_level", sa.SmallInteger(), nullable=True))
    op.create_check_constraint(
        op.f("ck_inspection_hazard_level"), "inspection", "hazard_level BETWEEN 0 AND 3"
    )
    op.add_column(
        "inspection",
        sa.Column(
            "follow_up_action", sa.String(40), server_default=sa.text("'none'"), nullable=False
        ),
    )
    op.create_check_constraint(
        op.f("ck_inspection_followupaction"), "inspection", _in("follow_up_action", FOLLOW_UPS)
    )
    op.add_column("inspection", sa.Column("follow_up_due", sa.Date(), nullable=True))
    op.add_column("inspection", sa.Column("inspector_name", sa.String(100), nullable=True))
    op.add_column(
        "inspection",
        sa.Column("released", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.add_column("inspection", sa.Column("released_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("inspection", sa.Column("idempotency_key", sa.String(64), nullable=True))
    op.add_column("inspection", sa.Column("idempotency_fingerprint", sa.String(64), nullable=True))
    op.add_column(
        "inspection",
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
    )
    op.create_index(
        "uq_inspection_idempotency_key",
        "inspection",
        ["idempotency_key"],
        unique=True,
        postgresql_where=sa.text("idempotency_key IS NOT NULL"),
    )
    # The latest inspection of a subject by kind: what the due board reads.
    op.create_index(
        "ix_inspection_latest",
        "inspection",
        ["subject_layer", "subject_id", "kind", sa.text("inspected_on DESC"), sa.text("id DESC")],
    )
    op.create_foreign_key(
        op.f("fk_facility_closed_by_inspection_id_inspection"),
        "facility",
        "inspection",
        ["closed_by_inspection_id"],
        ["id"],
        ondelete="SET NULL",
    )

    op.drop_constraint(
        op.f("ck_inspection_part_grade_buildingpart"), "inspection_part_grade", type_="check"
    )
    op.create_check_constraint(
        op.f("ck_inspection_part_grade_part_format"), "inspection_part_grade", f"part ~ '{CODE}'"
    )


LOSES: list[Loss] = [
    table_rows("facility_building"),
    table_rows(
        "inspection_kind",
        where="NOT builtin",
        then=(
            "その種類の点検は「その他」になります",
            "inspections of those kinds become 'other'",
        ),
    ),
    Loss(
        "inspection_part_grade.part",
        "SELECT count(*) FROM inspection_part_grade WHERE part NOT IN "
        f"({', '.join(repr(p) for p in OLD_PARTS)})",
        ("inspection_part_grade",),
        then=("部位は「その他」になります", "the parts become 'other'"),
    ),
    Loss(
        "facility.kind",
        f"SELECT count(*) FROM facility WHERE {_in('kind', NEW_FACILITY_KINDS)}",
        ("facility",),
        then=(
            "遊具・消防署・保健センター・市営住宅は「その他」の施設になります",
            "play equipment, fire stations, health centres and public housing become 'other'",
        ),
    ),
    column_values("facility", "use_status", default="'open'"),
    column_values("facility", "closed_on"),
    column_values("facility", "parent_facility_id"),
    column_values("inspection", "hazard_level"),
    column_values("inspection", "follow_up_action", default="'none'"),
    column_values("inspection", "follow_up_due"),
    column_values("inspection", "inspector_name"),
    column_values(
        "inspection",
        "released",
        default="false",
        then=(
            "公開された所見と写真は非公開に戻ります",
            "released findings and photos are withheld again",
        ),
    ),
    column_values("inspection", "idempotency_key"),
]


def downgrade() -> None:
    op.drop_constraint(
        op.f("ck_inspection_part_grade_part_format"), "inspection_part_grade", type_="check"
    )
    # Two parts of one inspection both becoming 'other' would break uq_inspection_part: keep
    # the worst grade of them.
    old = ", ".join(repr(p) for p in OLD_PARTS)
    op.execute(
        f"DELETE FROM inspection_part_grade g USING inspection_part_grade h "
        f"WHERE g.part NOT IN ({old}) AND h.part NOT IN ({old}) "
        "AND g.inspection_id = h.inspection_id AND (g.grade, g.id) < (h.grade, h.id)"
    )
    op.execute(
        f"UPDATE inspection_part_grade SET part = 'other' WHERE part NOT IN ({old}) "
        "AND NOT EXISTS (SELECT 1 FROM inspection_part_grade o WHERE o.part = 'other' "
        "AND o.inspection_id = inspection_part_grade.inspection_id)"
    )
    op.execute(f"DELETE FROM inspection_part_grade WHERE part NOT IN ({old})")
    op.create_check_constraint(
        op.f("ck_inspection_part_grade_buildingpart"),
        "inspection_part_grade",
        _in("part", OLD_PARTS),
    )

    op.drop_constraint(
        op.f("fk_facility_closed_by_inspection_id_inspection"), "facility", type_="foreignkey"
    )
    op.drop_index("ix_inspection_latest", "inspection")
    op.drop_index("uq_inspection_idempotency_key", "inspection")
    for name in (
        "version",
        "idempotency_fingerprint",
        "idempotency_key",
        "released_at",
        "released",
        "inspector_name",
        "follow_up_due",
        "follow_up_action",
        "hazard_level",
    ):
        op.drop_column("inspection", name)
    op.drop_constraint(op.f("fk_inspection_kind_inspection_kind"), "inspection", type_="foreignkey")
    op.execute(
        f"UPDATE inspection SET kind = 'other' WHERE kind NOT IN "
        f"({', '.join(repr(k) for k in OLD_INSPECTION_KINDS)})"
    )
    op.create_check_constraint(
        op.f("ck_inspection_inspectionkind"), "inspection", _in("kind", OLD_INSPECTION_KINDS)
    )
    op.drop_table("inspection_kind")
    op.drop_table("facility_building")

    op.drop_index(op.f("ix_facility_parent_facility_id"), "facility")
    op.drop_constraint(
        op.f("fk_facility_parent_facility_id_facility"), "facility", type_="foreignkey"
    )
    for name in ("parent_facility_id", "closed_by_inspection_id", "closed_on", "use_status"):
        op.drop_column("facility", name)
    op.execute(f"UPDATE facility SET kind = 'other' WHERE {_in('kind', NEW_FACILITY_KINDS)}")
    _facility_kinds(OLD_FACILITY_KINDS)
