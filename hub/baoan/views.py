"""我的包案 for leaders, the secretariat's 包案 overview, and the 包案 steps."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from hub.agencies.models import Agency
from hub.auth.access import requires
from hub.auth.capabilities import Capability
from hub.auth.models import User, UserRole
from hub.auth.roles import RANK_LABELS, LeaderRank, Role
from hub.auth.visibility import get_visible_or_404, visible
from hub.baoan import services
from hub.baoan.models import ELEMENTS, Assignment, Duty, DutyTemplate
from hub.cases.intake import COUNTIES
from hub.cases.labels import COLOUR_LABELS
from hub.cases.models import Case
from hub.chase import services as chase_services
from hub.chase.models import InspectionNotice
from hub.core.errors import ServiceError
from hub.core.forms import commit_or_flash, safe_next
from hub.deadlines.services import local_today
from hub.extensions import db

bp = Blueprint("baoan", __name__)


def _load(stmt):
    return db.session.scalars(stmt.options(*services.OVERVIEW_OPTIONS)).all()


@bp.get("/baoan/mine")
@requires(Capability.BAOAN_OWN)
def mine():
    today = local_today()
    assignments = _load(visible(current_user, Assignment)
                        .where(Assignment.leader_id == current_user.id)
                        .order_by(Assignment.active.desc(), Assignment.target_on))
    notices = db.session.scalars(select(InspectionNotice).where(
        InspectionNotice.leader_id == current_user.id, InspectionNotice.closed_at.is_(None))
        .order_by(InspectionNotice.issued_on)).all()
    return render_template("baoan/mine.html", rows=services.overview(assignments, today),
                           today=today, elements=ELEMENTS, colour_labels=COLOUR_LABELS, notices=notices)


@bp.get("/baoan/notices")
@requires(Capability.BAOAN_VIEW)
def notices():
    """督查 notices for the secretariat (to 包案 leaders, and to agencies late on a handoff):
    open first, with the written answers."""
    cases = visible(current_user, Case).with_only_columns(Case.id)
    rows = db.session.execute(
        select(InspectionNotice, User.display_name, Agency.name)
        .join(User, User.id == InspectionNotice.leader_id, isouter=True)
        .join(Agency, Agency.id == InspectionNotice.agency_id, isouter=True)
        .where(InspectionNotice.case_id.in_(cases))
        .order_by(InspectionNotice.closed_at.is_not(None), InspectionNotice.issued_on.desc())
    ).all()
    return render_template("baoan/notices.html", rows=rows)


@bp.post("/baoan/notices/<int:notice_id>/answer")
@requires(Capability.BAOAN_OWN)
def answer_notice(notice_id: int):
    notice = _notice_or_404(notice_id)
    commit_or_flash(lambda: chase_services.respond(current_user, notice, request.form.get("response", "")),
        _("已提交书面说明"))
    return redirect(url_for("baoan.mine"))


@bp.post("/baoan/notices/<int:notice_id>/close")
@requires(Capability.BAOAN_MANAGE)
def close_notice(notice_id: int):
    notice = _notice_or_404(notice_id)
    commit_or_flash(lambda: chase_services.close_notice(current_user, notice), _("督查通知已办结"))
    return redirect(url_for("baoan.notices"))


def _notice_or_404(notice_id: int) -> InspectionNotice:
    notice = db.session.get(InspectionNotice, notice_id)
    if notice is None or (notice.leader_id != current_user.id and db.session.scalar(
            visible(current_user, Case).where(Case.id == notice.case_id)) is None):
        abort(404)
    return notice


def _month() -> str:
    month = request.args.get("month", "")
    if len(month) == 7 and month[:4].isdigit() and month[4] == "-" and month[5:].isdigit():
        return month
    return local_today().strftime("%Y-%m")


@bp.get("/baoan/circulars")
@requires(Capability.BAOAN_VIEW)
def circulars():
    """通报: the month's list of overdue 包案 duties, by agency and leader."""
    month = _month()
    rows = chase_services.circular_rows(visible(current_user, Case), month)
    return render_template("baoan/circulars.html", rows=rows, month=month)


@bp.get("/baoan/circulars.xlsx")
@requires(Capability.BAOAN_VIEW)
def circulars_xlsx():
    month = _month()
    rows = chase_services.circular_rows(visible(current_user, Case), month)
    data = chase_services.circular_xlsx(rows, month)
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="circular-{month}.xlsx"'})


@bp.get("/baoan")
@requires(Capability.BAOAN_VIEW)
def index():
    today = local_today()
    args = request.args
    filters = services.overview_filters(args)
    rows = services.overview(_load(services.overview_query(current_user, filters)), today)
    # The counts officials quote, e.g. "厅级领导包案 N 件，已化解 M 件" (before the colour filter).
    counts = []
    for rank in LeaderRank:
        mine = [r for r in rows if r["assignment"].rank == rank.value]
        counts.append((rank.label, len(mine),
                       sum(1 for r in mine if r["assignment"].resolved_at is not None),
                       sum(1 for r in mine if r["assignment"].closed_at is not None)))
    rows = services.with_colour(rows, filters.get("colour"))
    leaders = db.session.scalars(select(User).join(UserRole).where(
        UserRole.role == Role.LEADER.value).order_by(User.username)).all()
    return render_template("baoan/index.html", rows=rows, counts=counts, leaders=leaders,
                           ranks=RANK_LABELS, counties=COUNTIES, args=args,
                           colour_labels=COLOUR_LABELS, today=today, export_args=filters)


def _back(default):
    return safe_next(request.form.get("back", ""), default)


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


@bp.post("/cases/<int:case_id>/baoan")
@requires(Capability.BAOAN_MANAGE)
def assign(case_id: int):
    case = get_visible_or_404(current_user, Case, case_id)
    leader_id = request.form.get("leader_id", "")
    leader = db.session.get(User, int(leader_id)) if leader_id.isdigit() else None
    target = _date(request.form.get("target_on"))

    def change():
        if target is None:
            raise ServiceError(_("请填写有效的目标化解日期"), "target_on")
        services.assign(current_user, case, leader, target)

    commit_or_flash(change, _("已安排领导包案"))
    return redirect(url_for("cases.show", case_id=case.id))


def _record(duty_id: int, default_back: str):
    duty = get_visible_or_404(current_user, Duty, duty_id)
    done_on = _date(request.form.get("done_on"))

    def change():
        if done_on is None:
            raise ServiceError(_("请填写有效的完成日期"), "done_on")
        services.complete(current_user, duty, request.form.get("evidence", ""), done_on)

    commit_or_flash(change, _("已记录：%(label)s", label=duty.label))
    return redirect(_back(default_back))


@bp.post("/baoan/duties/<int:duty_id>/done")
@requires(Capability.BAOAN_OWN)
def duty_done(duty_id: int):
    """The leader records their duty in one step (what was done, and when)."""
    return _record(duty_id, url_for("baoan.mine"))


@bp.post("/baoan/duties/<int:duty_id>/record")
@requires(Capability.BAOAN_MANAGE)
def duty_record(duty_id: int):
    """The secretariat records a duty on the leader's behalf (e.g. from a phone report)."""
    return _record(duty_id, url_for("baoan.index"))


@bp.post("/baoan/duties/<int:duty_id>/waive")
@requires(Capability.BAOAN_MANAGE)
def duty_waive(duty_id: int):
    duty = get_visible_or_404(current_user, Duty, duty_id)
    commit_or_flash(lambda: services.waive(current_user, duty, request.form.get("reason", "")),
        _("已免除：%(label)s", label=duty.label))
    return redirect(_back(url_for("baoan.index")))


@bp.post("/baoan/<int:assignment_id>/resolved")
@requires(Capability.BAOAN_OWN)
def resolved(assignment_id: int):
    assignment = get_visible_or_404(current_user, Assignment, assignment_id)
    commit_or_flash(lambda: services.report_resolved(current_user, assignment, request.form.get("note", "")),
        _("已报告化解，等待联席办核验销号"))
    return redirect(_back(url_for("baoan.mine")))


@bp.post("/baoan/<int:assignment_id>/close")
@requires(Capability.BAOAN_MANAGE)
def close(assignment_id: int):
    assignment = get_visible_or_404(current_user, Assignment, assignment_id)
    commit_or_flash(lambda: services.close(current_user, assignment), _("已核验销号"))
    return redirect(_back(url_for("baoan.index")))



@bp.get("/admin/duty-templates")
@requires(Capability.RULES_MANAGE)
def templates():
    rows = db.session.scalars(select(DutyTemplate).order_by(DutyTemplate.position)).all()
    return render_template("baoan/templates.html", rows=rows, elements=ELEMENTS)


@bp.post("/admin/duty-templates/<int:template_id>")
@requires(Capability.RULES_MANAGE)
def update_template(template_id: int):
    template = db.session.get(DutyTemplate, template_id)
    if template is None:
        abort(404)
    form = request.form

    def number(name, optional=False):
        raw = (form.get(name) or "").strip()
        if optional and raw == "":
            return None
        if not raw.isdigit():
            raise ServiceError(_("请填写整数天数"), name)
        return int(raw)

    commit_or_flash(lambda: services.update_template(
        current_user, template, label=form.get("label", ""), offset_days=number("offset_days"),
        recurrence_days=number("recurrence_days", optional=True),
        active=form.get("active") == "on"), _("已保存：%(label)s", label=template.label))
    return redirect(url_for("baoan.templates"))
