"""People and the city's departments. Sign-in and permissions build on these."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, ForeignKey, String, text
from sqlalchemy.orm import Mapped, mapped_column

from layers.store.base import Base, Entity, choice


class Department(Entity, Base):
    __tablename__ = "department"

    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)  # 道路課
    name_en: Mapped[str | None] = mapped_column(String(100))  # Road Division


class Role(enum.StrEnum):
    resident = "resident"
    staff = "staff"
    admin = "admin"


class User(Entity, Base):
    __tablename__ = "user_account"  # "user" is reserved in SQL
    __table_args__ = (
        CheckConstraint("email = lower(email) AND position('@' in email) > 1", name="email_form"),
        CheckConstraint("role <> 'staff' OR department_id IS NOT NULL", name="staff_department"),
    )

    email: Mapped[str] = mapped_column(String(254), nullable=False, unique=True)
    display_name: Mapped[str] = mapped_column(String(100), nullable=False)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = choice(Role, default="resident")
    department_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("department.id", ondelete="RESTRICT"), index=True
    )
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Sessions and reset links issued before this moment stop working.
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    locale: Mapped[str] = mapped_column(String(5), nullable=False, server_default=text("'ja'"))
