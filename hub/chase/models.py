from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.types import UTCDateTime, utcnow
from hub.extensions import db


class ChaseStep(db.Model):
    """A ladder step taken for one item occurrence.  The unique key makes each step
    exactly-once in effect: a second sweep's insert fails and changes nothing."""

    __tablename__ = "chase_steps"
    __table_args__ = (
        UniqueConstraint("item_type", "item_id", "occurrence", "step",
                         name="uq_chase_steps_key"),
        Index("ix_chase_steps_item", "item_type", "item_id", "occurrence"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_type: Mapped[str] = mapped_column(String(40))
    item_id: Mapped[int] = mapped_column(Integer)
    occurrence: Mapped[int] = mapped_column(Integer, default=1)
    step: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer)  # index in the ladder
    taken_on: Mapped[date] = mapped_column(Date)  # the sweep's local date
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InspectionNotice(db.Model):
    """督查 notice: a formal record addressed to a leader and their agency's liaison, which
    needs a written response by a deadline; the secretariat closes it."""

    __tablename__ = "inspection_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chase_step_id: Mapped[int] = mapped_column(ForeignKey("chase_steps.id"), unique=True)
    item_type: Mapped[str] = mapped_column(String(40))
    item_id: Mapped[int] = mapped_column(Integer)
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    subject: Mapped[str] = mapped_column(String(300))
    issued_on: Mapped[date] = mapped_column(Date)
    response_due_on: Mapped[date] = mapped_column(Date)
    response: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def audit_state(self) -> dict:
        return {"subject": self.subject, "response_due_on": self.response_due_on,
                "responded": self.responded_at is not None, "closed": self.closed_at is not None}


class CircularEntry(db.Model):
    """通报: an entry of the monthly circular list."""

    __tablename__ = "circular_entries"
    __table_args__ = (Index("ix_circular_entries_month", "month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chase_step_id: Mapped[int] = mapped_column(ForeignKey("chase_steps.id"), unique=True)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    subject: Mapped[str] = mapped_column(String(300))
    days_overdue: Mapped[int] = mapped_column(Integer)
    created_on: Mapped[date] = mapped_column(Date)
