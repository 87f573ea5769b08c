"""Who lives where, for coverage: one row per 町丁目 or 自治会 with its people and the point
they are counted at (the 町丁目's representative point, or a point on the 自治会's area).

A population table is a snapshot (住民基本台帳 as of a date): importing one replaces the
rows of its level in one transaction, so coverage never mixes two dates."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from layers.store.base import Base, Entity, choice, geometry, valid_geometry


class PopulationLevel(enum.StrEnum):
    town = "town"  # 町丁目 (the national 地域・年齢別人口 unit); point: the place of kind town
    district = "district"  # a district row (自治会 / 自主防災会); point on its area


class PopulationUnit(Entity, Base):
    __tablename__ = "population_unit"
    __table_args__ = (
        valid_geometry(),
        UniqueConstraint("level", "code", name="uq_population_unit_level_code"),
        CheckConstraint("population >= 0", name="population"),
        CheckConstraint("elderly IS NULL OR elderly BETWEEN 0 AND population", name="elderly"),
        CheckConstraint("children IS NULL OR children BETWEEN 0 AND population", name="children"),
        CheckConstraint("name <> ''", name="name_present"),
    )

    level: Mapped[PopulationLevel] = choice(PopulationLevel)
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    place_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("place.id", ondelete="SET NULL"), index=True
    )
    district_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("district.id", ondelete="SET NULL"), index=True
    )
    population: Mapped[int] = mapped_column(Integer, nullable=False)
    households: Mapped[int | None] = mapped_column(Integer)
    elderly: Mapped[int | None] = mapped_column(Integer)  # 65歳以上
    children: Mapped[int | None] = mapped_column(Integer)  # 0–14歳
    as_of: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(200), nullable=False)
    # Generated figures (the demo city's), never a real 住民基本台帳.
    synthetic: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    geom = geometry("POINT")
