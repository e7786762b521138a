from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.types import UTCDateTime, utcnow
from hub.extensions import db


class Kind(StrEnum):
    IMPORT = "import"
    EXPORT = "export"


class State(StrEnum):
    QUEUED = "queued"  # waiting for a worker (an import: validation is queued)
    VALIDATING = "validating"  # import: reading and checking every row
    INVALID = "invalid"  # import: problems found, nothing written
    VALID = "valid"  # import: every row checked, waiting for the user's confirmation
    IMPORTING = "importing"  # import: writing, in one transaction
    RUNNING = "running"  # export: writing the file
    DONE = "done"  # import: written; export: the file is ready
    CANCELLED = "cancelled"  # nothing written
    FAILED = "failed"  # nothing written (the message says why)


RUNNING_STATES = {State.QUEUED, State.VALIDATING, State.IMPORTING, State.RUNNING}
FINISHED_STATES = {State.INVALID, State.DONE, State.CANCELLED, State.FAILED}


class FileJob(db.Model):
    """One import or export a user asked for: its file, its state and what came of it.

    While a job runs, its progress lives in Redis (hub.transfers.progress): an import writes
    in one transaction, so nothing about it is visible in the database until it ends.
    """

    __tablename__ = "file_jobs"
    __table_args__ = (
        CheckConstraint(f"kind IN ({', '.join(repr(k.value) for k in Kind)})", name="kind"),
        CheckConstraint(f"state IN ({', '.join(repr(s.value) for s in State)})", name="state"),
        Index("ix_file_jobs_user", "user_id", "kind", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    state: Mapped[str] = mapped_column(String(20), default=State.QUEUED.value)
    # import: the file's format (xlsx/csv); export: the list view exported (a source name)
    source: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(JSON, default=dict)  # export: the view's filters
    filename: Mapped[str] = mapped_column(String(200))  # as uploaded / as downloaded
    stored_name: Mapped[str | None] = mapped_column(String(100))  # under the transfers folder
    rows_total: Mapped[int | None] = mapped_column(Integer)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    # What came of it: counts, the CSV encoding found, columns not imported, ...
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    message: Mapped[str | None] = mapped_column(String(500))  # why it failed
    job_id: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def audit_state(self) -> dict:
        return {"kind": self.kind, "state": self.state, "source": self.source,
                "filename": self.filename, "rows_total": self.rows_total,
                "rows_done": self.rows_done, "result": self.result}
