"""Per-instance metadata of each registry layer: what staff curate (title, owner, licence,
publication) and a version that every write bumps, so caches and ETags can follow."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from layers.store.base import Base, Timestamped


class LayerMetadata(Timestamped, Base):
    __tablename__ = "layer_metadata"

    layer_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    title_ja: Mapped[str] = mapped_column(String(200), nullable=False)
    title_en: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    owner_department: Mapped[str | None] = mapped_column(String(100))
    licence: Mapped[str | None] = mapped_column(String(200))
    attribution: Mapped[str | None] = mapped_column(String(300))
    update_cycle: Mapped[str | None] = mapped_column(String(40))
    is_public: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    version: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default=text("0"))
    data_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
