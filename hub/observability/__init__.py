"""Observability: request ids and JSON logs, the Prometheus endpoint, the 任务队列 page."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from hub.observability import logs

    logs.configure_logging()
    # First of all hooks, so that every log line of the request (and every refusal by a
    # later hook) carries the id.
    app.before_request_funcs.setdefault(None, []).insert(0, logs.start_request)
    app.after_request(logs.finish_request)
