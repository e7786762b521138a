"""Benchmark: the 指标看板 (indicator dashboard) at 1,000,000 cases.

    .venv/bin/python bench/indicators.py [--cases 1000000] [--backends sqlite,postgresql]
                                         [--requests 20] [--raw-requests 5]

For each backend it migrates a fresh database, loads the demo data, builds ``--cases``
cases with ``hub.cases.bulk.bulk_cases`` (about half of them registered this year; the
indicator tallies are kept as they are inserted), runs ANALYZE and times the nightly
tallies check over every case.  Then, for the secretariat (the whole prefecture) and a
纪委监委 liaison (``liaison.jiwei``: what its agency takes part in), it reports
- p50/p95 of the dashboard request ``GET /indicators`` (default period: this year to date;
  Flask test client, logged in, one warm-up request);
- p50/p95 of the raw SQL aggregates: the same indicators aggregated over the cases
  themselves (``queries.direct_case_counts``, as the dashboard counted before the tallies,
  with the handoff, 包案 and meeting-task statements), and the ratio request p95 / raw p95 —
  the issue's targets: p95 ≤ 300 ms and ≤ 2× the raw aggregates;
- p50/p95 of the request's own statements (read from the tallies), and request / own: what
  the page adds to its SQL.
Statements are captured with a ``before_cursor_execute`` listener during one request (SQL
text and bound parameters as sent to the driver) and executed again through the raw DBAPI
cursor, a round being the sum over the statements, each round in its own transaction as
each request is.  Indented lines give each statement's p50, to show where the time goes.

PostgreSQL is started from the machine's binaries (``tests.servers``, as bench/board.py)
when it is available, and stopped at the end whatever happens.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGET_P95_MS = 300
TARGET_RATIO = 2.0
USERS = ("secretariat", "liaison.jiwei")
FAMILIES = ("case_counts", "handoff_counts", "baoan_counts", "task_counts")
PATH = "/indicators"
SECRET = "benchmark-secret-key-0123456789abcdef"


def _copy(parameters):
    if parameters is None:
        return None
    if isinstance(parameters, dict):
        return dict(parameters)
    return tuple(parameters)


def capture_aggregates(app, username: str, direct: bool = False) -> list[tuple[str, str, object]]:
    """One ``GET /indicators`` as ``username``; the statements it runs inside the query
    functions of ``hub.indicators.queries``: [(label, SQL as sent, parameters as sent)].
    ``direct``: with the case counts aggregated over the cases themselves
    (``direct_case_counts``) instead of read from the tallies."""
    from sqlalchemy import event

    from bench.board import PASSWORD
    from hub.extensions import db
    from hub.indicators import queries

    client = app.test_client()
    resp = client.post("/login", data={"username": username, "password": PASSWORD})
    assert resp.status_code == 302, resp.status_code
    with app.app_context():
        engine = db.engine
    inside: list[str] = []  # the query function being run (a stack)
    captured: list[tuple[str, str, object]] = []

    def wrap(name, func):
        @functools.wraps(func)
        def inner(*args, **kwargs):
            by = kwargs.get("by")
            inside.append(f"{name}({by})" if by else name)
            try:
                return func(*args, **kwargs)
            finally:
                inside.pop()
        return inner

    def listen(conn, cursor, statement, parameters, context, executemany):
        if inside:
            captured.append((inside[-1], statement, _copy(parameters)))

    originals = {name: getattr(queries, name) for name in FAMILIES}
    event.listen(engine, "before_cursor_execute", listen)
    try:
        for name, func in originals.items():
            if direct and name == "case_counts":
                func = queries.direct_case_counts
            setattr(queries, name, wrap(name, func))
        resp = client.get(PATH)
        assert resp.status_code == 200, resp.status_code
    finally:
        for name, func in originals.items():
            setattr(queries, name, func)
        event.remove(engine, "before_cursor_execute", listen)
    if not captured:
        raise RuntimeError("no aggregate statement captured: has the dashboard changed?")
    return captured


def time_aggregates(app, statements, repeats: int) -> tuple[list[float], list[list[float]]]:
    """Run the captured statements through the raw DBAPI cursor: one warm-up round, then
    ``repeats`` rounds; the time of each round (ms) and of each statement in it."""
    from hub.extensions import db

    rounds, each = [], [[] for _ in statements]
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            cur = raw.cursor()
            for i in range(repeats + 1):
                total = 0.0
                for k, (_label, sql, parameters) in enumerate(statements):
                    start = time.perf_counter()
                    if parameters is None:
                        cur.execute(sql)
                    else:
                        cur.execute(sql, parameters)
                    cur.fetchall()
                    spent = (time.perf_counter() - start) * 1000
                    total += spent
                    if i:
                        each[k].append(spent)
                if i:
                    rounds.append(total)
                # End the round's transaction (untimed), as each request's ends when its
                # connection goes back to the pool.  It matters on PostgreSQL: psycopg
                # prepares a statement run 5 times in a row on a connection (and the server
                # then switches to a generic plan, here twice as slow), but clears its
                # prepared statements on rollback — so the requests never use them.
                raw.rollback()
            cur.close()
        finally:
            raw.close()
    return rounds, each


def build(app, backend: str, cases: int) -> None:
    from datetime import date

    from hub.cases.bulk import bulk_cases
    from hub.cases.models import Case
    from hub.deadlines.services import local_today
    from hub.extensions import db
    from hub.indicators.queries import Period

    with app.app_context():
        start = time.perf_counter()
        bulk_cases(cases, seed=cases, index=False)  # no similar-cases index
        db.session.commit()
        built = time.perf_counter() - start
        db.session.execute(db.text("ANALYZE"))  # fresh planner statistics
        db.session.commit()
        today = local_today()
        start, end = Period(date(today.year, 1, 1), today).bounds()  # the default period
        in_period = db.session.scalar(db.select(db.func.count(Case.id)).where(
            Case.registered_at >= start, Case.registered_at < end))
        # The nightly check: every case's tallies recomputed (none should need correcting).
        from hub.indicators.tallies import check

        start = time.perf_counter()
        corrected = check(commit=db.session.commit).corrected
        db.session.commit()
        checked = time.perf_counter() - start
        db.session.remove()
    print(f"{backend}: {cases:,} cases built in {built:,.0f} s (tallies included) "
          f"({in_period:,} registered this year to date), ANALYZE done; the nightly tallies "
          f"check took {checked:,.0f} s ({corrected} corrected)", flush=True)


def measure(app, backend: str, username: str, repeats: int, raw_repeats: int) -> None:
    from bench.board import pct, time_requests

    req = time_requests(app, username, PATH, repeats)
    req50, req95 = pct(req, 50), pct(req, 95)
    own = capture_aggregates(app, username)
    own_rounds, own_each = time_aggregates(app, own, repeats)
    direct = capture_aggregates(app, username, direct=True)
    raw_rounds, raw_each = time_aggregates(app, direct, raw_repeats)
    own95, raw95 = pct(own_rounds, 95), pct(raw_rounds, 95)
    ratio = req95 / max(raw95, 1e-9)
    met = req95 <= TARGET_P95_MS and ratio <= TARGET_RATIO
    print(f"{backend} {username}: request p50 {req50:.1f} ms p95 {req95:.1f} ms; "
          f"raw aggregates over the cases p50 {pct(raw_rounds, 50):.1f} ms p95 {raw95:.1f} ms; "
          f"ratio {ratio:.3f}x (targets p95 <= {TARGET_P95_MS} ms and <= {TARGET_RATIO:g}x: "
          f"{'met' if met else 'NOT met'}); the request's own statements p50 "
          f"{pct(own_rounds, 50):.1f} ms p95 {own95:.1f} ms (request / own "
          f"{req95 / max(own95, 1e-9):.2f}x)", flush=True)
    for title, statements, each in (("own", own, own_each), ("raw", direct, raw_each)):
        print(f"    {title} statements p50: " + "; ".join(
            f"{label} {pct(times, 50):.1f} ms" for (label, _sql, _p), times in
            zip(statements, each, strict=True)), flush=True)


def run(backend: str, args) -> None:
    from bench.board import bench_app

    with bench_app(backend, "indicators", SECRET) as app:
        if app is None:
            return
        build(app, backend, args.cases)
        # Measured outside any app context: each request gets its own, as in production.
        for username in USERS:
            measure(app, backend, username, args.requests, args.raw_requests)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--raw-requests", type=int, default=5,
                        help="rounds of the raw aggregates over the cases (seconds each)")
    args = parser.parse_args()
    for backend in args.backends.split(","):
        run(backend.strip(), args)


if __name__ == "__main__":
    main()
