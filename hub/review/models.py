"""评查: case-quality review rounds.

The secretariat opens a round (a period and, optionally, some lead agencies and counties),
picks cases by hand or by a seeded random sample and assigns reviewers; each reviewer
scores their cases against the checklist; findings go to the handling agency as 整改
handoffs.  A round copies the checklist when it opens (``ReviewRoundItem``), so later edits
by admins never change a round's scores or its report.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
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
from hub.cases.models import Case
from hub.core.types import UTCDateTime, utcnow
from hub.extensions import db
from hub.handoffs.models import Handoff


class RoundStatus(StrEnum):
    OPEN = "open"  # 评查中
    CLOSED = "closed"  # 已结束


ROUND_STATUS_LABELS = {RoundStatus.OPEN: _l("评查中"), RoundStatus.CLOSED: _l("已结束")}


class CaseStatus(StrEnum):
    PENDING = "pending"  # 待评分
    SCORED = "scored"  # 已评分


CASE_STATUS_LABELS = {CaseStatus.PENDING: _l("待评分"), CaseStatus.SCORED: _l("已评分")}

PICKED_LABELS = {"manual": _l("人工选取"), "sample": _l("随机抽取")}


class ChecklistItem(db.Model):
    """One item of the 评查 checklist, edited by admins.  Never deleted (only deactivated):
    rounds keep a copy of the items they were opened with."""

    __tablename__ = "review_checklist_items"
    __table_args__ = (CheckConstraint("max_score BETWEEN 1 AND 100", name="max_score"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    max_score: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def audit_state(self) -> dict:
        return {"label": self.label, "description": self.description,
                "max_score": self.max_score, "position": self.position, "active": self.active}


class ReviewRound(db.Model):
    """A 评查 round: the cases registered in a period (optionally of some lead agencies and
    counties) that the secretariat checks, and the draw that picked them."""

    __tablename__ = "review_rounds"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'closed')", name="status"),
        CheckConstraint("period_end >= period_start", name="period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    # Scope: lead agency ids and county keys; an empty list means "all".
    agency_ids: Mapped[list] = mapped_column(JSON, default=list)
    counties: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default=RoundStatus.OPEN.value)
    # The last random draw: its seed, size and status filter (the audit log keeps each draw
    # with the cases it picked), so the same draw can be made again.
    sample_seed: Mapped[int | None] = mapped_column(Integer)
    sample_size: Mapped[int | None] = mapped_column(Integer)
    sample_statuses: Mapped[list | None] = mapped_column(JSON)
    sampled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    items: Mapped[list[ReviewRoundItem]] = relationship(
        back_populates="round", order_by="ReviewRoundItem.position",
        cascade="all, delete-orphan", lazy="selectin")
    cases: Mapped[list[ReviewCase]] = relationship(
        back_populates="round", order_by="ReviewCase.id", cascade="all, delete-orphan")

    @property
    def is_open(self) -> bool:
        return self.status == RoundStatus.OPEN.value

    @property
    def max_total(self) -> int:
        return sum(item.max_score for item in self.items)

    def audit_state(self) -> dict:
        return {"title": self.title, "period_start": self.period_start,
                "period_end": self.period_end, "agency_ids": self.agency_ids,
                "counties": self.counties, "status": self.status,
                "sample_seed": self.sample_seed, "sample_size": self.sample_size,
                "sample_statuses": self.sample_statuses,
                "items": [[i.label, i.max_score] for i in self.items]}


class ReviewRoundItem(db.Model):
    """The checklist as it was when the round opened: what its cases are scored against."""

    __tablename__ = "review_round_items"
    __table_args__ = (
        UniqueConstraint("round_id", "checklist_item_id", name="uq_review_round_items_item"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("review_rounds.id", ondelete="CASCADE"),
                                          index=True)
    checklist_item_id: Mapped[int] = mapped_column(ForeignKey("review_checklist_items.id"))
    label: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    max_score: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)

    round: Mapped[ReviewRound] = relationship(back_populates="items")


class ReviewCase(db.Model):
    """A case picked for a round, its reviewer and, once scored, its total and comments.

    ``agency_id`` is the case's lead agency when it was picked: the report groups by it, so
    the report stays the same whatever happens to the case later.
    """

    __tablename__ = "review_cases"
    __table_args__ = (
        UniqueConstraint("round_id", "case_id", name="uq_review_cases_round_case"),
        CheckConstraint("status IN ('pending', 'scored')", name="status"),
        CheckConstraint("picked IN ('manual', 'sample')", name="picked"),
        Index("ix_review_cases_reviewer", "reviewer_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("review_rounds.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    picked: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default=CaseStatus.PENDING.value)
    total: Mapped[int | None] = mapped_column(Integer)  # sum of the item scores
    comments: Mapped[str | None] = mapped_column(Text)
    scored_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    round: Mapped[ReviewRound] = relationship(back_populates="cases")
    case: Mapped[Case] = relationship(lazy="joined")
    agency: Mapped[Agency] = relationship(lazy="joined")
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id], lazy="joined")
    scores: Mapped[list[ReviewScore]] = relationship(
        back_populates="review_case", cascade="all, delete-orphan", lazy="selectin")
    findings: Mapped[list[ReviewFinding]] = relationship(
        back_populates="review_case", order_by="ReviewFinding.id", cascade="all, delete-orphan")

    @property
    def is_scored(self) -> bool:
        return self.status == CaseStatus.SCORED.value

    def audit_state(self) -> dict:
        return {"round_id": self.round_id, "case_id": self.case_id,
                "agency_id": self.agency_id, "reviewer_id": self.reviewer_id,
                "picked": self.picked, "status": self.status, "total": self.total,
                "comments": self.comments,
                "scores": {s.round_item_id: [s.score, s.comment] for s in self.scores}}


class ReviewScore(db.Model):
    """The score of one checklist item for one reviewed case (0 … the item's maximum)."""

    __tablename__ = "review_scores"
    __table_args__ = (
        UniqueConstraint("review_case_id", "round_item_id", name="uq_review_scores_item"),
        CheckConstraint("score >= 0", name="score"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_case_id: Mapped[int] = mapped_column(
        ForeignKey("review_cases.id", ondelete="CASCADE"), index=True)
    round_item_id: Mapped[int] = mapped_column(ForeignKey("review_round_items.id"))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")

    review_case: Mapped[ReviewCase] = relationship(back_populates="scores")
    round_item: Mapped[ReviewRoundItem] = relationship(lazy="joined")


class ReviewFinding(db.Model):
    """What the review found wrong with a case, sent to its lead agency for 整改 as a
    handoff (kind ``petition.rectify``): the handoff's clocks are chased like any other."""

    __tablename__ = "review_findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_case_id: Mapped[int] = mapped_column(
        ForeignKey("review_cases.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id"), index=True)
    sent_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    review_case: Mapped[ReviewCase] = relationship(back_populates="findings")
    handoff: Mapped[Handoff] = relationship(lazy="joined")

    def audit_state(self) -> dict:
        return {"review_case_id": self.review_case_id, "text": self.text,
                "handoff_id": self.handoff_id}
