"""Declarative base and the conventions every table follows."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import BigInteger, CheckConstraint, DateTime, Identity, MetaData, func, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from geo.crs import STORAGE_SRID

# The longest free text a person may write in one field: a report's description, a public
# text, a comment, a note (Open311's description limit, which every client already honours).
TEXT_MAX = 4000
# The geometry kinds a drawn place may be: "this whole stretch of road" or an area.
POINT_LINE_AREA = ("Point", "LineString", "MultiLineString", "Polygon", "MultiPolygon")

# Stable constraint names so Alembic migrations can refer to them.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    # Kept current by the set_updated_at trigger, so every write path (COPY, SQL) agrees.
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


class Entity(Timestamped):
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)


def geometry(kind: str = "GEOMETRY", *, nullable: bool = False) -> Mapped[Any]:
    return mapped_column(
        Geometry(geometry_type=kind, srid=STORAGE_SRID, spatial_index=True), nullable=nullable
    )


def valid_geometry(column: str = "geom") -> CheckConstraint:
    return CheckConstraint(f"ST_IsValid({column})", name=f"{column}_valid")


def allowed_geometry_types(types: tuple[str, ...], column: str = "geom") -> CheckConstraint:
    names = ", ".join(f"'ST_{t}'" for t in types)
    return CheckConstraint(
        f"{column} IS NULL OR ST_GeometryType({column}) IN ({names})", name=f"{column}_type"
    )


def choice(
    enum_cls: type[enum.StrEnum],
    *,
    nullable: bool = False,
    default: str | None = None,
    name: str | None = None,
) -> Mapped[Any]:
    """A vocabulary column: text guarded by a CHECK, so adding a value is a plain migration."""
    from sqlalchemy import Enum

    return mapped_column(
        Enum(
            enum_cls,
            native_enum=False,
            create_constraint=True,
            length=40,
            values_callable=lambda e: [m.value for m in e],
            name=name or enum_cls.__name__.lower(),
            validate_strings=True,
        ),
        nullable=nullable,
        server_default=text(f"'{default}'") if default else None,
    )
