"""点検: an inspection of any feature of any layer, graded A-D overall and per part
(DOMAIN.md §2)."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from layers.store.base import Base, Entity, choice


class InspectionKind(enum.StrEnum):
    building_article12 = "building_article12"  # 建築基準法12条点検
    daily = "daily"  # 日常点検
    school_route = "school_route"  # 通学路合同点検
    playground = "playground"  # 遊具点検
    streetlight = "streetlight"
    other = "other"


class Grade(enum.StrEnum):
    """劣化度: A 概ね良好 ... D 著しい劣化、早急に対応が必要."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"


class BuildingPart(enum.StrEnum):
    roof = "roof"  # 屋根・屋上
    exterior_wall = "exterior_wall"  # 外壁
    interior = "interior"  # 内部仕上
    electrical = "electrical"  # 電気設備
    mechanical = "mechanical"  # 機械設備
    structure = "structure"
    playground_equipment = "playground_equipment"
    other = "other"


class Inspection(Entity, Base):
    __tablename__ = "inspection"
    __table_args__ = (
        Index("ix_inspection_subject", "subject_layer", "subject_id"),
        CheckConstraint("next_due IS NULL OR next_due >= inspected_on", name="next_due_after"),
    )

    subject_layer: Mapped[str] = mapped_column(String(40), nullable=False)
    subject_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    kind: Mapped[InspectionKind] = choice(InspectionKind)
    inspected_on: Mapped[date] = mapped_column(Date, nullable=False)
    inspector_user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("user_account.id", ondelete="SET NULL")
    )
    department_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("department.id", ondelete="SET NULL")
    )
    overall_grade: Mapped[Grade] = choice(Grade, name="overall_grade")
    findings: Mapped[str | None] = mapped_column(Text)
    follow_up: Mapped[str | None] = mapped_column(Text)
    next_due: Mapped[date | None] = mapped_column(Date)
    synthetic: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))


class InspectionPartGrade(Entity, Base):
    __tablename__ = "inspection_part_grade"
    __table_args__ = (UniqueConstraint("inspection_id", "part", name="uq_inspection_part"),)

    inspection_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("inspection.id", ondelete="CASCADE"), nullable=False
    )
    part: Mapped[BuildingPart] = choice(BuildingPart)
    grade: Mapped[Grade] = choice(Grade, name="part_grade")
    note: Mapped[str | None] = mapped_column(String(500))
