"""The facility register per building (棟): what a 公共施設台帳 / 固定資産台帳 holds for each
building of a facility, the rows renewal planning reads."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from layers.city.facilities import CostCategory, Owner, SeismicStandard, Structure
from layers.store.base import Base, Entity, choice

# 新耐震: a building permit on or after 1981-06-01 (DOMAIN.md §2). A register gives the
# built 年度 (April to March), so 年度 1980 and earlier are 旧耐震, 1982 and later 新耐震,
# and 年度 1981 cannot be told from the year alone.
SEISMIC_CUTOFF_FISCAL_YEAR = 1981


class FacilityBuilding(Entity, Base):
    __tablename__ = "facility_building"
    __table_args__ = (
        UniqueConstraint("source", "source_id", name="uq_facility_building_source"),
        CheckConstraint(
            "built_year IS NULL OR built_year BETWEEN 1850 AND 2100", name="built_year"
        ),
        CheckConstraint("floor_area_m2 IS NULL OR floor_area_m2 > 0", name="floor_area"),
        CheckConstraint("storeys IS NULL OR storeys BETWEEN 1 AND 200", name="storeys"),
        CheckConstraint("is_value IS NULL OR is_value BETWEEN 0 AND 10", name="is_value"),
        CheckConstraint(
            "seismic_diagnosis_year IS NULL OR seismic_diagnosis_year BETWEEN 1950 AND 2100",
            name="diagnosis_year",
        ),
        CheckConstraint(
            "retrofit_year IS NULL OR retrofit_year BETWEEN 1950 AND 2100",
            name="retrofit_year",
        ),
        CheckConstraint("name <> ''", name="name_present"),
    )

    facility_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("facility.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False)  # 棟名: 本館, 体育館 ...
    built_year: Mapped[int | None] = mapped_column(Integer)  # 建築年度
    floor_area_m2: Mapped[float | None] = mapped_column(Float)  # 延床面積
    structure: Mapped[Structure | None] = choice(Structure, nullable=True)
    storeys: Mapped[int | None] = mapped_column(Integer)  # 階数 (above ground)
    seismic_standard: Mapped[SeismicStandard] = choice(SeismicStandard, default="unknown")
    seismic_diagnosis_year: Mapped[int | None] = mapped_column(Integer)  # 耐震診断 年度
    retrofit_year: Mapped[int | None] = mapped_column(Integer)  # 耐震補強 年度
    is_value: Mapped[float | None] = mapped_column(Float)  # Is値 (構造耐震指標)
    cost_category: Mapped[CostCategory | None] = choice(CostCategory, nullable=True)
    owner: Mapped[Owner] = choice(Owner, default="city")
    owner_district_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("district.id", ondelete="SET NULL")
    )
    in_use: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    note: Mapped[str | None] = mapped_column(Text)
    # Columns of the register file with no home above, kept rather than dropped.
    extra: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'")
    )
    source: Mapped[str] = mapped_column(String(100), nullable=False, server_default="manual")
    source_id: Mapped[str | None] = mapped_column(String(100))
    # Names of the attributes that were generated, not taken from a real register.
    synthetic: Mapped[list[str]] = mapped_column(
        ARRAY(String(40)), nullable=False, server_default=text("'{}'")
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("1"))
