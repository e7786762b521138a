"""Benchmark: the joint board at 100,000 and 1,000,000 cases.

    .venv/bin/python bench/board.py [--sizes 100000,1000000] [--backends sqlite,postgresql]
                                    [--requests 40]

For each backend and size it builds the cases with ``hub.cases.bulk.bulk_cases``, then
reports p50/p95 of the whole board request (Flask test client, logged in) for the
secretariat (all-mechanisms board) and for a 纪委监委 liaison (信访+纪委监委 board), next to
the time of the raw SQL that selects the same rows (the six columns' cards and the counts
statement, run through the database driver directly).  PostgreSQL is started from the machine's binaries
(as in the test suite) when it is available.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PASSWORD = "Bench-Pass-2026"  # noqa: S105 - a throwaway benchmark database



def demo_app(env: dict):
    """A hub app on a freshly migrated database with the demo agencies and accounts (the
    benchmarks' common start)."""
    from flask_migrate import upgrade

    from hub import create_app
    from hub.extensions import db

    app = create_app({"WTF_CSRF_ENABLED": False}, environ=env)
    with app.app_context():
        upgrade()
        from hub.demo import load_demo

        load_demo()
        db.session.commit()
        db.session.remove()
    return app


@contextlib.contextmanager
def bench_app(backend: str, name: str, secret: str):
    """``demo_app`` on a fresh throwaway database of ``backend`` (SQLite file, or a
    PostgreSQL server started from the machine's binaries), without Redis; yields None when
    PostgreSQL is not installed.  The database and its folder are removed afterwards,
    whatever happens."""
    import shutil

    from hub.extensions import db

    workdir = Path(tempfile.mkdtemp(prefix=f"hub-{name}-{backend}-"))
    os.chmod(workdir, 0o755)  # noqa: S103 - the postgres user must reach its data folder
    server = app = None
    try:
        if backend == "sqlite":
            url = f"sqlite:///{workdir / (name + '.db')}"
        elif backend == "postgresql":
            from tests.servers import PostgresServer, ServerMissing

            try:
                server = PostgresServer(workdir).start()
            except ServerMissing as exc:
                print(f"postgresql: skipped ({exc})", flush=True)
                yield None
                return
            server.admin_sql(f"CREATE DATABASE {name}_bench")
            url = server.url(f"{name}_bench")
        else:
            raise SystemExit(f"unknown backend {backend!r} (sqlite, postgresql)")
        env = {"HUB_INSTANCE_PATH": str(workdir / "instance"), "HUB_DATABASE_URL": url,
               "HUB_SECRET_KEY": secret, "HUB_DEMO_PASSWORD": PASSWORD,
               "HUB_REDIS_URL": "redis://127.0.0.1:1/0"}  # no Redis (a benchmark needs none)
        app = demo_app(env)
        yield app
    finally:
        if app is not None:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        if server is not None:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def pct(values, p):
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def raw_board_sql(app, username, board):
    """The board's queries compiled to SQL text, to run through the driver directly."""
    from hub.auth.models import User
    from hub.boards import queries
    from hub.cases.vocab import Stage
    from hub.deadlines.services import local_today
    from hub.extensions import db

    with app.test_request_context():
        user = db.session.scalar(db.select(User).where(User.username == username))
        today = local_today()
        filters = queries.Filters()
        sqls = []
        for stage in Stage:
            stmt, order = queries.column_query(user, board, stage, filters, today)
            sqls.append(stmt.options(*queries.CARD_OPTIONS).order_by(*order).limit(queries.PAGE))
        sqls.append(queries.counts_statement(user, board, filters, today))
        sqls = [str(q.compile(db.engine, compile_kwargs={"literal_binds": True})) for q in sqls]
    return sqls


def time_raw(app, sqls, repeats):
    from hub.extensions import db

    out = []
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            cur = raw.cursor()
            for _ in range(repeats):
                start = time.perf_counter()
                for sql in sqls:
                    cur.execute(sql)
                    cur.fetchall()
                out.append((time.perf_counter() - start) * 1000)
            cur.close()
        finally:
            raw.close()
    return out


def time_requests(app, username, path, repeats):
    client = app.test_client()
    resp = client.post("/login", data={"username": username, "password": PASSWORD})
    assert resp.status_code == 302, resp.status_code
    client.get(path)  # warm up
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        resp = client.get(path)
        out.append((time.perf_counter() - start) * 1000)
        assert resp.status_code == 200
    return out


def run(backend, sizes, repeats, workdir):

    from hub.extensions import db

    server = None
    if backend == "sqlite":
        url = f"sqlite:///{workdir / 'board.db'}"
    else:
        from tests.servers import PostgresServer, ServerMissing

        try:
            server = PostgresServer(workdir).start()
        except ServerMissing as exc:
            print(f"postgresql: skipped ({exc})")
            return []
        server.admin_sql("CREATE DATABASE board")
        url = server.url("board")
    env = {"HUB_INSTANCE_PATH": str(workdir / "instance"), "HUB_DATABASE_URL": url,
           "HUB_SECRET_KEY": "benchmark-secret-key-0123456789abcdef",
           "HUB_DEMO_PASSWORD": PASSWORD, "HUB_REDIS_URL": "redis://127.0.0.1:1/0"}
    app = demo_app(env)
    rows = []
    try:
        have = 0
        for size in sizes:
            # Build inside an app context, then measure outside it: each request must get
            # its own context, as in production.
            with app.app_context():
                from hub.cases.bulk import bulk_cases

                start = time.perf_counter()
                bulk_cases(size - have, seed=size, index=False)  # no similar-cases index
                db.session.commit()
                db.session.execute(db.text("ANALYZE"))  # fresh planner statistics
                db.session.commit()
                built = time.perf_counter() - start
                db.session.remove()
            have = size
            for who, username, board in (("secretariat", "secretariat", "all"),
                                         ("liaison 纪委监委", "liaison.jiwei", "xf_discipline")):
                req = time_requests(app, username, f"/boards/{board}", repeats)
                raw = time_raw(app, raw_board_sql(app, username, board), repeats)
                rows.append((backend, size, who, pct(req, 50), pct(req, 95),
                             pct(raw, 50), pct(raw, 95), pct(req, 95) / max(pct(raw, 95), 1e-9)))
                print(f"{backend:10} {size:>9,} {who:16} request p50 {pct(req, 50):7.1f} ms "
                      f"p95 {pct(req, 95):7.1f} ms | raw SQL p50 {pct(raw, 50):7.1f} ms "
                      f"p95 {pct(raw, 95):7.1f} ms | ratio {rows[-1][-1]:.2f} "
                      f"(built {built:.0f} s)", flush=True)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if server is not None:
            server.stop()
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    for backend in args.backends.split(","):
        workdir = Path(tempfile.mkdtemp(prefix=f"hub-board-{backend}-"))
        os.chmod(workdir, 0o755)  # noqa: S103 - the postgres user must reach its data folder
        run(backend, sizes, args.requests, workdir)


if __name__ == "__main__":
    main()
