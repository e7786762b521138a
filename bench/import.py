"""Benchmark: the case import (hub.transfers) of a 50,000-row national-system export.

    .venv/bin/python bench/import.py [--rows 50000] [--backends sqlite,postgresql]
                                     [--cases 1000000] [--requests 40] [--limit 50]

For each backend it migrates a fresh database and loads the demo data, writes one .csv and
one .xlsx file of ``--rows`` valid rows in the layout of ``hub.transfers.layout.COLUMNS``
(streamed from a generator: memory stays flat), then as 信访局 liaison ``liaison.xinfang``
reports
- the check rate (rows/s, the time of ``run_validation``) of the .csv and of the .xlsx, and
- the import rate (rows/s, the time of ``run_import`` after ``confirm_import``) of the .csv:
  every row written as a registered case, in one transaction.
The jobs run in this process, as the RQ worker runs them; their progress goes to an embedded
``redis-server`` on a Unix socket in the instance folder (as ``make run`` starts it).
PostgreSQL is started from the machine's binaries (as in the test suite and bench/board.py)
when it is available.

Then, on SQLite only, with ``--cases N`` (``--cases 0`` skips it) it builds N more cases
(``hub.cases.bulk``) and reports the API case list p50/p95 on page 1 and page 1,000 for the
secretariat and a 纪委监委 liaison (``bench.api.measure``).

Targets: a file of ``layout.MAX_ROWS`` (50,000) rows is checked, and imported, each well
inside the RQ job timeout (``services.JOB_TIMEOUT``, one hour) on both backends; the API's
page 1,000 no more than 1.5× page 1 (as bench/api.py).
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SECRET = "benchmark-secret-key-0123456789abcdef"
PASSWORD = "Bench-Pass-2026"
IMPORTER = "liaison.xinfang"  # a 信访局 liaison: may register (and so import) cases

CHANNELS = ("来信", "来访", "网上信访", "电话")
COUNTIES = ("芒市", "瑞丽市", "梁河县", "盈江县", "陇川县")
CATEGORIES = ("拖欠工资", "征地拆迁", "城乡建设")


def row(i: int, today: date) -> dict:
    """A valid row of the national layout (by header), varied a little from row to row."""
    names = f"导入{i % 97}号" if i % 10 else f"导入{i % 97}号、同行{i % 13}号"
    return {
        "信访件编号": f"B{i:09d}", "登记日期": (today - timedelta(days=1 + i % 200)).isoformat(),
        "信访形式": CHANNELS[i % len(CHANNELS)], "信访人": names,
        "联系电话": f"138{i % 100000000:08d}", "证件号码": "", "人数": "1",
        "问题属地": COUNTIES[i % len(COUNTIES)], "乡镇（街道）": "", "村（社区）": "",
        "问题类别": CATEGORIES[i % len(CATEGORIES)], "标题": f"导入基准测试第{i}件",
        "信访内容": f"反映第{i}件的问题和诉求，请求有关部门依法处理。", "标记": "",
    }


def rows(n: int):
    today = date.today()
    return (row(i, today) for i in range(1, n + 1))


def write_csv(path: Path, n: int) -> Path:
    from hub.transfers.layout import COLUMNS

    headers = [c.header for c in COLUMNS]
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(headers)
        out.writerows([r[h] for h in headers] for r in rows(n))
    return path


def write_xlsx(path: Path, n: int) -> Path:
    from openpyxl import Workbook

    from hub.transfers.layout import COLUMNS

    headers = [c.header for c in COLUMNS]
    book = Workbook(write_only=True)  # streams rows to disk
    sheet = book.create_sheet("导出")
    sheet.append(headers)
    for r in rows(n):
        sheet.append([r[h] for h in headers])
    book.save(path)
    return path


def start_postgres(workdir: Path):
    """A throwaway PostgreSQL and its database URL, or (None, None) when not installed."""
    from tests.servers import PostgresServer, ServerMissing

    try:
        server = PostgresServer(workdir).start()
    except ServerMissing as exc:
        print(f"postgresql: skipped ({exc})", flush=True)
        return None, None
    server.admin_sql("CREATE DATABASE import")
    return server, server.url("import")


def rate(backend: str, what: str, n: int, seconds: float, extra: str = "") -> None:
    print(f"{backend}: {what} {n:,} rows in {seconds:,.1f} s ({n / seconds:,.0f} rows/s){extra}",
          flush=True)


def upload(app, path: Path) -> int:
    """``start_import`` as the upload page does it; returns the job id (committed)."""
    from hub.auth.models import User
    from hub.extensions import db
    from hub.transfers import services

    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == IMPORTER))
        job = services.start_import(user, path.name, path.read_bytes())
        db.session.commit()
        job_id = job.id
        db.session.remove()
    return job_id


def timed_job(app, func, job_id: int) -> tuple[str, float, dict]:
    """Run a job function in its own app context, as the RQ worker does: state, seconds,
    the job's result."""
    from hub.extensions import db
    from hub.transfers.models import FileJob

    with app.app_context():
        start = time.perf_counter()
        state = func(job_id)
        db.session.commit()
        seconds = time.perf_counter() - start
        result = dict(db.session.get(FileJob, job_id).result or {})
        db.session.remove()
    return state, seconds, result


def check_file(app, backend: str, path: Path, fmt: str, n: int) -> int:
    from hub.transfers import services
    from hub.transfers.models import State

    job_id = upload(app, path)
    state, seconds, result = timed_job(app, services.run_validation, job_id)
    if state != State.VALID.value or result.get("rows") != n:
        raise RuntimeError(f"{fmt} check ended {state}: {result.get('problems', [])[:5]}")
    size = path.stat().st_size / (1024 * 1024)
    rate(backend, f"validate {fmt}", n, seconds, f"; file {size:,.1f} MB")
    return job_id


def import_file(app, backend: str, job_id: int, n: int) -> None:
    from hub.auth.models import User
    from hub.extensions import db
    from hub.transfers import services
    from hub.transfers.models import FileJob, State

    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == IMPORTER))
        services.confirm_import(user, db.session.get(FileJob, job_id))
        db.session.commit()
        db.session.remove()
    state, seconds, result = timed_job(app, services.run_import, job_id)
    if state != State.DONE.value or result.get("imported") != n:
        raise RuntimeError(f"import ended {state}: {result.get('problems', [])[:5]}")
    rate(backend, "import csv", n, seconds,
         f"; {result['imported']:,} cases {' to '.join(result['numbers'])}")


def api_list(app, args) -> None:
    """Build ``--cases`` more cases, then the API list p95 on page 1 and page 1,000."""
    from bench.api import measure
    from hub.cases.bulk import bulk_cases
    from hub.extensions import db

    with app.app_context():
        start = time.perf_counter()
        bulk_cases(args.cases, index=False)  # the existing cases: no similar index
        db.session.commit()
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        print(f"sqlite: {args.cases:,} cases built in {time.perf_counter() - start:,.0f} s",
              flush=True)
        db.session.remove()
    for username in ("secretariat", "liaison.jiwei"):
        print("sqlite: API list ", end="", flush=True)
        measure(app, username, args)


def run(backend: str, args, files: dict[str, Path]) -> None:
    from bench.board import demo_app
    from hub.core.redis import EMBEDDED_SOCKET
    from hub.core.services import start_redis, stop_tree
    from hub.extensions import db

    workdir = Path(tempfile.mkdtemp(prefix=f"hub-import-{backend}-"))
    workdir.chmod(0o755)  # the postgres user must reach its data folder
    instance = workdir / "instance"
    redis = server = app = None
    try:
        # The embedded Redis on its socket in the instance folder: with HUB_REDIS_URL unset
        # the app finds it there (hub.core.redis.redis_url), as under `make run`.
        redis = start_redis(instance / EMBEDDED_SOCKET, workdir / "redis.log")
        if backend == "sqlite":
            url = f"sqlite:///{workdir / 'import.db'}"
        else:
            server, url = start_postgres(workdir)
            if server is None:
                return
        env = {"HUB_INSTANCE_PATH": str(instance), "HUB_DATABASE_URL": url,
               "HUB_SECRET_KEY": SECRET, "HUB_DEMO_PASSWORD": PASSWORD}
        app = demo_app(env)
        csv_job = check_file(app, backend, files["csv"], "csv", args.rows)
        check_file(app, backend, files["xlsx"], "xlsx", args.rows)
        import_file(app, backend, csv_job, args.rows)
        if backend == "sqlite" and args.cases > 0:
            api_list(app, args)
    finally:
        if app is not None:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        if server is not None:
            server.stop()
        if redis is not None:
            stop_tree(redis)
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--limit", type=int, default=50)
    args = parser.parse_args()
    filedir = Path(tempfile.mkdtemp(prefix="hub-import-files-"))
    try:
        files = {"csv": write_csv(filedir / "export.csv", args.rows),
                 "xlsx": write_xlsx(filedir / "export.xlsx", args.rows)}
        for backend in args.backends.split(","):
            run(backend.strip(), args, files)
    finally:
        shutil.rmtree(filedir, ignore_errors=True)


if __name__ == "__main__":
    main()
