"""The public portal's tables: submissions and their tracking codes, the attempts that the
per-address limits count, published cases, and the county departments with their own
一县一码."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.agencies.models import Agency
from hub.auth.models import User
from hub.cases.models import Case
from hub.core.types import UTCDateTime, utcnow
from hub.extensions import db


class PublicSubmission(db.Model):
    """A petition submitted on the public portal (网上信访 or 一县一码): the case it became,
    the query code and the hashed secret the petitioner tracks it with, and their consent.

    The query code is long and random (guessing one is hopeless); the secret is stored only
    as a keyed hash, like API tokens.  Wrong secrets count per code and lock it for a while
    (``locked_until``), on top of the per-address limit (``PublicAttempt``).
    """

    __tablename__ = "public_submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    query_code: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    # 一县一码 of a county department: the department the petitioner chose to address.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    # The petitioner agrees that the matter and its reply may be published once personal
    # data is removed (the handling agency still decides).
    allow_publication: Mapped[bool] = mapped_column(Boolean, default=True)
    consent_version: Mapped[str] = mapped_column(String(20))
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    failed_secrets: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship()
    department: Mapped[Agency | None] = relationship()

    def audit_state(self) -> dict:
        return {"case_id": self.case_id, "department_id": self.department_id,
                "allow_publication": self.allow_publication,
                "consent_version": self.consent_version, "locked": self.locked_until is not None}


class PublicAttempt(db.Model):
    """One counted action from an address: a submission, or a wrong query code or secret.
    The per-address limits count these in their windows; old rows are pruned as new ones
    are written."""

    __tablename__ = "public_attempts"
    __table_args__ = (
        CheckConstraint("kind IN ('submit', 'secret')", name="kind"),
        Index("ix_public_attempts_address_kind_at", "address", "kind", "at"),
        Index("ix_public_attempts_at", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    address: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(10))


class CasePublication(db.Model):
    """A case and its reply as published on the portal (公开): the texts with personal data
    removed, as the handling agency confirmed them.  ``published`` is false once withdrawn;
    publishing again overwrites the texts."""

    __tablename__ = "case_publications"
    __table_args__ = (Index("ix_case_publications_published_at", "published", "published_at"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         primary_key=True, autoincrement=False)
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    reply: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    case: Mapped[Case] = relationship()
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])

    @property
    def id(self) -> int:
        return self.case_id

    def audit_state(self) -> dict:
        return {"case_id": self.case_id, "published": self.published, "title": self.title,
                "published_at": self.published_at, "withdrawn_at": self.withdrawn_at}


class PortalDepartment(db.Model):
    """A county department that has its own 一县一码 (beside its county's code): the code
    opens the portal's form addressed to it."""

    __tablename__ = "portal_departments"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"),
                                           primary_key=True, autoincrement=False)
    enabled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    enabled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    agency: Mapped[Agency] = relationship()

    @property
    def id(self) -> int:
        return self.agency_id

    def audit_state(self) -> dict:
        return {"agency_id": self.agency_id}
