"""Benchmark: writing and verifying the audit hash chain.

    .venv/bin/python bench/audit_chain.py [--events 50000] [--database-url URL]

Writes N events through ``hub.audit.services.record`` (1,000 per transaction) into a fresh
SQLite database (or the given one), then runs ``verify_chain`` and reports events/second
and the peak memory of the verification (it streams, so the peak should not grow with N).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="hub-bench-"))
    os.environ["HUB_INSTANCE_PATH"] = str(workdir)
    os.environ["HUB_DATABASE_URL"] = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    os.environ.setdefault("HUB_SECRET_KEY", "benchmark-secret-key-0123456789abcdef")

    from flask_migrate import upgrade

    from hub import create_app
    from hub.audit.services import record, verify_chain
    from hub.extensions import db

    app = create_app()
    with app.app_context():
        upgrade()
        start = time.perf_counter()
        for i in range(args.events):
            record(None, "bench.event", "things", i, before={"n": i}, after={"n": i + 1},
                   actor_name="bench")
            if i % 1000 == 999:
                db.session.commit()
        db.session.commit()
        write_s = time.perf_counter() - start
        db.session.remove()

        tracemalloc.start()
        start = time.perf_counter()
        result = verify_chain()
        verify_s = time.perf_counter() - start
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    print(f"backend: {app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}")
    print(f"events: {args.events}")
    print(f"record: {write_s:.1f} s ({args.events / write_s:,.0f} events/s)")
    print(f"verify: {verify_s:.1f} s ({args.events / verify_s:,.0f} events/s), "
          f"peak Python memory {peak / 1e6:.1f} MB — {result.line()}")


if __name__ == "__main__":
    main()
