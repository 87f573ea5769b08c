"""Community groups (自治会・町内会, PTA, 防犯ボランティア, 地域コミュニティ協議会) and what they
make: members, their 防犯マップ / 地域安全マップ and their patrols.

- A safety map is of places that are 入りやすい / 見えにくい, and of safe havens such as
  こども110番の家: places, never people (DOMAIN.md §4). A group (or the city) keeps it.
- A patrol (防犯パトロール / 地域安全診断) has the route walked and the observations made on
  the way, attached to the features they concern."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
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


class GroupKind(enum.StrEnum):
    neighbourhood_association = "neighbourhood_association"  # 自治会・町内会
    pta = "pta"
    crime_prevention_volunteer = "crime_prevention_volunteer"  # 防犯ボランティア
    community_council = "community_council"  # 地域コミュニティ協議会
    disaster_prevention = "disaster_prevention"  # 自主防災会
    # A school class making its map: the teacher leads, pupils are members, and nothing a
    # pupil writes is public until the teacher publishes it.
    school_class = "school_class"
    other = "other"


class Group(Entity, Base):
    __tablename__ = "community_group"  # "group" is reserved in SQL

    name: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    kind: Mapped[GroupKind] = choice(GroupKind)
    description: Mapped[str | None] = mapped_column(Text)
    district_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("district.id", ondelete="SET NULL"), index=True
    )
    # Patrols are the group's own; the city sees its coverage (per school-route stretch and
    # time band, never a track) only when the group chose to share it.
    share_coverage: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default=text("false")
    )
    # The school (a facility) whose 通学路合同点検 sites the group reads: a PTA, a school
    # class, the school's 見守り volunteers (migration 0016).
    school_facility_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("facility.id", ondelete="SET NULL"), index=True
    )


class MemberRole(enum.StrEnum):
    member = "member"
    leader = "leader"


class MembershipStatus(enum.StrEnum):
    # A resident asks to join; a leader accepts. Joining alone must not open the group's
    # private maps to anyone who clicks "join".
    requested = "requested"
    active = "active"


class Membership(Entity, Base):
    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("group_id", "user_id", name="uq_membership"),)

    group_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("community_group.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False, index=True
    )
    role: Mapped[MemberRole] = choice(MemberRole, default="member")
    status: Mapped[MembershipStatus] = choice(MembershipStatus, default="active")


# --- safety maps ---------------------------------------------------------------------------


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
    # The map's area (a 自治会, a 地区 ...): where starting points come from and what the
    # editor opens on. None: the group's district, else the whole city.
    district_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("district.id", ondelete="SET NULL"), index=True
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


class SafetyFeatureDetail(enum.StrEnum):
    """The method's common items (DOMAIN.md §4): what makes a place 入りやすい or 見えにくい,
    and which kind of help a safe place offers. Places only: there is no item for a person
    or a past crime, on purpose."""

    high_wall = "high_wall"  # 高い塀・生け垣
    quiet_road = "quiet_road"  # 人通りの少ない道
    dark_road = "dark_road"  # 街灯が少ない・暗い道
    blind_park = "blind_park"  # 見通しの悪い公園・駐車場
    gap_between_houses = "gap_between_houses"  # 家と家のすき間
    graffiti_litter = "graffiti_litter"  # 落書き・ポイ捨て
    abandoned_bicycles = "abandoned_bicycles"  # 放置自転車
    vacant_house = "vacant_house"  # 空き家
    other = "other"  # その他 (the title says what)
    child_safe_house = "child_safe_house"  # こども110番の家 / 子どもを守る家
    police_box = "police_box"  # 交番
    convenience_store = "convenience_store"  # コンビニ
    school = "school"  # 学校・園
    shop = "shop"  # 店
    hospital = "hospital"  # 病院
    aed = "aed"


DANGER_KINDS = frozenset(
    {
        SafetyFeatureKind.easy_to_enter,
        SafetyFeatureKind.hard_to_see,
        SafetyFeatureKind.easy_to_enter_hard_to_see,
    }
)
DANGER_DETAILS = frozenset(
    {
        SafetyFeatureDetail.high_wall,
        SafetyFeatureDetail.quiet_road,
        SafetyFeatureDetail.dark_road,
        SafetyFeatureDetail.blind_park,
        SafetyFeatureDetail.gap_between_houses,
        SafetyFeatureDetail.graffiti_litter,
        SafetyFeatureDetail.abandoned_bicycles,
        SafetyFeatureDetail.vacant_house,
        SafetyFeatureDetail.other,
    }
)
SAFE_KINDS = frozenset({SafetyFeatureKind.safe_haven, SafetyFeatureKind.help_place})
SAFE_DETAILS = frozenset(SafetyFeatureDetail) - DANGER_DETAILS


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
    detail: Mapped[SafetyFeatureDetail | None] = choice(SafetyFeatureDetail, nullable=True)
    title: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'")
    )
    source_id: Mapped[str | None] = mapped_column(String(100))
    district_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("district.id", ondelete="SET NULL"), index=True
    )
    author_user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    # The ETag of the place: a trigger adds one on every update, so two editors can never
    # both save over the same version (migration 0013).
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("1"))
    # Deleted places stay (hidden everywhere but their history) so deleting is undoable.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    geom = geometry("GEOMETRY")


class PlaceChange(enum.StrEnum):
    added = "added"
    edited = "edited"
    deleted = "deleted"
    restored = "restored"


class SafetyMapFeatureVersion(Entity, Base):
    """A place as it was after each change (created_at: when), written by a trigger
    (migration 0013) so no write path can skip it: its history, and what restoring brings
    back."""

    __tablename__ = "safety_map_feature_version"
    __table_args__ = (
        valid_geometry(),
        UniqueConstraint("feature_id", "version", name="uq_safety_map_feature_version"),
    )

    feature_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("safety_map_feature.id", ondelete="CASCADE"), nullable=False
    )
    safety_map_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("safety_map.id", ondelete="CASCADE"), nullable=False, index=True
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    change: Mapped[PlaceChange] = choice(PlaceChange)
    kind: Mapped[SafetyFeatureKind] = choice(SafetyFeatureKind)
    detail: Mapped[SafetyFeatureDetail | None] = choice(SafetyFeatureDetail, nullable=True)
    title: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    changed_by_user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("user_account.id", ondelete="SET NULL")
    )
    geom = geometry("GEOMETRY")


# --- patrols ------------------------------------------------------------------------------


class PatrolKind(enum.StrEnum):
    patrol = "patrol"  # 防犯パトロール
    safety_walk = "safety_walk"  # 地域安全診断 / まち歩き
    school_watch = "school_watch"  # 登下校の見守り


class PatrolSource(enum.StrEnum):
    phone = "phone"  # recorded by the walk page (fixes filtered, gaps kept as gaps)
    gpx = "gpx"  # a GPX file's track, every point as the file has it
    api = "api"  # a route drawn or sent without times


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
    source: Mapped[PatrolSource] = choice(PatrolSource, default="api")
    # SHA-256 of the Idempotency-Key the walk page sends: a walk uploaded again after a lost
    # answer gets the first patrol back (as a report does, layers/reports/intake.py).
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    idempotency_fingerprint: Mapped[str | None] = mapped_column(String(64))
    # Fixes the walk page recorded and the server did not keep (layers/groups/tracks.py).
    dropped_inaccurate: Mapped[int] = mapped_column(
        Integer, nullable=False, server_default=text("0")
    )
    dropped_too_fast: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    # One part per stretch recorded without a gap: a gap is never drawn as a line.
    route = geometry("GEOMETRY", nullable=True)


class PatrolPoint(Base):
    """Every fix kept, in order, with its time: the route is drawn from these, the coverage
    of a time band is told by them, and a GPX download gives them back as they came."""

    __tablename__ = "patrol_point"
    __table_args__ = (
        valid_geometry(),
        CheckConstraint("seq >= 0 AND part >= 0", name="order_positive"),
        CheckConstraint("accuracy_m IS NULL OR accuracy_m >= 0", name="accuracy_positive"),
    )

    patrol_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("patrol.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    part: Mapped[int] = mapped_column(Integer, nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    elevation_m: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    geom = geometry("POINT")


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
    observed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    author_user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # 「市に知らせる」: the resident report made from this observation (one at most).
    report_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("report.id", ondelete="SET NULL"), unique=True
    )
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    idempotency_fingerprint: Mapped[str | None] = mapped_column(String(64))
