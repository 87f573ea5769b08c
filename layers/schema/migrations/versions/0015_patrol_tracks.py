"""patrols recorded on a phone or from GPX: every fix with its time, observations sent on

A patrol's route was one line sent through the API. Now a walk recorded on a phone (or read
from a GPX file) keeps every fix it kept, in order and with its time, elevation and accuracy
(``patrol_point``); the route is drawn from them, one part per stretch recorded without a
gap. The walk page uploads once (an Idempotency-Key, as reports have) and says how many
poor fixes were dropped. Observations made on the way get their time, author, their own
Idempotency-Key and the resident report 「市に知らせる」 made of them (``report.source``
'patrol'). A group chooses whether the city sees its coverage (``share_coverage``).

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

from layers.schema.losses import Loss, column_values, table_rows

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REPORT_SOURCES = ("web", "api", "open311", "staff")
PATROL_SOURCES = ("phone", "gpx", "api")


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _report_sources(sources: Sequence[str]) -> None:
    op.drop_constraint(op.f("ck_report_reportsource"), "report", type_="check")
    op.create_check_constraint(op.f("ck_report_reportsource"), "report", _in("source", sources))


def upgrade() -> None:
    _report_sources((*REPORT_SOURCES, "patrol"))
    op.add_column(
        "community_group",
        sa.Column("share_coverage", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )

    op.add_column(
        "patrol",
        sa.Column("source", sa.String(40), server_default=sa.text("'api'"), nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_patrol_patrolsource"), "patrol", _in("source", PATROL_SOURCES)
    )
    op.add_column("patrol", sa.Column("idempotency_key", sa.String(64), nullable=True))
    op.add_column("patrol", sa.Column("idempotency_fingerprint", sa.String(64), nullable=True))
    op.create_unique_constraint(op.f("uq_patrol_idempotency_key"), "patrol", ["idempotency_key"])
    for name in ("dropped_inaccurate", "dropped_too_fast"):
        op.add_column(
            "patrol",
            sa.Column(name, sa.Integer(), server_default=sa.text("0"), nullable=False),
        )

    op.create_table(
        "patrol_point",
        sa.Column("patrol_id", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("elevation_m", sa.Float(), nullable=True),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.Column(
            "geom",
            Geometry(geometry_type="POINT", srid=4326, spatial_index=False),
            nullable=False,
        ),
        sa.CheckConstraint("ST_IsValid(geom)", name=op.f("ck_patrol_point_geom_valid")),
        sa.CheckConstraint("seq >= 0 AND part >= 0", name=op.f("ck_patrol_point_order_positive")),
        sa.CheckConstraint(
            "accuracy_m IS NULL OR accuracy_m >= 0",
            name=op.f("ck_patrol_point_accuracy_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["patrol_id"],
            ["patrol.id"],
            name=op.f("fk_patrol_point_patrol_id_patrol"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("patrol_id", "seq", name=op.f("pk_patrol_point")),
    )
    op.create_index("idx_patrol_point_geom", "patrol_point", ["geom"], postgresql_using="gist")

    op.add_column(
        "patrol_observation",
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column("patrol_observation", sa.Column("author_user_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_patrol_observation_author_user_id_user_account"),
        "patrol_observation",
        "user_account",
        ["author_user_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.add_column("patrol_observation", sa.Column("report_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_patrol_observation_report_id_report"),
        "patrol_observation",
        "report",
        ["report_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_unique_constraint(
        op.f("uq_patrol_observation_report_id"), "patrol_observation", ["report_id"]
    )
    op.add_column("patrol_observation", sa.Column("idempotency_key", sa.String(64), nullable=True))
    op.add_column(
        "patrol_observation", sa.Column("idempotency_fingerprint", sa.String(64), nullable=True)
    )
    op.create_unique_constraint(
        op.f("uq_patrol_observation_idempotency_key"), "patrol_observation", ["idempotency_key"]
    )


def downgrade() -> None:
    for name in ("idempotency_fingerprint", "idempotency_key", "report_id", "author_user_id"):
        op.drop_column("patrol_observation", name)
    op.drop_column("patrol_observation", "observed_at")
    op.drop_table("patrol_point")
    for name in (
        "dropped_too_fast",
        "dropped_inaccurate",
        "idempotency_fingerprint",
        "idempotency_key",
        "source",
    ):
        op.drop_column("patrol", name)
    op.drop_column("community_group", "share_coverage")
    op.execute("UPDATE report SET source = 'web' WHERE source = 'patrol'")
    _report_sources(REPORT_SOURCES)


LOSES: list[Loss] = [
    table_rows("patrol_point"),
    column_values("patrol", "source", default="'api'"),
    column_values("patrol", "idempotency_key"),
    column_values("patrol", "dropped_inaccurate", default="0"),
    column_values("patrol", "dropped_too_fast", default="0"),
    column_values("patrol_observation", "observed_at"),
    column_values("patrol_observation", "author_user_id"),
    column_values(
        "patrol_observation",
        "report_id",
        then=(
            "通報と巡回の記録とのつながりは失われます",
            "reports no longer name the patrol they came from",
        ),
    ),
    column_values("community_group", "share_coverage", default="false"),
    Loss(
        "report.source",
        "SELECT count(*) FROM report WHERE source = 'patrol'",
        ("report",),
        ("件", "report", "reports"),
        ("巡回からの通報は「ウェブ」からの通報になります", "reports from patrols become 'web'"),
    ),
]
