from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
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

from hub.agencies.models import Agency
from hub.auth.models import User
from hub.core.types import UTCDateTime, utcnow
from hub.deadlines.models import Deadline
from hub.extensions import db


class ReportStatus(StrEnum):
    DRAFT = "draft"  # 填报中
    SUBMITTED = "submitted"  # 已报送


REPORT_STATUS_LABELS = {
    ReportStatus.DRAFT: _l("未报送"),
    ReportStatus.SUBMITTED: _l("已报送"),
}


class Risk(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


RISK_LABELS = {Risk.HIGH: _l("高"), Risk.MEDIUM: _l("中"), Risk.LOW: _l("低")}


class ItemStatus(StrEnum):
    OPEN = "open"  # 未销号
    CLOSED = "closed"  # 已销号


ITEM_STATUS_LABELS = {ItemStatus.OPEN: _l("未销号"), ItemStatus.CLOSED: _l("已销号")}


def _in(column: str, enum) -> str:
    return f"{column} IN ({', '.join(repr(m.value) for m in enum)})"


class ScreeningReport(db.Model):
    """A county's monthly screening (月度排查): its three lists, due by the 5th working day
    of the month (the ``deadline``, which the chase engine chases while it is a draft)."""

    __tablename__ = "screening_reports"
    __table_args__ = (
        UniqueConstraint("county_id", "month", name="uq_screening_reports_county_month"),
        CheckConstraint(_in("status", ReportStatus), name="status"),
        Index("ix_screening_reports_month", "month", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    month: Mapped[date] = mapped_column(Date)  # the first day of the month
    status: Mapped[str] = mapped_column(String(20), default=ReportStatus.DRAFT.value)
    deadline_id: Mapped[int | None] = mapped_column(ForeignKey("deadlines.id"))
    note: Mapped[str | None] = mapped_column(Text)  # 报送说明
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    late: Mapped[bool] = mapped_column(Boolean, default=False)  # 逾期报送
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    county: Mapped[Agency] = relationship()
    deadline: Mapped[Deadline | None] = relationship()
    submitted_by: Mapped[User | None] = relationship()
    items: Mapped[list[ScreeningItem]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ScreeningItem.id")

    @property
    def month_label(self) -> str:
        return f"{self.month.year}-{self.month.month:02d}"

    def audit_state(self) -> dict:
        return {"county_id": self.county_id, "month": self.month, "status": self.status,
                "late": self.late, "items": len(self.items), "note": self.note}


class ScreeningItem(db.Model):
    """One row of the three lists: the problem (问题清单), who answers for it (责任清单) and
    the task with its deadline (任务清单); closed by 销号 with evidence."""

    __tablename__ = "screening_items"
    __table_args__ = (
        CheckConstraint(_in("risk", Risk), name="risk"),
        CheckConstraint(_in("status", ItemStatus), name="status"),
        Index("ix_screening_items_county_status", "county_id", "status"),
        Index("ix_screening_items_report", "report_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("screening_reports.id", ondelete="CASCADE"))
    county_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    problem: Mapped[str] = mapped_column(Text)  # 突出矛盾或风险隐患
    risk: Mapped[str] = mapped_column(String(10))
    responsible_unit: Mapped[str] = mapped_column(String(100))  # 责任单位
    responsible_person: Mapped[str] = mapped_column(String(50))  # 责任人
    task: Mapped[str] = mapped_column(Text)  # 化解任务
    task_due_on: Mapped[date] = mapped_column(Date)  # 完成时限
    status: Mapped[str] = mapped_column(String(10), default=ItemStatus.OPEN.value)
    evidence: Mapped[str | None] = mapped_column(Text)  # 销号依据
    closed_on: Mapped[date | None] = mapped_column(Date)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    report: Mapped[ScreeningReport] = relationship(back_populates="items")
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])

    def audit_state(self) -> dict:
        return {"report_id": self.report_id, "problem": self.problem, "risk": self.risk,
                "responsible_unit": self.responsible_unit,
                "responsible_person": self.responsible_person, "task": self.task,
                "task_due_on": self.task_due_on, "status": self.status,
                "evidence": self.evidence}


class KeyPerson(db.Model):
    """重点人员 on a county's ledger.  The ID number is personal data: masked, and each
    reveal audited; only the county's users and the secretariat see the person at all."""

    __tablename__ = "screening_key_persons"
    __table_args__ = (
        CheckConstraint(_in("status", ItemStatus), name="status"),
        Index("ix_screening_key_persons_county_status", "county_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("screening_reports.id"))
    name: Mapped[str] = mapped_column(String(50))
    id_number: Mapped[str | None] = mapped_column(String(18))
    reason: Mapped[str] = mapped_column(Text)  # 列管原因
    measures: Mapped[str | None] = mapped_column(Text)  # 稳控措施
    status: Mapped[str] = mapped_column(String(10), default=ItemStatus.OPEN.value)
    evidence: Mapped[str | None] = mapped_column(Text)
    closed_on: Mapped[date | None] = mapped_column(Date)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    report: Mapped[ScreeningReport | None] = relationship()

    def audit_state(self) -> dict:
        # The ID number never enters the audit log.
        return {"county_id": self.county_id, "report_id": self.report_id, "name": self.name,
                "reason": self.reason, "status": self.status, "evidence": self.evidence}
