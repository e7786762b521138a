"""Meetings: draft → scheduled (invitations out) → in progress → held → minutes approved, or
cancelled (everyone told).  Services flush, never commit; every change audited, every
change an invitee must know about notified.

The organizer (the secretariat) runs a meeting; invitees answer attend / decline / send a
delegate of their own agency; outcomes per agenda item are information, a decision or a
task, and tasks are chased like 包案 duties (hub.chase.sweep).
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select

from hub.agencies.models import Agency
from hub.audit.services import record, record_change
from hub.auth.models import User
from hub.auth.roles import Role
from hub.auth.visibility import visible
from hub.cases.models import Case
from hub.cases.permissions import is_secretariat
from hub.core.errors import ServiceError
from hub.core.types import utcnow
from hub.deadlines.calendar import current_calendar
from hub.deadlines.services import local_date, local_today, local_zone
from hub.extensions import db
from hub.meetings import scheduling
from hub.meetings.models import (
    KIND_LABELS,
    AgendaItem,
    Invitee,
    Kind,
    Meeting,
    MeetingAgency,
    MeetingOutcome,
    MeetingSeries,
    MeetingTask,
    MinutesRevision,
    State,
)
from hub.notifications.services import notify

EDITABLE = (State.DRAFT, State.SCHEDULED)


@dataclass
class Plan:
    """What the drafting form says about a meeting."""

    kind: str
    title: str
    starts_at: datetime | None
    ends_at: datetime | None
    place: str
    agency_ids: list[int]
    invitee_ids: list[int]
    optional_ids: list[int]  # invitees whose presence is not required for the slot search


# --- who ---------------------------------------------------------------------------------

def may_organize(user) -> bool:
    return is_secretariat(user)


def _organizer_only(actor, meeting: Meeting) -> None:
    if actor.id != meeting.organizer_id and not is_secretariat(actor):
        raise ServiceError(_("只有会议组织者或联席办可以操作"))


def _state(meeting: Meeting, allowed: tuple[State, ...], action: str) -> None:
    from hub.meetings.models import STATE_LABELS

    if State(meeting.state) not in allowed:
        raise ServiceError(_("会议当前为“%(state)s”，不能%(action)s",
                             state=STATE_LABELS[State(meeting.state)], action=action))


# --- checking a plan ---------------------------------------------------------------------

def _hours():
    return current_app.config["HUB_MEETING_HOURS"]


def busy_for(user_ids, starts: datetime, ends: datetime, exclude: int | None = None):
    """Other live meetings of these people (as invitee or delegate) around the window."""
    ids = list(user_ids)
    if not ids:
        return []
    stmt = (select(Invitee, Meeting).join(Meeting, Meeting.id == Invitee.meeting_id)
            .where(or_(Invitee.user_id.in_(ids), Invitee.delegate_id.in_(ids)),
                   Invitee.answer != "decline",
                   Meeting.state.in_([State.SCHEDULED.value, State.IN_PROGRESS.value]),
                   Meeting.ends_at > starts, Meeting.starts_at < ends))
    if exclude is not None:
        stmt = stmt.where(Meeting.id != exclude)
    out = []
    for invitee, meeting in db.session.execute(stmt):
        who = invitee.delegate_id if invitee.answer == "delegate" else invitee.user_id
        if who in ids:
            out.append(scheduling.Busy(who, meeting.starts_at, meeting.ends_at, meeting.title))
    return out


def check(plan: Plan, exclude: int | None = None) -> list[scheduling.Conflict]:
    """Conflicts of a plan: booked invitees, a non-working day, outside working hours."""
    if plan.starts_at is None or plan.ends_at is None:
        return []
    people = set(plan.invitee_ids)
    busy = busy_for(people, plan.starts_at - timedelta(days=1), plan.ends_at + timedelta(days=1),
                    exclude)
    return scheduling.conflicts(plan.starts_at, plan.ends_at, people, busy, current_calendar(),
                                local_zone(), _hours())


def suggest(plan: Plan, exclude: int | None = None, count: int = 3):
    """The earliest free slots of the plan's length for its required invitees."""
    if plan.starts_at is None or plan.ends_at is None or plan.ends_at <= plan.starts_at:
        return []
    required = set(plan.invitee_ids) - set(plan.optional_ids)
    after = max(utcnow(), plan.starts_at - timedelta(days=1))
    busy = busy_for(required, after, after + timedelta(days=60), exclude)
    return scheduling.suggest_slots(plan.ends_at - plan.starts_at, after, required, busy,
                                    current_calendar(), local_zone(), _hours(), count=count)


def conflict_text(conflict: scheduling.Conflict, names: dict[int, str]) -> str:
    if conflict.kind == "busy":
        return _("%(name)s 该时段已有会议：%(title)s", name=names.get(conflict.user_id, ""),
                 title=conflict.detail)
    if conflict.kind == "non_working_day":
        return _("%(day)s 不是工作日", day=conflict.detail)
    if conflict.kind == "outside_hours":
        return _("不在工作时间内（%(hours)s）", hours=hours_text())
    return _("结束时间必须晚于开始时间")


def hours_text() -> str:
    return "、".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in _hours())


# --- drafting and scheduling ---------------------------------------------------------------

def _validate(plan: Plan) -> tuple[list[Agency], list[User]]:
    if plan.kind not in Kind.__members__.values():
        raise ServiceError(_("请选择会议类型"), "kind")
    if not (plan.title or "").strip():
        raise ServiceError(_("请填写会议名称"), "title")
    if plan.starts_at is None or plan.ends_at is None:
        raise ServiceError(_("请填写有效的开始和结束时间"), "starts_at")
    if plan.ends_at <= plan.starts_at:
        raise ServiceError(_("结束时间必须晚于开始时间"), "ends_at")
    if plan.starts_at < utcnow():
        raise ServiceError(_("会议时间不能早于现在"), "starts_at")
    agencies = list(db.session.scalars(select(Agency).where(
        Agency.id.in_(plan.agency_ids or [0]), Agency.active.is_(True))))
    if not agencies:
        raise ServiceError(_("请选择参会单位"), "agency_ids")
    users = list(db.session.scalars(select(User).where(User.id.in_(plan.invitee_ids or [0]))))
    allowed = {a.id for a in agencies}
    for user in users:
        if user.agency_id not in allowed or not user.active:
            raise ServiceError(_("%(name)s 不是参会单位的在职人员", name=user.display_name),
                               "invitee_ids")
    if len(users) != len(set(plan.invitee_ids)):
        raise ServiceError(_("参会人员不存在"), "invitee_ids")
    return agencies, users


def create(actor, plan: Plan, series: MeetingSeries | None = None) -> Meeting:
    """A draft: nothing is sent until it is scheduled."""
    if not may_organize(actor):
        raise ServiceError(_("只有联席办可以安排会议"))
    agencies, users = _validate(plan)
    meeting = Meeting(kind=plan.kind, title=plan.title.strip()[:200], starts_at=plan.starts_at,
                      ends_at=plan.ends_at, place=(plan.place or "").strip()[:200],
                      organizer_id=actor.id, state=State.DRAFT.value, sequence=0,
                      time_version=1,
                      series_id=series.id if series else None, created_at=utcnow(),
                      mechanisms=sorted({m for a in agencies if (m := _mechanism(a))}))
    meeting.agencies = [MeetingAgency(agency_id=a.id) for a in agencies]
    meeting.invitees = [Invitee(user_id=u.id, required=u.id not in plan.optional_ids,
                                answer="pending") for u in users]
    db.session.add(meeting)
    db.session.flush()
    record_change(actor, "meetings.drafted", meeting, None)
    return meeting


def _mechanism(agency) -> str | None:
    from hub.cases.steps import mechanism_of

    return mechanism_of(agency)


def update(actor, meeting: Meeting, plan: Plan) -> None:
    """Change time, place, agencies or invitees of a draft or scheduled meeting; a scheduled
    one goes out again as an update (SEQUENCE + 1; reminders follow the new time only)."""
    _organizer_only(actor, meeting)
    _state(meeting, EDITABLE, _("修改"))
    agencies, users = _validate(plan)
    before = meeting.audit_state()
    moved = (meeting.starts_at, meeting.ends_at, meeting.place) != (
        plan.starts_at, plan.ends_at, (plan.place or "").strip())
    meeting.kind, meeting.title = plan.kind, plan.title.strip()[:200]
    if plan.starts_at != meeting.starts_at:
        meeting.time_version += 1
    meeting.starts_at, meeting.ends_at = plan.starts_at, plan.ends_at
    meeting.place = (plan.place or "").strip()[:200]
    meeting.agencies = [MeetingAgency(agency_id=a.id) for a in agencies]
    kept = {i.user_id: i for i in meeting.invitees}
    meeting.invitees = [kept.get(u.id) or Invitee(user_id=u.id, answer="pending")
                        for u in users]
    for invitee in meeting.invitees:
        invitee.required = invitee.user_id not in plan.optional_ids
    if meeting.state == State.SCHEDULED.value:
        meeting.sequence += 1
    db.session.flush()
    record_change(actor, "meetings.updated", meeting, before)
    if meeting.state == State.SCHEDULED.value:
        what = _("会议时间或地点已变更") if moved else _("会议信息已更新")
        _tell_invitees(meeting, "meeting.updated", f"{what}：{label(meeting)}")


def schedule(actor, meeting: Meeting) -> None:
    """Send the invitations."""
    _organizer_only(actor, meeting)
    _state(meeting, (State.DRAFT,), _("发出通知"))
    if meeting.starts_at < utcnow():
        raise ServiceError(_("会议时间已过，请先修改时间"), "starts_at")
    if not meeting.invitees:
        raise ServiceError(_("请先选择参会人员"), "invitee_ids")
    before = meeting.audit_state()
    meeting.state = State.SCHEDULED.value
    db.session.flush()
    record_change(actor, "meetings.scheduled", meeting, before)
    _tell_invitees(meeting, "meeting.invited", _("会议通知：%(what)s", what=label(meeting)))


def cancel(actor, meeting: Meeting, reason: str) -> None:
    _organizer_only(actor, meeting)
    _state(meeting, EDITABLE, _("取消"))
    if not (reason or "").strip():
        raise ServiceError(_("请填写取消原因"), "reason")
    before = meeting.audit_state()
    was_scheduled = meeting.state == State.SCHEDULED.value
    meeting.state = State.CANCELLED.value
    meeting.cancel_reason = reason.strip()
    meeting.sequence += 1
    db.session.flush()
    record_change(actor, "meetings.cancelled", meeting, before)
    if was_scheduled:
        _tell_invitees(meeting, "meeting.cancelled",
                       _("会议取消：%(what)s（%(reason)s）", what=label(meeting),
                         reason=meeting.cancel_reason))


def label(meeting: Meeting) -> str:
    local = meeting.starts_at.astimezone(local_zone())
    return f"{KIND_LABELS[Kind(meeting.kind)]}「{meeting.title}」{local:%Y-%m-%d %H:%M}"


def _tell_invitees(meeting: Meeting, kind: str, title: str) -> None:
    people = {}
    for invitee in meeting.invitees:
        people[invitee.user.id] = invitee.user
        if invitee.delegate is not None:
            people[invitee.delegate.id] = invitee.delegate
    notify(list(people.values()), kind, title, "", f"/meetings/{meeting.id}")


# --- recurring series ----------------------------------------------------------------------

def create_series(actor, plan: Plan, every: str, count: int) -> list[Meeting]:
    """A recurring meeting: ``count`` occurrences, weekly or monthly from the plan's time
    (a monthly one on a day the month lacks falls on its last day)."""
    if every not in ("weekly", "monthly"):
        raise ServiceError(_("请选择重复周期"), "every")
    if not 2 <= count <= 24:
        raise ServiceError(_("重复次数应为 2 至 24 次"), "count")
    if not may_organize(actor):
        raise ServiceError(_("只有联席办可以安排会议"))
    series = MeetingSeries(kind=plan.kind, title=(plan.title or "").strip()[:200], every=every,
                           created_by_id=actor.id, created_at=utcnow())
    db.session.add(series)
    db.session.flush()
    meetings = []
    for k in range(count):
        shift = _shifted(plan, every, k)
        meetings.append(create(actor, shift, series))
    return meetings


def _shifted(plan: Plan, every: str, k: int) -> Plan:
    if every == "weekly":
        delta = timedelta(weeks=k)
        starts, ends = plan.starts_at + delta, plan.ends_at + delta
    else:
        tz = local_zone()
        local = plan.starts_at.astimezone(tz)
        month = local.month - 1 + k
        year, month = local.year + month // 12, month % 12 + 1
        day = min(local.day, monthrange(year, month)[1])
        starts = local.replace(year=year, month=month, day=day)
        ends = starts + (plan.ends_at - plan.starts_at)
    return Plan(plan.kind, plan.title, starts, ends, plan.place, plan.agency_ids,
                plan.invitee_ids, plan.optional_ids)


# --- answers -----------------------------------------------------------------------------

def answer(actor, meeting: Meeting, reply: str, delegate: User | None = None) -> None:
    """An invitee answers: attend, decline, or send a colleague of the same agency."""
    invitee = next((i for i in meeting.invitees if i.user_id == actor.id), None)
    if invitee is None:
        raise ServiceError(_("您不在本次会议的邀请名单中"))
    _state(meeting, (State.SCHEDULED,), _("答复"))
    if reply not in ("attend", "decline", "delegate"):
        raise ServiceError(_("请选择参加、不参加或委派他人"), "answer")
    if reply == "delegate":
        if delegate is None or delegate.id == actor.id:
            raise ServiceError(_("请选择委派的同事"), "delegate_id")
        if delegate.agency_id != actor.agency_id or not delegate.active:
            raise ServiceError(_("只能委派本单位的在职同事"), "delegate_id")
    before = {"answer": invitee.answer, "delegate_id": invitee.delegate_id}
    invitee.answer = reply
    invitee.delegate = delegate if reply == "delegate" else None
    invitee.answered_at = utcnow()
    db.session.flush()
    record(actor, "meetings.answered", "meetings", meeting.id, before=before,
           after={"user_id": actor.id, "answer": reply, "delegate_id": invitee.delegate_id})
    notify([meeting.organizer], "meeting.answer",
           _("%(name)s 答复：%(answer)s — %(what)s", name=actor.display_name,
             answer=_answer_text(reply, delegate), what=label(meeting)), "",
           f"/meetings/{meeting.id}")
    if reply == "delegate":
        notify([delegate], "meeting.delegated",
               _("%(name)s 委派您参加：%(what)s", name=actor.display_name, what=label(meeting)),
               "", f"/meetings/{meeting.id}")


def _answer_text(reply: str, delegate) -> str:
    from hub.meetings.models import ANSWER_LABELS

    text = str(ANSWER_LABELS[reply])
    return f"{text}（{delegate.display_name}）" if reply == "delegate" and delegate else text


# --- running the meeting -----------------------------------------------------------------

def start(actor, meeting: Meeting) -> None:
    _organizer_only(actor, meeting)
    _state(meeting, (State.SCHEDULED,), _("开始"))
    before = meeting.audit_state()
    meeting.state = State.IN_PROGRESS.value
    db.session.flush()
    record_change(actor, "meetings.started", meeting, before)


def record_attendance(actor, meeting: Meeting, present_ids: set[int]) -> None:
    _organizer_only(actor, meeting)
    _state(meeting, (State.IN_PROGRESS, State.HELD), _("记录出席"))
    for invitee in meeting.invitees:
        invitee.attended = invitee.attendee.id in present_ids
    db.session.flush()
    record(actor, "meetings.attendance", "meetings", meeting.id,
           after={"present": sorted(present_ids)})


def finish(actor, meeting: Meeting) -> None:
    _organizer_only(actor, meeting)
    _state(meeting, (State.IN_PROGRESS,), _("结束会议"))
    before = meeting.audit_state()
    meeting.state = State.HELD.value
    db.session.flush()
    record_change(actor, "meetings.held", meeting, before)


# --- agenda ------------------------------------------------------------------------------

def add_item(actor, meeting: Meeting, title: str = "", case: Case | None = None,
             presenter: User | None = None) -> AgendaItem:
    """An agenda item: a case from the 待会商 backlog, or a free item."""
    _organizer_only(actor, meeting)
    _state(meeting, (State.DRAFT, State.SCHEDULED, State.IN_PROGRESS), _("修改议程"))
    title = (title or "").strip() or (f"{case.number} {case.title}" if case else "")
    if not title:
        raise ServiceError(_("请填写议题或选择信访事项"), "title")
    if case is not None and any(i.case_id == case.id for i in meeting.items):
        raise ServiceError(_("%(number)s 已在议程中", number=case.number), "case_id")
    item = AgendaItem(meeting_id=meeting.id, title=title[:200], case_id=case.id if case else None,
                      presenter_id=presenter.id if presenter else None,
                      position=len(meeting.items), notes="")
    meeting.items.append(item)
    db.session.flush()
    record(actor, "meetings.agenda_added", "meetings", meeting.id,
           after={"item_id": item.id, "title": item.title, "case_id": item.case_id})
    return item


def reorder(actor, meeting: Meeting, item_ids: list[int]) -> None:
    _organizer_only(actor, meeting)
    _state(meeting, (State.DRAFT, State.SCHEDULED, State.IN_PROGRESS), _("修改议程"))
    by_id = {i.id: i for i in meeting.items}
    if sorted(item_ids) != sorted(by_id):
        raise ServiceError(_("议程已被他人修改，请刷新页面"))
    for position, item_id in enumerate(item_ids):
        by_id[item_id].position = position
    db.session.flush()
    record(actor, "meetings.agenda_reordered", "meetings", meeting.id, after={"order": item_ids})


def move_item(actor, meeting: Meeting, item_id: int, offset: int) -> None:
    """Move one item up (-1) or down (+1)."""
    order = [i.id for i in sorted(meeting.items, key=lambda i: i.position)]
    if item_id not in order:
        raise ServiceError(_("议题不存在"))
    k = order.index(item_id)
    j = max(0, min(len(order) - 1, k + offset))
    order[k], order[j] = order[j], order[k]
    reorder(actor, meeting, order)


def earlier_outcomes(case_ids, meeting_id: int) -> dict[int, list[tuple[Meeting, MeetingOutcome]]]:
    """For cases on an agenda: what earlier meetings decided about them."""
    ids = [c for c in case_ids if c]
    if not ids:
        return {}
    rows = db.session.execute(
        select(AgendaItem.case_id, Meeting, MeetingOutcome)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .join(MeetingOutcome, MeetingOutcome.item_id == AgendaItem.id)
        .where(AgendaItem.case_id.in_(ids), Meeting.id != meeting_id,
               Meeting.state.in_([State.HELD.value, State.APPROVED.value]))
        .order_by(Meeting.starts_at)).all()
    out: dict[int, list] = {}
    for case_id, meeting, outcome in rows:
        out.setdefault(case_id, []).append((meeting, outcome))
    return out


# --- outcomes and tasks ------------------------------------------------------------------

def add_outcome(actor, item: AgendaItem, kind: str, text: str, *, owner: User | None = None,
                due_on: date | None = None) -> MeetingOutcome:
    meeting = item.meeting
    _organizer_only(actor, meeting)
    _state(meeting, (State.IN_PROGRESS, State.HELD), _("记录议定事项"))
    if kind not in ("info", "decision", "task"):
        raise ServiceError(_("请选择结果类型"), "kind")
    text = (text or "").strip()
    if not text:
        raise ServiceError(_("请填写内容"), "text")
    if kind == "task":
        if owner is None:
            raise ServiceError(_("交办任务需要指定责任人"), "owner_id")
        if not owner.active or owner.agency_id not in {a.agency_id for a in meeting.agencies}:
            raise ServiceError(_("责任人应为参会单位的在职人员"), "owner_id")
        if due_on is None:
            raise ServiceError(_("交办任务需要填写完成期限"), "due_on")
        if due_on < local_today():
            raise ServiceError(_("完成期限不能早于今天"), "due_on")
    outcome = MeetingOutcome(item_id=item.id, kind=kind, text=text, created_by_id=actor.id,
                             created_at=utcnow())
    item.outcomes.append(outcome)
    db.session.flush()
    if kind == "task":
        task = MeetingTask(meeting_id=meeting.id, outcome_id=outcome.id, text=text,
                           owner_agency_id=owner.agency_id, owner_id=owner.id, due_on=due_on,
                           case_id=item.case_id, status="open")
        db.session.add(task)
        db.session.flush()
        record_change(actor, "meetings.task_created", task, None)
        notify([owner], "meeting.task", _("会议交办任务：%(text)s（%(due)s 前完成）",
                                          text=text[:80], due=due_on.isoformat()),
               "", f"/meetings/{meeting.id}")
    else:
        record(actor, "meetings.outcome", "meetings", meeting.id,
               after={"item_id": item.id, "kind": kind, "text": text})
    return outcome


def may_complete(user, task: MeetingTask) -> bool:
    return user.id == task.owner_id or is_secretariat(user) or (
        Role.LIAISON in user.roles and user.agency_id == task.owner_agency_id)


def complete_task(actor, task: MeetingTask, result: str) -> None:
    if not may_complete(actor, task):
        raise ServiceError(_("只有任务责任人、其单位联络员或联席办可以办结任务"))
    if task.status == "done":
        raise ServiceError(_("该任务已办结"))
    result = (result or "").strip()
    if not result:
        raise ServiceError(_("请填写完成情况"), "result")
    before = task.audit_state()
    task.status, task.result, task.done_by_id, task.done_at = "done", result, actor.id, utcnow()
    task.done_on = local_date(task.done_at)
    db.session.flush()
    record_change(actor, "meetings.task_done", task, before)
    notify([task.meeting.organizer], "meeting.task_done",
           _("会议任务已完成：%(text)s", text=task.text[:80]), "", f"/meetings/{task.meeting_id}")


def upcoming_of(user, limit: int = 5) -> list[Meeting]:
    """我的工作台: the next meetings the user is invited to (or organizes)."""
    invited = select(Invitee.meeting_id).where(
        or_(Invitee.user_id == user.id, Invitee.delegate_id == user.id))
    return list(db.session.scalars(
        select(Meeting).where(or_(Meeting.id.in_(invited), Meeting.organizer_id == user.id),
                              Meeting.ends_at >= utcnow(),
                              Meeting.state.in_([State.SCHEDULED.value, State.IN_PROGRESS.value]))
        .order_by(Meeting.starts_at).limit(limit)))


def my_meetings(user, now: datetime, *, upcoming: bool):
    """我的会议 as the page lists them (and its export): the upcoming ones, soonest first,
    or the past ones, latest first."""
    mine = visible(user, Meeting)
    if upcoming:
        return mine.where(Meeting.ends_at >= now).order_by(Meeting.starts_at, Meeting.id)
    return mine.where(Meeting.ends_at < now).order_by(Meeting.starts_at.desc(),
                                                      Meeting.id.desc())


def open_tasks_of(user) -> list[MeetingTask]:
    """我的工作台: the open meeting tasks this user owns."""
    return list(db.session.scalars(
        select(MeetingTask).where(MeetingTask.owner_id == user.id, MeetingTask.status == "open")
        .order_by(MeetingTask.due_on)))


def tasks_for_case(user, case: Case) -> list[MeetingTask]:
    """Meeting tasks about a case, in meetings the user may see (for the case page)."""
    return list(db.session.scalars(
        select(MeetingTask).where(MeetingTask.case_id == case.id,
                                  MeetingTask.meeting_id.in_(
                                      visible(user, Meeting).with_only_columns(Meeting.id)))
        .order_by(MeetingTask.due_on)))


# --- minutes -----------------------------------------------------------------------------

def save_minutes(actor, meeting: Meeting, text: str) -> MinutesRevision:
    """A new revision of the minutes (the history keeps every earlier one)."""
    _organizer_only(actor, meeting)
    if meeting.state == State.APPROVED.value:
        raise ServiceError(_("纪要已批准，不能修改；如需修改，请由组织者重新打开"))
    _state(meeting, (State.IN_PROGRESS, State.HELD), _("编辑纪要"))
    text = (text or "").strip()
    if not text:
        raise ServiceError(_("请填写纪要内容"), "text")
    last = meeting.revisions[-1] if meeting.revisions else None
    if last is not None and last.text == text:
        raise ServiceError(_("纪要没有改动"), "text")
    revision = MinutesRevision(meeting_id=meeting.id, number=(last.number + 1 if last else 1),
                               text=text, author_id=actor.id, created_at=utcnow())
    meeting.revisions.append(revision)
    db.session.flush()
    record(actor, "meetings.minutes_saved", "meetings", meeting.id,
           after={"revision": revision.number})
    return revision


def approve_minutes(actor, meeting: Meeting) -> None:
    """The organizer approves the minutes; they go out to everyone who took part."""
    if actor.id != meeting.organizer_id:
        raise ServiceError(_("只有会议组织者可以批准纪要"))
    _state(meeting, (State.HELD,), _("批准纪要"))
    if not meeting.revisions:
        raise ServiceError(_("尚无纪要，不能批准"))
    before = meeting.audit_state()
    meeting.state = State.APPROVED.value
    meeting.minutes_approved_at = utcnow()
    db.session.flush()
    record_change(actor, "meetings.minutes_approved", meeting, before)
    _tell_invitees(meeting, "meeting.minutes", _("会议纪要已印发：%(what)s", what=label(meeting)))


def reopen_minutes(actor, meeting: Meeting) -> None:
    if actor.id != meeting.organizer_id:
        raise ServiceError(_("只有会议组织者可以重新打开纪要"))
    _state(meeting, (State.APPROVED,), _("重新打开纪要"))
    before = meeting.audit_state()
    meeting.state = State.HELD.value
    meeting.minutes_approved_at = None
    db.session.flush()
    record_change(actor, "meetings.minutes_reopened", meeting, before)


# --- the invitation ------------------------------------------------------------------------

def invitation_ics(meeting: Meeting) -> bytes:
    """The .ics of the meeting as it stands: REQUEST, or CANCEL once cancelled (RFC 5545;
    UID stable per meeting, SEQUENCE grows with every change sent)."""
    from hub.meetings import ics

    status = {"attend": "ACCEPTED", "decline": "DECLINED", "delegate": "DELEGATED"}
    attendees = []
    for invitee in meeting.invitees:
        attendees.append(ics.Attendee(invitee.user.display_name, invitee.user.email,
                                      invitee.user.id, status.get(invitee.answer, "NEEDS-ACTION")))
        if invitee.answer == "delegate" and invitee.delegate is not None:
            attendees.append(ics.Attendee(invitee.delegate.display_name, invitee.delegate.email,
                                          invitee.delegate.id))
    invitation = ics.Invitation(
        uid=meeting.uid, sequence=meeting.sequence,
        title=f"{KIND_LABELS[Kind(meeting.kind)]}：{meeting.title}",
        starts_at=meeting.starts_at, ends_at=meeting.ends_at, place=meeting.place,
        description=meeting.cancel_reason or "", organizer_name=meeting.organizer.display_name,
        organizer_email=meeting.organizer.email, attendees=tuple(attendees), stamp=utcnow())
    method = "CANCEL" if meeting.state == State.CANCELLED.value else "REQUEST"
    return ics.build(invitation, method, current_app.config["BABEL_DEFAULT_TIMEZONE"])
