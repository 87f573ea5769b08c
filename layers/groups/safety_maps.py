"""防犯マップ / 地域安全マップ: maps a group (or the city) builds of places that are
入りやすい / 見えにくい, and of safe havens such as こども110番の家. Places, never people
(DOMAIN.md §4)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
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


class SafetyMap(Entity, Base):
    __tablename__ = "safety_map"
    __table_args__ = (
        CheckConstraint("group_id IS NOT NULL OR department_id IS NOT NULL", name="has_owner"),
        CheckConstraint("NOT is_published OR published_at IS NOT NULL", name="published_at_set"),
    )

    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    group_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("community_group.id", ondelete="CASCADE"), index=True
    )
    # Maps the city itself keeps (e.g. the 教育委員会's school-route map).
    department_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("department.id", ondelete="SET NULL")
    )
    is_published: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default=text("false")
    )
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SafetyFeatureKind(enum.StrEnum):
    easy_to_enter = "easy_to_enter"  # 入りやすい
    hard_to_see = "hard_to_see"  # 見えにくい
    easy_to_enter_hard_to_see = "easy_to_enter_hard_to_see"
    safe_haven = "safe_haven"  # こども110番の家 / 子どもを守る家
    help_place = "help_place"  # 交番, コンビニ, 学校 ...
    school_route = "school_route"  # 通学路
    lone_stretch = "lone_stretch"  # 1人区間 / 見守りの空白地帯
    note = "note"


class SafetyMapFeature(Entity, Base):
    __tablename__ = "safety_map_feature"
    __table_args__ = (
        valid_geometry(),
        allowed_geometry_types(POINT_LINE_AREA),
        UniqueConstraint("safety_map_id", "source_id", name="uq_safety_map_feature_source"),
    )

    safety_map_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("safety_map.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[SafetyFeatureKind] = choice(SafetyFeatureKind)
    title: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'")
    )
    source_id: Mapped[str | None] = mapped_column(String(100))
    district_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("district.id", ondelete="SET NULL"), index=True
    )
    geom = geometry("GEOMETRY")
