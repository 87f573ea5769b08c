"""Public facilities: 住民センター, 公民館, shelters, AEDs, schools, parks and the rest, with
the building attributes renewal planning needs."""

from __future__ import annotations

import enum
from datetime import date
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
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

from layers.store.base import Base, Entity, choice, geometry, valid_geometry


class FacilityKind(enum.StrEnum):
    city_hall = "city_hall"
    branch_office = "branch_office"  # 地区市民センター / 支所 / 出張所
    community_center = "community_center"  # 住民センター / 集会所 / 地域交流センター
    kominkan = "kominkan"
    evacuation_site = "evacuation_site"  # 指定緊急避難場所
    shelter = "shelter"  # 指定避難所
    tsunami_evacuation_building = "tsunami_evacuation_building"
    first_aid_station = "first_aid_station"  # 救護所
    aed = "aed"
    school = "school"
    library = "library"
    childcare = "childcare"
    park = "park"
    public_toilet = "public_toilet"
    sandbag_station = "sandbag_station"  # 土のうステーション
    streetlight = "streetlight"  # 防犯灯
    play_equipment = "play_equipment"  # 遊具, in its park (parent_facility_id)
    fire_station = "fire_station"  # 消防署・出張所
    health_center = "health_center"  # 保健センター・急病診療所
    public_housing = "public_housing"  # 市営住宅
    welfare = "welfare"
    culture = "culture"
    sports = "sports"
    other = "other"


class Owner(enum.StrEnum):
    city = "city"
    neighbourhood = "neighbourhood"  # owned by a 行政区 / 自治会
    other_public = "other_public"
    private = "private"


class UseStatus(enum.StrEnum):
    open = "open"
    # 使用禁止: an inspection found it dangerous (play equipment graded D or JPFA hazard
    # level 3); a later inspection that finds it safe opens it again.
    closed = "closed"


class Structure(enum.StrEnum):
    rc = "rc"  # 鉄筋コンクリート造
    src = "src"  # 鉄骨鉄筋コンクリート造
    steel = "steel"  # 鉄骨造
    wood = "wood"  # 木造
    light_steel = "light_steel"
    block = "block"
    other = "other"


class SeismicStandard(enum.StrEnum):
    pre_1981 = "pre_1981"  # 旧耐震
    post_1981 = "post_1981"  # 新耐震 (permit on or after 1981-06-01)
    retrofitted = "retrofitted"  # 旧耐震, diagnosed and reinforced
    not_applicable = "not_applicable"  # no building (AED, park, evacuation ground)
    unknown = "unknown"


class CostCategory(enum.StrEnum):
    """総務省 公共施設等更新費用試算 大分類 (DOMAIN.md §1)."""

    civic_culture = "civic_culture"  # 市民文化系
    social_education = "social_education"  # 社会教育系
    sports_recreation = "sports_recreation"  # スポーツ・レクリエーション系
    industry = "industry"  # 産業系
    school_education = "school_education"  # 学校教育系
    childcare = "childcare"  # 子育て支援
    health_welfare = "health_welfare"  # 保健・福祉
    medical = "medical"  # 医療
    administration = "administration"  # 行政系
    public_housing = "public_housing"  # 公営住宅
    park = "park"  # 公園
    supply_treatment = "supply_treatment"  # 供給処理
    other = "other"  # その他


class DisasterType(enum.StrEnum):
    """The hazard types a 指定緊急避難場所 is designated for (災害対策基本法)."""

    flood = "flood"
    landslide = "landslide"
    storm_surge = "storm_surge"
    earthquake = "earthquake"
    tsunami = "tsunami"
    large_fire = "large_fire"
    inland_flood = "inland_flood"
    volcano = "volcano"


DISASTER_VALUES = ", ".join(f"'{d.value}'" for d in DisasterType)


class Facility(Entity, Base):
    __tablename__ = "facility"
    __table_args__ = (
        valid_geometry(),
        UniqueConstraint("source", "source_id", name="uq_facility_source"),
        CheckConstraint(
            "built_year IS NULL OR built_year BETWEEN 1850 AND 2100", name="built_year"
        ),
        CheckConstraint("floor_area_m2 IS NULL OR floor_area_m2 > 0", name="floor_area"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity"),
        CheckConstraint(f"disaster_types <@ ARRAY[{DISASTER_VALUES}]::varchar[]", name="disasters"),
    )

    kind: Mapped[FacilityKind] = choice(FacilityKind)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    name_kana: Mapped[str | None] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(40))
    url: Mapped[str | None] = mapped_column(String(500))
    opening_hours: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[Owner] = choice(Owner, default="city")
    owner_district_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("district.id", ondelete="SET NULL")
    )
    department_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("department.id", ondelete="SET NULL")
    )
    built_year: Mapped[int | None] = mapped_column(Integer)
    floor_area_m2: Mapped[float | None] = mapped_column(Float)
    structure: Mapped[Structure | None] = choice(Structure, nullable=True)
    seismic_standard: Mapped[SeismicStandard] = choice(SeismicStandard, default="unknown")
    cost_category: Mapped[CostCategory | None] = choice(CostCategory, nullable=True)
    capacity: Mapped[int | None] = mapped_column(Integer)
    disaster_types: Mapped[list[str]] = mapped_column(
        ARRAY(String(20)), nullable=False, server_default=text("'{}'")
    )
    # ユニバーサルデザイン features: step_free, accessible_toilet, elevator, ostomate, braille ...
    accessibility: Mapped[list[str]] = mapped_column(
        ARRAY(String(40)), nullable=False, server_default=text("'{}'")
    )
    # Columns of the source file with no home above, kept rather than dropped.
    extra: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'")
    )
    source: Mapped[str] = mapped_column(String(100), nullable=False, server_default="manual")
    source_id: Mapped[str | None] = mapped_column(String(100))
    synthetic: Mapped[list[str]] = mapped_column(
        ARRAY(String(40)), nullable=False, server_default=text("'{}'")
    )  # names of the attributes that were generated, not taken from a real source
    district_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("district.id", ondelete="SET NULL"), index=True
    )
    # The place this record shares with others of its name nearby (a 住民センター that is
    # also a 指定避難所): set by the database (migration 0012), never by a writer.
    site_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    use_status: Mapped[UseStatus] = choice(UseStatus, default="open")
    closed_on: Mapped[date | None] = mapped_column(Date)
    closed_by_inspection_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("inspection.id", ondelete="SET NULL", use_alter=True)
    )
    # Play equipment belongs to its park; a park's equipment is listed with it.
    parent_facility_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("facility.id", ondelete="SET NULL"), index=True
    )
    geom = geometry("POINT")
