"""Collection points and work teams: the list with 办结率 per source, a source's requests
(record, handle, turn into a case)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from hub.agencies.territory import (
    Scope,
    counties,
    county_label,
    has_territory,
    territory_of,
    townships_in,
)
from hub.auth.access import requires
from hub.auth.capabilities import Capability
from hub.auth.roles import Role
from hub.auth.visibility import get_visible_or_404
from hub.cases.vocab import CATEGORIES, CHANNEL_LABELS
from hub.core.errors import ServiceError
from hub.core.forms import commit_or_flash
from hub.deadlines.services import local_today
from hub.extensions import db
from hub.sources import permissions, services
from hub.sources.models import (
    KIND_LABELS,
    REQUEST_STATUS_LABELS,
    IntakeSource,
    RequestStatus,
    SourceKind,
    SourceRequest,
)

bp = Blueprint("sources", __name__, url_prefix="/sources")


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _int(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _places(user):
    """Counties and townships where the user may set up a source (for the form)."""
    territory = territory_of(user)
    if territory.scope is Scope.ALL:
        places = counties()
    elif territory.scope is Scope.COUNTY:
        places = [user.agency]
    elif territory.scope is Scope.TOWNSHIP:
        places = [user.agency.parent] if user.agency.parent is not None else []
    else:
        places = []
    may = Role.SECRETARIAT in user.roles or (Role.LIAISON in user.roles and bool(places)
                                             and territory.scope is not Scope.VILLAGE)
    return (places, townships_in(territory)) if may else ([], [])


def _list_page(error: ServiceError | None = None, status: int = 200):
    kind = request.args.get("kind") if request.args.get("kind") in {k.value for k in SourceKind} \
        else None
    rows, total = services.stats(current_user, kind)
    places, townships = _places(current_user)
    return render_template(
        "sources/index.html", rows=rows, total=total, kind=kind, kinds=KIND_LABELS,
        percent=percent, definition=services.RATE_DEFINITION, counties=places,
        townships=townships, error=error, form=request.form, county_label=county_label), status


@bp.get("")
@requires(Capability.GRASSROOTS_VIEW, check=has_territory)
def index():
    return _list_page()


@bp.post("")
@requires(Capability.GRASSROOTS_WORK, check=has_territory)
def create():
    form = request.form
    try:
        source = services.create_source(
            current_user, form.get("name", ""), form.get("kind", ""),
            _int(form.get("county_id")), _int(form.get("township_id")),
            form.get("location", ""), form.get("contact", ""))
    except ServiceError as exc:
        db.session.rollback()
        return _list_page(error=exc, status=422)
    db.session.commit()
    flash(_("已设立%(name)s", name=source.label), "success")
    return redirect(url_for("sources.show", source_id=source.id))


def _show_page(source: IntakeSource, errors: dict | None = None, status: int = 200):
    requests = db.session.scalars(
        select(SourceRequest).where(SourceRequest.source_id == source.id)
        .order_by(SourceRequest.status != RequestStatus.OPEN.value,
                  SourceRequest.received_on.desc(), SourceRequest.id.desc())).all()
    rows, _total = services.stats(current_user)
    stats = next((r for r in rows if r.source.id == source.id), None)
    return render_template(
        "sources/show.html", source=source, requests=requests, stats=stats, percent=percent,
        kinds=KIND_LABELS, statuses=REQUEST_STATUS_LABELS, categories=CATEGORIES,
        channels=CHANNEL_LABELS, may_work=permissions.may_work(current_user, source),
        may_convert=permissions.may_convert(current_user, source), today=local_today(),
        errors=errors or {}, form=request.form if errors else {},
        county_label=county_label), status


@bp.get("/<int:source_id>")
@requires(Capability.GRASSROOTS_VIEW, check=has_territory)
def show(source_id: int):
    return _show_page(get_visible_or_404(current_user, IntakeSource, source_id))


def _act(source_id: int, name: str, change, message):
    source = get_visible_or_404(current_user, IntakeSource, source_id)
    try:
        result = change(source)
    except ServiceError as exc:
        db.session.rollback()
        if exc.field is None:  # the state refuses it: say so above the page
            flash(exc.message, "error")
            return redirect(url_for("sources.show", source_id=source_id))
        return _show_page(get_visible_or_404(current_user, IntakeSource, source_id),
                          errors={name: exc}, status=422)
    db.session.commit()
    flash(message(result) if callable(message) else message, "success")
    return redirect(url_for("sources.show", source_id=source_id))


@bp.post("/<int:source_id>/requests")
@requires(Capability.GRASSROOTS_WORK, check=has_territory)
def record_request(source_id: int):
    form = request.form
    return _act(source_id, "request", lambda s: services.record_request(
        current_user, s, _date(form.get("received_on")), form.get("requester", ""),
        form.get("summary", "")), _("已登记诉求"))


@bp.post("/<int:source_id>/active")
@requires(Capability.GRASSROOTS_WORK, check=has_territory)
def set_active(source_id: int):
    source = get_visible_or_404(current_user, IntakeSource, source_id)
    active = request.form.get("active") == "1"
    commit_or_flash(lambda: services.set_active(current_user, source, active),
                    _("已启用") if active else _("已停用"))
    return redirect(url_for("sources.show", source_id=source_id))


def _request_or_404(request_id: int) -> SourceRequest:
    return get_visible_or_404(current_user, SourceRequest, request_id)


@bp.post("/requests/<int:request_id>/handle")
@requires(Capability.GRASSROOTS_WORK, check=has_territory)
def handle(request_id: int):
    item = _request_or_404(request_id)
    return _act(item.source_id, f"handle-{item.id}", lambda _s: services.handle(
        current_user, item, request.form.get("result", "")), _("诉求已办结"))


@bp.post("/requests/<int:request_id>/case")
@requires(Capability.GRASSROOTS_WORK, check=has_territory)
def convert(request_id: int):
    item = _request_or_404(request_id)
    form = request.form
    data = services.CaseData(
        title=form.get("title", ""), category=form.get("category", ""),
        petitioner_name=form.get("petitioner_name", ""), phone=form.get("petitioner_phone", ""),
        channel=form.get("channel", "visit"), headcount=_int(form.get("headcount")) or 0)
    return _act(item.source_id, f"case-{item.id}",
                lambda _s: services.convert_to_case(current_user, item, data),
                lambda case: _("已转为信访事项 %(number)s", number=case.number))

