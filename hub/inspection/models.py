from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.agencies.models import Agency
from hub.core.types import UTCDateTime, utcnow
from hub.extensions import db


class InspectionRound(db.Model):
    """A 巡察 round: a team inspects a unit between two dates."""

    __tablename__ = "inspection_rounds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))  # the 巡察办 running it
    unit: Mapped[str] = mapped_column(String(100))  # 被巡察单位
    team: Mapped[str] = mapped_column(String(100))  # 巡察组
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agency: Mapped[Agency] = relationship()
    items: Mapped[list[RectificationItem]] = relationship(
        back_populates="round", order_by="RectificationItem.id", cascade="all, delete-orphan")

    @property
    def title(self) -> str:
        return f"{self.team} · {self.unit}"

    def audit_state(self) -> dict:
        return {"unit": self.unit, "team": self.team, "starts_on": self.starts_on,
                "ends_on": self.ends_on}


class RectificationItem(db.Model):
    """整改: a problem the round found, the unit responsible and the date it must be fixed by."""

    __tablename__ = "rectification_items"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'done')", name="status"),
        Index("ix_rectification_items_round", "round_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("inspection_rounds.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    description: Mapped[str] = mapped_column(Text)
    responsible: Mapped[str] = mapped_column(String(100))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="open")
    result: Mapped[str | None] = mapped_column(Text)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    round: Mapped[InspectionRound] = relationship(back_populates="items")

    def audit_state(self) -> dict:
        return {"round_id": self.round_id, "description": self.description,
                "responsible": self.responsible, "due_on": self.due_on, "status": self.status}
