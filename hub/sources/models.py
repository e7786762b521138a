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


class SourceKind(StrEnum):
    POINT = "point"  # 民情民意收集点 (in a village's 党群服务中心)
    TEAM = "team"  # 群众工作队 (cadres visiting households)


KIND_LABELS = {
    SourceKind.POINT: _l("民情民意收集点"),
    SourceKind.TEAM: _l("群众工作队"),
}


class RequestStatus(StrEnum):
    OPEN = "open"  # 办理中
    DONE = "done"  # 已办结
    CASE = "case"  # 已转为信访事项


REQUEST_STATUS_LABELS = {
    RequestStatus.OPEN: _l("办理中"),
    RequestStatus.DONE: _l("已办结"),
    RequestStatus.CASE: _l("已转为信访事项"),
}


def _in(column: str, enum) -> str:
    return f"{column} IN ({', '.join(repr(m.value) for m in enum)})"


class IntakeSource(db.Model):
    """A place or team where people's requests (社情民意) are collected."""

    __tablename__ = "intake_sources"
    __table_args__ = (
        CheckConstraint(_in("kind", SourceKind), name="kind"),
        Index("ix_intake_sources_county", "county_id"),
        Index("ix_intake_sources_township", "township_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))
    county_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    township_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    location: Mapped[str | None] = mapped_column(String(200))  # 设置地点 / 走访片区
    contact: Mapped[str] = mapped_column(String(100))  # 负责人及联系方式
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    county: Mapped[Agency] = relationship(foreign_keys=[county_id])
    township: Mapped[Agency | None] = relationship(foreign_keys=[township_id])

    @property
    def label(self) -> str:
        return f"{self.name}（{KIND_LABELS[SourceKind(self.kind)]}）"

    def audit_state(self) -> dict:
        return {"name": self.name, "kind": self.kind, "county_id": self.county_id,
                "township_id": self.township_id, "location": self.location,
                "contact": self.contact, "active": self.active}


class SourceRequest(db.Model):
    """A request (诉求) received at a source: handled there (办结) or turned into a case."""

    __tablename__ = "source_requests"
    __table_args__ = (
        CheckConstraint(_in("status", RequestStatus), name="status"),
        Index("ix_source_requests_source_status", "source_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("intake_sources.id"))
    received_on: Mapped[date] = mapped_column(Date)
    requester: Mapped[str | None] = mapped_column(String(50))  # 反映人
    summary: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=RequestStatus.OPEN.value)
    result: Mapped[str | None] = mapped_column(Text)  # 办理结果
    handled_on: Mapped[date | None] = mapped_column(Date)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    source: Mapped[IntakeSource] = relationship()
    handled_by: Mapped[User | None] = relationship(foreign_keys=[handled_by_id])

    def audit_state(self) -> dict:
        return {"source_id": self.source_id, "received_on": self.received_on,
                "summary": self.summary, "status": self.status, "result": self.result,
                "handled_on": self.handled_on, "case_id": self.case_id}


class CaseSource(db.Model):
    """The intake source a petition case came from (and the request, when it was one)."""

    __tablename__ = "case_sources"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("intake_sources.id"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("source_requests.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    source: Mapped[IntakeSource] = relationship()
