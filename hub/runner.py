"""``make run``: start the whole hub on this machine and stop all of it on Ctrl-C.

Embedded Redis (unless HUB_REDIS_URL is set) → migrations → demo data when the database is
empty → gunicorn, one RQ worker with the scheduler, and the single periodic-job process.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from hub.config import ConfigError, load_settings
from hub.core.services import start_redis, stop_tree

BIN = Path(sys.executable).parent


def web_command(port: int) -> list[str]:
    """The web server's command line (run from the project folder): gunicorn on loopback."""
    return [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}",
            "--workers", "2", "--threads", "4", "--access-logfile", "-", "wsgi:app"]


def _prepare(settings) -> dict:
    """Migrate and seed in this process; returns what to print about the demo data."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from hub.auth.models import User
    from hub.demo import CREDENTIALS_FILE, load_full_demo
    from hub.extensions import db
    from hub.startup import checked_app

    app = checked_app()
    with app.app_context():
        upgrade()
        from hub.deadlines.calendar import seed_from_package

        seed_from_package()
        db.session.commit()
        info = {"loaded": False}
        if not db.session.scalar(select(func.count()).select_from(User)):
            info.update(load_full_demo())
            info["loaded"] = True
            db.session.commit()
        from hub.indicators import tallies

        if tallies.last_check() is None:  # tallies added to an existing database: count now
            tallies.check(commit=db.session.commit)
            db.session.commit()
        info["credentials"] = Path(app.instance_path) / CREDENTIALS_FILE
        db.engine.dispose()
    return info


def main() -> int:
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"配置错误 / configuration error: {exc}", file=sys.stderr)
        return 2
    instance = settings.instance_path
    instance.mkdir(parents=True, exist_ok=True)
    logs = instance / "logs"
    logs.mkdir(exist_ok=True)
    children: list[tuple[str, subprocess.Popen]] = []
    stopping = False

    def request_stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        if settings.redis_url is None:
            children.append(("redis", start_redis(instance / "redis.sock", logs / "redis.log")))
            print(f"redis: embedded, unix socket {instance / 'redis.sock'}")
        else:
            print("redis: HUB_REDIS_URL")
        info = _prepare(settings)
        commands = {
            "web": web_command(settings.port),
            "worker": [sys.executable, "-m", "jobs.worker"],
            "cron": [sys.executable, "-m", "jobs.cron"],
        }
        envs = {"web": _metrics_environ(instance)}
        for name, cmd in commands.items():
            with open(logs / f"{name}.log", "ab") as log:  # the child keeps its own copy
                children.append((name, subprocess.Popen(cmd, stdout=log, stderr=log,  # noqa: S603 # nosec B603
                                                        env=envs.get(name),
                                                        start_new_session=True)))
        _banner(settings, info)
        while not stopping:
            for name, proc in children:
                if proc.poll() is not None:
                    print(f"{name} stopped unexpectedly (exit {proc.returncode}); "
                          f"see {logs / (name + '.log')}", file=sys.stderr)
                    stopping = True
            time.sleep(0.5)
    except ConfigError as exc:
        print(f"配置错误 / configuration error: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:
        return int(exc.code or 1)
    finally:
        print("\nstopping…")
        for _name, proc in reversed(children):
            stop_tree(proc)
        print("all hub processes stopped")
    return 0


def _metrics_environ(instance: Path) -> dict:
    """gunicorn's environment: its worker processes write their request metrics to files in
    an emptied folder, and /metrics sums them (prometheus_client's multiprocess mode)."""
    folder = instance / "prometheus"
    shutil.rmtree(folder, ignore_errors=True)  # values of an earlier run are stale
    folder.mkdir()
    return {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder)}


def _banner(settings, info) -> None:
    from hub.demo import ACCOUNTS

    print()
    print(f"信访+ 联合督办平台 running at http://127.0.0.1:{settings.port}/")
    print("demo accounts: " + ", ".join(a[0] for a in ACCOUNTS))
    if info.get("loaded"):
        print(f"demo cases: {info.get('cases', 0)} (boards at http://127.0.0.1:{settings.port}/boards)")
    if info.get("loaded") and info.get("generated"):
        print(f"demo password (shown once): {info['password']}")
    elif info.get("loaded"):
        print("demo password: the value of HUB_DEMO_PASSWORD")
    elif info["credentials"].exists():
        print(f"demo password: see {info['credentials']}")
    print("logs: instance/logs/ — press Ctrl-C to stop everything")


if __name__ == "__main__":
    sys.exit(main())
