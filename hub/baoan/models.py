from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.auth.models import User
from hub.cases.models import Case
from hub.core.types import UTCDateTime, utcnow
from hub.extensions import db

# 五包 elements (DESIGN §7), in order.
ELEMENTS = {
    "responsibility": "定责任包重点",
    "resolution": "定领导包化解",
    "assistance": "定措施包扶助",
    "screening": "定机制包排查",
    "results": "定实效包督导",
}


class DutyTemplate(db.Model):
    """One duty of the 五包 template, edited by admins: generated for every new 包案."""

    __tablename__ = "duty_templates"
    __table_args__ = (
        CheckConstraint("offset_days >= 0", name="offset"),
        CheckConstraint("recurrence_days IS NULL OR recurrence_days > 0", name="recurrence"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    element: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(200))
    offset_days: Mapped[int] = mapped_column(Integer)  # due this many days after assignment
    recurrence_days: Mapped[int | None] = mapped_column(Integer)  # every N days, or once
    until_close: Mapped[bool] = mapped_column(Boolean, default=False)  # due at 销号 (e.g. 核验)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def audit_state(self) -> dict:
        return {"code": self.code, "element": self.element, "label": self.label,
                "offset_days": self.offset_days, "recurrence_days": self.recurrence_days,
                "active": self.active}


class Assignment(db.Model):
    """A 包案: a leader of a rank personally owns a case until it is closed (销号)."""

    __tablename__ = "baoan_assignments"
    __table_args__ = (
        Index("ix_baoan_assignments_case_rank", "case_id", "rank", "active"),
        Index("ix_baoan_assignments_leader", "leader_id", "active"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    leader_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    rank: Mapped[str] = mapped_column(String(20))
    target_on: Mapped[date] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # 化解 reported
    resolution_note: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # 销号 verified

    case: Mapped[Case] = relationship()
    leader: Mapped[User] = relationship(foreign_keys=[leader_id])
    duties: Mapped[list[Duty]] = relationship(back_populates="assignment",
                                              order_by="Duty.due_on, Duty.id")

    def audit_state(self) -> dict:
        return {"case_id": self.case_id, "leader_id": self.leader_id, "rank": self.rank,
                "target_on": self.target_on, "active": self.active,
                "resolved": self.resolved_at is not None, "closed": self.closed_at is not None}


class Duty(db.Model):
    """One occurrence of a 五包 duty; recurring duties get one row per occurrence."""

    __tablename__ = "baoan_duties"
    __table_args__ = (
        UniqueConstraint("assignment_id", "template_code", "occurrence",
                         name="uq_baoan_duties_occurrence"),
        CheckConstraint("status IN ('open', 'done', 'waived', 'closed')", name="status"),
        Index("ix_baoan_duties_open_due", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("baoan_assignments.id"), index=True)
    template_code: Mapped[str] = mapped_column(String(40))
    element: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(200))
    occurrence: Mapped[int] = mapped_column(Integer, default=1)
    recurrence_days: Mapped[int | None] = mapped_column(Integer)
    start_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="open")
    evidence: Mapped[str | None] = mapped_column(Text)  # what was done
    evidence_on: Mapped[date | None] = mapped_column(Date)  # when it was done
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    waiver_reason: Mapped[str | None] = mapped_column(Text)

    assignment: Mapped[Assignment] = relationship(back_populates="duties")

    def audit_state(self) -> dict:
        return {"assignment_id": self.assignment_id, "template_code": self.template_code,
                "occurrence": self.occurrence, "due_on": self.due_on, "status": self.status,
                "evidence_on": self.evidence_on}
