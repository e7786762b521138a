"""What the 任务队列 page shows and does: RQ's queues, workers and failed jobs, and retries.

Every function talks to Redis and may raise ``redis.exceptions.RedisError``; the views turn
that into a clear message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from redis import Redis
from rq import Queue, Worker
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job
from rq.registry import FailedJobRegistry
from rq.results import Result

from hub.core.redis import get_redis
from jobs.queues import DEFAULT

FAILED_SHOWN = 100  # newest failed jobs listed per queue


@dataclass(frozen=True)
class QueueInfo:
    name: str
    length: int
    failed: int


@dataclass(frozen=True)
class WorkerInfo:
    name: str
    state: str
    current_job: str | None
    last_heartbeat: datetime | None
    queues: tuple[str, ...]


@dataclass(frozen=True)
class FailedJob:
    id: str
    queue: str
    func: str
    failed_at: datetime | None
    error: str  # the exception's last line: its type and message, no traceback


def all_queues(connection: Redis | None = None) -> list[Queue]:
    """The queues RQ knows in Redis, and always the hub's default one."""
    connection = connection or get_redis()
    queues = {q.name: q for q in Queue.all(connection=connection)}
    queues.setdefault(DEFAULT, Queue(DEFAULT, connection=connection))
    return [queues[name] for name in sorted(queues)]


def overview() -> tuple[list[QueueInfo], list[WorkerInfo], list[FailedJob]]:
    connection = get_redis()
    queues = all_queues(connection)
    infos = [QueueInfo(q.name, q.count, q.failed_job_registry.count) for q in queues]
    workers = [WorkerInfo(w.name, w.get_state(), w.get_current_job_id(), _utc(w.last_heartbeat),
                          tuple(w.queue_names()))
               for w in sorted(Worker.all(connection=connection), key=lambda w: w.name)]
    failed = [job for q in queues for job in _failed_jobs(q)]
    failed.sort(key=lambda j: j.failed_at or datetime.min.replace(tzinfo=UTC), reverse=True)
    return infos, workers, failed


def _failed_jobs(q: Queue) -> list[FailedJob]:
    ids = q.failed_job_registry.get_job_ids(0, FAILED_SHOWN - 1, desc=True)
    out = []
    for job_id, job in zip(ids, Job.fetch_many(ids, connection=q.connection), strict=True):
        if job is None:  # expired between the two reads
            continue
        try:
            func = job.func_name or ""
        except Exception:  # noqa: BLE001 - a job whose data cannot be read is still listed
            func = "?"
        result = job.latest_result()
        error = ""
        if result is not None and result.type == Result.Type.FAILED and result.exc_string:
            lines = [line for line in result.exc_string.strip().splitlines() if line.strip()]
            error = lines[-1] if lines else ""
        failed_at = _utc(job.ended_at or (result.created_at if result is not None else None))
        out.append(FailedJob(job_id, q.name, func, failed_at, error))
    return out


def _utc(moment: datetime | None) -> datetime | None:
    """RQ's times are UTC, with or without a zone."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def retry(job_id: str) -> Job | None:
    """Put one failed job back on its queue; None when it is not (or no longer) failed."""
    connection = get_redis()
    try:
        job = Job.fetch(job_id, connection=connection)
    except NoSuchJobError:
        return None
    try:
        return FailedJobRegistry(job.origin, connection=connection).requeue(job)
    except InvalidJobOperation:
        return None


def retry_all() -> list[Job]:
    """Put every failed job of every queue back on its queue."""
    requeued = []
    for q in all_queues():
        for job_id in q.failed_job_registry.get_job_ids():
            job = retry(job_id)
            if job is not None:
                requeued.append(job)
    return requeued
