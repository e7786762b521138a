"""The life of a file job: upload → check (RQ) → confirm → import (RQ), or export (RQ);
cancel at any point before the end.  Web-side services flush, never commit; the job
functions (run_*) commit, as jobs do.
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from hub.audit.services import record, record_change
from hub.cases import permissions
from hub.core.errors import ServiceError
from hub.core.types import utcnow
from hub.extensions import db
from hub.transfers import progress
from hub.transfers.models import RUNNING_STATES, FileJob, Kind, State
from hub.transfers.reading import FileProblem, sniff_format

log = logging.getLogger(__name__)

JOB_TIMEOUT = 3600


def folder() -> Path:
    path = Path(current_app.config["HUB_UPLOAD_DIR"]) / "transfers"
    path.mkdir(parents=True, exist_ok=True)
    return path


def stored_path(job: FileJob) -> Path:
    return folder() / job.stored_name


def problems_path(job: FileJob) -> Path:
    return folder() / f"{job.stored_name}.problems.csv"


def mine(user, kind: Kind, limit: int = 20) -> list[FileJob]:
    return list(db.session.scalars(
        select(FileJob).where(FileJob.user_id == user.id, FileJob.kind == kind.value)
        .order_by(FileJob.id.desc()).limit(limit)))


def get_own_or_none(user, job_id: int, kind: Kind) -> FileJob | None:
    """A file job is its requester's alone (an export holds what they may see)."""
    job = db.session.get(FileJob, job_id)
    if job is None or job.user_id != user.id or job.kind != kind.value:
        return None
    return job


# ---------------------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------------------

def start_import(actor, filename: str, data: bytes) -> FileJob:
    """Store an uploaded file and queue its check.  Nothing about cases is written."""
    if not permissions.may_register(actor):
        raise ServiceError(_("只有信访局的联络员或联席办可以导入信访事项"))
    filename = (filename or "").strip().replace("\\", "/").rsplit("/", 1)[-1][:200]
    if not data:
        raise ServiceError(_("请选择要导入的文件（.xlsx 或 .csv）"), "file")
    limit = current_app.config["HUB_IMPORT_MAX_BYTES"]
    if len(data) > limit:
        raise ServiceError(_("文件超过 %(mb)d MB 的上限，请分成几个文件导入",
                             mb=limit // (1024 * 1024)), "file")
    try:
        fmt = sniff_format(data[:4096], filename)
    except FileProblem as exc:
        raise ServiceError(exc.message, "file") from None
    job = FileJob(kind=Kind.IMPORT.value, user_id=actor.id, agency_id=actor.agency_id,
                  state=State.QUEUED.value, source=fmt, params={},
                  filename=filename or f"import.{fmt}",
                  stored_name=f"import-{secrets.token_hex(12)}.{fmt}", result={})
    db.session.add(job)
    db.session.flush()
    stored_path(job).write_bytes(data)
    progress.clear(job.id)  # a reused id (a restored database) starts with no stale flag
    record_change(actor, "transfers.import_uploaded", job, None)
    return job


def confirm_import(actor, job: FileJob) -> None:
    if job.state != State.VALID.value:
        raise ServiceError(_("只有检查通过、尚未导入的文件才能确认导入"))
    before = job.audit_state()
    job.state = State.IMPORTING.value
    job.rows_done = 0
    record_change(actor, "transfers.import_confirmed", job, before)


def cancel(actor, job: FileJob) -> bool:
    """Cancel: a job that waits for the user ends now; a running job is asked to stop
    (it stops between two batches and writes nothing).  True when it ended now."""
    if job.state == State.VALID.value:
        before = job.audit_state()
        job.state = State.CANCELLED.value
        job.finished_at = utcnow()
        record_change(actor, "transfers.cancelled", job, before)
        return True
    if job.state not in RUNNING_STATES:
        raise ServiceError(_("该任务已经结束，不能取消"))
    progress.request_cancel(job.id)
    record(actor, "transfers.cancel_requested", "file_jobs", job.id)
    return False


def retry(actor, job: FileJob) -> None:
    """Start again a job whose worker went away (nothing was written)."""
    if job_alive(job) or job.state not in RUNNING_STATES:
        raise ServiceError(_("该任务仍在进行或已经结束"))
    before = job.audit_state()
    if job.state in (State.VALIDATING.value, State.RUNNING.value):
        job.state = State.QUEUED.value  # the check or the export starts from the top
    progress.clear(job.id)
    record_change(actor, "transfers.retried", job, before)


def enqueue(job: FileJob) -> bool:
    """Queue the job's next RQ step (after the caller committed); records the RQ job id on
    the row (the caller commits it)."""
    from jobs import transfers
    from jobs.queues import queue

    func = {State.QUEUED.value: transfers.validate_import if job.kind == Kind.IMPORT.value
            else transfers.export,
            State.IMPORTING.value: transfers.import_cases}.get(job.state)
    if func is None:
        return False
    try:
        rq_job = queue().enqueue(func, job.id, job_timeout=JOB_TIMEOUT,
                                 result_ttl=24 * 3600, failure_ttl=7 * 24 * 3600)
    except Exception as exc:  # noqa: BLE001 - Redis down: the page offers to try again
        log.warning("could not enqueue file job %s: %s", job.id, exc)
        return False
    job.job_id = rq_job.id
    return True


def job_alive(job: FileJob) -> bool:
    """Is the job's RQ job still waiting or running?  (A worker killed mid-import leaves
    the state "importing" with nothing written: the page then offers to start again.)"""
    from rq.job import Job, JobStatus

    from hub.core.redis import get_redis

    if not job.job_id:
        return False
    try:
        connection = get_redis()
        rq_job = Job.fetch(job.job_id, connection=connection)
        status = rq_job.get_status(refresh=False)
        if status == JobStatus.STARTED and rq_job.worker_name:
            # A worker's key lives while it sends heartbeats: a SIGKILLed worker's job is
            # seen as gone within the worker TTL, not after the job's one-hour timeout.
            return bool(connection.exists(f"rq:worker:{rq_job.worker_name}"))
    except Exception:  # noqa: BLE001 - no such job (expired), or Redis down
        return False
    return status in (JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED,
                      JobStatus.SCHEDULED)


def _load(job_id: int) -> tuple[FileJob, object]:
    job = db.session.get(FileJob, job_id)
    if job is None:
        raise LookupError(f"file job {job_id} not found")
    from hub.auth.models import User

    return job, db.session.get(User, job.user_id)


def _finish(job: FileJob, state: State, *, message: str | None = None) -> None:
    job.state = state.value
    job.message = message
    job.finished_at = utcnow()


def stopped(job: FileJob, user) -> str:
    """A running job saw its cancel request: drop what it wrote, record the cancel."""
    db.session.rollback()
    _finish(job, State.CANCELLED)
    record(user, "transfers.cancelled", "file_jobs", job.id)
    db.session.commit()
    return job.state


def run_validation(job_id: int) -> str:
    """The check: read every row, list every problem; write nothing but the job's result."""
    from hub.transfers import importing

    job, user = _load(job_id)
    if job.state not in (State.QUEUED.value, State.VALIDATING.value):
        return job.state
    job.state = State.VALIDATING.value
    db.session.commit()
    try:
        outcome = importing.run(
            user, stored_path(job), job.source, write=False,
            report=lambda phase, done, total: progress.report(job.id, phase, done, total),
            cancelled=lambda: progress.cancel_requested(job.id))
    except importing.Cancelled:
        return stopped(job, user)
    except FileProblem as exc:
        db.session.rollback()
        job.result = {"problem_count": 1, "problems": [[0, "", exc.message]]}
        _finish(job, State.INVALID, message=exc.message)
        db.session.commit()
        return job.state
    importing.write_problems(problems_path(job), outcome)
    job.result = outcome.summary()
    job.rows_total = outcome.rows
    job.rows_done = outcome.rows
    if outcome.problems:
        _finish(job, State.INVALID)
    elif outcome.rows - len(outcome.duplicates) <= 0:
        _finish(job, State.INVALID, message=_("文件中没有可以导入的新信访事项"))
    else:
        job.state = State.VALID.value
    db.session.commit()
    return job.state


def run_import(job_id: int, *, on_batch=None) -> str:
    """The import: every row again, written in this one transaction — or nothing.
    ``on_batch(done)`` is called after each batch (progress for benchmarks and tests)."""
    from hub.transfers import importing

    job, user = _load(job_id)
    if job.state != State.IMPORTING.value:
        return job.state

    def report(phase, done, total):
        progress.report(job.id, phase, done, total)
        if on_batch is not None:
            on_batch(done)

    try:
        outcome = importing.run(user, stored_path(job), job.source, write=True, report=report,
                                cancelled=lambda: progress.cancel_requested(job.id),
                                file_job_id=job.id)
        if outcome.problems:
            raise ServiceError(_("导入时发现新的问题，未写入任何数据"))
    except importing.Cancelled:
        return stopped(job, user)
    except (FileProblem, ServiceError) as exc:
        db.session.rollback()
        if isinstance(exc, ServiceError):
            importing.write_problems(problems_path(job), outcome)
            job.result = outcome.summary()
        _finish(job, State.INVALID if isinstance(exc, ServiceError) else State.FAILED,
                message=exc.message)
        db.session.commit()
        return job.state
    job.result = outcome.summary()
    job.rows_done = outcome.rows
    _finish(job, State.DONE)
    record_change(user, "transfers.imported", job, None)
    db.session.commit()
    return job.state


def mark_failed(job_id: int, message: str) -> None:
    """An RQ failure callback: the job raised (nothing was written)."""
    job = db.session.get(FileJob, job_id)
    if job is not None and job.state in {s.value for s in RUNNING_STATES}:
        _finish(job, State.FAILED, message=message[:500])
        db.session.commit()
