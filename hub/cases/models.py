from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
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
from hub.cases.vocab import Channel, ParticipantRole, Stage, Status
from hub.core.types import UTCDateTime, utcnow
from hub.extensions import db


def _in(column: str, enum) -> str:
    return f"{column} IN ({', '.join(repr(m.value) for m in enum)})"


class Case(db.Model):
    """A petition case (信访事项).

    ``stage``, ``due_on`` and ``warn_on`` mirror the open step's deadline (hub.deadlines)
    so that the boards can sort and colour a million cases with an index; the deadline row
    stays the source of truth and the case services keep the two in step.
    """

    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(_in("channel", Channel), name="channel"),
        CheckConstraint(_in("status", Status), name="status"),
        CheckConstraint(_in("stage", Stage), name="stage"),
        CheckConstraint("headcount >= 1", name="headcount"),
        Index("ix_cases_board", "stage", "rank", "id", "restricted"),
        Index("ix_cases_county_stage", "county", "stage"),
        Index("ix_cases_registered_at", "registered_at"),
        Index("ix_cases_external_number", "external_number", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    # The number the case has in the national 信访信息系统, for cases imported from its
    # exports: an import never loads the same case twice.
    external_number: Mapped[str | None] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(30))
    headcount: Mapped[int] = mapped_column(Integer, default=1)
    county: Mapped[str] = mapped_column(String(40))  # county key, e.g. mangshi
    township_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    village: Mapped[str | None] = mapped_column(String(100))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    registering_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    lead_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    # indicator flags
    skip_level: Mapped[bool] = mapped_column(Boolean, default=False)
    collective: Mapped[bool] = mapped_column(Boolean, default=False)
    repeat: Mapped[bool] = mapped_column(Boolean, default=False)
    joint_letter: Mapped[bool] = mapped_column(Boolean, default=False)
    threat: Mapped[bool] = mapped_column(Boolean, default=False)
    foreign: Mapped[bool] = mapped_column(Boolean, default=False)
    non_reception: Mapped[bool] = mapped_column(Boolean, default=False)
    # lifecycle
    status: Mapped[str] = mapped_column(String(20), default=Status.REGISTERED.value)
    stage: Mapped[str] = mapped_column(String(20), default=Stage.SORT.value)
    supervised: Mapped[bool] = mapped_column(Boolean, default=False)
    to_discuss: Mapped[bool] = mapped_column(Boolean, default=False, index=True)  # 待会商
    current_deadline_id: Mapped[int | None] = mapped_column(ForeignKey("deadlines.id"))
    due_on: Mapped[date | None] = mapped_column(Date)
    warn_on: Mapped[date | None] = mapped_column(Date)
    # Board order in one sortable number (hub.cases.steps.board_rank): 扬言件 first, then
    # the earliest due date; closed cases newest first.
    rank: Mapped[int] = mapped_column(BigInteger, default=0)
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False)  # 暂定
    extended: Mapped[bool] = mapped_column(Boolean, default=False)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)  # clock stopped (听证)
    not_accepted_reason: Mapped[str | None] = mapped_column(Text)
    reply_text: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rating: Mapped[str | None] = mapped_column(String(20))
    review_text: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recheck_text: Mapped[str | None] = mapped_column(Text)
    rechecked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Optimistic locking: every UPDATE checks and bumps the version (a stale write fails).
    __mapper_args__ = {"version_id_col": version}

    lead_agency: Mapped[Agency | None] = relationship(foreign_keys=[lead_agency_id])
    registering_agency: Mapped[Agency] = relationship(foreign_keys=[registering_agency_id])
    township: Mapped[Agency | None] = relationship(foreign_keys=[township_id])
    participants: Mapped[list[CaseParticipant]] = relationship(
        back_populates="case", cascade="all, delete-orphan", lazy="selectin"
    )
    petitioners: Mapped[list[Petitioner]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Petitioner.id"
    )

    def flags(self) -> list[str]:
        from hub.cases.vocab import FLAGS

        return [name for name in FLAGS if getattr(self, name)]

    def audit_state(self) -> dict:
        return {
            "number": self.number,
            "title": self.title,
            "status": self.status,
            "stage": self.stage,
            "lead_agency_id": self.lead_agency_id,
            "restricted": self.restricted,
            "flags": self.flags(),
            "due_on": self.due_on,
            "supervised": self.supervised,
            "to_discuss": self.to_discuss,
            "rating": self.rating,
            "version": self.version,
        }

    def __repr__(self) -> str:
        return f"<Case {self.number}>"


class Petitioner(db.Model):
    """A petitioner (信访人).  Phone and ID number are personal data: masked by default."""

    __tablename__ = "petitioners"
    __table_args__ = (
        Index("ix_petitioners_id_number", "id_number"),
        Index("ix_petitioners_phone", "phone"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(20))
    id_number: Mapped[str | None] = mapped_column(String(18))

    case: Mapped[Case] = relationship(back_populates="petitioners")


class CaseParticipant(db.Model):
    """An agency working a case: lead (主办), assist (协办) or supervise (督办).

    ``stage`` and ``rank`` are copied from the case so that an agency's board column is one
    index range in board order; ``mechanism`` names the 信访+X board the agency's plug-in
    forms.
    """

    __tablename__ = "case_participants"
    __table_args__ = (
        UniqueConstraint("case_id", "agency_id", name="uq_case_participants_case_agency"),
        CheckConstraint(_in("role", ParticipantRole), name="role"),
        Index("ix_case_participants_agency_board", "agency_id", "stage", "rank", "case_id"),
        # The API lists an agency's cases newest first, page by page (keyset on case id).
        Index("ix_case_participants_agency_case", "agency_id", "case_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    role: Mapped[str] = mapped_column(String(20))
    mechanism: Mapped[str | None] = mapped_column(String(40))
    stage: Mapped[str] = mapped_column(String(20))
    rank: Mapped[int] = mapped_column(BigInteger, default=0)

    case: Mapped[Case] = relationship(back_populates="participants")
    agency: Mapped[Agency] = relationship(lazy="joined")


class CaseBoard(db.Model):
    """One row per case per 信访+X mechanism board it appears on (index for the boards)."""

    __tablename__ = "case_boards"
    __table_args__ = (Index("ix_case_boards_board", "board", "stage", "rank", "case_id"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         primary_key=True)
    board: Mapped[str] = mapped_column(String(40), primary_key=True)
    stage: Mapped[str] = mapped_column(String(20))
    rank: Mapped[int] = mapped_column(BigInteger, default=0)


class CaseLink(db.Model):
    """A repeat petition (重复信访) linked to an earlier case of the same petitioner."""

    __tablename__ = "case_links"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         primary_key=True)
    earlier_case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                                 primary_key=True, index=True)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseCounter(db.Model):
    """The last case number issued per year (numbers are DH + year + 6 digits)."""

    __tablename__ = "case_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)
