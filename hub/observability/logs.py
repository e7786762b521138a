"""Request ids and one JSON log line per request.

Every request gets an id (``g.request_id``), echoed as the ``X-Request-Id`` response header.
An incoming ``X-Request-Id`` is used only behind trusted proxies (``HUB_PROXY_HOPS`` > 0)
and only when it looks like an id; otherwise a new one is made, so a client cannot write
what it likes into the logs.  Every log line written during the request carries the id.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

from flask import current_app, g, has_request_context, request

request_log = logging.getLogger("hub.request")

HEADER = "X-Request-Id"
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_HANDLER_NAME = "hub-json"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, the request or job id,
    the fields passed as ``extra={"fields": {...}}``, and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            entry["request_id"] = request_id
        job_id = getattr(record, "job_id", None)
        if job_id:
            entry["job_id"] = job_id
        entry.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging() -> logging.Handler | None:
    """Send log lines to stderr as JSON, once per process.

    The hub's own loggers (``hub``, ``jobs``) log from INFO.  When the host has already set
    up logging (pytest's capture, a logging config file), the root logger keeps its handlers
    and none is added.  Returns the JSON handler, or None when the host's handlers are kept.
    """
    for name in ("hub", "jobs"):
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.INFO)
    root = logging.getLogger()
    for handler in root.handlers:
        if handler.get_name() == _HANDLER_NAME:
            return handler
    if root.handlers:
        return None
    handler = logging.StreamHandler()
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    return handler


def current_request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


def _incoming_id() -> str | None:
    if not current_app.config.get("HUB_PROXY_HOPS"):
        return None  # anyone could send it: not trusted
    value = request.headers.get(HEADER, "")
    return value if _SANE_ID.fullmatch(value) else None


def start_request():
    """before_request, first of all hooks."""
    g.request_started = time.perf_counter()
    g.request_id = _incoming_id() or uuid.uuid4().hex


def finish_request(response):
    """after_request: the header, the latency metric and the request's log line."""
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers[HEADER] = request_id
    started = g.get("request_started")
    seconds = time.perf_counter() - started if started is not None else 0.0
    endpoint = request.endpoint
    from hub.observability.metrics import observe_request

    observe_request(endpoint, response.status_code, seconds)
    # The user only if this request has already loaded it: never a query just to log.
    user = g.get("_login_user")
    user_id = user.id if getattr(user, "is_authenticated", False) else None
    request_log.info("request", extra={"request_id": request_id, "fields": {
        "method": request.method,
        "path": request.path,  # no query string: it may hold personal data
        "endpoint": endpoint,
        "status": response.status_code,
        "duration_ms": round(seconds * 1000, 1),
        "user_id": user_id,
    }})
    return response
