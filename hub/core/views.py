"""The home page (我的工作台) and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask_login import current_user
from sqlalchemy import text

from agencies import registry
from hub.auth.access import login_only, public
from hub.core.redis import redis_ok
from hub.extensions import db

bp = Blueprint("core", __name__)


@bp.get("/")
@login_only
def home():
    from hub.auth.capabilities import Capability, can

    plugin = registry.for_kind(current_user.agency.kind)
    tasks, meetings = [], []
    if can(current_user, Capability.MEETINGS_VIEW):
        from hub.meetings import services as meeting_services

        tasks = meeting_services.open_tasks_of(current_user)
        meetings = meeting_services.upcoming_of(current_user)
    return render_template("core/home.html", plugin=plugin, mechanisms=registry.mechanisms(),
                           meeting_tasks=tasks, upcoming_meetings=meetings)


@bp.get("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # noqa: BLE001 - report, never raise, from the health check
        db.session.rollback()
        database = "error"
    redis_state = "ok" if redis_ok() else "unavailable"
    if database != "ok":
        status, code = "error", 503
    elif redis_state != "ok":
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    return jsonify(status=status, database=database, redis=redis_state), code
