"""Photos and files attached to a feature or record. Stored stripped of metadata."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from layers.store.base import Base, Entity


class Attachment(Entity, Base):
    __tablename__ = "attachment"
    __table_args__ = (
        Index("ix_attachment_subject", "subject_layer", "subject_id"),
        CheckConstraint("byte_size > 0", name="byte_size_positive"),
        CheckConstraint(
            "content_type IN ('image/jpeg', 'image/png', 'image/webp', 'application/pdf')",
            name="content_type_allowed",
        ),
    )

    # What it is attached to: a registry layer or record kind ("report", "inspection" ...).
    subject_layer: Mapped[str] = mapped_column(String(40), nullable=False)
    subject_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    # Content-addressed (layers/media/storage.py): the same photo on two reports is one file.
    storage_key: Mapped[str] = mapped_column(String(200), nullable=False)
    thumbnail_key: Mapped[str | None] = mapped_column(String(200))
    # What the public gets once staff released the photo: a blurred copy (faces, plates,
    # 表札) or the stored photo itself. None: nothing, even when is_public says released, so
    # a lost copy (a forced downgrade) withholds the photo rather than show the original.
    public_key: Mapped[str | None] = mapped_column(String(200))
    public_thumbnail_key: Mapped[str | None] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40), nullable=False)
    byte_size: Mapped[int] = mapped_column(Integer, nullable=False)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    is_public: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    uploaded_by_user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("user_account.id", ondelete="SET NULL")
    )
