"""Monthly screening pages: the month's counties at a glance, a county's report with its
three lists and ledger, key persons, and the 督查 notices of late counties."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import case, func, select

from hub.agencies.models import Agency
from hub.agencies.territory import Scope, counties, county_label, has_territory, territory_of
from hub.auth.access import requires
from hub.auth.capabilities import Capability
from hub.auth.visibility import get_visible_or_404, visible
from hub.chase import services as chase_services
from hub.chase.models import InspectionNotice
from hub.core.errors import ServiceError
from hub.core.forms import commit_or_flash
from hub.deadlines.services import local_date, local_today
from hub.extensions import db
from hub.screening import chase, permissions, services
from hub.screening.models import (
    ITEM_STATUS_LABELS,
    REPORT_STATUS_LABELS,
    RISK_LABELS,
    ItemStatus,
    KeyPerson,
    ScreeningItem,
    ScreeningReport,
)

bp = Blueprint("screening", __name__, url_prefix="/screening")

ONE_DAY = timedelta(days=1)


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _my_county(user) -> Agency | None:
    territory = territory_of(user)
    return user.agency if territory.scope is Scope.COUNTY else None


@bp.get("")
@requires(Capability.GRASSROOTS_VIEW, check=has_territory)
def index():
    today = local_today()
    this_month = services.month_start(today)
    month = services.parse_month(request.args.get("month")) or this_month
    territory = territory_of(current_user)
    if territory.scope is Scope.ALL:
        places = counties()
    elif territory.scope is Scope.COUNTY:
        places = [current_user.agency]
    else:
        places = []
    reports = {r.county_id: r for r in db.session.scalars(
        visible(current_user, ScreeningReport).where(ScreeningReport.month == month))}
    counts = {}
    if reports:
        counts = {report_id: (total, closed) for report_id, total, closed in db.session.execute(
            select(ScreeningItem.report_id, func.count(ScreeningItem.id),
                   func.sum(case((ScreeningItem.status == ItemStatus.CLOSED.value, 1), else_=0)))
            .where(ScreeningItem.report_id.in_([r.id for r in reports.values()]))
            .group_by(ScreeningItem.report_id))}
    open_ledger = dict(db.session.execute(
        visible(current_user, ScreeningItem).where(ScreeningItem.status == ItemStatus.OPEN.value)
        .with_only_columns(ScreeningItem.county_id, func.count(ScreeningItem.id))
        .group_by(ScreeningItem.county_id)).all())
    key_persons = dict(db.session.execute(
        visible(current_user, KeyPerson).where(KeyPerson.status == ItemStatus.OPEN.value)
        .with_only_columns(KeyPerson.county_id, func.count(KeyPerson.id))
        .group_by(KeyPerson.county_id)).all())
    rows = [(county, reports.get(county.id), counts.get(reports[county.id].id, (0, 0))
             if county.id in reports else (0, 0), open_ledger.get(county.id, 0),
             key_persons.get(county.id)) for county in places]
    mine = _my_county(current_user)
    may_open = (mine is not None and mine.id not in reports
                and permissions.may_work(current_user, mine.id)
                and services.month_start(this_month - ONE_DAY) <= month <= this_month)
    notices = _notices(territory)
    return render_template(
        "screening/index.html", rows=rows, month=month, this_month=this_month, today=today,
        month_label=services.month_label, due=services.due_date(month),
        statuses=REPORT_STATUS_LABELS, may_open=may_open,
        sees_key_persons=permissions.is_secretariat(current_user) or mine is not None,
        notices=notices, is_secretariat=permissions.is_secretariat(current_user),
        months=_recent_months(this_month), county_label=county_label)


def _recent_months(this_month: date, n: int = 12) -> list[date]:
    months, month = [], this_month
    for _i in range(n):
        months.append(month)
        month = services.month_start(month - ONE_DAY)
    return months


def _notices(territory):
    """The screening 督查 notices of the counties the user sees, open ones first."""
    stmt = (select(InspectionNotice, Agency.name).join(Agency, Agency.id == InspectionNotice.agency_id)
            .where(InspectionNotice.item_type == chase.ITEM)
            .order_by(InspectionNotice.closed_at.is_not(None), InspectionNotice.issued_on.desc())
            .limit(100))
    if territory.scope is Scope.COUNTY:
        stmt = stmt.where(InspectionNotice.agency_id == territory.agency_id)
    elif territory.scope is not Scope.ALL:
        return []
    return db.session.execute(stmt).all()


@bp.post("/open")
@requires(Capability.GRASSROOTS_WORK, check=has_territory)
def open_report():
    county = _my_county(current_user)
    month = services.parse_month(request.form.get("month")) or services.month_start(local_today())
    try:
        if county is None:
            raise ServiceError(_("只有县（市）信访局的联络员可以填报排查清单"))
        report = services.open_report(current_user, county, month)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("screening.index"))
    db.session.commit()
    flash(_("已开始%(month)s的排查填报", month=services.month_label(month)), "success")
    return redirect(url_for("screening.show", report_id=report.id))


def _report_page(report: ScreeningReport, errors: dict | None = None,
                 revealed: dict | None = None, status: int = 200):
    today = local_today()
    may_work = permissions.may_work(current_user, report.county_id)
    sees_people = permissions.may_see_key_persons(current_user, report.county_id)
    notices = []
    if report.deadline_id is not None:
        notices = db.session.scalars(select(InspectionNotice).where(
            InspectionNotice.item_type == chase.ITEM,
            InspectionNotice.item_id == report.deadline_id).order_by(InspectionNotice.id)).all()
    deadline = report.deadline
    return render_template(
        "screening/show.html", report=report, today=today, deadline=deadline,
        month_label=services.month_label(report.month), may_work=may_work,
        carried=services.carried_over(current_user, report),
        people=services.key_persons(current_user, report) if sees_people else [],
        sees_people=sees_people, revealed=revealed or {}, mask=services.masked,
        risks=RISK_LABELS, statuses=REPORT_STATUS_LABELS, item_statuses=ITEM_STATUS_LABELS,
        notices=notices, is_secretariat=permissions.is_secretariat(current_user),
        submitted_on=local_date(report.submitted_at) if report.submitted_at else None,
        errors=errors or {}, form=request.form if errors else {},
        county_label=county_label), status


@bp.get("/<int:report_id>")
@requires(Capability.GRASSROOTS_VIEW, check=has_territory)
def show(report_id: int):
    return _report_page(get_visible_or_404(current_user, ScreeningReport, report_id))


def _act(report: ScreeningReport, name: str, change, message):
    """Run a change on a report's page: commit and go back, or show the page again with the
    refusal next to the form that caused it."""
    report_id = report.id
    try:
        result = change()
    except ServiceError as exc:
        db.session.rollback()
        if exc.field is None:  # the state refuses it: say so above the page
            flash(exc.message, "error")
            return redirect(url_for("screening.show", report_id=report_id))
        report = get_visible_or_404(current_user, ScreeningReport, report_id)
        return _report_page(report, errors={name: exc}, status=422)
    db.session.commit()
    text, category = message(result) if callable(message) else (message, "success")
    flash(text, category)
    return redirect(url_for("screening.show", report_id=report_id))


@bp.post("/<int:report_id>/items")
@requires(Capability.GRASSROOTS_WORK, check=has_territory)
def add_item(report_id: int):
    report = get_visible_or_404(current_user, ScreeningReport, report_id)
    form = request.form
    return _act(report, "item", lambda: services.add_item(
        current_user, report, form.get("problem", ""), form.get("risk", ""),
        form.get("responsible_unit", ""), form.get("responsible_person", ""),
        form.get("task", ""), _date(form.get("task_due_on"))), _("已列入清单"))


def _entry_or_404(entry_id: int) -> ScreeningItem:
    return get_visible_or_404(current_user, ScreeningItem, entry_id)


@bp.post("/items/<int:entry_id>/delete")
@requires(Capability.GRASSROOTS_WORK, check=has_territory)
def remove_item(entry_id: int):
    item = _entry_or_404(entry_id)
    report = item.report
    return _act(report, "item", lambda: services.remove_item(current_user, item),
                _("已从清单中删除"))


@bp.post("/items/<int:entry_id>/close")
@requires(Capability.GRASSROOTS_WORK, check=has_territory)
def close_item(entry_id: int):
    item = _entry_or_404(entry_id)
    back = request.form.get("report_id", "")
    report = item.report
    if back.isdigit() and int(back) != report.id:
        # 销号 from a later month's ledger: stay on that page.
        report = get_visible_or_404(current_user, ScreeningReport, int(back))
    return _act(report, f"close-{item.id}", lambda: services.close_item(
        current_user, item, request.form.get("evidence", "")), _("已销号"))


@bp.post("/<int:report_id>/submit")
@requires(Capability.GRASSROOTS_WORK, check=has_territory)
def submit(report_id: int):
    report = get_visible_or_404(current_user, ScreeningReport, report_id)

    def message(done: ScreeningReport):
        if done.late:
            return _("已报送%(month)s的排查清单。报送期限为 %(due)s（当月第 5 个工作日），"
                     "本次记为逾期报送。", month=services.month_label(done.month),
                     due=done.deadline.due_on.isoformat()), "warning"
        return _("已报送%(month)s的排查清单", month=services.month_label(done.month)), "success"

    return _act(report, "submit", lambda: services.submit(
        current_user, report, request.form.get("note", "")), message)


# --- key persons --------------------------------------------------------------------------

@bp.post("/<int:report_id>/key-persons")
@requires(Capability.GRASSROOTS_WORK, check=has_territory)
def add_key_person(report_id: int):
    report = get_visible_or_404(current_user, ScreeningReport, report_id)
    form = request.form
    return _act(report, "person", lambda: services.add_key_person(
        current_user, report, form.get("name", ""), form.get("id_number", ""),
        form.get("reason", ""), form.get("measures", "")), _("已列管重点人员"))


def _person_or_404(person_id: int) -> KeyPerson:
    return get_visible_or_404(current_user, KeyPerson, person_id)


def _page_of(person: KeyPerson) -> ScreeningReport:
    back = request.form.get("report_id", "")
    if back.isdigit():
        return get_visible_or_404(current_user, ScreeningReport, int(back))
    if person.report_id is None:
        abort(404)
    return get_visible_or_404(current_user, ScreeningReport, person.report_id)


@bp.post("/key-persons/<int:person_id>/reveal")
@requires(Capability.GRASSROOTS_VIEW, check=has_territory)
def reveal_key_person(person_id: int):
    person = _person_or_404(person_id)
    report = _page_of(person)
    try:
        data = services.reveal_key_person(current_user, person)
    except ServiceError:
        abort(404)
    db.session.commit()
    return _report_page(report, revealed={person.id: data})


@bp.post("/key-persons/<int:person_id>/close")
@requires(Capability.GRASSROOTS_WORK, check=has_territory)
def close_key_person(person_id: int):
    person = _person_or_404(person_id)
    report = _page_of(person)
    return _act(report, f"person-{person.id}", lambda: services.close_key_person(
        current_user, person, request.form.get("evidence", "")), _("重点人员已销号"))


# --- 督查 notices about a late screening -------------------------------------------------

def _notice_or_404(notice_id: int) -> InspectionNotice:
    notice = db.session.get(InspectionNotice, notice_id)
    if notice is None or notice.item_type != chase.ITEM:
        abort(404)
    territory = territory_of(current_user)
    if territory.scope is not Scope.ALL and notice.agency_id != territory.agency_id:
        abort(404)
    return notice


@bp.post("/notices/<int:notice_id>/answer")
@requires(Capability.GRASSROOTS_WORK, check=has_territory)
def answer_notice(notice_id: int):
    """The late county answers the 督查 notice in writing."""
    notice = _notice_or_404(notice_id)
    commit_or_flash(lambda: chase_services.respond(
        current_user, notice, request.form.get("response", "")), _("已提交书面说明"))
    back = request.form.get("report_id", "")
    if back.isdigit():
        return redirect(url_for("screening.show", report_id=int(back)))
    return redirect(url_for("screening.index"))


@bp.post("/notices/<int:notice_id>/close")
@requires(Capability.GRASSROOTS_WORK, check=has_territory)
def close_notice(notice_id: int):
    notice = _notice_or_404(notice_id)
    commit_or_flash(lambda: chase_services.close_notice(current_user, notice),
                    _("督查通知已办结"))
    return redirect(url_for("screening.index"))

