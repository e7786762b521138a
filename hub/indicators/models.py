from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.types import UTCDateTime, utcnow
from hub.extensions import db


class Report(db.Model):
    """A generated 通报 (circular) or 台账 (ledger) for one month, kept as generated: its
    figures (``snapshot``) and its .xlsx, with the time they were computed, so what was
    sent can be shown again exactly.  Generating again adds a new report."""

    __tablename__ = "reports"
    __table_args__ = (
        CheckConstraint("kind IN ('circular', 'ledger')", name="kind"),
        Index("ix_reports_kind_month", "kind", "month", "generated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    month: Mapped[date] = mapped_column(Date)  # the first day of the month reported
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    generated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: schedule
    snapshot: Mapped[dict] = mapped_column(JSON)
    stored_name: Mapped[str] = mapped_column(String(100))

    def audit_state(self) -> dict:
        return {"kind": self.kind, "month": self.month, "generated_at": self.generated_at,
                "stored_name": self.stored_name}
