"""``python -m jobs.cron``: the single periodic-job process.

Each periodic job is declared as data with a function that asks the database whether it
is due now.  A missed or doubled tick is harmless: what is due is computed from the
database, and each run is enqueued under an id naming its period (one job per period).
Run exactly one of these processes.
"""

from __future__ import annotations

import logging
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hub.config import ConfigError

log = logging.getLogger("hub.cron")

TICK_SECONDS = 30


@dataclass(frozen=True)
class Periodic:
    name: str
    func: Callable
    due: Callable[[datetime], str | None]  # local now → period key when due, else None


def audit_verify_due(now_local: datetime) -> str | None:
    """Due once a day after the configured hour, unless a run already happened since."""
    from flask import current_app

    from hub.audit.services import last_verification

    hour = current_app.config["HUB_AUDIT_VERIFY_HOUR"]
    start = now_local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if now_local < start:
        start -= timedelta(days=1)
    last = last_verification()
    if last is not None and last.ran_at >= start:
        return None
    return start.date().isoformat()


def monthly_reports_due(now_local: datetime) -> str | None:
    """Due from the first working day of a month until last month's reports exist."""
    from hub.indicators.reports import first_working_day, missing_for, previous_month

    today = now_local.date()
    if today < first_working_day(today):
        return None
    month = previous_month(today)
    return month.strftime("%Y-%m") if missing_for(month) else None


def tallies_check_due(now_local: datetime) -> str | None:
    """The indicator tallies' check: at once when it never ran (a new installation, or
    the tallies just added to an existing one), then nightly after the configured hour."""
    from flask import current_app

    from hub.indicators.tallies import last_check

    last = last_check()
    if last is None:
        return "first"
    start = now_local.replace(hour=current_app.config["HUB_TALLIES_CHECK_HOUR"], minute=0,
                              second=0, microsecond=0)
    if now_local < start:
        start -= timedelta(days=1)
    return None if last.ran_at >= start else start.date().isoformat()


def screening_month_due(now_local: datetime) -> str | None:
    """The month's screening (三张清单) is opened for every county as soon as the month
    begins, so that a county that never starts it is still chased."""
    from hub.screening.services import missing_counties, month_start

    month = month_start(now_local.date())
    return month.strftime("%Y-%m") if missing_counties(month) else None


def similar_nightly_due(now_local: datetime) -> str | None:
    """Similar cases: the index caught up and the current month's clusters computed again,
    once a night after the configured hour (unless the month was computed since)."""
    from flask import current_app

    from hub.similar.clusters import nightly_due

    return nightly_due(now_local, current_app.config["HUB_SIMILAR_NIGHTLY_HOUR"])


def every(minutes: int) -> Callable[[datetime], str]:
    """Due once per ``minutes``-long slot; the job itself asks the database what to do."""

    def due(now_local: datetime) -> str:
        slot = (now_local.hour * 60 + now_local.minute) // minutes
        return f"{now_local.date().isoformat()}-{slot}"

    return due


def periodic_jobs() -> list[Periodic]:
    from flask import current_app

    from jobs.audit import verify_audit_chain
    from jobs.chase import sweep
    from jobs.notifications import reconcile
    from jobs.reports import monthly, tallies_check
    from jobs.screening import open_month
    from jobs.similar import nightly as similar_nightly

    return [
        Periodic("audit-verify", verify_audit_chain, audit_verify_due),
        Periodic("notifications-reconcile", reconcile, every(2)),
        Periodic("chase-sweep", sweep, every(current_app.config["HUB_CHASE_EVERY_MINUTES"])),
        Periodic("monthly-reports", monthly, monthly_reports_due),
        Periodic("tallies-check", tallies_check, tallies_check_due),
        Periodic("screening-month", open_month, screening_month_due),
        Periodic("similar-nightly", similar_nightly, similar_nightly_due),
    ]


def tick(now_local: datetime) -> list[str]:
    """Enqueue every periodic job that is due; returns the job ids enqueued."""
    from hub.extensions import db
    from jobs.queues import enqueue_once

    enqueued = []
    for job in periodic_jobs():
        try:
            key = job.due(now_local)
        finally:
            db.session.rollback()
        if key is None:
            continue
        job_id = f"periodic-{job.name}-{key}"  # RQ ids: letters, digits, - and _
        if enqueue_once(job.func, job_id):
            enqueued.append(job_id)
    return enqueued


def main() -> int:
    from hub.observability.logs import configure_logging

    configure_logging()  # JSON lines on stderr
    from jobs.context import worker_app

    try:
        app = worker_app()
    except ConfigError as exc:
        print(f"配置错误 / configuration error: {exc}", file=sys.stderr)
        return 2
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    tz = ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])
    log.info("periodic-job process started")
    while not stopping:
        with app.app_context():
            try:
                for job_id in tick(datetime.now(tz)):
                    log.info("enqueued %s", job_id)
            except Exception:
                log.exception("periodic tick failed; will retry")
        for _ in range(TICK_SECONDS * 10):
            if stopping:
                break
            time.sleep(0.1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
