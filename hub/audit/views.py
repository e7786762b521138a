"""Browsing the audit log (auditors and admins): filters and newest-first keyset pages."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, StringField
from wtforms.validators import Length, Optional

from hub.audit.models import AuditEvent
from hub.audit.services import last_verification
from hub.auth.access import requires
from hub.auth.capabilities import Capability
from hub.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/audit")

PAGE_SIZE = 50


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    actor = StringField(_l("操作人（用户名）"), validators=[Optional(), Length(max=64)])
    action = StringField(_l("操作"), validators=[Optional(), Length(max=60)])
    object_type = StringField(_l("对象类型"), validators=[Optional(), Length(max=40)])
    object_id = StringField(_l("对象编号"), validators=[Optional(), Length(max=64)])
    date_from = DateField(_l("起始日期"), validators=[Optional()])
    date_to = DateField(_l("截止日期"), validators=[Optional()])


def _local_day_start(day) -> datetime:
    tz = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)


FILTERS = ("actor", "action", "object_type", "object_id", "date_from", "date_to")


def filtered(args):
    """The log with the page's filters (the page and its export read them the same way);
    invalid filters are ignored, as the form shows them."""
    from werkzeug.datastructures import MultiDict

    form = AuditFilterForm(args if isinstance(args, MultiDict) else MultiDict(args))
    stmt = select(AuditEvent)
    if form.validate():
        if form.actor.data:
            stmt = stmt.where(AuditEvent.actor_name == form.actor.data.strip())
        if form.action.data:
            stmt = stmt.where(AuditEvent.action == form.action.data.strip())
        if form.object_type.data:
            stmt = stmt.where(AuditEvent.object_type == form.object_type.data.strip())
        if form.object_id.data:
            stmt = stmt.where(AuditEvent.object_id == form.object_id.data.strip())
        if form.date_from.data:
            stmt = stmt.where(AuditEvent.occurred_at >= _local_day_start(form.date_from.data))
        if form.date_to.data:
            end = _local_day_start(form.date_to.data + timedelta(days=1))
            stmt = stmt.where(AuditEvent.occurred_at < end)
    return form, stmt


@bp.get("")
@requires(Capability.AUDIT_VIEW)
def index():
    form, stmt = filtered(request.args)
    before = request.args.get("before", type=int)
    if before:
        stmt = stmt.where(AuditEvent.seq < before)
    events = db.session.scalars(stmt.order_by(AuditEvent.seq.desc()).limit(PAGE_SIZE + 1)).all()
    more = len(events) > PAGE_SIZE
    events = events[:PAGE_SIZE]
    args = {k: v for k, v in request.args.items() if k != "before"}
    export_args = {k: v for k, v in request.args.items() if k in FILTERS and v}
    return render_template(
        "audit/index.html",
        form=form,
        events=events,
        next_before=events[-1].seq if more and events else None,
        args=args,
        export_args=export_args,
        verification=last_verification(),
    )


@bp.get("/<int:event_id>")
@requires(Capability.AUDIT_VIEW)
def show(event_id: int):
    event = db.session.get(AuditEvent, event_id)
    if event is None:
        abort(404)
    return render_template("audit/show.html", event=event)
