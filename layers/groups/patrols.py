"""防犯パトロール / 地域安全診断: safety walks and patrols with their route, and the
observations made on the way, attached to the features they concern."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from layers.store.base import Base, Entity, allowed_geometry_types, choice, geometry, valid_geometry


class PatrolKind(enum.StrEnum):
    patrol = "patrol"  # 防犯パトロール
    safety_walk = "safety_walk"  # 地域安全診断 / まち歩き
    school_watch = "school_watch"  # 登下校の見守り


class Patrol(Entity, Base):
    __tablename__ = "patrol"
    __table_args__ = (
        valid_geometry("route"),
        allowed_geometry_types(("LineString", "MultiLineString"), "route"),
        CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="time_order"),
        CheckConstraint("participants >= 1", name="participants_positive"),
    )

    group_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("community_group.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[PatrolKind] = choice(PatrolKind, default="patrol")
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    participants: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("1"))
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_by_user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("user_account.id", ondelete="SET NULL")
    )
    synthetic: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    route = geometry("GEOMETRY", nullable=True)


class PatrolObservation(Entity, Base):
    __tablename__ = "patrol_observation"
    # A feature's history (layers/serving/records.py) finds observations by their subject.
    __table_args__ = (
        valid_geometry(),
        Index("ix_patrol_observation_subject", "subject_layer", "subject_id"),
    )

    patrol_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("patrol.id", ondelete="CASCADE"), nullable=False, index=True
    )
    note: Mapped[str] = mapped_column(Text, nullable=False)
    # The feature this observation is about, in any layer (registry id + feature id).
    subject_layer: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(BigInteger)
    district_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("district.id", ondelete="SET NULL"), index=True
    )
    geom = geometry("POINT", nullable=True)
