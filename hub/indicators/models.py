from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Column, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.cases.vocab import Channel
from hub.core.types import UTCDateTime, utcnow
from hub.extensions import db
from hub.indicators.definitions import FLAG_COUNTS, HANDLING_COUNTS


class Report(db.Model):
    """A generated 通报 (circular) or 台账 (ledger) for one month, kept as generated: its
    figures (``snapshot``) and its .xlsx, with the time they were computed, so what was
    sent can be shown again exactly.  Generating again adds a new report."""

    __tablename__ = "reports"
    __table_args__ = (
        CheckConstraint("kind IN ('circular', 'ledger')", name="kind"),
        Index("ix_reports_kind_month", "kind", "month", "generated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    month: Mapped[date] = mapped_column(Date)  # the first day of the month reported
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    generated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: schedule
    snapshot: Mapped[dict] = mapped_column(JSON)
    stored_name: Mapped[str] = mapped_column(String(100))

    def audit_state(self) -> dict:
        return {"kind": self.kind, "month": self.month, "generated_at": self.generated_at,
                "stored_name": self.stored_name}


# ---------------------------------------------------------------------------------------
# Tallies: the indicators' case counts kept summed (hub.indicators.tallies)
# ---------------------------------------------------------------------------------------

# The counts kept per tally row: every case count of the indicators but the colours, which
# depend on the day asked (case_open_dates keeps what decides them), and the open 扬言件
# and paused cases, which have no colour from their dates.
TALLY_CODES = ["total", *(f"channel_{c.value}" for c in Channel),
               *(c.code for c in FLAG_COUNTS), *(c.code for c in HANDLING_COUNTS),
               "open_threat", "open_paused"]


# One row per (scope, dimension, registration month, county, member): how many of the cases
# in it meet each condition.  scope 0 is every case that is not restricted; +agency id the
# cases that agency takes part in; −agency id the restricted cases it takes part in.
# dim "county" has one row per month and county (member ""); "township", "board" and
# "agency" break that down (member: township id or "", board code, agency id).
case_tallies = db.Table(
    "case_tallies",
    Column("scope", Integer, primary_key=True),
    Column("dim", String(10), primary_key=True),
    Column("month", Date, primary_key=True),
    Column("county", String(40), primary_key=True),
    Column("member", String(40), primary_key=True),
    *(Column(code, Integer, nullable=False, server_default="0") for code in TALLY_CODES),
)

# Open cases that are neither 扬言件 nor paused, by their clock's dates: their colour is
# decided when the dashboard asks (red when due_on < today, yellow when warn_on ≤ today).
# A case without a date is stored with NO_DATE (never due, so green), keeping the key
# non-null.
case_open_dates = db.Table(
    "case_open_dates",
    Column("scope", Integer, primary_key=True),
    Column("month", Date, primary_key=True),
    Column("county", String(40), primary_key=True),
    Column("due_on", Date, primary_key=True),
    Column("warn_on", Date, primary_key=True),
    Column("n", Integer, nullable=False, server_default="0"),
)

# What each case adds to the tallies now (its "facts", compact JSON), so a change is
# applied as the difference between what it added and what it adds after the change.  No
# foreign key: a deleted case's facts are what must be taken away.
case_tally_facts = db.Table(
    "case_tally_facts",
    Column("case_id", Integer, primary_key=True, autoincrement=False),
    Column("facts", Text, nullable=False),
)


class TallyCheck(db.Model):
    """One run of ``tallies.check``: every case's tallies recomputed; ``corrected`` cases
    differed (0 when the tallies were right)."""

    __tablename__ = "tally_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    cases: Mapped[int] = mapped_column(Integer)
    corrected: Mapped[int] = mapped_column(Integer)
