"""The gazetteer: named places with one representative point each (町丁目 today).

Each row keeps where it came from (``source``, ``attribution``), so a city loading its own
list replaces exactly the rows of that list, and the credit travels with the data."""

from __future__ import annotations

import enum

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from layers.store.base import Base, Entity, choice, geometry, valid_geometry


class PlaceKind(enum.StrEnum):
    town = "town"  # 町丁目 / 大字: the words residents use for where they live


class Place(Entity, Base):
    __tablename__ = "place"
    __table_args__ = (valid_geometry(), UniqueConstraint("kind", "name", name="uq_place_kind_name"))

    kind: Mapped[PlaceKind] = choice(PlaceKind, name="place_kind")
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    # The reading as sources give it: the 大字's reading, without the 丁目 (位置参照情報 style).
    name_kana: Mapped[str | None] = mapped_column(String(200))
    # What search compares, written once on load by layers.places.search.normalise (焼津3 for
    # 焼津三丁目, ヤイヅ3 for its reading), so a query needs no per-row function.
    name_key: Mapped[str] = mapped_column(String(200), nullable=False)
    kana_key: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(40), nullable=False)
    attribution: Mapped[str] = mapped_column(Text, nullable=False)
    geom = geometry("POINT")
