"""Meetings: my meetings, the secretariat's calendar, drafting with conflict checks, a
meeting's page with its steps, the .ics invitation and the printable minutes."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from hub.agencies.models import Agency, AgencyKind, AgencyLevel
from hub.auth.access import requires
from hub.auth.capabilities import Capability
from hub.auth.models import User
from hub.auth.visibility import get_visible_or_404, visible
from hub.cases.models import Case
from hub.core.errors import ServiceError
from hub.core.forms import commit_or_flash
from hub.core.types import utcnow
from hub.deadlines.services import local_today, local_zone
from hub.extensions import db
from hub.meetings import services
from hub.meetings.models import (
    ANSWER_LABELS,
    KIND_LABELS,
    OUTCOME_LABELS,
    STATE_LABELS,
    AgendaItem,
    Meeting,
    MeetingTask,
    State,
)

bp = Blueprint("meetings", __name__, url_prefix="/meetings")

PARTNER_KINDS = [k.value for k in AgencyKind if k not in (AgencyKind.VILLAGE,)]


def _local(moment: datetime | None) -> datetime | None:
    return moment.astimezone(local_zone()) if moment else None


def _parse_local(value: str | None) -> datetime | None:
    """A datetime-local input (Asia/Shanghai wall time) as an aware instant."""
    try:
        naive = datetime.fromisoformat((value or "").strip())
    except ValueError:
        return None
    if naive.tzinfo is not None:
        return None
    return naive.replace(tzinfo=local_zone())


def _ints(name: str) -> list[int]:
    return [int(v) for v in request.form.getlist(name) if v.isdigit()]


def _plan_from_form() -> services.Plan:
    form = request.form
    return services.Plan(kind=form.get("kind", ""), title=form.get("title", ""),
                         starts_at=_parse_local(form.get("starts_at")),
                         ends_at=_parse_local(form.get("ends_at")), place=form.get("place", ""),
                         agency_ids=_ints("agency_ids"), invitee_ids=_ints("invitee_ids"),
                         optional_ids=_ints("optional_ids"))


def _plan_from_meeting(m: Meeting) -> services.Plan:
    return services.Plan(m.kind, m.title, m.starts_at, m.ends_at, m.place,
                         [a.agency_id for a in m.agencies], [i.user_id for i in m.invitees],
                         [i.user_id for i in m.invitees if not i.required])


def _people_by_agency():
    """Agencies that can be invited, each with its active users (for the drafting form)."""
    agencies = db.session.scalars(select(Agency).where(
        Agency.active.is_(True), Agency.kind.in_(PARTNER_KINDS),
        Agency.level.in_([AgencyLevel.PREFECTURE.value, AgencyLevel.COUNTY.value]))
        .order_by(Agency.level, Agency.code)).all()
    users = db.session.scalars(select(User).where(
        User.active.is_(True), User.agency_id.in_([a.id for a in agencies]))
        .order_by(User.username)).all()
    by_agency: dict[int, list[User]] = {}
    for user in users:
        by_agency.setdefault(user.agency_id, []).append(user)
    return [(a, by_agency.get(a.id, [])) for a in agencies]


def _form_page(plan: services.Plan, meeting: Meeting | None = None, error=None,
               checked: bool = False, status: int = 200):
    people = _people_by_agency()
    names = {u.id: u.display_name for _a, users in people for u in users}
    conflicts, slots = [], []
    if checked and plan.starts_at and plan.ends_at:
        exclude = meeting.id if meeting else None
        conflicts = [services.conflict_text(c, names) for c in services.check(plan, exclude)]
        slots = [(_local(a), _local(b)) for a, b in services.suggest(plan, exclude)]
    return render_template(
        "meetings/form.html", plan=plan, meeting=meeting, error=error, kinds=KIND_LABELS,
        people=people, conflicts=conflicts, slots=slots, checked=checked,
        local=_local, hours=services.hours_text(), every=request.form.get("every", ""),
        count=request.form.get("count", "")), status


# --- lists -------------------------------------------------------------------------------

@bp.get("")
@requires(Capability.MEETINGS_VIEW)
def index():
    """我的会议: upcoming first, then the recent past."""
    now = utcnow()
    upcoming = db.session.scalars(
        services.my_meetings(current_user, now, upcoming=True).limit(100)).all()
    past = db.session.scalars(
        services.my_meetings(current_user, now, upcoming=False).limit(50)).all()
    tasks = services.open_tasks_of(current_user)
    return render_template("meetings/index.html", upcoming=upcoming, past=past, tasks=tasks,
                           kinds=KIND_LABELS, states=STATE_LABELS, local=_local,
                           today=local_today())


@bp.get("/calendar")
@requires(Capability.MEETINGS_VIEW)
def calendar():
    """The week or month at a glance (secretariat)."""
    view = request.args.get("view", "week")
    try:
        day = date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        day = local_today()
    if view == "month":
        first = day.replace(day=1)
        start = first - timedelta(days=first.weekday())
        days = 42
    else:
        view = "week"
        start = day - timedelta(days=day.weekday())
        days = 7
    tz = local_zone()
    lo = datetime.combine(start, time(0), tzinfo=tz)
    hi = lo + timedelta(days=days)
    meetings = db.session.scalars(visible(current_user, Meeting).where(
        Meeting.starts_at < hi, Meeting.ends_at > lo).order_by(Meeting.starts_at)).all()
    by_day: dict[date, list[Meeting]] = {}
    for m in meetings:
        by_day.setdefault(_local(m.starts_at).date(), []).append(m)
    grid = [start + timedelta(days=k) for k in range(days)]
    step = timedelta(days=7) if view == "week" else timedelta(days=31)
    return render_template("meetings/calendar.html", view=view, day=day, grid=grid,
                           by_day=by_day, kinds=KIND_LABELS, states=STATE_LABELS, local=_local,
                           prev=(day - step).isoformat(), next=(day + step).isoformat(),
                           today=local_today())


# --- drafting ----------------------------------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
@requires(Capability.MEETINGS_MANAGE)
def new():
    if request.method == "GET":
        tomorrow = local_today() + timedelta(days=1)
        start = datetime.combine(tomorrow, time(9), tzinfo=local_zone())
        kind = request.args.get("kind", "consult")
        plan = services.Plan(kind, "", start, start + timedelta(hours=2), "", [], [], [])
        return _form_page(plan)
    plan = _plan_from_form()
    if request.form.get("action") == "check":
        return _form_page(plan, checked=True)
    every = request.form.get("every", "")
    try:
        if every:
            count = request.form.get("count", "")
            meetings = services.create_series(current_user, plan, every,
                                              int(count) if count.isdigit() else 0)
            meeting = meetings[0]
        else:
            meeting = services.create(current_user, plan)
    except ServiceError as exc:
        db.session.rollback()
        return _form_page(plan, error=exc, checked=True, status=422)
    db.session.commit()
    return redirect(url_for("meetings.show", meeting_id=meeting.id))


@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
@requires(Capability.MEETINGS_MANAGE)
def edit(meeting_id: int):
    meeting = get_visible_or_404(current_user, Meeting, meeting_id)
    if request.method == "GET":
        return _form_page(_plan_from_meeting(meeting), meeting, checked=True)
    plan = _plan_from_form()
    if request.form.get("action") == "check":
        return _form_page(plan, meeting, checked=True)
    try:
        services.update(current_user, meeting, plan)
    except ServiceError as exc:
        db.session.rollback()
        return _form_page(plan, meeting, error=exc, checked=True, status=422)
    db.session.commit()
    return redirect(url_for("meetings.show", meeting_id=meeting.id))


# --- a meeting ---------------------------------------------------------------------------

@bp.get("/<int:meeting_id>")
@requires(Capability.MEETINGS_VIEW)
def show(meeting_id: int):
    meeting = get_visible_or_404(current_user, Meeting, meeting_id)
    items = sorted(meeting.items, key=lambda i: i.position)
    seen_cases = set(db.session.scalars(visible(current_user, Case).with_only_columns(Case.id)
                                        .where(Case.id.in_([i.case_id for i in items
                                                            if i.case_id] or [0]))))
    # 政策完善建议 on the agenda: linked for those who may see them.
    from hub.proposals.models import PolicyProposal

    proposal_ids = [i.proposal_id for i in items if i.proposal_id]
    seen_proposals = set(db.session.scalars(
        visible(current_user, PolicyProposal).with_only_columns(PolicyProposal.id)
        .where(PolicyProposal.id.in_(proposal_ids)))) if proposal_ids else set()
    backlog = []
    if services.may_organize(current_user) and meeting.state in (
            State.DRAFT.value, State.SCHEDULED.value, State.IN_PROGRESS.value):
        on_agenda = {i.case_id for i in items}
        backlog = [c for c in db.session.scalars(
            visible(current_user, Case).where(Case.to_discuss.is_(True))
            .order_by(Case.rank).limit(50)) if c.id not in on_agenda]
    mine = next((i for i in meeting.invitees if i.user_id == current_user.id), None)
    colleagues = []
    if mine is not None:
        colleagues = db.session.scalars(select(User).where(
            User.agency_id == current_user.agency_id, User.active.is_(True),
            User.id != current_user.id).order_by(User.username)).all()
    organizer = current_user.id == meeting.organizer_id or services.may_organize(current_user)
    owners = []  # presenters and task owners: offered to the organizer only
    if organizer:
        owners = db.session.scalars(select(User).where(
            User.active.is_(True), User.agency_id.in_([a.agency_id for a in meeting.agencies]))
            .order_by(User.username)).all()
    return render_template(
        "meetings/show.html", meeting=meeting, items=items, seen_cases=seen_cases,
        seen_proposals=seen_proposals,
        earlier=services.earlier_outcomes([i.case_id for i in items], meeting.id),
        backlog=backlog, mine=mine, colleagues=colleagues, owners=owners,
        kinds=KIND_LABELS, states=STATE_LABELS, answers=ANSWER_LABELS,
        outcome_labels=OUTCOME_LABELS, local=_local, today=local_today(),
        organizer=organizer,
        may_complete=lambda t: services.may_complete(current_user, t))


def _step(meeting_id: int, change, message: str, anchor: str | None = None):
    meeting = get_visible_or_404(current_user, Meeting, meeting_id)
    commit_or_flash(lambda: change(meeting), message)
    return redirect(url_for("meetings.show", meeting_id=meeting_id, _anchor=anchor))


@bp.post("/<int:meeting_id>/schedule")
@requires(Capability.MEETINGS_MANAGE)
def schedule(meeting_id: int):
    return _step(meeting_id, lambda m: services.schedule(current_user, m), _("会议通知已发出"))


@bp.post("/<int:meeting_id>/cancel")
@requires(Capability.MEETINGS_MANAGE)
def cancel(meeting_id: int):
    return _step(meeting_id, lambda m: services.cancel(
        current_user, m, request.form.get("reason", "")), _("会议已取消，已通知参会人员"))


@bp.post("/<int:meeting_id>/answer")
@requires(Capability.MEETINGS_VIEW)
def answer(meeting_id: int):
    delegate_id = request.form.get("delegate_id", "")
    delegate = db.session.get(User, int(delegate_id)) if delegate_id.isdigit() else None
    return _step(meeting_id, lambda m: services.answer(
        current_user, m, request.form.get("answer", ""), delegate), _("已答复"))


@bp.post("/<int:meeting_id>/start")
@requires(Capability.MEETINGS_MANAGE)
def start(meeting_id: int):
    return _step(meeting_id, lambda m: services.start(current_user, m), _("会议开始"))


@bp.post("/<int:meeting_id>/attendance")
@requires(Capability.MEETINGS_MANAGE)
def attendance(meeting_id: int):
    return _step(meeting_id, lambda m: services.record_attendance(
        current_user, m, set(_ints("present"))), _("已记录出席情况"), "attendance")


@bp.post("/<int:meeting_id>/finish")
@requires(Capability.MEETINGS_MANAGE)
def finish(meeting_id: int):
    return _step(meeting_id, lambda m: services.finish(current_user, m), _("会议已结束"))


@bp.post("/<int:meeting_id>/agenda")
@requires(Capability.MEETINGS_MANAGE)
def add_item(meeting_id: int):
    case_id = request.form.get("case_id", "")
    presenter_id = request.form.get("presenter_id", "")

    def change(m):
        case = None
        if case_id.isdigit():
            case = db.session.scalar(visible(current_user, Case).where(Case.id == int(case_id)))
            if case is None:
                raise ServiceError(_("信访事项不存在或无权查看"), "case_id")
        presenter = db.session.get(User, int(presenter_id)) if presenter_id.isdigit() else None
        services.add_item(current_user, m, request.form.get("title", ""), case, presenter)

    return _step(meeting_id, change, _("已加入议程"), "agenda")


def _item(meeting: Meeting, item_id: int) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.meeting_id != meeting.id:
        abort(404)
    return item


@bp.post("/<int:meeting_id>/agenda/<int:agenda_item_id>/move")
@requires(Capability.MEETINGS_MANAGE)
def move_item(meeting_id: int, agenda_item_id: int):
    offset = -1 if request.form.get("direction") == "up" else 1
    return _step(meeting_id, lambda m: services.move_item(current_user, m, agenda_item_id, offset),
                 _("已调整议程顺序"), "agenda")


@bp.post("/<int:meeting_id>/agenda/<int:agenda_item_id>/outcomes")
@requires(Capability.MEETINGS_MANAGE)
def add_outcome(meeting_id: int, agenda_item_id: int):
    owner_id = request.form.get("owner_id", "")
    try:
        due_on = date.fromisoformat(request.form.get("due_on", ""))
    except ValueError:
        due_on = None

    def change(m):
        owner = db.session.get(User, int(owner_id)) if owner_id.isdigit() else None
        services.add_outcome(current_user, _item(m, agenda_item_id), request.form.get("kind", ""),
                             request.form.get("text", ""), owner=owner, due_on=due_on)

    return _step(meeting_id, change, _("已记录"), f"item-{agenda_item_id}")


@bp.post("/tasks/<int:task_id>/done")
@requires(Capability.MEETINGS_VIEW)
def task_done(task_id: int):
    task = db.session.get(MeetingTask, task_id)
    if task is None:
        abort(404)
    meeting = get_visible_or_404(current_user, Meeting, task.meeting_id)
    commit_or_flash(lambda: services.complete_task(current_user, task,
                                                   request.form.get("result", "")),
                    _("任务已办结"))
    return redirect(request.form.get("back") == "home" and url_for("core.home")
                    or url_for("meetings.show", meeting_id=meeting.id, _anchor="tasks"))


@bp.post("/<int:meeting_id>/minutes")
@requires(Capability.MEETINGS_MANAGE)
def save_minutes(meeting_id: int):
    return _step(meeting_id, lambda m: services.save_minutes(
        current_user, m, request.form.get("text", "")), _("纪要已保存"), "minutes")


@bp.post("/<int:meeting_id>/minutes/approve")
@requires(Capability.MEETINGS_MANAGE)
def approve_minutes(meeting_id: int):
    return _step(meeting_id, lambda m: services.approve_minutes(current_user, m),
                 _("纪要已批准并印发"), "minutes")


@bp.post("/<int:meeting_id>/minutes/reopen")
@requires(Capability.MEETINGS_MANAGE)
def reopen_minutes(meeting_id: int):
    return _step(meeting_id, lambda m: services.reopen_minutes(current_user, m),
                 _("纪要已重新打开"), "minutes")


@bp.get("/<int:meeting_id>/minutes/print")
@requires(Capability.MEETINGS_VIEW)
def print_minutes(meeting_id: int):
    meeting = get_visible_or_404(current_user, Meeting, meeting_id)
    return render_template("meetings/print.html", meeting=meeting,
                           items=sorted(meeting.items, key=lambda i: i.position),
                           kinds=KIND_LABELS, answers=ANSWER_LABELS,
                           outcome_labels=OUTCOME_LABELS, local=_local)


@bp.get("/<int:meeting_id>/invitation.ics")
@requires(Capability.MEETINGS_VIEW)
def ics(meeting_id: int):
    meeting = get_visible_or_404(current_user, Meeting, meeting_id)
    if meeting.state == State.DRAFT.value:
        abort(404)  # nothing has been sent for a draft
    data = services.invitation_ics(meeting)
    return Response(data, mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="meeting-{meeting.id}.ics"'})
