"""resident reporting: idempotent submission, tracking links, moderated photos

- server_secret: one random key per installation. A report's tracking link is derived from
  it, so a retried submission and each notification can give the link again while only its
  hash is stored.
- report: the fingerprint of what came with an Idempotency-Key, and where the location came
  from (GPS, pin, the photo's GPS, a typed address).
- report_contact.notify: the reporter asked to hear about status changes.
- report_status_change.by_reporter: "not actually fixed", said through the tracking link.
- attachment: photos are content-addressed files, so one file may serve several rows (the
  unique key goes); public_key / public_thumbnail_key hold the blurred copy staff publish.
- indexes for the staff queue and for a feature's history (reports and patrol observations
  by subject).

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from layers.schema.losses import blocker, column_values, table_rows

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LOCATION_SOURCES = "'gps', 'pin', 'photo', 'address', 'other'"


def upgrade() -> None:
    op.create_table(
        "server_secret",
        sa.Column("id", sa.SmallInteger(), primary_key=True),
        sa.Column("secret", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_server_secret_one_row")),
    )
    # gen_random_uuid() draws from pg_strong_random(); two of them give 244 random bits.
    op.execute(
        "INSERT INTO server_secret (id, secret) VALUES (1, sha256(convert_to("
        "gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8')))"
    )
    op.add_column("report", sa.Column("idempotency_fingerprint", sa.String(64)))
    op.add_column("report", sa.Column("location_source", sa.String(40)))
    op.create_check_constraint(
        op.f("ck_report_location_source"), "report", f"location_source IN ({LOCATION_SOURCES})"
    )
    op.add_column(
        "report_contact",
        sa.Column("notify", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.add_column(
        "report_status_change",
        sa.Column("by_reporter", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.drop_constraint("uq_attachment_storage_key", "attachment", type_="unique")
    op.add_column("attachment", sa.Column("public_key", sa.String(200)))
    op.add_column("attachment", sa.Column("public_thumbnail_key", sa.String(200)))
    op.create_index("ix_report_queue", "report", ["status", "created_at"])
    op.create_index("ix_report_subject", "report", ["subject_layer", "subject_id"])
    op.create_index(
        "ix_patrol_observation_subject", "patrol_observation", ["subject_layer", "subject_id"]
    )


# What downgrade() destroys, counted before it runs (layers.schema.migrate.downgrade).
LOSES = [
    # Dropping the key and making a new one on upgrade changes every report's tracking link.
    table_rows(
        "server_secret",
        where="EXISTS (SELECT 1 FROM report)",
        then=(
            "通報者に送った追跡リンクがすべて使えなくなります",
            "every tracking link sent to reporters stops working",
        ),
    ),
    column_values(
        "report",
        "idempotency_fingerprint",
        then=(
            "同じ Idempotency-Key での再送が 422 で断られます",
            "a retried submission with the same Idempotency-Key is refused (422)",
        ),
    ),
    column_values("report", "location_source"),
    column_values(
        "report_contact",
        "notify",
        default="false",
        then=(
            "状況の変化を知らせてほしいと頼んだ通報者に何も届かなくなります",
            "reporters who asked to hear of status changes hear nothing",
        ),
    ),
    column_values(
        "report_status_change",
        "by_reporter",
        default="false",
        then=(
            "通報者の「まだ直っていない」が職員の変更に見えます",
            "reporters' 'not actually fixed' reads as a change by staff",
        ),
    ),
    column_values(
        "attachment",
        "public_key",
        then=(
            "ぼかした写真が失われます（その写真は職員が公開し直すまで非公開になります）",
            "blurred copies gone: those photos are withdrawn until staff publish them again",
        ),
    ),
    column_values("attachment", "public_thumbnail_key"),
    # 0005 has one attachment row per stored file; since 0006 one file may serve several.
    blocker(
        "attachment.storage_key",
        "SELECT count(*) FROM (SELECT storage_key FROM attachment "
        "GROUP BY storage_key HAVING count(*) > 1) AS shared",
        ("attachment",),
        (
            "複数の添付で共有されているファイル",
            "stored file shared by several attachments",
            "stored files shared by several attachments",
        ),
        (
            "0005 の storage_key の一意制約を戻せません",
            "0005's unique key on storage_key cannot be restored",
        ),
    ),
]


def downgrade() -> None:
    # Before 0005 a released photo without a public copy is shown as it is; one whose
    # blurred copy is about to go must not be, here or after upgrading again.
    op.execute("UPDATE attachment SET is_public = false WHERE public_key IS NOT NULL")
    op.drop_index("ix_patrol_observation_subject", table_name="patrol_observation")
    op.drop_index("ix_report_subject", table_name="report")
    op.drop_index("ix_report_queue", table_name="report")
    op.drop_column("attachment", "public_thumbnail_key")
    op.drop_column("attachment", "public_key")
    op.create_unique_constraint("uq_attachment_storage_key", "attachment", ["storage_key"])
    op.drop_column("report_status_change", "by_reporter")
    op.drop_column("report_contact", "notify")
    op.drop_constraint(op.f("ck_report_location_source"), "report", type_="check")
    op.drop_column("report", "location_source")
    op.drop_column("report", "idempotency_fingerprint")
    op.drop_table("server_secret")
