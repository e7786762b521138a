"""Progress and cancellation of a running file job, kept in Redis.

An import writes in one transaction, so its progress cannot be read from the database
while it runs (and on SQLite a progress UPDATE would wait for the import's write lock).
The job reports here; the page polls here; a cancel request is a flag the job checks
between batches.
"""

from __future__ import annotations

from hub.core.redis import get_redis

TTL_SECONDS = 24 * 3600


def _key(job_id: int) -> str:
    return f"hub:filejob:{job_id}"


def report(job_id: int, phase: str, done: int, total: int | None) -> None:
    get_redis().hset(_key(job_id), mapping={"phase": phase, "done": done,
                                            "total": -1 if total is None else total})
    get_redis().expire(_key(job_id), TTL_SECONDS)


def read(job_id: int) -> dict | None:
    """{"phase", "done", "total" (None when not known yet), "cancel"} or None."""
    raw = get_redis().hgetall(_key(job_id))
    if not raw:
        return None
    data = {k.decode(): v.decode() for k, v in raw.items()}
    total = int(data.get("total", -1))
    return {"phase": data.get("phase", ""), "done": int(data.get("done", 0)),
            "total": None if total < 0 else total, "cancel": data.get("cancel") == "1"}


def request_cancel(job_id: int) -> None:
    get_redis().hset(_key(job_id), "cancel", "1")
    get_redis().expire(_key(job_id), TTL_SECONDS)


def cancel_requested(job_id: int) -> bool:
    return get_redis().hget(_key(job_id), "cancel") == b"1"


def clear(job_id: int) -> None:
    get_redis().delete(_key(job_id))


def percent(done: int, total: int | None) -> int:
    if not total:
        return 0
    return min(100, done * 100 // total)
