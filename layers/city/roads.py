"""Roads and green spaces: the city's own street skeleton and parks, so a map can be drawn
(a printed 地域安全マップ, the public map) where no basemap can be reached (issue 16)."""

from __future__ import annotations

import enum

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from layers.store.base import (
    Base,
    Entity,
    allowed_geometry_types,
    choice,
    geometry,
    valid_geometry,
)


class RoadKind(enum.StrEnum):
    # 緊急輸送路: the roads kept open first after an earthquake, in the prefecture's and the
    # city's order of priority.
    emergency_primary = "emergency_primary"  # 一次緊急輸送路
    emergency_secondary = "emergency_secondary"  # 二次緊急輸送路
    emergency_tertiary = "emergency_tertiary"  # 三次緊急輸送路
    city_planning = "city_planning"  # 都市計画道路 (planned or built)


class Road(Entity, Base):
    __tablename__ = "road"
    __table_args__ = (
        valid_geometry(),
        allowed_geometry_types(("LineString", "MultiLineString")),
        # A re-import of a dataset updates its rows by their number in the file.
        UniqueConstraint("source_dataset", "source_id", name="uq_road_source"),
    )

    kind: Mapped[RoadKind] = choice(RoadKind)
    name: Mapped[str | None] = mapped_column(String(200))  # 緊急輸送路名: 「201号線」
    # 構成道路: the city and prefectural roads the route runs along, comma-separated.
    roads: Mapped[str | None] = mapped_column(String(1000))
    # Who designated it: 「県一次緊急輸送路」 or 「焼津市一次緊急輸送路」.
    designation: Mapped[str | None] = mapped_column(String(200))
    source_dataset: Mapped[str | None] = mapped_column(String(100))
    source_id: Mapped[str | None] = mapped_column(String(100))
    geom = geometry("MULTILINESTRING")


class GreenSpace(Entity, Base):
    __tablename__ = "green_space"
    __table_args__ = (
        valid_geometry(),
        allowed_geometry_types(("Polygon", "MultiPolygon")),
        UniqueConstraint("source_dataset", "source_id", name="uq_green_space_source"),
    )

    name: Mapped[str | None] = mapped_column(String(200))
    source_dataset: Mapped[str | None] = mapped_column(String(100))
    source_id: Mapped[str | None] = mapped_column(String(100))
    geom = geometry("MULTIPOLYGON")
