"""The Prometheus endpoint's metrics.

Request latency is a histogram filled by every request.  gunicorn runs several worker
processes: with ``PROMETHEUS_MULTIPROC_DIR`` set (``make run`` sets it; see the README for
production) prometheus_client writes each process's values to files in that folder and a
scrape sums them.  The rest (queue lengths, failed jobs, overdue deadlines, the outbox) is
computed at scrape time by ``HubCollector``; when Redis is down the scrape still answers,
without the queue metrics and with ``hub_redis_up 0``.
"""

from __future__ import annotations

import hmac
import logging
import os

from prometheus_client import CollectorRegistry, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from redis.exceptions import RedisError

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

log = logging.getLogger(__name__)

# Not registered anywhere at import: each scrape builds its own registry (below).
REQUEST_LATENCY = Histogram(
    "hub_request_duration_seconds",
    "Time to answer a request, by endpoint and status class",
    ["endpoint", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=None,
)

# Outbox statuses worth watching (``sent`` only ever grows).
OUTBOX_STATUSES = ("pending", "sending", "failed")


def observe_request(endpoint: str | None, status: int, seconds: float) -> None:
    # Endpoints are the app's named routes (a bounded set); unmatched URLs share one label.
    REQUEST_LATENCY.labels(endpoint=endpoint or "<unmatched>",
                           status=f"{status // 100}xx").observe(seconds)


def token_ok(configured: str | None, authorization: str | None) -> bool:
    """Is ``Authorization: Bearer <token>`` the configured token?  Compared in constant time."""
    if not configured:
        return False
    scheme, _sep, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), configured.encode())


class HubCollector:
    """Gauges computed when Prometheus scrapes (in the request's app context)."""

    def collect(self):
        yield from _queue_metrics()
        yield from _database_metrics()


def _queue_metrics():
    from rq import Worker

    from hub.core.redis import get_redis
    from hub.observability.queues import all_queues

    up = GaugeMetricFamily("hub_redis_up", "1 when Redis (the job queues) answered this scrape")
    lengths = GaugeMetricFamily("hub_rq_queue_length", "Jobs waiting in each RQ queue",
                                labels=["queue"])
    failed = GaugeMetricFamily("hub_rq_failed_jobs", "Jobs in each RQ queue's failed-job registry",
                               labels=["queue"])
    workers = GaugeMetricFamily("hub_rq_workers", "RQ workers registered in Redis")
    try:
        connection = get_redis()
        for q in all_queues(connection):
            lengths.add_metric([q.name], q.count)
            failed.add_metric([q.name], q.failed_job_registry.count)
        workers.add_metric([], Worker.count(connection=connection))
    except RedisError as exc:
        log.warning("metrics: Redis unavailable: %s", exc)
        up.add_metric([], 0)
        yield up
        return
    up.add_metric([], 1)
    yield from (up, lengths, failed, workers)


def _database_metrics():
    from sqlalchemy import func, select
    from sqlalchemy.exc import SQLAlchemyError

    from hub.deadlines.models import Deadline
    from hub.deadlines.services import local_today
    from hub.extensions import db
    from hub.notifications.services import delivery_counts

    overdue = GaugeMetricFamily(
        "hub_deadlines_overdue", "Open deadlines whose due day is before today (local), by kind",
        labels=["kind"])
    outbox = GaugeMetricFamily(
        "hub_notification_deliveries", "Notification outbox rows by status", labels=["status"])
    try:
        rows = db.session.execute(
            select(Deadline.kind, func.count())
            .where(Deadline.done_at.is_(None), Deadline.due_on < local_today())
            .group_by(Deadline.kind)).all()
        counts = delivery_counts()
    except SQLAlchemyError as exc:
        db.session.rollback()
        log.warning("metrics: database query failed: %s", exc)
        return
    for kind, n in rows:
        overdue.add_metric([kind], n)
    for status in OUTBOX_STATUSES:
        outbox.add_metric([status], counts.get(status, 0))
    yield from (overdue, outbox)


def render() -> bytes:
    """The Prometheus text exposition of every metric."""
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.MultiProcessCollector(registry)  # every web process's histogram, summed
    else:
        registry.register(REQUEST_LATENCY)
    registry.register(HubCollector())
    return generate_latest(registry)
