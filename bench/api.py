"""Benchmark: the API's case list deep into 1,000,000 cases.

    .venv/bin/python bench/api.py [--cases 1000000] [--requests 40] [--limit 50]

Builds the cases (``hub.cases.bulk``) in a fresh SQLite database, then reports p50/p95 of
``GET /api/v1/cases`` (Flask test client, bearer token) on page 1 and on page 1,000 (the
keyset cursor ``after`` of the 1,000th page) for the secretariat (sees every ordinary case)
and a 纪委监委 liaison (the cases its agency takes part in).  Target: page 1,000 no more than
1.5× page 1.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SECRET = "benchmark-secret-key-0123456789abcdef"


def pct(values, p):
    values = sorted(values)
    return values[max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--limit", type=int, default=50)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="hub-api-"))
    os.environ.update(HUB_INSTANCE_PATH=str(work), HUB_DATABASE_URL=f"sqlite:///{work / 'b.db'}",
                      HUB_SECRET_KEY=SECRET, HUB_DEMO_PASSWORD="Bench-Pass-2026", HUB_REDIS_URL="")
    from flask_migrate import upgrade

    from hub import create_app
    from hub.extensions import db

    app = create_app()
    with app.app_context():
        upgrade()
        from hub.cases.bulk import bulk_cases
        from hub.demo import load_demo

        load_demo()
        db.session.commit()
        start = time.perf_counter()
        bulk_cases(args.cases, index=False)  # the similar-cases index is not measured
        db.session.commit()
        print(f"{args.cases:,} cases built in {time.perf_counter() - start:,.0f} s", flush=True)
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
    for username in ("secretariat", "liaison.jiwei"):
        measure(app, username, args)


def measure(app, username: str, args) -> None:
    from hub.api.tokens import create
    from hub.auth.models import User
    from hub.auth.visibility import visible
    from hub.cases.models import Case
    from hub.extensions import db

    with app.test_request_context():
        user = db.session.scalar(db.select(User).where(User.username == username))
        text, _row = create(user, user, "bench")
        db.session.commit()
        # The cursor of page 1,000 (or the deepest full page): the id just before its first row.
        seen = db.session.scalar(visible(user, Case).with_only_columns(db.func.count()))
        page = min(1000, seen // args.limit)
        after = db.session.scalar(visible(user, Case).with_only_columns(Case.id)
                                  .order_by(Case.id.desc())
                                  .offset(args.limit * (page - 1) - 1).limit(1))
        db.session.remove()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {text}"}
    out = {}
    deep = f"page {page:,}"
    for label, query in (("page 1", ""), (deep, f"&after={after}")):
        url = f"/api/v1/cases?limit={args.limit}{query}"
        assert client.get(url, headers=headers).status_code == 200
        times = []
        for _ in range(args.requests):
            start = time.perf_counter()
            resp = client.get(url, headers=headers)
            times.append((time.perf_counter() - start) * 1000)
            assert resp.status_code == 200 and len(resp.get_json()["items"]) == args.limit
        out[label] = (pct(times, 50), pct(times, 95))
    (p1_50, p1_95), (pk_50, pk_95) = out["page 1"], out[deep]
    print(f"{username} ({seen:,} cases visible): page 1 p50 {p1_50:.1f} ms p95 {p1_95:.1f} ms; "
          f"{deep} p50 {pk_50:.1f} ms p95 {pk_95:.1f} ms ({pk_95 / p1_95:.2f}x)", flush=True)


if __name__ == "__main__":
    main()
