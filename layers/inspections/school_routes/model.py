"""The 通学路交通安全対策箇所一覧表 as tables: a site (箇所) per school, year and 箇所番号, the
measure each of the three bodies takes there, and the hazards, reports and patrol
observations the site is about."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from layers.store.base import (
    Base,
    Entity,
    allowed_geometry_types,
    choice,
    geometry,
    valid_geometry,
)


class Reason(enum.StrEnum):
    """選定理由: why the site was chosen for the joint inspection."""

    speed = "speed"  # 車の速度が上がる
    heavy_vehicles = "heavy_vehicles"  # 大型車の通行
    near_miss = "near_miss"  # ヒヤリハット
    poor_visibility = "poor_visibility"  # 見通しが悪い
    no_sidewalk = "no_sidewalk"  # 歩道がない
    residents_request = "residents_request"  # 住民からの要望
    other = "other"  # その他


class Party(enum.StrEnum):
    """The three bodies of the joint inspection, each taking its own measure."""

    school = "school"  # 学校・教育委員会: 見守り, ルート変更
    road = "road"  # 道路管理者: 歩道, ガードレール, 路面標示
    police = "police"  # 警察: 取締り, 信号


class Timing(enum.StrEnum):
    ongoing = "ongoing"  # 常時
    short = "short"  # 短期（1〜2年）
    medium = "medium"  # 中期（3〜5年）
    long = "long"  # 長期（6年以上）


class MeasureStatus(enum.StrEnum):
    planned = "planned"  # 対策予定
    in_progress = "in_progress"  # 対策中
    done = "done"  # 対策済
    not_done = "not_done"  # 未実施 (with the reason)


class LinkedLayer(enum.StrEnum):
    hazard = "hazard"
    report = "report"
    patrol_observation = "patrol_observation"


SITE_GEOMETRIES = ("Point", "LineString", "MultiLineString")


class SchoolRouteSite(Entity, Base):
    __tablename__ = "school_route_site"
    __table_args__ = (
        UniqueConstraint(
            "school_facility_id", "fiscal_year", "number", name="uq_school_route_site_number"
        ),
        valid_geometry(),
        allowed_geometry_types(SITE_GEOMETRIES),
        CheckConstraint("fiscal_year BETWEEN 2000 AND 2200", name="fiscal_year_range"),
        CheckConstraint(
            "reasons <@ ARRAY['speed', 'heavy_vehicles', 'near_miss', 'poor_visibility', "
            "'no_sidewalk', 'residents_request', 'other']::varchar[]",
            name="reasons_known",
        ),
        CheckConstraint("number <> ''", name="number_present"),
    )

    school_facility_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("facility.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    fiscal_year: Mapped[int] = mapped_column(Integer, nullable=False)  # 年度
    number: Mapped[str] = mapped_column(String(20), nullable=False)  # 箇所番号
    address: Mapped[str | None] = mapped_column(String(300))
    geom = geometry()
    district_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("district.id", ondelete="SET NULL"), index=True
    )
    reasons: Mapped[list[str]] = mapped_column(
        ARRAY(String(40)), nullable=False, server_default=text("'{}'")
    )
    inspected_on: Mapped[date | None] = mapped_column(Date)  # 合同点検実施日
    is_published: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default=text("false")
    )
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The ETag two editors are checked against; every change to the site or its measures
    # adds one.
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("1"))
    synthetic: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))


class SchoolRouteMeasure(Entity, Base):
    __tablename__ = "school_route_measure"
    __table_args__ = (UniqueConstraint("site_id", "party", name="uq_school_route_measure"),)

    site_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("school_route_site.id", ondelete="CASCADE"), nullable=False
    )
    party: Mapped[Party] = choice(Party)
    measure: Mapped[str | None] = mapped_column(Text)
    timing: Mapped[Timing | None] = choice(Timing, nullable=True)
    status: Mapped[MeasureStatus | None] = choice(MeasureStatus, nullable=True)
    not_done_reason: Mapped[str | None] = mapped_column(Text)


class SchoolRouteLink(Entity, Base):
    __tablename__ = "school_route_link"
    __table_args__ = (
        UniqueConstraint("site_id", "subject_layer", "subject_id", name="uq_school_route_link"),
        Index("ix_school_route_link_subject", "subject_layer", "subject_id"),
    )

    site_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("school_route_site.id", ondelete="CASCADE"), nullable=False
    )
    subject_layer: Mapped[LinkedLayer] = choice(LinkedLayer)
    subject_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
