from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.auth.models import User
from hub.core.types import UTCDateTime, utcnow
from hub.extensions import db


class Attachment(db.Model):
    """One uploaded file on an owning object (a case, later a handoff).

    The bytes live on disk, content-addressed by ``sha256`` (the same content is stored
    once however many times it is attached); the row keeps the name the user gave it.
    """

    __tablename__ = "attachments"
    __table_args__ = (
        Index("ix_attachments_object", "object_type", "object_id"),
        CheckConstraint("size > 0", name="size"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    object_type: Mapped[str] = mapped_column(String(40))  # "cases", later "handoffs"
    object_id: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(255))  # the original name, cleaned for display
    content_type: Mapped[str] = mapped_column(String(100))  # detected from the content
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    # None: the petitioner's own file, sent with a submission on the public portal.
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    uploaded_by: Mapped[User | None] = relationship()

    def audit_state(self) -> dict:
        return {"object_type": self.object_type, "object_id": self.object_id,
                "filename": self.filename, "content_type": self.content_type,
                "size": self.size, "sha256": self.sha256}
