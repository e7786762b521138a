from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.agencies.models import Agency
from hub.auth.models import User
from hub.cases.models import Case
from hub.core.types import UTCDateTime, utcnow
from hub.deadlines.models import Deadline
from hub.extensions import db


class State(StrEnum):
    SENT = "sent"  # 待签收
    OBJECTED = "objected"  # 异议 (awaiting the sender's ruling)
    IN_HAND = "in_hand"  # 已签收，办理中
    FEEDBACK = "feedback"  # 已反馈，待确认
    CONFIRMED = "confirmed"  # 已确认办结
    RETURNED = "returned"  # 异议成立，退回交办方重新分办


STATE_LABELS = {
    State.SENT: _l("待签收"),
    State.OBJECTED: _l("异议待裁定"),
    State.IN_HAND: _l("办理中"),
    State.FEEDBACK: _l("已反馈待确认"),
    State.CONFIRMED: _l("已确认办结"),
    State.RETURNED: _l("异议成立已退回"),
}

EVENT_LABELS = {
    "handoffs.sent": _l("交办"),
    "handoffs.signed": _l("签收"),
    "handoffs.objected": _l("提出异议"),
    "handoffs.objection_upheld": _l("异议成立，退回"),
    "handoffs.objection_overruled": _l("异议不成立，重新签收"),
    "handoffs.progress": _l("记录办理进展"),
    "handoffs.feedback": _l("反馈"),
    "handoffs.confirmed": _l("确认办结"),
    "handoffs.sent_back": _l("退回重办"),
}

OPEN_STATES = (State.SENT, State.OBJECTED, State.IN_HAND, State.FEEDBACK)


class Handoff(db.Model):
    """One handoff from an agency to another, about one case or a batch of cases.

    Two clocks of the deadline engine: sign-for (签收, working days) while it is sent, and
    feedback (反馈, calendar days) until the feedback is submitted.
    """

    __tablename__ = "handoffs"
    __table_args__ = (
        CheckConstraint("state IN ('sent', 'objected', 'in_hand', 'feedback', 'confirmed', "
                        "'returned')", name="state"),
        Index("ix_handoffs_to_state", "to_agency_id", "state"),
        Index("ix_handoffs_from_state", "from_agency_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    from_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    to_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    sent_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    instructions: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)  # the kind's extra fields
    restricted: Mapped[bool] = mapped_column(default=False)
    state: Mapped[str] = mapped_column(String(12), default=State.SENT.value)
    sign_deadline_id: Mapped[int | None] = mapped_column(ForeignKey("deadlines.id"))
    feedback_deadline_id: Mapped[int | None] = mapped_column(ForeignKey("deadlines.id"))
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    objection: Mapped[str | None] = mapped_column(Text)
    objected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    objected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ruling: Mapped[str | None] = mapped_column(Text)  # the sender's ruling on an objection
    feedback: Mapped[str | None] = mapped_column(Text)
    feedback_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_back_reason: Mapped[str | None] = mapped_column(Text)  # 退回重办
    sent_back_count: Mapped[int] = mapped_column(Integer, default=0)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    # Optimistic locking: two liaisons signing at once — the second UPDATE finds no row.
    __mapper_args__ = {"version_id_col": version}

    from_agency: Mapped[Agency] = relationship(foreign_keys=[from_agency_id], lazy="joined")
    to_agency: Mapped[Agency] = relationship(foreign_keys=[to_agency_id], lazy="joined")
    sent_by: Mapped[User] = relationship(foreign_keys=[sent_by_id])
    signed_by: Mapped[User | None] = relationship(foreign_keys=[signed_by_id])
    sign_deadline: Mapped[Deadline | None] = relationship(foreign_keys=[sign_deadline_id])
    feedback_deadline: Mapped[Deadline | None] = relationship(foreign_keys=[feedback_deadline_id])
    items: Mapped[list[HandoffCase]] = relationship(
        back_populates="handoff", cascade="all, delete-orphan", order_by="HandoffCase.id",
        lazy="selectin")
    notes: Mapped[list[HandoffNote]] = relationship(
        back_populates="handoff", cascade="all, delete-orphan", order_by="HandoffNote.id")

    @property
    def cases(self) -> list[Case]:
        return [item.case for item in self.items]

    def audit_state(self) -> dict:
        return {"kind": self.kind, "from_agency_id": self.from_agency_id,
                "to_agency_id": self.to_agency_id, "state": self.state,
                "case_ids": [item.case_id for item in self.items],
                "outcomes": {item.case_id: item.outcome for item in self.items if item.outcome},
                "sent_back_count": self.sent_back_count, "version": self.version}


class HandoffCase(db.Model):
    """A case in a handoff, with the receiver's outcome and feedback for it."""

    __tablename__ = "handoff_cases"
    __table_args__ = (Index("ix_handoff_cases_case", "case_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"),
                                            index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    outcome: Mapped[str | None] = mapped_column(String(30))
    feedback: Mapped[str | None] = mapped_column(Text)

    handoff: Mapped[Handoff] = relationship(back_populates="items")
    case: Mapped[Case] = relationship(lazy="joined")


class HandoffNote(db.Model):
    """A progress note the receiver records while the handoff is in hand."""

    __tablename__ = "handoff_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"),
                                            index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    handoff: Mapped[Handoff] = relationship(back_populates="notes")
    author: Mapped[User] = relationship()


class HandoffKindSetting(db.Model):
    """An admin's change to a kind's default clocks (the plug-in's values otherwise)."""

    __tablename__ = "handoff_kind_settings"

    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    sign_days: Mapped[int] = mapped_column(Integer)
    feedback_days: Mapped[int] = mapped_column(Integer)

    def audit_state(self) -> dict:
        return {"kind": self.kind, "sign_days": self.sign_days,
                "feedback_days": self.feedback_days}
