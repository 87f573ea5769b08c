"""The city this instance serves: one row, set by `machimap city set` (or by the demo)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from layers.store.base import Base, Timestamped


class City(Timestamped, Base):
    __tablename__ = "city"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("code ~ '^[0-9]{6}$'", name="code_format"),
        CheckConstraint("plane_zone BETWEEN 1 AND 19", name="plane_zone_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    # 全国地方公共団体コード, 6 digits with the check digit (e.g. 222127).
    code: Mapped[str] = mapped_column(String(6), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    name_en: Mapped[str | None] = mapped_column(String(100))
    prefecture: Mapped[str] = mapped_column(String(20), nullable=False)
    # 平面直角座標系 zone number (I..XIX as 1..19), used for metric work.
    plane_zone: Mapped[int] = mapped_column(Integer, nullable=False)


def get_city(session: Session) -> City | None:
    return session.scalar(select(City))


def set_city(
    session: Session,
    *,
    code: str,
    name: str,
    prefecture: str,
    plane_zone: int,
    name_en: str | None = None,
) -> City:
    city = get_city(session) or City(id=1)
    city.code, city.name, city.name_en = code, name, name_en
    city.prefecture, city.plane_zone = prefecture, plane_zone
    session.add(city)
    session.flush()
    return city
