from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hub.auth.access import login_only, requires
from hub.auth.capabilities import Capability
from hub.extensions import db
from hub.notifications import services
from jobs.notifications import enqueue_deliveries

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


@bp.get("/deliveries")
@requires(Capability.NOTIFICATIONS_ADMIN)
def deliveries():
    """Delivery status for admins: counts by status and the failures with their errors."""
    return render_template("notifications/deliveries.html", counts=services.delivery_counts(),
                           failed=services.failed_deliveries())


@bp.post("/deliveries/retry")
@requires(Capability.NOTIFICATIONS_ADMIN)
def retry():
    reset = services.retry_failed()
    rows = services.due_for_delivery(grace=timedelta(0))
    db.session.commit()
    enqueue_deliveries(rows)
    flash(_("已重新安排 %(n)d 条失败的投递", n=reset), "success")
    return redirect(url_for("notifications.deliveries"))
