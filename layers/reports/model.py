"""通報: residents' reports, their private contact, status history, supporters, and the
category catalogue that routes them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from layers.store.base import (
    POINT_LINE_AREA,
    Base,
    Entity,
    allowed_geometry_types,
    choice,
    geometry,
    valid_geometry,
)


class ReportCategory(Entity, Base):
    """The catalogue is data: a city adds categories without a release."""

    __tablename__ = "report_category"

    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    name_ja: Mapped[str] = mapped_column(String(100), nullable=False)
    name_en: Mapped[str] = mapped_column(String(100), nullable=False)
    icon: Mapped[str] = mapped_column(String(40), nullable=False)
    department_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("department.id", ondelete="SET NULL")
    )
    # About people or private property: published only as area counts (DOMAIN.md §6).
    sensitive: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))


class ReportStatus(enum.StrEnum):
    submitted = "submitted"
    accepted = "accepted"
    in_progress = "in_progress"
    resolved = "resolved"
    closed_duplicate = "closed_duplicate"
    closed_not_responsible = "closed_not_responsible"
    closed_no_action = "closed_no_action"
    rejected = "rejected"


STATUS_LABELS: dict[ReportStatus, tuple[str, str]] = {
    ReportStatus.submitted: ("受付待ち", "submitted"),
    ReportStatus.accepted: ("受付済み", "accepted"),
    ReportStatus.in_progress: ("対応中", "in progress"),
    ReportStatus.resolved: ("対応済み", "resolved"),
    ReportStatus.closed_duplicate: ("重複のため終了", "closed as a duplicate"),
    ReportStatus.closed_not_responsible: ("市の管轄外", "not the city's responsibility"),
    ReportStatus.closed_no_action: ("対応不要として終了", "closed, no action needed"),
    ReportStatus.rejected: ("不受理", "rejected"),
}
OPEN_STATUSES = frozenset({ReportStatus.submitted, ReportStatus.accepted, ReportStatus.in_progress})
# Where a reporter may say "not actually fixed": back to accepted, for staff to look again.
REOPENABLE_STATUSES = frozenset({ReportStatus.resolved, ReportStatus.closed_no_action})


# Lengths the report forms and the API enforce; the pages read them from
# GET /api/reports/vocabulary rather than keeping copies.
CONTACT_NAME_MAX = 100
CONTACT_EMAIL_MAX = 254
CONTACT_PHONE_MAX = 40
RESPONSIBLE_PARTY_MAX = 200
PUBLIC_ID_MAX = 20
HAZARD_TITLE_MAX = 200


class LocationSource(enum.StrEnum):
    gps = "gps"  # the phone's position (with its accuracy)
    pin = "pin"  # placed or drawn on the map
    photo = "photo"  # the photo's own GPS position, accepted by the reporter
    address = "address"  # a typed place name or address, matched by machimap
    other = "other"  # API and Open311 clients that do not say


class ReportSource(enum.StrEnum):
    web = "web"
    api = "api"
    open311 = "open311"
    staff = "staff"
    patrol = "patrol"  # 「市に知らせる」 from a group's patrol observation


class Report(Entity, Base):
    __tablename__ = "report"
    __table_args__ = (
        valid_geometry(),
        allowed_geometry_types(POINT_LINE_AREA),
        CheckConstraint("char_length(description) BETWEEN 1 AND 4000", name="description_length"),
        CheckConstraint("NOT is_public OR published_at IS NOT NULL", name="published_when_public"),
        CheckConstraint(
            "status <> 'closed_duplicate' OR duplicate_of_id IS NOT NULL", name="duplicate_target"
        ),
        CheckConstraint(
            "status <> 'closed_not_responsible' OR responsible_party IS NOT NULL",
            name="responsible_party_named",
        ),
        CheckConstraint("duplicate_of_id IS NULL OR duplicate_of_id <> id", name="not_self_dup"),
        CheckConstraint("supporter_count >= 0", name="supporters_nonnegative"),
        # The staff queue (status, oldest first) and a feature's history (records.py).
        Index("ix_report_queue", "status", "created_at"),
        Index("ix_report_subject", "subject_layer", "subject_id"),
    )

    public_id: Mapped[str] = mapped_column(String(20), nullable=False, unique=True)
    tracking_token_hash: Mapped[str] = mapped_column(String(128), nullable=False, index=True)
    category_id: Mapped[int] = mapped_column(
        BigInteger,
        ForeignKey("report_category.id", ondelete="RESTRICT"),
        nullable=False,
        index=True,
    )
    description: Mapped[str] = mapped_column(Text, nullable=False)
    # What the public sees after moderation; the original stays with staff.
    public_description: Mapped[str | None] = mapped_column(Text)
    location_accuracy_m: Mapped[float | None] = mapped_column(Float)
    status: Mapped[ReportStatus] = choice(ReportStatus, default="submitted")
    is_public: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    consent_publish: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default=text("false")
    )
    responsible_party: Mapped[str | None] = mapped_column(String(200))
    duplicate_of_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("report.id", ondelete="SET NULL")
    )
    hazard_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("hazard.id", ondelete="SET NULL"), index=True
    )
    # The feature of another layer this report concerns (a street light, a facility).
    subject_layer: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(BigInteger)
    department_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("department.id", ondelete="SET NULL"), index=True
    )
    reporter_user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    supporter_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    source: Mapped[ReportSource] = choice(ReportSource, default="web")
    # SHA-256 of the client's Idempotency-Key, and of what was submitted with it: a retry
    # returns the first result, the same key with a different report is refused.
    idempotency_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    idempotency_fingerprint: Mapped[str | None] = mapped_column(String(64))
    location_source: Mapped[LocationSource | None] = choice(
        LocationSource, nullable=True, name="location_source"
    )
    synthetic: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    district_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("district.id", ondelete="SET NULL"), index=True
    )
    geom = geometry("GEOMETRY")


class ReportContact(Base):
    """Kept apart from the report so no public query can select it by accident."""

    __tablename__ = "report_contact"

    report_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("report.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    # The reporter asked to be told of every status change (sent through the outbox).
    notify: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("now()"), nullable=False
    )


class ReportStatusChange(Entity, Base):
    __tablename__ = "report_status_change"

    report_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("report.id", ondelete="CASCADE"), nullable=False, index=True
    )
    from_status: Mapped[ReportStatus | None] = choice(
        ReportStatus, nullable=True, name="from_status"
    )
    to_status: Mapped[ReportStatus] = choice(ReportStatus, name="to_status")
    public_comment: Mapped[str | None] = mapped_column(Text)
    internal_note: Mapped[str | None] = mapped_column(Text)
    # The reporter said it is not fixed (through their tracking link), not staff.
    by_reporter: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    actor_user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("user_account.id", ondelete="SET NULL")
    )


class ReportSupporter(Entity, Base):
    """「私も困っています」: one per person or device."""

    __tablename__ = "report_supporter"
    __table_args__ = (UniqueConstraint("report_id", "supporter_key", name="uq_report_supporter"),)

    report_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("report.id", ondelete="CASCADE"), nullable=False
    )
    supporter_key: Mapped[str] = mapped_column(String(128), nullable=False)
