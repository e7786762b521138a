"""``python -m jobs.worker [--burst]``: one RQ worker (with the scheduler) for the hub's
queues; ``--burst`` works through what is queued and exits (benchmarks)."""

from __future__ import annotations

import sys

from rq import Worker

from hub.config import ConfigError
from jobs.context import worker_app


def main() -> int:
    from hub.observability.logs import configure_logging
    from jobs.logs import JobIdFilter

    handler = configure_logging()  # JSON lines on stderr, RQ's own lines included
    if handler is not None:
        handler.addFilter(JobIdFilter())
    try:
        app = worker_app()
    except ConfigError as exc:
        print(f"配置错误 / configuration error: {exc}", file=sys.stderr)
        return 2
    from hub.core.redis import get_redis
    from jobs.queues import DEFAULT

    with app.app_context():
        worker = Worker([DEFAULT], connection=get_redis())
        # The app is created once here, before the worker forks its work-horses.
        worker.work(with_scheduler="--burst" not in sys.argv, burst="--burst" in sys.argv,
                    logging_level="INFO")
    return 0


if __name__ == "__main__":
    sys.exit(main())
