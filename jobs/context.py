"""One Flask app per worker process, and a wrapper that runs a job inside it."""

from __future__ import annotations

import functools
import os

from flask import Flask, current_app, has_app_context

_app: Flask | None = None


def worker_app() -> Flask:
    global _app
    if _app is None:
        from hub import create_app

        _app = create_app()
    return _app


def in_app(fn):
    """Run ``fn`` in the worker's app context with its own database session; commit once.

    When called inside an existing app context (tests running a job eagerly), that app is
    used instead.
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from hub.extensions import db

        if has_app_context():
            app = current_app._get_current_object()
            return _run(app, db, fn, args, kwargs, push=False)
        app = worker_app()
        return _run(app, db, fn, args, kwargs, push=True)

    return wrapper


_pool_owner: int | None = None


def _run(app, db, fn, args, kwargs, push):
    global _pool_owner
    ctx = app.app_context() if push else None
    if ctx is not None:
        ctx.push()
        if _pool_owner != os.getpid():
            # A forked work-horse must not reuse the parent's pooled connections; within
            # one process (several jobs, or a batch) the pool is kept.
            db.engine.dispose(close=False)
            _pool_owner = os.getpid()
    try:
        result = fn(*args, **kwargs)
        db.session.commit()
        return result
    except Exception:
        db.session.rollback()
        raise
    finally:
        if ctx is not None:
            db.session.remove()
            ctx.pop()
