"""Districts: the city's areas as a hierarchy (city > 地区 > 行政区/自治会 > 町丁目), and
school districts, which cut across that hierarchy."""

from __future__ import annotations

import enum

from sqlalchemy import (
    BigInteger,
    Computed,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from layers.store.base import Base, Entity, choice, geometry, valid_geometry


class DistrictLevel(enum.StrEnum):
    city = "city"
    area = "area"  # 地区 (often one 地区市民センター / コミュニティ協議会)
    neighbourhood = "neighbourhood"  # 行政区 / 自治会 / 町内会 / 自主防災会
    block = "block"  # 町丁目 / 大字


# Depth in the hierarchy: the finest level containing a point is the one assigned to it.
LEVEL_DEPTH = {
    DistrictLevel.city: 0,
    DistrictLevel.area: 1,
    DistrictLevel.neighbourhood: 2,
    DistrictLevel.block: 3,
}


DEPTH_SQL = (
    "CASE level "
    + " ".join(f"WHEN '{level.value}' THEN {depth}" for level, depth in LEVEL_DEPTH.items())
    + " END"
)

# Each district's parent is the finest coarser district containing its interior point; only
# rows whose parent changes are written (and so logged). Run after districts are added,
# moved or deleted, by staff edits and by imports alike.
PARENTS_SQL = (
    "UPDATE district c SET parent_id = n.parent_id FROM ("
    " SELECT d.id, (SELECT p.id FROM district p WHERE p.depth < d.depth"
    "  AND ST_Intersects(p.geom, ST_PointOnSurface(d.geom))"
    "  ORDER BY p.depth DESC LIMIT 1) AS parent_id"
    " FROM district d WHERE d.depth > 0) n"
    " WHERE c.id = n.id AND c.parent_id IS DISTINCT FROM n.parent_id"
)


class District(Entity, Base):
    __tablename__ = "district"
    __table_args__ = (
        valid_geometry(),
        UniqueConstraint("level", "code", name="uq_district_level_code"),
    )

    parent_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("district.id", ondelete="RESTRICT"), index=True
    )
    level: Mapped[DistrictLevel] = choice(DistrictLevel)
    depth: Mapped[int] = mapped_column(SmallInteger, Computed(DEPTH_SQL, persisted=True))
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    name_kana: Mapped[str | None] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    population: Mapped[int | None] = mapped_column(Integer)
    households: Mapped[int | None] = mapped_column(Integer)
    geom = geometry("MULTIPOLYGON")


class DistrictPart(Base):
    """Districts cut into small pieces (ST_Subdivide), kept by a trigger: point-in-polygon
    against a few dozen vertices instead of thousands makes assignment on bulk import cheap."""

    __tablename__ = "district_part"
    __table_args__ = (Index("ix_district_part_depth", "depth"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    district_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("district.id", ondelete="CASCADE"), nullable=False, index=True
    )
    depth: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    geom = geometry("GEOMETRY")


class SchoolKind(enum.StrEnum):
    elementary = "elementary"  # 小学校区
    junior_high = "junior_high"  # 中学校区


class SchoolDistrict(Entity, Base):
    __tablename__ = "school_district"
    __table_args__ = (valid_geometry(), UniqueConstraint("kind", "name", name="uq_school_district"))

    kind: Mapped[SchoolKind] = choice(SchoolKind)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    school_name: Mapped[str | None] = mapped_column(String(200))
    geom = geometry("MULTIPOLYGON")
