from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from hub.auth.access import login_only
from hub.extensions import db
from hub.notifications import services

bp = Blueprint("notifications", __name__, url_prefix="/inbox")


@bp.get("")
@login_only
def index():
    return render_template("notifications/index.html", items=services.inbox(current_user))


@bp.post("/read")
@login_only
def read_all():
    services.mark_read(current_user)
    db.session.commit()
    return redirect(url_for("notifications.index"))
