from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.core.types import UTCDateTime, utcnow
from hub.extensions import db


class CalendarYear(db.Model):
    """A year whose official schedule (节假日安排) is loaded; other years are provisional."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(40))  # package | admin | file
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    loaded_by: Mapped[str | None] = mapped_column(String(64))


class CalendarDay(db.Model):
    """An exception to "Monday–Friday work": a holiday, or an adjusted working weekend (调休)."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_working: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(60), default="")

    def audit_state(self) -> dict:
        return {"day": self.day, "is_working": self.is_working, "name": self.name}


class Deadline(db.Model):
    """One clock of the engine: a period of days from a start date, owned by some object
    (a case step, a handoff, a 包案 duty, a meeting task)."""

    __tablename__ = "deadlines"
    __table_args__ = (
        Index("ix_deadlines_owner", "owner_type", "owner_id"),
        Index("ix_deadlines_open_due", "done_at", "due_on"),
        Index("ix_deadlines_provisional", "provisional", "done_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_type: Mapped[str] = mapped_column(String(40))
    owner_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))  # e.g. case.accept, case.handle
    start_on: Mapped[date] = mapped_column(Date)
    days: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(10))
    extension_days: Mapped[int] = mapped_column(Integer, default=0)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    extension_approver: Mapped[str | None] = mapped_column(String(100))
    extended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_on: Mapped[date] = mapped_column(Date)
    yellow_on: Mapped[date] = mapped_column(Date)
    stale_on: Mapped[date] = mapped_column(Date)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    progress_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The local day it was done: "on time" is done_on <= due_on, a comparison of two dates
    # that the indicators make in SQL on both databases.
    done_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pauses: Mapped[list[DeadlinePause]] = relationship(
        cascade="all, delete-orphan", order_by="DeadlinePause.paused_on", lazy="selectin"
    )

    def audit_state(self) -> dict:
        return {
            "kind": self.kind,
            "start_on": self.start_on,
            "days": self.days,
            "unit": self.unit,
            "extension_days": self.extension_days,
            "due_on": self.due_on,
            "provisional": self.provisional,
            "paused": self.paused,
            "done": self.done_at is not None,
        }


class DeadlinePause(db.Model):
    """A stretch during which the clock does not run (e.g. 听证 in 复核)."""

    __tablename__ = "deadline_pauses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deadline_id: Mapped[int] = mapped_column(
        ForeignKey("deadlines.id", ondelete="CASCADE"), index=True
    )
    paused_on: Mapped[date] = mapped_column(Date)
    resumed_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
