"""Community groups (自治会・町内会, PTA, 防犯ボランティア, 地域コミュニティ協議会) and members."""

from __future__ import annotations

import enum

from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from layers.store.base import Base, Entity, choice


class GroupKind(enum.StrEnum):
    neighbourhood_association = "neighbourhood_association"  # 自治会・町内会
    pta = "pta"
    crime_prevention_volunteer = "crime_prevention_volunteer"  # 防犯ボランティア
    community_council = "community_council"  # 地域コミュニティ協議会
    disaster_prevention = "disaster_prevention"  # 自主防災会
    other = "other"


class Group(Entity, Base):
    __tablename__ = "community_group"  # "group" is reserved in SQL

    name: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    kind: Mapped[GroupKind] = choice(GroupKind)
    description: Mapped[str | None] = mapped_column(Text)
    district_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("district.id", ondelete="SET NULL"), index=True
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
