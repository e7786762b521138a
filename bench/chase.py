"""Benchmark: the chase sweep and notification delivery.

    .venv/bin/python bench/chase.py [--cases 1000000] [--duties 10000,100000] [--deliveries 2000]

Builds the cases (``hub.cases.bulk``) and open 包案 duties (bulk inserts, due dates spread
evenly from 30 days ago to 30 days ahead), then for each duty count reports
- the first sweep (every due step at once: reminders for about half the duties) with its wall
  time, what it wrote and its peak Python memory, and
- the steady sweep (what runs every 5 minutes once the day's steps are taken),
each next to the raw indexed SQL that finds the same due items (``RAW_DUE``).  Then it measures
delivered notifications per second through one real ``rq worker`` (email to a local SMTP
server) next to RQ's own no-op job rate on the same Redis.  SQLite in a temporary folder.
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECRET = "benchmark-secret-key-0123456789abcdef"
RQ = str(Path(sys.executable).parent / "rq")


def noop():
    return None


def add_duties(n: int, today) -> None:
    """n open duties on 包案 of existing cases (7 per 包案), due from 30 days ago to 30 ahead."""
    from sqlalchemy import insert, select

    from hub.auth.models import User
    from hub.baoan.models import Assignment, Duty
    from hub.cases.models import Case
    from hub.extensions import db

    leader = db.session.scalar(select(User).where(User.username == "leader.prefecture"))
    taken = select(Assignment.case_id)
    case_ids = db.session.scalars(select(Case.id).where(Case.id.notin_(taken))
                                  .limit((n + 6) // 7)).all()
    now = datetime.now(UTC)
    for start in range(0, len(case_ids), 2000):
        chunk = case_ids[start:start + 2000]
        rows = db.session.execute(insert(Assignment).returning(Assignment.id), [
            {"case_id": cid, "leader_id": leader.id, "rank": "ting", "active": True,
             "target_on": today + timedelta(days=90), "assigned_at": now} for cid in chunk
        ]).scalars().all()
        duties = []
        for k, aid in enumerate(rows):
            for j in range(7):
                if len(duties) + start * 7 >= n:
                    break
                due = today + timedelta(days=((k * 7 + j) % 61) - 30)
                duties.append({"assignment_id": aid, "template_code": f"t{j}", "element": "results",
                               "label": "基准职责", "occurrence": 1, "start_on": due - timedelta(days=30),
                               "due_on": due, "status": "open"})
        if duties:
            db.session.execute(insert(Duty), duties)
    db.session.commit()


# The same narrowing the sweep asks of the database, written by hand: open duties of active
# 包案 whose next ladder step (after the last one taken) has come; an escalation also needs
# the step before it at least the gap ago.  Positions 0-4 are the default ladder
# (-3, 0, +1, +7 escalate, +15 escalate) and a 3-day gap.
RAW_DUE = """
SELECT d.id, d.due_on, d.occurrence FROM baoan_duties d
JOIN baoan_assignments a ON a.id = d.assignment_id
WHERE d.status = 'open' AND a.active AND CASE coalesce((
    SELECT max(s.position) FROM chase_steps s WHERE s.item_type = 'baoan_duty'
    AND s.item_id = d.id AND s.occurrence = d.occurrence), -1)
  WHEN -1 THEN d.due_on <= :t0
  WHEN 0 THEN d.due_on <= :t1
  WHEN 1 THEN d.due_on <= :t2
  WHEN 2 THEN d.due_on <= :t3 AND (SELECT max(s.taken_on) FROM chase_steps s
      WHERE s.item_type = 'baoan_duty' AND s.item_id = d.id AND s.occurrence = d.occurrence) <= :gap
  WHEN 3 THEN d.due_on <= :t4 AND (SELECT max(s.taken_on) FROM chase_steps s
      WHERE s.item_type = 'baoan_duty' AND s.item_id = d.id AND s.occurrence = d.occurrence) <= :gap
  ELSE false END
"""


def raw_due_query(today) -> tuple[float, int]:
    """(milliseconds, rows) for the hand-written due-items query."""
    from sqlalchemy import text

    from hub.extensions import db

    params = {f"t{i}": today - timedelta(days=off) for i, off in enumerate((-3, 0, 1, 7, 15))}
    params["gap"] = today - timedelta(days=3)
    start = time.perf_counter()
    rows = db.session.execute(text(RAW_DUE), params).all()
    return (time.perf_counter() - start) * 1000, len(rows)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def forget_sweep() -> None:
    """Undo what a sweep wrote, so the next one is a first sweep again."""
    from hub.extensions import db

    for table in ("notification_deliveries", "notifications", "inspection_notices",
                  "circular_entries", "chase_steps"):
        db.session.execute(db.text(f"DELETE FROM {table}"))  # noqa: S608 (fixed names)
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--duties", default="10000,100000")
    parser.add_argument("--deliveries", type=int, default=2000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="hub-chase-"))
    os.environ.update(HUB_INSTANCE_PATH=str(work), HUB_DATABASE_URL=f"sqlite:///{work / 'b.db'}",
                      HUB_SECRET_KEY=SECRET, HUB_DEMO_PASSWORD="Bench-Pass-2026")
    from hub.core.services import start_redis, stop_tree

    redis_proc = start_redis(work / "redis.sock", work / "redis.log")
    os.environ["HUB_REDIS_URL"] = f"unix://{work / 'redis.sock'}"
    try:
        run(args, work)
    finally:
        stop_tree(redis_proc)


def run(args, work: Path) -> None:
    from flask_migrate import upgrade

    from hub import create_app
    from hub.extensions import db

    app = create_app()
    with app.app_context():
        upgrade()
        from hub.cases.bulk import bulk_cases
        from hub.deadlines.services import local_today
        from hub.demo import load_demo

        load_demo()
        db.session.commit()
        bulk_cases(args.cases, index=False)  # the similar-cases index is not measured
        db.session.commit()
        today = local_today()
        have = 0
        for size in sorted(int(s) for s in args.duties.split(",")):
            add_duties(size - have, today)
            have = size
            forget_sweep()
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
            measure(app, today, args.cases, size)
    delivery_rate(app, args.deliveries, work)


def measure(app, today, cases: int, size: int) -> None:
    from hub.chase.sweep import run as sweep
    from hub.extensions import db

    def one_sweep():
        with app.test_request_context():
            sweep(today=today)
            db.session.commit()
        db.session.remove()

    raw_first, due = min(raw_due_query(today) for _ in range(3))
    db.session.remove()
    first = timed(one_sweep)
    steps = db.session.scalar(db.text("SELECT count(*) FROM chase_steps"))
    notes = db.session.scalar(db.text("SELECT count(*) FROM notifications"))
    forget_sweep()
    gc.collect()  # both sizes start from the same settled heap
    tracemalloc.start()
    one_sweep()
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    steady = min(timed(one_sweep) for _ in range(3))
    raw_steady, left = min(raw_due_query(today) for _ in range(3))
    db.session.remove()
    print(f"{cases:,} cases, {size:,} open duties:\n"
          f"  first sweep {first:,.0f} ms: {steps:,} steps, {notes:,} notifications "
          f"(raw due-items SQL {raw_first:,.0f} ms for {due:,} items); "
          f"peak Python memory {peak:.1f} MB\n"
          f"  steady sweep (nothing new due) {steady:,.0f} ms; raw due-items SQL "
          f"{raw_steady:,.0f} ms ({left} items) -> {steady / raw_steady:.2f}x", flush=True)


def delivery_rate(app, n: int, work: Path) -> None:
    from rq import Queue

    from hub.core.redis import get_redis
    from hub.extensions import db
    from tests.smtp_server import SMTPServer

    with SMTPServer() as smtp, app.app_context():
        app.config["HUB_SMTP"] = {"host": "127.0.0.1", "port": smtp.port, "user": None,
                                  "password": None, "sender": "hub@example.invalid", "tls": False}
        from hub.auth.models import User
        from hub.notifications.services import notify

        user = db.session.scalar(db.select(User).where(User.username == "secretariat"))
        user.email = "secretariat@example.invalid"
        q = Queue("default", connection=get_redis())
        q.empty()
        for k in range(n):
            notify([user], "bench", f"基准提醒 {k}")
        db.session.commit()  # n delivery jobs enqueued after commit
        env = {**os.environ, "HUB_SMTP_HOST": "127.0.0.1", "HUB_SMTP_PORT": str(smtp.port),
               "HUB_SMTP_SENDER": "hub@example.invalid"}
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "jobs.worker", "--burst"],
                       cwd=ROOT, env=env, check=True, capture_output=True)
        deliveries = n / (time.perf_counter() - start)
        for _ in range(n):
            q.enqueue("bench.chase.noop")
        start = time.perf_counter()
        subprocess.run([RQ, "worker", "--burst", "--url",
                        env["HUB_REDIS_URL"], "--path", str(ROOT), "-q", "default"],
                       cwd=ROOT, env=env, check=True, capture_output=True)
        noops = n / (time.perf_counter() - start)
        print(f"delivery through one rq worker: {deliveries:,.0f}/s "
              f"({len(smtp.messages)} mails); RQ no-op jobs: {noops:,.0f}/s "
              f"(delivery = {deliveries / noops:.0%} of no-op)")


if __name__ == "__main__":
    main()
