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


class Kind(StrEnum):
    JOINT = "joint"  # 联席会议
    CONSULT = "consult"  # 联合会商研判
    VISIT = "visit"  # 联合实地督办


KIND_LABELS = {Kind.JOINT: _l("联席会议"), Kind.CONSULT: _l("联合会商研判"),
               Kind.VISIT: _l("联合实地督办")}


class State(StrEnum):
    DRAFT = "draft"  # 草稿 (nothing sent)
    SCHEDULED = "scheduled"  # 已发出通知
    IN_PROGRESS = "in_progress"  # 进行中
    HELD = "held"  # 已召开
    APPROVED = "approved"  # 纪要已批准
    CANCELLED = "cancelled"  # 已取消


STATE_LABELS = {State.DRAFT: _l("草稿"), State.SCHEDULED: _l("已通知"),
                State.IN_PROGRESS: _l("进行中"), State.HELD: _l("已召开"),
                State.APPROVED: _l("纪要已批准"), State.CANCELLED: _l("已取消")}

ANSWER_LABELS = {"pending": _l("未答复"), "attend": _l("参加"), "decline": _l("不参加"),
                 "delegate": _l("委派他人")}
OUTCOME_LABELS = {"info": _l("通报情况"), "decision": _l("议定事项"), "task": _l("交办任务")}


class MeetingSeries(db.Model):
    """A recurring meeting (e.g. the monthly 联席会议); each occurrence is a Meeting row that
    can be moved or cancelled on its own."""

    __tablename__ = "meeting_series"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    every: Mapped[str] = mapped_column(String(10))  # weekly | monthly
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Meeting(db.Model):
    __tablename__ = "meetings"
    __table_args__ = (
        CheckConstraint("state IN ('draft', 'scheduled', 'in_progress', 'held', 'approved', "
                        "'cancelled')", name="state"),
        CheckConstraint("kind IN ('joint', 'consult', 'visit')", name="kind"),
        Index("ix_meetings_starts_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("meeting_series.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(200), default="")
    mechanisms: Mapped[list] = mapped_column(JSON, default=list)  # 信访+X mechanism codes
    organizer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(12), default=State.DRAFT.value)
    sequence: Mapped[int] = mapped_column(Integer, default=0)  # the .ics SEQUENCE
    # Bumped whenever the start time changes: the reminders' occurrence, so a moved meeting
    # is reminded for its new time only (and never twice for the same time).
    time_version: Mapped[int] = mapped_column(Integer, default=1)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    minutes_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    organizer: Mapped[User] = relationship()
    agencies: Mapped[list[MeetingAgency]] = relationship(
        cascade="all, delete-orphan", lazy="selectin")
    invitees: Mapped[list[Invitee]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="Invitee.id",
        lazy="selectin", foreign_keys="Invitee.meeting_id")
    items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="AgendaItem.position")
    tasks: Mapped[list[MeetingTask]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="MeetingTask.id")
    revisions: Mapped[list[MinutesRevision]] = relationship(
        cascade="all, delete-orphan", order_by="MinutesRevision.number")

    @property
    def uid(self) -> str:
        return f"meeting-{self.id}@xinfang-hub"

    def audit_state(self) -> dict:
        return {"kind": self.kind, "title": self.title, "starts_at": self.starts_at,
                "ends_at": self.ends_at, "place": self.place, "state": self.state,
                "sequence": self.sequence,
                "agencies": sorted(a.agency_id for a in self.agencies),
                "invitees": sorted(i.user_id for i in self.invitees)}


class MeetingAgency(db.Model):
    """An agency invited to a meeting (its users may be invited and see the meeting)."""

    __tablename__ = "meeting_agencies"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"),
                                            primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)

    agency: Mapped[Agency] = relationship(lazy="joined")


class Invitee(db.Model):
    __tablename__ = "meeting_invitees"
    __table_args__ = (
        UniqueConstraint("meeting_id", "user_id", name="uq_meeting_invitees_user"),
        CheckConstraint("answer IN ('pending', 'attend', 'decline', 'delegate')", name="answer"),
        Index("ix_meeting_invitees_user", "user_id", "meeting_id"),
        Index("ix_meeting_invitees_delegate", "delegate_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    answer: Mapped[str] = mapped_column(String(10), default="pending")
    delegate_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attended: Mapped[bool | None] = mapped_column(Boolean)

    meeting: Mapped[Meeting] = relationship(back_populates="invitees", foreign_keys=[meeting_id])
    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    delegate: Mapped[User | None] = relationship(foreign_keys=[delegate_id], lazy="joined")

    @property
    def attendee(self) -> User:
        """Who is expected in the room: the delegate when one was sent."""
        return self.delegate if self.answer == "delegate" and self.delegate else self.user


class AgendaItem(db.Model):
    __tablename__ = "meeting_agenda_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"),
                                            index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    # A 政策完善建议 discussed under this item (hub.proposals).
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("policy_proposals.id"),
                                                    index=True)
    presenter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    notes: Mapped[str] = mapped_column(Text, default="")  # minutes of this item

    meeting: Mapped[Meeting] = relationship(back_populates="items")
    case: Mapped[Case | None] = relationship()
    presenter: Mapped[User | None] = relationship()
    outcomes: Mapped[list[MeetingOutcome]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="MeetingOutcome.id")


class MeetingOutcome(db.Model):
    """What an agenda item came to: information, a decision, or a task."""

    __tablename__ = "meeting_outcomes"
    __table_args__ = (CheckConstraint("kind IN ('info', 'decision', 'task')", name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("meeting_agenda_items.id",
                                                    ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[AgendaItem] = relationship(back_populates="outcomes")
    task: Mapped[MeetingTask | None] = relationship(back_populates="outcome", uselist=False)


class MeetingTask(db.Model):
    """A task a meeting gave an agency (and a person in it), due on a date: chased like a
    包案 duty until done."""

    __tablename__ = "meeting_tasks"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'done')", name="status"),
        Index("ix_meeting_tasks_open_due", "status", "due_on"),
        Index("ix_meeting_tasks_owner", "owner_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"),
                                            index=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("meeting_outcomes.id",
                                                       ondelete="CASCADE"), unique=True)
    text: Mapped[str] = mapped_column(Text)
    owner_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date] = mapped_column(Date)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="open")
    result: Mapped[str | None] = mapped_column(Text)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_on: Mapped[date | None] = mapped_column(Date)  # local day: on time is done_on <= due_on

    meeting: Mapped[Meeting] = relationship(back_populates="tasks")
    outcome: Mapped[MeetingOutcome] = relationship(back_populates="task")
    owner: Mapped[User] = relationship(foreign_keys=[owner_id], lazy="joined")
    owner_agency: Mapped[Agency] = relationship(lazy="joined")
    case: Mapped[Case | None] = relationship()

    def audit_state(self) -> dict:
        return {"meeting_id": self.meeting_id, "text": self.text, "owner_id": self.owner_id,
                "owner_agency_id": self.owner_agency_id, "due_on": self.due_on,
                "case_id": self.case_id, "status": self.status}


class MinutesRevision(db.Model):
    """One saved version of a meeting's minutes (纪要): who changed it and when."""

    __tablename__ = "meeting_minutes_revisions"
    __table_args__ = (UniqueConstraint("meeting_id", "number", name="uq_minutes_revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship()
