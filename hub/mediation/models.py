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
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.agencies.models import Agency
from hub.auth.models import User
from hub.core.types import UTCDateTime, utcnow
from hub.extensions import db


class Level(StrEnum):
    """The three levels of 三·三制, lowest first."""

    GROUP = "group"  # 村民小组
    VILLAGE = "village"  # 村委会
    TOWNSHIP = "township"  # 乡镇

    @property
    def label(self) -> str:
        return str(LEVEL_LABELS[self])

    @property
    def next(self) -> Level | None:
        order = list(Level)
        index = order.index(self)
        return order[index + 1] if index + 1 < len(order) else None


LEVEL_LABELS = {
    Level.GROUP: _l("村民小组"),
    Level.VILLAGE: _l("村委会"),
    Level.TOWNSHIP: _l("乡镇"),
}

class Status(StrEnum):
    OPEN = "open"  # 调处中
    RESOLVED = "resolved"  # 已化解 (at ``resolved_level``)
    CASE = "case"  # 已转为信访事项


STATUS_LABELS = {
    Status.OPEN: _l("调处中"),
    Status.RESOLVED: _l("已化解"),
    Status.CASE: _l("已转为信访事项"),
}


class Result(StrEnum):
    RESOLVED = "resolved"  # 调解成功
    UNRESOLVED = "unresolved"  # 未化解


RESULT_LABELS = {
    Result.RESOLVED: _l("化解"),
    Result.UNRESOLVED: _l("未化解"),
}

CATEGORIES = {
    "land": _l("土地权属"),
    "forest": _l("山林水利"),
    "family": _l("婚姻家庭"),
    "neighbour": _l("邻里纠纷"),
    "labour": _l("劳务工资"),
    "contract": _l("合同债务"),
    "border": _l("边境涉外"),
    "other": _l("其他"),
}

# The case category a dispute of each kind becomes when it is turned into a petition case.
CASE_CATEGORIES = {
    "land": "land", "forest": "agriculture", "family": "other", "neighbour": "other",
    "labour": "wages", "contract": "other", "border": "border", "other": "other",
}


def _in(column: str, enum) -> str:
    return f"{column} IN ({', '.join(repr(m.value) for m in enum)})"


class Dispute(db.Model):
    """A 矛盾纠纷 under 三·三制: placed in a village (and so its township and county), mediated
    at its current ``level`` until resolved there or turned into a petition case."""

    __tablename__ = "disputes"
    __table_args__ = (
        CheckConstraint(_in("level", Level), name="level"),
        CheckConstraint(_in("status", Status), name="status"),
        Index("ix_disputes_county_status", "county_id", "status"),
        Index("ix_disputes_township_status", "township_id", "status"),
        Index("ix_disputes_village", "village_id"),
        Index("ix_disputes_case", "case_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(20))
    parties: Mapped[str] = mapped_column(Text)  # 当事人
    group_name: Mapped[str] = mapped_column(String(100))  # 村民小组, e.g. 营盘村三组
    village_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    township_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    county_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    reported_on: Mapped[date] = mapped_column(Date)
    level: Mapped[str] = mapped_column(String(20), default=Level.GROUP.value)
    status: Mapped[str] = mapped_column(String(20), default=Status.OPEN.value)
    resolved_level: Mapped[str | None] = mapped_column(String(20))
    resolved_on: Mapped[date | None] = mapped_column(Date)
    resolution: Mapped[str | None] = mapped_column(Text)  # the agreement reached
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    # Two people escalating or resolving at once: the second write fails, not both.
    __mapper_args__ = {"version_id_col": version}

    village: Mapped[Agency] = relationship(foreign_keys=[village_id])
    township: Mapped[Agency] = relationship(foreign_keys=[township_id])
    county: Mapped[Agency] = relationship(foreign_keys=[county_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    attempts: Mapped[list[Attempt]] = relationship(
        back_populates="dispute", cascade="all, delete-orphan",
        order_by=lambda: (Attempt.held_on, Attempt.id))
    escalations: Mapped[list[Escalation]] = relationship(
        back_populates="dispute", cascade="all, delete-orphan", order_by="Escalation.id")

    @property
    def level_enum(self) -> Level:
        return Level(self.level)

    def attempts_at(self, level: str) -> list[Attempt]:
        return [a for a in self.attempts if a.level == level]

    def audit_state(self) -> dict:
        return {"title": self.title, "level": self.level, "status": self.status,
                "village_id": self.village_id, "township_id": self.township_id,
                "resolved_level": self.resolved_level, "resolved_on": self.resolved_on,
                "case_id": self.case_id}


class Attempt(db.Model):
    """One mediation (调解) at a level: when, by whom, with which parties, and the result."""

    __tablename__ = "mediation_attempts"
    __table_args__ = (
        CheckConstraint(_in("level", Level), name="level"),
        CheckConstraint(_in("result", Result), name="result"),
        Index("ix_mediation_attempts_dispute", "dispute_id", "level"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id", ondelete="CASCADE"))
    level: Mapped[str] = mapped_column(String(20))
    held_on: Mapped[date] = mapped_column(Date)
    mediators: Mapped[str] = mapped_column(Text)  # 调解员
    parties_present: Mapped[str] = mapped_column(Text)  # 到场当事人
    result: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    dispute: Mapped[Dispute] = relationship(back_populates="attempts")
    recorded_by: Mapped[User] = relationship()

    def audit_state(self) -> dict:
        return {"dispute_id": self.dispute_id, "level": self.level, "held_on": self.held_on,
                "mediators": self.mediators, "parties_present": self.parties_present,
                "result": self.result, "note": self.note}


class Escalation(db.Model):
    """A move up one level: after three unresolved attempts, or as an exception with a
    reason approved by a township official."""

    __tablename__ = "dispute_escalations"
    __table_args__ = (Index("ix_dispute_escalations_dispute", "dispute_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id", ondelete="CASCADE"))
    from_level: Mapped[str] = mapped_column(String(20))
    to_level: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer)  # unresolved attempts at from_level
    exception: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(Text)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    escalated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    escalated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    dispute: Mapped[Dispute] = relationship(back_populates="escalations")
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    escalated_by: Mapped[User] = relationship(foreign_keys=[escalated_by_id])

    def audit_state(self) -> dict:
        return {"dispute_id": self.dispute_id, "from_level": self.from_level,
                "to_level": self.to_level, "attempts": self.attempts,
                "exception": self.exception, "reason": self.reason,
                "approved_by_id": self.approved_by_id}
