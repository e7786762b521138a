"""Queues, and enqueueing that never breaks the caller when Redis is down."""

from __future__ import annotations

import logging

from rq import Queue
from rq.exceptions import DuplicateJobError

from hub.core.redis import get_redis

log = logging.getLogger(__name__)

DEFAULT = "default"


def queue(name: str = DEFAULT) -> Queue:
    return Queue(name, connection=get_redis())


def enqueue_once(func, job_id: str, *args, name: str = DEFAULT, **kwargs) -> bool:
    """Enqueue ``func`` under a fixed id unless a job with that id is already waiting or
    running.  Returns False (and logs) when Redis is unavailable: the database is the
    source of truth, so the next sweep will try again."""
    try:
        queue(name).enqueue(func, *args, job_id=job_id, unique=True, **kwargs)
    except DuplicateJobError:
        return False
    except Exception as exc:  # noqa: BLE001 - Redis down must not break the caller
        log.warning("could not enqueue %s: %s", job_id, exc)
        return False
    return True


def enqueue(func, *args, name: str = DEFAULT, **kwargs) -> bool:
    """Enqueue without a fixed id (for jobs that are safe to run twice, such as a delivery
    that first claims its row).  Returns False when Redis is unavailable."""
    try:
        queue(name).enqueue(func, *args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - Redis down must not break the caller
        log.warning("could not enqueue %s: %s", getattr(func, "__name__", func), exc)
        return False
    return True
