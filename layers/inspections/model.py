"""点検: an inspection of any feature of any layer, graded A-D overall and per part
(DOMAIN.md §2, §8). Kinds are data (``inspection_kind``): their interval, the subjects they
apply to and the parts they grade; a city adds its own."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from layers.store.base import Base, Entity, choice

CODE_PATTERN = "^[a-z][a-z0-9_]{0,39}$"


class InspectionKind(enum.StrEnum):
    """The kinds every instance has (migration 0017 seeds them); a city adds others."""

    building_article12 = "building_article12"  # 建築基準法12条点検（敷地・構造）
    building_equipment = "building_equipment"  # 12条点検（建築設備・昇降機）
    daily = "daily"  # 日常点検
    school_route = "school_route"  # 通学路合同点検
    playground = "playground"  # 遊具定期点検 (JPFA)
    streetlight = "streetlight"
    other = "other"


class Grading(enum.StrEnum):
    parts = "parts"  # each listed part A-D, and an overall grade
    jpfa = "jpfa"  # JPFA: an overall grade A-D and a hazard level 0-3 (play equipment)
    overall = "overall"  # an overall grade only


class Grade(enum.StrEnum):
    """劣化度: A 概ね良好 ... D 著しい劣化、早急に対応が必要."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"


# A grade in a few words (Japanese, English): the records' summaries and the printed sheet.
GRADE_SUMMARIES: dict[Grade, tuple[str, str]] = {
    Grade.A: ("概ね良好", "good"),
    Grade.B: ("部分的に劣化", "partly worn"),
    Grade.C: ("広範囲に劣化", "widely worn"),
    Grade.D: ("早急に対応が必要", "needs urgent repair"),
}


class FollowUp(enum.StrEnum):
    none = "none"  # 対応不要
    repair = "repair"  # 修繕
    close = "close"  # 使用禁止（直ちに）
    survey = "survey"  # 詳細調査


class InspectionKindRow(Entity, Base):
    __tablename__ = "inspection_kind"
    __table_args__ = (
        UniqueConstraint("code", name="uq_inspection_kind_code"),
        CheckConstraint(f"code ~ '{CODE_PATTERN}'", name="code_format"),
        CheckConstraint(
            "interval_months IS NULL OR interval_months BETWEEN 1 AND 240", name="interval"
        ),
        CheckConstraint("jsonb_typeof(parts) = 'array'", name="parts_array"),
    )

    code: Mapped[str] = mapped_column(String(40), nullable=False)
    name_ja: Mapped[str] = mapped_column(String(100), nullable=False)
    name_en: Mapped[str] = mapped_column(String(100), nullable=False)
    # None: no fixed interval (日常点検, ad-hoc), never due.
    interval_months: Mapped[int | None] = mapped_column(Integer)
    # What it inspects: a layer id, "facility_building" or "school_route_site"; None: any.
    subject_layer: Mapped[str | None] = mapped_column(String(40))
    # Facility kinds it applies to (play_equipment ...); empty: every row of the subject.
    subject_kinds: Mapped[list[str]] = mapped_column(
        ARRAY(String(40)), nullable=False, server_default=text("'{}'")
    )
    # [{"code": "roof", "ja": "屋根・屋上", "en": "Roof"}, ...]: the parts graded A-D.
    parts: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, nullable=False, server_default=text("'[]'")
    )
    grading: Mapped[Grading] = choice(Grading, default="overall")
    legal_basis: Mapped[str] = mapped_column(String(300), nullable=False, server_default="")
    department_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("department.id", ondelete="SET NULL")
    )
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    builtin: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))


class Inspection(Entity, Base):
    __tablename__ = "inspection"
    __table_args__ = (
        Index("ix_inspection_subject", "subject_layer", "subject_id"),
        Index(
            "ix_inspection_latest",
            "subject_layer",
            "subject_id",
            "kind",
            text("inspected_on DESC"),
            text("id DESC"),
        ),
        Index(
            "uq_inspection_idempotency_key",
            "idempotency_key",
            unique=True,
            postgresql_where=text("idempotency_key IS NOT NULL"),
        ),
        CheckConstraint("next_due IS NULL OR next_due >= inspected_on", name="next_due_after"),
        CheckConstraint("hazard_level BETWEEN 0 AND 3", name="hazard_level"),
    )

    subject_layer: Mapped[str] = mapped_column(String(40), nullable=False)
    subject_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    kind: Mapped[str] = mapped_column(
        String(40),
        ForeignKey("inspection_kind.code", onupdate="CASCADE", ondelete="RESTRICT"),
        nullable=False,
    )
    inspected_on: Mapped[date] = mapped_column(Date, nullable=False)
    inspector_user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # Who inspected when it is not an account: a contractor (受託業者), a 一級建築士.
    inspector_name: Mapped[str | None] = mapped_column(String(100))
    department_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("department.id", ondelete="SET NULL")
    )
    overall_grade: Mapped[Grade] = choice(Grade, name="overall_grade")
    hazard_level: Mapped[int | None] = mapped_column(SmallInteger)  # JPFA 0-3
    findings: Mapped[str | None] = mapped_column(Text)
    follow_up_action: Mapped[FollowUp] = choice(FollowUp, default="none")
    follow_up_due: Mapped[date | None] = mapped_column(Date)
    follow_up: Mapped[str | None] = mapped_column(Text)  # what is to be done, in words
    # Decided when recorded: inspected_on + the kind's interval then in force.
    next_due: Mapped[date | None] = mapped_column(Date)
    # Staff chose to publish the findings and photos (the date, kind and grade always are).
    released: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    idempotency_fingerprint: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("1"))
    synthetic: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))


class InspectionPartGrade(Entity, Base):
    __tablename__ = "inspection_part_grade"
    __table_args__ = (
        UniqueConstraint("inspection_id", "part", name="uq_inspection_part"),
        CheckConstraint(f"part ~ '{CODE_PATTERN}'", name="part_format"),
    )

    inspection_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("inspection.id", ondelete="CASCADE"), nullable=False
    )
    part: Mapped[str] = mapped_column(String(40), nullable=False)  # a code of the kind's parts
    grade: Mapped[Grade] = choice(Grade, name="part_grade")
    note: Mapped[str | None] = mapped_column(String(500))
