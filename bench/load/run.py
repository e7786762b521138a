"""Load test: the hub under a realistic mix of users, served as in production.

    .venv/bin/python bench/load/run.py [--cases 1000000] [--users 200] [--spawn-rate 5]
                                       [--duration 5m] [--backend postgresql|sqlite]
                                       [--out DIR]

Builds a throwaway database (PostgreSQL started from the machine's binaries, or a SQLite
file): migrations, the full demo (accounts, demo cases, 包案, handoffs, meetings, …), then
``hub.cases.bulk.bulk_cases`` up to ``--cases`` cases and ANALYZE.  Starts a real Redis and
gunicorn with ``hub.runner.web_command`` (the command line of ``make run``) on a free
loopback port, creates API tokens, and runs Locust headless with ``bench/load/locustfile.py``
(liaisons, leaders, the secretariat, API clients and a trivial baseline, 1–3 s think time).
Everything started is stopped in ``finally``.  Prints, per page: requests, requests/s,
p50/p95/p99, failures and the p50's and p95's ratios to the trivial page's (``/healthz``); then
the total rate, the total errors and the verdict against the target (0 errors, every
page's p95 ≤ 300 ms).  Locust's CSV files and the server log are copied to ``--out``.

Traffic goes to 127.0.0.1 only; Locust stops itself after ``--duration`` and the whole run
is bounded by a timeout.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.board import PASSWORD  # noqa: E402

SECRET = "load-test-secret-key-0123456789abcdef"
TARGET_P95_MS = 300
TRIVIAL = "trivial /healthz"
# Requests a user makes once, when it starts (the login hashes the password on purpose):
# reported, but not in the verdict, which is about the pages worked on all day.
START_UP = ("login form", "login", "board (redirect)")
DEMO_CASES = 100  # demo cases made through the services (the rest: bulk_cases)
TOKEN_USERS = ("secretariat", "liaison.jiwei", "liaison.xinfang")
BIN = Path(sys.executable).parent


def seconds(text: str) -> int:
    """Locust's duration syntax (``300``, ``30s``, ``5m``, ``1h30m``) in seconds."""
    parts = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?", text.strip())
    if not parts or not any(parts.groups()):
        raise argparse.ArgumentTypeError(f"not a duration: {text!r}")
    h, m, s = (int(g or 0) for g in parts.groups())
    return h * 3600 + m * 60 + s


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


@contextlib.contextmanager
def database(backend: str, workdir: Path):
    """The database URL of a fresh database of ``backend``; the server stops afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{workdir / 'load.db'}"
        return
    if backend != "postgresql":
        raise SystemExit(f"unknown backend {backend!r} (postgresql, sqlite)")
    from tests.servers import PostgresServer

    server = PostgresServer(workdir)
    try:
        server.start()
        # 200 users on 2 workers × 4 threads need few connections; the default 100 is ample.
        server.admin_sql("CREATE DATABASE load_bench")
        yield server.url("load_bench")
    finally:
        server.stop()


@contextlib.contextmanager
def redis(workdir: Path):
    from hub.core.services import start_redis, stop_tree

    proc = start_redis(workdir / "redis" / "redis.sock", workdir / "redis.log")
    try:
        yield f"unix://{workdir / 'redis' / 'redis.sock'}"
    finally:
        stop_tree(proc)


def build(env: dict, cases: int) -> list[str]:
    """Migrate, load the full demo and the bulk cases, ANALYZE; returns API tokens."""
    from flask_migrate import upgrade

    from hub import create_app
    from hub.extensions import db

    app = create_app(environ=env)
    with app.app_context():
        upgrade()
        from hub.deadlines.calendar import seed_from_package

        seed_from_package()
        db.session.commit()
    with app.app_context(), app.test_request_context():
        from hub.cases.demo import load_demo_cases
        from hub.demo import load_demo, load_full_demo
        from hub.indicators import tallies

        start = time.perf_counter()
        load_demo()  # the agencies and accounts, which the demo cases need
        made = load_demo_cases(count=min(DEMO_CASES, cases))
        load_full_demo()
        tallies.check(commit=db.session.commit)  # as `make run` does on a fresh database
        db.session.commit()
        log(f"demo loaded ({made} demo cases) in {time.perf_counter() - start:.0f} s")
    with app.app_context():
        from hub.cases.bulk import bulk_cases
        from hub.cases.models import Case

        have = db.session.scalar(db.select(db.func.count(Case.id)))
        start = time.perf_counter()
        if cases > have:
            bulk_cases(cases - have, index=False)  # the similar-cases index is not measured
            db.session.commit()
        db.session.execute(db.text("ANALYZE"))  # fresh planner statistics
        db.session.commit()
        log(f"{cases - have:,} bulk cases built and ANALYZE done in "
            f"{time.perf_counter() - start:.0f} s")
        db.session.remove()
    tokens = []
    with app.test_request_context():
        from hub.api.tokens import create
        from hub.auth.models import User

        for username in TOKEN_USERS:
            user = db.session.scalar(db.select(User).where(User.username == username))
            text, _row = create(user, user, "load test")
            tokens.append(text)
        db.session.commit()
        db.session.remove()
    with app.app_context():
        db.engine.dispose()
    return tokens


def wait_until_serving(proc, port: int, log_path: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", "/healthz")
            with conn.getresponse() as resp:
                body = resp.read()
                if resp.status == 200 and json.loads(body).get("status") == "ok":
                    return
        except (OSError, ValueError):
            pass
        finally:
            conn.close()
        time.sleep(0.3)
    raise SystemExit(f"gunicorn did not serve /healthz with status ok (exit {proc.poll()}):\n"
                     + log_path.read_text(errors="replace")[-3000:])


def read_stats(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def width(text: str) -> int:
    """Columns a string takes in a terminal (CJK characters take two)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def report(rows: list[dict], prefix: Path, server_log: Path) -> bool:
    """Print the table and the verdict; True when the target is met."""
    def num(row, key):
        try:
            return float(row[key]) if row else 0.0
        except (KeyError, ValueError):
            return 0.0

    pages = [r for r in rows if r["Name"] != "Aggregated"]
    total = next((r for r in rows if r["Name"] == "Aggregated"), None)
    trivial = next((r for r in pages if r["Name"] == TRIVIAL), None)
    base, base50 = num(trivial, "95%"), num(trivial, "50%")
    name_width = max([width(r["Name"]) for r in pages] + [12]) + len(" (start-up)")
    print()
    print(f"{'page':{name_width}} {'requests':>9} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'p99 ms':>7} {'failures':>8} {'p50/trivial':>11} {'p95/trivial':>11}")
    slow = []
    for r in sorted(pages, key=lambda r: (r["Name"] in START_UP, -num(r, "Request Count"))):
        p95 = num(r, "95%")
        ratio = (f"{num(r, '50%') / base50:10.1f}x " if base50 else f"{'-':>11} ") \
            + (f"{p95 / base:10.1f}x" if base else f"{'-':>11}")
        name = r["Name"] + (" (start-up)" if r["Name"] in START_UP else "")
        over = p95 > TARGET_P95_MS
        if over and r["Name"] not in START_UP:
            slow.append(r["Name"])
        print(f"{name}{' ' * (name_width - width(name))} {int(num(r, 'Request Count')):>9,} "
              f"{num(r, 'Requests/s'):>7.1f} {num(r, '50%'):>7.0f} {p95:>7.0f} "
              f"{num(r, '99%'):>7.0f} {int(num(r, 'Failure Count')):>8} {ratio}"
              + ("  > 300 ms" if over else ""))
    errors = int(num(total, "Failure Count"))
    print(f"\ntotal: {int(num(total, 'Request Count')):,} requests, "
          f"{num(total, 'Requests/s'):.1f} requests/s sustained, {errors} failed requests; "
          f"all requests p50 {num(total, '50%'):.0f} ms, p95 {num(total, '95%'):.0f} ms, "
          f"p99 {num(total, '99%'):.0f} ms")
    failures = prefix.with_name(prefix.name + "_failures.csv")
    if failures.exists():
        for r in read_stats(failures)[:10]:
            print(f"  failure: {r.get('Method')} {r.get('Name')}: {r.get('Error')} "
                  f"x{r.get('Occurrences')}")
    exceptions = prefix.with_name(prefix.name + "_exceptions.csv")
    crashes = sum(int(r.get("Count") or 0) for r in read_stats(exceptions)) \
        if exceptions.exists() else 0
    if crashes:
        print(f"  {crashes} exceptions in the Locust users (see {exceptions})")
    text = server_log.read_text(errors="replace")
    tracebacks = text.count("Traceback") + text.count('"level": "ERROR"')
    if tracebacks:
        print(f"  server log: {tracebacks} tracebacks or errors (see {server_log})")
    errors += crashes + tracebacks
    met = not slow and errors == 0 and total is not None
    print(f"errors: {errors}; pages over {TARGET_P95_MS} ms at p95: {', '.join(slow) or 'none'}")
    print(f"target (0 errors, p95 ≤ {TARGET_P95_MS} ms on every page; start-up requests "
          "not counted for the p95): " + ("MET" if met else "NOT MET"))
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=5.0, help="users started per second")
    parser.add_argument("--duration", default="5m", help="Locust's run time: 30s, 5m, 1h")
    parser.add_argument("--backend", default="postgresql", choices=("postgresql", "sqlite"))
    parser.add_argument("--steady", action="store_true", help="reset the statistics once "
                        "every user is started (Locust's --reset-stats): the steady state "
                        "only, without the ramp-up and its logins")
    parser.add_argument("--out", type=Path, help="where to keep Locust's CSV and the server "
                        "log (default: a new folder under /tmp)")
    args = parser.parse_args()
    duration = seconds(args.duration)
    out = args.out or Path(tempfile.mkdtemp(prefix="hub-load-results-"))
    out.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix=f"hub-load-{args.backend}-"))
    os.chmod(workdir, 0o755)  # noqa: S103 - the postgres user must reach its data folder

    from hub.core.services import stop_tree
    from hub.runner import web_command
    from tests.servers import _free_port

    server = None
    try:
        with database(args.backend, workdir) as url, redis(workdir) as redis_url:
            env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
            env.update(HUB_INSTANCE_PATH=str(workdir / "instance"), HUB_DATABASE_URL=url,
                       HUB_SECRET_KEY=SECRET, HUB_DEMO_PASSWORD=PASSWORD,
                       HUB_REDIS_URL=redis_url)
            log(f"building the {args.backend} database with {args.cases:,} cases")
            tokens = build(env, args.cases)
            token_file = workdir / "tokens.json"
            token_file.write_text(json.dumps(tokens), encoding="utf-8")
            token_file.chmod(0o600)

            port = _free_port()
            server_log = out / "gunicorn.log"
            with open(server_log, "wb") as log_file:
                server = subprocess.Popen(web_command(port), cwd=ROOT, env=env,  # noqa: S603
                                          stdout=log_file, stderr=subprocess.STDOUT,
                                          start_new_session=True)
            wait_until_serving(server, port, server_log)
            log(f"gunicorn serving on 127.0.0.1:{port}; Locust: {args.users} users, "
                f"{args.spawn_rate}/s, {duration} s")
            prefix = out / "locust"
            locust_env = dict(env, HUB_LOAD_PASSWORD=PASSWORD, HUB_LOAD_TOKENS=str(token_file))
            cmd = [str(BIN / "locust"), "-f", str(Path(__file__).with_name("locustfile.py")),
                   "--headless", "-u", str(args.users), "-r", str(args.spawn_rate),
                   "-t", f"{duration}s", "--stop-timeout", "10",
                   "--host", f"http://127.0.0.1:{port}", "--csv", str(prefix),
                   "--only-summary", "--loglevel", "WARNING",
                   *(["--reset-stats"] if args.steady else [])]
            try:
                with open(out / "locust.log", "wb") as locust_log:
                    locust = subprocess.run(  # noqa: S603
                        cmd, cwd=ROOT, env=locust_env, stdout=subprocess.DEVNULL,
                        stderr=locust_log, timeout=duration + args.users / args.spawn_rate + 120)
            except subprocess.TimeoutExpired:
                log("Locust did not stop in time; killed")
            else:
                log(f"Locust finished (exit {locust.returncode}; 1 means some requests failed)")
            stats = prefix.with_name("locust_stats.csv")
            if not stats.exists():
                print((out / "locust.log").read_text(errors="replace")[-3000:])
                raise SystemExit("Locust wrote no statistics")
            stop_tree(server)
            server = None
            met = report(read_stats(stats), prefix, server_log)
            print(f"\nCSV and logs: {out}")
            return 0 if met else 1
    finally:
        if server is not None:
            stop_tree(server)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
