"""危険箇所: known dangerous places, from open data, reports, inspections, patrols or staff."""

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
    SmallInteger,
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


class HazardKind(enum.StrEnum):
    road_damage = "road_damage"
    waterside = "waterside"  # river bank, irrigation channel
    streetlight_out = "streetlight_out"
    blind_corner = "blind_corner"
    vacant_house = "vacant_house"
    illegal_dumping = "illegal_dumping"
    school_route = "school_route"  # 通学路の危険箇所
    traffic_accident = "traffic_accident"
    underpass = "underpass"  # floods in heavy rain
    flood_history = "flood_history"  # 浸水履歴
    landslide = "landslide"
    other = "other"


class HazardStatus(enum.StrEnum):
    active = "active"
    monitoring = "monitoring"
    mitigated = "mitigated"
    resolved = "resolved"


class HazardSource(enum.StrEnum):
    open_data = "open_data"
    report = "report"
    inspection = "inspection"
    patrol = "patrol"
    staff = "staff"


class Hazard(Entity, Base):
    __tablename__ = "hazard"
    __table_args__ = (
        valid_geometry(),
        allowed_geometry_types(POINT_LINE_AREA),
        CheckConstraint("severity BETWEEN 1 AND 4", name="severity_range"),
        UniqueConstraint("source_dataset", "source_id", name="uq_hazard_source"),
    )

    kind: Mapped[HazardKind] = choice(HazardKind)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    # 1 low ... 4 critical; tiles keep the most severe when a tile is capped.
    severity: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default=text("2"))
    status: Mapped[HazardStatus] = choice(HazardStatus, default="active")
    source: Mapped[HazardSource] = choice(HazardSource, default="staff")
    source_dataset: Mapped[str | None] = mapped_column(String(100))
    source_id: Mapped[str | None] = mapped_column(String(100))
    observed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    department_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("department.id", ondelete="SET NULL")
    )
    extra: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'")
    )
    synthetic: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    district_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("district.id", ondelete="SET NULL"), index=True
    )
    geom = geometry("GEOMETRY")
