"""政策完善建议 (policy proposals).

When many petitions share one cause, the joint-meeting office proposes a fix to the agency
responsible instead of answering each petition alone: drafted from a cluster of similar
cases (hub.similar) or from chosen cases → sent (the answer clock starts) → accepted or
rejected with reasons → measures adopted (with dates; a clock for the first one) → effect
checked (petitions in the proposal's area before and after the first measure) → closed.
A draft or a proposal not yet answered may be withdrawn.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, Column, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.agencies.models import Agency
from hub.auth.models import User
from hub.cases.models import Case
from hub.core.types import UTCDateTime, utcnow
from hub.deadlines.models import Deadline
from hub.extensions import db


class Status(StrEnum):
    DRAFT = "draft"  # 起草中
    SENT = "sent"  # 已送达，待答复
    ACCEPTED = "accepted"  # 已采纳
    REJECTED = "rejected"  # 未采纳
    CLOSED = "closed"  # 已办结
    WITHDRAWN = "withdrawn"  # 已撤回


STATUS_LABELS = {Status.DRAFT: _l("起草中"), Status.SENT: _l("待答复"),
                 Status.ACCEPTED: _l("已采纳"), Status.REJECTED: _l("未采纳"),
                 Status.CLOSED: _l("已办结"), Status.WITHDRAWN: _l("已撤回")}

DEADLINE_OWNER = "policy_proposals"
ANSWER_KIND = "proposal.answer"  # the addressee answers (采纳/不采纳)
MEASURES_KIND = "proposal.measures"  # an accepted proposal's first measure is adopted

proposal_cases = db.Table(
    "policy_proposal_cases",
    Column("proposal_id", Integer, ForeignKey("policy_proposals.id", ondelete="CASCADE"),
           primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), primary_key=True, index=True),
)


class PolicyProposal(db.Model):
    __tablename__ = "policy_proposals"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'sent', 'accepted', 'rejected', 'closed', "
                        "'withdrawn')", name="status"),
        Index("ix_policy_proposals_addressee", "addressee_id", "status"),
        Index("ix_policy_proposals_status", "status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    problem: Mapped[str] = mapped_column(Text)  # 问题: what the petitions have in common
    suggestion: Mapped[str] = mapped_column(Text)  # 建议: the fix proposed
    addressee_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    # The body named on the document when it is not the agency itself (e.g. 芒市人民政府).
    addressee_name: Mapped[str] = mapped_column(String(100), default="")
    counties: Mapped[list] = mapped_column(JSON, default=list)  # the area, for the effect check
    categories: Mapped[list] = mapped_column(JSON, default=list)
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("similar_clusters.id"))
    answer_days: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default=Status.DRAFT)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_on: Mapped[date | None] = mapped_column(Date)
    answer_deadline_id: Mapped[int | None] = mapped_column(ForeignKey("deadlines.id"))
    measures_deadline_id: Mapped[int | None] = mapped_column(ForeignKey("deadlines.id"))
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer_note: Mapped[str] = mapped_column(Text, default="")  # the reasons given
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_reason: Mapped[str] = mapped_column(Text, default="")

    addressee: Mapped[Agency] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])
    answer_deadline: Mapped[Deadline | None] = relationship(foreign_keys=[answer_deadline_id])
    measures_deadline: Mapped[Deadline | None] = relationship(
        foreign_keys=[measures_deadline_id])
    cases: Mapped[list[Case]] = relationship(secondary=proposal_cases, order_by=Case.id)
    measures: Mapped[list[PolicyMeasure]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan",
        order_by="PolicyMeasure.adopted_on, PolicyMeasure.id")
    checks: Mapped[list[EffectCheck]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="EffectCheck.id")

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[Status(self.status)])

    @property
    def running_deadline(self) -> Deadline | None:
        for deadline in (self.answer_deadline, self.measures_deadline):
            if deadline is not None and deadline.done_at is None:
                return deadline
        return None

    def audit_state(self) -> dict:
        return {"title": self.title, "status": self.status, "addressee_id": self.addressee_id,
                "addressee_name": self.addressee_name, "counties": self.counties,
                "categories": self.categories, "cluster_id": self.cluster_id,
                "answer_days": self.answer_days, "answer_note": self.answer_note,
                "withdrawn_reason": self.withdrawn_reason,
                "cases": sorted(c.id for c in self.cases)}


class PolicyMeasure(db.Model):
    """A measure the addressee adopted (采取的措施), with the day it took effect."""

    __tablename__ = "policy_measures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("policy_proposals.id",
                                                        ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    adopted_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    proposal: Mapped[PolicyProposal] = relationship(back_populates="measures")
    recorded_by: Mapped[User] = relationship()

    def audit_state(self) -> dict:
        return {"proposal_id": self.proposal_id, "text": self.text,
                "adopted_on": self.adopted_on.isoformat()}


class EffectCheck(db.Model):
    """An effect check (效果评估): the petitions in the proposal's area (its counties ×
    categories, restricted cases left out) registered in equal windows before and after the
    first measure, as counted on ``checked_on``."""

    __tablename__ = "policy_effect_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("policy_proposals.id",
                                                        ondelete="CASCADE"), index=True)
    checked_on: Mapped[date] = mapped_column(Date)
    measure_on: Mapped[date] = mapped_column(Date)
    window_days: Mapped[int] = mapped_column(Integer)  # each window's length
    after_days: Mapped[int] = mapped_column(Integer)  # days of the after-window elapsed
    before_count: Mapped[int] = mapped_column(Integer)
    after_count: Mapped[int] = mapped_column(Integer)
    conclusion: Mapped[str] = mapped_column(Text)
    checked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    proposal: Mapped[PolicyProposal] = relationship(back_populates="checks")
    checked_by: Mapped[User] = relationship()

    @property
    def before_rate(self) -> float:
        """Petitions per 30 days before the measure."""
        return self.before_count * 30 / self.window_days if self.window_days else 0.0

    @property
    def after_rate(self) -> float:
        return self.after_count * 30 / self.after_days if self.after_days else 0.0

    def audit_state(self) -> dict:
        return {"proposal_id": self.proposal_id, "measure_on": self.measure_on.isoformat(),
                "window_days": self.window_days, "after_days": self.after_days,
                "before_count": self.before_count, "after_count": self.after_count,
                "conclusion": self.conclusion}
