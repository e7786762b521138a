"""三·三制 pages: the disputes of the user's territory, a dispute with its attempts level by
level, and the indicators (where disputes were resolved)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func

from hub.agencies.territory import has_territory, territory_of, villages_in
from hub.auth.access import requires
from hub.auth.capabilities import Capability
from hub.auth.visibility import get_visible_or_404, visible
from hub.cases.vocab import CHANNEL_LABELS
from hub.core.errors import ServiceError
from hub.deadlines.services import local_today
from hub.extensions import db
from hub.mediation import indicators, permissions, services
from hub.mediation.models import (
    CATEGORIES,
    LEVEL_LABELS,
    RESULT_LABELS,
    STATUS_LABELS,
    Dispute,
    Level,
    Status,
)

bp = Blueprint("mediation", __name__, url_prefix="/mediation")

PAGE_SIZE = 200


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def percent(value: float | None) -> str:
    """A rate for the page: "—" when its denominator is zero."""
    return "—" if value is None else f"{value * 100:.1f}%"


def _int(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


def _list_page(error: ServiceError | None = None, status: int = 200):
    args = request.args
    stmt = visible(current_user, Dispute)
    state = args.get("status") if args.get("status") in {s.value for s in Status} else None
    level = args.get("level") if args.get("level") in {v.value for v in Level} else None
    if state:
        stmt = stmt.where(Dispute.status == state)
    if level:
        stmt = stmt.where(Dispute.level == level)
    total = db.session.scalar(stmt.with_only_columns(func.count(Dispute.id)).order_by(None))
    disputes = db.session.scalars(
        stmt.order_by(Dispute.status != Status.OPEN.value, Dispute.reported_on.desc(),
                      Dispute.id.desc()).limit(PAGE_SIZE)).all()
    may_register = permissions.may_register(current_user)
    villages = villages_in(territory_of(current_user)) if may_register else []
    return render_template(
        "mediation/index.html", disputes=disputes, total=total, state=state, level=level,
        status_labels=STATUS_LABELS, level_labels=LEVEL_LABELS, categories=CATEGORIES,
        may_register=may_register, villages=villages, error=error, form=request.form,
        today=local_today(), page_size=PAGE_SIZE), status


@bp.get("")
@requires(Capability.GRASSROOTS_VIEW, check=has_territory)
def index():
    return _list_page()


@bp.post("")
@requires(Capability.GRASSROOTS_WORK, check=has_territory)
def create():
    form = request.form
    data = services.DisputeData(
        title=form.get("title", ""), summary=form.get("summary", ""),
        category=form.get("category", ""), parties=form.get("parties", ""),
        village_id=_int(form.get("village_id")), group_name=form.get("group_name", ""),
        reported_on=_date(form.get("reported_on")))
    try:
        dispute = services.register(current_user, data)
    except ServiceError as exc:
        db.session.rollback()
        return _list_page(error=exc, status=422)
    db.session.commit()
    flash(_("已登记矛盾纠纷，在村民小组一级开始调处"), "success")
    return redirect(url_for("mediation.show", dispute_id=dispute.id))


def _show_page(dispute: Dispute, errors: dict | None = None, status: int = 200):
    levels = [(level, dispute.attempts_at(level.value),
               [e for e in dispute.escalations if e.from_level == level.value])
              for level in Level]
    may_record = permissions.may_record(current_user, dispute)
    may_convert = permissions.may_convert(current_user, dispute)
    case = None
    if dispute.case_id is not None:
        from hub.cases.models import Case

        case = db.session.scalar(visible(current_user, Case).where(Case.id == dispute.case_id))
    return render_template(
        "mediation/show.html", dispute=dispute, levels=levels, case=case,
        status_labels=STATUS_LABELS, level_labels=LEVEL_LABELS, result_labels=RESULT_LABELS,
        categories=CATEGORIES, channels=CHANNEL_LABELS, min_attempts=services.MIN_ATTEMPTS,
        done=services.unresolved_attempts(dispute), may_record=may_record,
        may_convert=may_convert, conversion_problem=services.conversion_problem(dispute),
        approvers=services.approvers(dispute) if may_record else [],
        errors=errors or {}, form=request.form if errors else {}, today=local_today(),
        reached_on=services.reached_level_on(dispute)), status


@bp.get("/<int:dispute_id>")
@requires(Capability.GRASSROOTS_VIEW, check=has_territory)
def show(dispute_id: int):
    return _show_page(get_visible_or_404(current_user, Dispute, dispute_id))


def _act(dispute_id: int, name: str, change, message: str):
    """Run a change on a visible dispute: commit and go back to it, or show the page again
    with the refusal next to the form that caused it."""
    dispute = get_visible_or_404(current_user, Dispute, dispute_id)
    try:
        result = change(dispute)
    except ServiceError as exc:
        db.session.rollback()
        if exc.field is None:  # the state refuses it: say so above the page
            flash(exc.message, "error")
            return redirect(url_for("mediation.show", dispute_id=dispute_id))
        dispute = get_visible_or_404(current_user, Dispute, dispute_id)
        return _show_page(dispute, errors={name: exc}, status=422)
    db.session.commit()
    flash(message if isinstance(message, str) else message(result), "success")
    return redirect(url_for("mediation.show", dispute_id=dispute_id))


@bp.post("/<int:dispute_id>/attempts")
@requires(Capability.GRASSROOTS_WORK, check=has_territory)
def record_attempt(dispute_id: int):
    form = request.form

    def message(attempt):
        if attempt.result == "resolved":
            return _("纠纷已在%(level)s一级化解，就地办结", level=LEVEL_LABELS[Level(attempt.level)])
        return _("已记录%(level)s一级的调解", level=LEVEL_LABELS[Level(attempt.level)])

    return _act(dispute_id, "attempt", lambda d: services.record_attempt(
        current_user, d, _date(form.get("held_on")), form.get("mediators", ""),
        form.get("parties_present", ""), form.get("result", ""), form.get("note", ""),
        expected_level=form.get("level") or None), message)


@bp.post("/<int:dispute_id>/escalate")
@requires(Capability.GRASSROOTS_WORK, check=has_territory)
def escalate(dispute_id: int):
    form = request.form
    return _act(dispute_id, "escalate", lambda d: services.escalate(
        current_user, d, form.get("reason", ""), _int(form.get("approver_id")),
        expected_level=form.get("level") or None),
        lambda step: _("纠纷已上移到%(level)s一级调处", level=LEVEL_LABELS[Level(step.to_level)]))


@bp.post("/<int:dispute_id>/case")
@requires(Capability.GRASSROOTS_WORK, check=has_territory)
def convert(dispute_id: int):
    form = request.form
    return _act(dispute_id, "convert", lambda d: services.convert_to_case(
        current_user, d, form.get("petitioner_name", ""), form.get("petitioner_phone", ""),
        form.get("channel", "visit"), _int(form.get("headcount")) or 0),
        lambda case: _("已转为信访事项 %(number)s", number=case.number))


@bp.get("/indicators")
@requires(Capability.GRASSROOTS_VIEW, check=has_territory)
def rates():
    year = _int(request.args.get("year")) or local_today().year
    if not 2000 <= year <= 2100:
        year = local_today().year
    rows, total = indicators.by_county(current_user, date(year, 1, 1), date(year, 12, 31))
    return render_template("mediation/indicators.html", rows=rows, total=total, year=year,
                           definitions=indicators.DEFINITIONS, this_year=local_today().year,
                           percent=percent)
