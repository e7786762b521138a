"""The sweep: for each open item of each policy (包案 duties, cases' statutory steps,
handoffs, meetings, the monthly screening), take the ladder step that is due, exactly once.

Runs inside the caller's transaction (flushes; the caller commits).  The database narrows
the items to those whose next ladder step has come (one indexed query, the same one the
benchmark times), the pure ladder decides the step, and a chunk's steps are recorded with
one INSERT … ON CONFLICT DO NOTHING: a step another sweep recorded first inserts nothing,
and then no effect is written for it either.  Items are read as plain rows, so memory stays
flat however many are open.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, case, false, func, insert, literal, or_, select
from sqlalchemy.orm import aliased

from hub.audit.services import record
from hub.auth.models import User, UserRole
from hub.auth.roles import Role
from hub.baoan.models import Assignment, Duty
from hub.baoan.services import _next_occurrence
from hub.cases.alerts import secretariat_users
from hub.cases.models import Case
from hub.chase.ladder import Step, next_step
from hub.chase.models import ChaseStep, CircularEntry, InspectionNotice
from hub.core.types import utcnow
from hub.deadlines.models import Deadline
from hub.deadlines.rules import rule
from hub.deadlines.services import compute_due, local_today
from hub.extensions import begin_write, db, insert_or_skip
from hub.meetings.models import Meeting, MeetingTask
from hub.meetings.models import State as MeetingState
from hub.notifications.services import Message, notify_many
from hub.proposals import chase as proposals
from hub.screening import chase as screening

log = logging.getLogger(__name__)

ITEM = "baoan_duty"
KINDS = {"remind_before": "remind", "remind_due": "remind", "yellow": "warn",
         "inspect": "escalate", "circulate": "escalate"}


def ladder() -> list[Step]:
    """The 包案 ladder (DESIGN §7), offsets from the settings."""
    offsets = current_app.config["HUB_LADDER_OFFSETS"]
    steps = [Step(name, offsets[name], KINDS[name]) for name in KINDS]
    return sorted(steps, key=lambda s: s.offset)


@dataclass
class Sweep:
    """What one sweep knows (people, today) and what it will write, chunk by chunk."""

    today: date
    gap: int
    now: object = None  # the sweep's moment (UTC), for timed ladders
    cache: dict = field(default_factory=dict)  # people, texts, dates: looked up once
    messages: list[Message] = field(default_factory=list)
    notices: list[dict] = field(default_factory=list)
    circulars: list[dict] = field(default_factory=list)

    def _(self, msgid: str, **variables) -> str:
        """gettext, with each message looked up once per sweep (thousands of notices)."""
        key = ("text", msgid)
        if key not in self.cache:
            self.cache[key] = _(msgid)
        return self.cache[key] % variables if variables else self.cache[key]

    def notify(self, users, kind: str, title: str, body: str = "", link: str | None = None):
        self.messages.append(Message(list(users), kind, title, body, link))

    def secretariat(self) -> list[User]:
        if "secretariat" not in self.cache:
            self.cache["secretariat"] = secretariat_users()
        return self.cache["secretariat"]

    def liaisons(self, agency_id: int | None) -> list[User]:
        key = ("liaisons", agency_id)
        if key not in self.cache:
            self.cache[key] = list(db.session.scalars(select(User).join(UserRole).where(
                UserRole.role == Role.LIAISON.value, User.agency_id == agency_id,
                User.active.is_(True))))
        return self.cache[key]

    def user(self, user_id: int) -> User:
        key = ("user", user_id)
        if key not in self.cache:
            self.cache[key] = db.session.get(User, user_id)
        return self.cache[key]

    def write(self) -> None:
        """The chunk's effects, one multi-row INSERT per table."""
        if self.notices:
            db.session.execute(insert(InspectionNotice), self.notices)
        if self.circulars:
            db.session.execute(insert(CircularEntry), self.circulars)
        notify_many(self.messages)
        self.messages, self.notices, self.circulars = [], [], []


def run(today: date | None = None, batch: int = 500, now=None) -> Counter:
    """One sweep over every policy.  Returns how many of each step were taken."""
    begin_write()  # a second sweep at the same time waits, then finds the steps taken
    sweep = Sweep(today or local_today(), current_app.config["HUB_LADDER_GAP_DAYS"],
                  now=now or utcnow())
    done: Counter = Counter()
    for policy in POLICIES:
        steps = policy.ladder()
        result = db.session.execute(
            policy.items(sweep.now if policy.timed else sweep.today).where(or_(
                next_step_due(policy, steps, sweep.now if policy.timed else sweep.today,
                              sweep.gap),
                policy.also_visit(sweep.today)))
            .order_by(policy.key).execution_options(yield_per=batch))
        try:
            for chunk in result.partitions():
                _chase_chunk(policy, chunk, steps, sweep, done)
        finally:
            result.close()
    if done:
        record(None, "chase.sweep", after={"on": sweep.today, **done}, actor_name="system")
    return done


def next_step_due(policy: Policy, steps: list[Step], today: date, gap: int):
    """SQL: the item's next ladder step (after the last one taken) has come, and for an
    escalation the step before it was taken at least ``gap`` days ago.  A narrowing only:
    ``next_step`` decides, so this may let through more than it takes, never less."""
    mine = (ChaseStep.item_type == policy.item_type, ChaseStep.item_id == policy.key,
            ChaseStep.occurrence == policy.occurrence)
    last = func.coalesce(select(func.max(ChaseStep.position)).where(*mine).scalar_subquery(), -1)
    last_on = select(func.max(ChaseStep.taken_on)).where(*mine).scalar_subquery()
    whens = {}
    for i, step in enumerate(steps):
        has_come = policy.due <= today - timedelta(days=step.offset)
        if step.kind == "escalate":
            has_come = and_(has_come, last_on <= today - timedelta(days=gap))
        whens[i - 1] = has_come
    return case(whens, value=last, else_=false())


def _chase_chunk(policy: Policy, chunk, steps: list[Step], sweep: Sweep, done: Counter) -> None:
    ids = [row.id for row in chunk]
    taken: dict[int, dict[str, date]] = {}
    for item_id, occurrence, step, on in db.session.execute(
            select(ChaseStep.item_id, ChaseStep.occurrence, ChaseStep.step, ChaseStep.taken_on)
            .where(ChaseStep.item_type == policy.item_type, ChaseStep.item_id.in_(ids))):
        taken.setdefault((item_id, occurrence), {})[step] = on
    planned = {}
    for row in chunk:
        if policy.before(row, sweep.today):
            done["next_occurrence"] += 1
        step = next_step(steps, row.due_on, sweep.now if policy.timed else sweep.today,
                         taken.get((row.id, row.occurrence), {}), sweep.gap)
        if step is not None:
            planned[(row.id, row.occurrence, step.name)] = (row, step)
    if not planned:
        return
    now = utcnow()
    recorded = db.session.execute(_insert_steps_statement(), [
        {"item_type": policy.item_type, "item_id": row.id, "occurrence": row.occurrence,
         "step": step.name, "position": steps.index(step), "taken_on": sweep.today,
         "taken_at": now} for row, step in planned.values()]).all()
    for step_id, item_id, occurrence, name in recorded:
        row, step = planned.pop((item_id, occurrence, name))
        policy.effects(row, step, step_id, sweep)
        done[step.name] += 1
    for item_id, _occurrence, name in planned:  # recorded first by another sweep
        log.info("step %s of %s %s already taken", name, policy.item_type, item_id)
    sweep.write()


def _insert_steps_statement():
    """INSERT … ON CONFLICT DO NOTHING RETURNING the key: the step's exactly-once record."""
    return (insert_or_skip(ChaseStep, "item_type", "item_id", "occurrence", "step")
            .returning(ChaseStep.id, ChaseStep.item_id, ChaseStep.occurrence, ChaseStep.step))


# --- 包案 duties ------------------------------------------------------------------------

def _duty_items(today):
    """Open duties of active 包案, with what their notices say (plain rows)."""
    return (select(Duty.id, Duty.due_on, Duty.occurrence, Duty.label, Duty.recurrence_days,
                   Assignment.leader_id, Case.id.label("case_id"), Case.number)
            .join(Assignment, Assignment.id == Duty.assignment_id)
            .join(Case, Case.id == Assignment.case_id)
            .where(Duty.status == "open", Assignment.active.is_(True)))


def _duty_also_visit(today: date):
    """A recurring duty that has fallen due and has no next occurrence yet."""
    successor = aliased(Duty)
    return and_(Duty.recurrence_days.is_not(None), Duty.due_on <= today,
                ~select(successor.id).where(
                    successor.assignment_id == Duty.assignment_id,
                    successor.template_code == Duty.template_code,
                    successor.occurrence == Duty.occurrence + 1).exists())


def _duty_before(row, today: date) -> bool:
    """A recurring duty that falls due gets its next occurrence (once)."""
    if not (row.recurrence_days and row.due_on <= today):
        return False
    return _next_occurrence(db.session.get(Duty, row.id)) is not None


def _duty_effects(row, step: Step, step_id: int, sweep: Sweep) -> None:
    leader = sweep.user(row.leader_id)
    today = sweep.today
    link = f"/cases/{row.case_id}"
    days_over = (today - row.due_on).days
    what = f"{row.number}「{row.label}」"
    if step.name in ("remind_before", "remind_due"):
        title = (sweep._("提醒：%(what)s 今日到期", what=what) if days_over >= 0
                 else sweep._("提醒：%(what)s 将于 %(due)s 到期", what=what, due=row.due_on.isoformat()))
        sweep.notify([leader, *sweep.liaisons(leader.agency_id)], "baoan.remind", title,
                     sweep._("请及时落实包案职责并在“我的包案”中记录。"), "/baoan/mine")
    elif step.name == "yellow":
        sweep.notify(sweep.secretariat(), "baoan.yellow",
                     sweep._("预警：%(leader)s 的包案职责 %(what)s 已逾期 %(n)d 天",
                       leader=leader.display_name, what=what, n=days_over), "", link)
    elif step.name == "inspect":
        due = _inspection_due(sweep)
        sweep.notices.append(dict(
            chase_step_id=step_id, item_type=ITEM, item_id=row.id, leader_id=leader.id,
            agency_id=leader.agency_id, case_id=row.case_id, subject=what[:300],
            issued_on=today, response_due_on=due))
        sweep.notify([leader, *sweep.liaisons(leader.agency_id), *sweep.secretariat()],
                     "baoan.inspect",
                     sweep._("督查通知：%(what)s 逾期 %(n)d 天，请于 %(due)s 前书面说明",
                       what=what, n=days_over, due=due.isoformat()), "", "/baoan/mine")
    elif step.name == "circulate":
        sweep.circulars.append(dict(
            chase_step_id=step_id, month=today.strftime("%Y-%m"), leader_id=leader.id,
            agency_id=leader.agency_id, case_id=row.case_id, subject=what[:300],
            days_overdue=days_over, created_on=today))
        sweep.notify([leader, *sweep.secretariat()], "baoan.circulate",
                     sweep._("通报：%(what)s 逾期 %(n)d 天，已列入本月通报", what=what, n=days_over),
                     "", "/baoan/circulars")


def _inspection_due(sweep: Sweep) -> date:
    """督查 answers are due so many working days after today (the same for the whole sweep)."""
    if "inspection_due" not in sweep.cache:
        sweep.cache["inspection_due"] = compute_due(
            sweep.today, current_app.config["HUB_INSPECTION_RESPONSE_WORKING_DAYS"],
            "working").on
    return sweep.cache["inspection_due"]


# --- cases' statutory steps (《信访工作条例》 periods) ---------------------------------

CASE_ITEM = "case_deadline"
# The clocks the handling bodies owe; the petitioner's own request windows are not chased.
CHASED_KINDS = ("case.forward", "case.accept", "case.handle", "case.review", "case.recheck")


def case_ladder() -> list[Step]:
    offsets = current_app.config["HUB_LADDER_OFFSETS"]
    return [Step("remind_before", offsets["remind_before"], "remind"),
            Step("remind_due", offsets["remind_due"], "remind"),
            Step("yellow", offsets["yellow"], "warn")]


def _case_items(today):
    """Running statutory clocks of cases (plain rows, with the case's agencies)."""
    return (select(Deadline.id, Deadline.due_on, Deadline.kind, literal(1).label("occurrence"),
                   Case.id.label("case_id"), Case.number, Case.registering_agency_id,
                   Case.lead_agency_id)
            .join(Case, Case.id == Deadline.owner_id)
            .where(Deadline.owner_type == "cases", Deadline.done_at.is_(None),
                   Deadline.paused.is_(False), Deadline.kind.in_(CHASED_KINDS)))


def _case_effects(row, step: Step, step_id: int, sweep: Sweep) -> None:
    what = f"{row.number}「{rule(row.kind).label}」"
    link = f"/cases/{row.case_id}"
    if step.name == "yellow":
        sweep.notify(sweep.secretariat(), "case.yellow",
                     sweep._("预警：%(what)s 已超过法定期限", what=what), "", link)
        return
    # 受理部门负责程序推进: forwarding is the registering 信访局's; later steps the lead's.
    agency_id = row.registering_agency_id if row.kind == "case.forward" else (
        row.lead_agency_id or row.registering_agency_id)
    title = (sweep._("提醒：%(what)s 今日到期", what=what) if sweep.today >= row.due_on
             else sweep._("提醒：%(what)s 将于 %(due)s 到期", what=what, due=row.due_on.isoformat()))
    sweep.notify(sweep.liaisons(agency_id), "case.remind", title, "", link)


# --- handoffs' sign-for and feedback clocks ---------------------------------------------

HANDOFF_ITEM = "handoff_deadline"


def handoff_ladder() -> list[Step]:
    """提醒 to the receiving liaisons, 预警 to the secretariat, then 督查 (offsets: settings)."""
    offsets = current_app.config["HUB_HANDOFF_LADDER_OFFSETS"]
    kinds = {"remind_before": "remind", "remind_due": "remind", "yellow": "warn",
             "inspect": "escalate"}
    return sorted((Step(name, offsets[name], kinds[name]) for name in kinds),
                  key=lambda s: s.offset)


def _handoff_items(today):
    """Running clocks of open handoffs, with the first case for the notice (plain rows)."""
    from hub.handoffs.models import OPEN_STATES, Handoff, HandoffCase

    first_case = (select(func.min(HandoffCase.case_id))
                  .where(HandoffCase.handoff_id == Handoff.id).scalar_subquery())
    return (select(Deadline.id, Deadline.due_on, Deadline.kind, literal(1).label("occurrence"),
                   Handoff.id.label("handoff_id"), Handoff.kind.label("handoff_kind"),
                   Handoff.to_agency_id, first_case.label("case_id"))
            .join(Handoff, Handoff.id == Deadline.owner_id)
            .where(Deadline.owner_type == "handoffs", Deadline.done_at.is_(None),
                   Deadline.paused.is_(False),
                   Deadline.kind.in_(("handoff.sign", "handoff.feedback")),
                   Handoff.state.in_([s.value for s in OPEN_STATES])))


def _handoff_effects(row, step: Step, step_id: int, sweep: Sweep) -> None:
    from agencies import registry

    kind = registry.handoff_kind(row.handoff_kind)
    clock = sweep._("签收") if row.kind == "handoff.sign" else sweep._("反馈")
    what = sweep._("交办 #%(id)d（%(kind)s）%(clock)s", id=row.handoff_id,
                   kind=kind.name if kind else row.handoff_kind, clock=clock)
    agency_effects(sweep, row, step, step_id, HANDOFF_ITEM, "handoff", what,
                   f"/handoffs/{row.handoff_id}", row.to_agency_id, row.case_id)


def agency_effects(sweep: Sweep, row, step: Step, step_id: int, item_type: str, kind: str,
                   what: str, link: str, agency_id: int, case_id: int | None) -> None:
    """The handoff ladder's effects for an obligation of an agency (a handoff's clock, a
    policy proposal's answer): 提醒 its liaisons, 预警 the secretariat, a 督查 notice to the
    agency answered in writing.  Notification kinds are ``<kind>.remind`` etc."""
    days_over = (sweep.today - row.due_on).days
    liaisons = sweep.liaisons(agency_id)
    if step.name in ("remind_before", "remind_due"):
        title = (sweep._("提醒：%(what)s 今日到期", what=what) if days_over >= 0
                 else sweep._("提醒：%(what)s 将于 %(due)s 到期", what=what,
                              due=row.due_on.isoformat()))
        sweep.notify(liaisons, f"{kind}.remind", title, "", link)
    elif step.name == "yellow":
        sweep.notify(sweep.secretariat(), f"{kind}.yellow",
                     sweep._("预警：%(what)s 已逾期 %(n)d 天", what=what, n=days_over), "", link)
    elif step.name == "inspect":
        due = _inspection_due(sweep)
        sweep.notices.append(dict(
            chase_step_id=step_id, item_type=item_type, item_id=row.id, leader_id=None,
            agency_id=agency_id, case_id=case_id, subject=what[:300],
            issued_on=sweep.today, response_due_on=due))
        sweep.notify([*liaisons, *sweep.secretariat()], f"{kind}.inspect",
                     sweep._("督查通知：%(what)s 逾期 %(n)d 天，请于 %(due)s 前书面说明",
                             what=what, n=days_over, due=due.isoformat()), "", link)


# --- meetings: reminders before the start, and the tasks a meeting gave --------------------

REMINDER_ITEM = "meeting_reminder"
TASK_ITEM = "meeting_task"


def reminder_ladder() -> list[Step]:
    """提醒 24 hours and 1 hour before (settings); a late sweep sends only the one due now."""
    hours = current_app.config["HUB_MEETING_REMINDERS_HOURS"]
    return sorted((Step(f"remind_{h}h", -h / 24, "remind") for h in hours),
                  key=lambda s: s.offset)


def _reminder_items(now):
    return (select(Meeting.id, Meeting.starts_at.label("due_on"),
                   Meeting.time_version.label("occurrence"))
            .where(Meeting.state == MeetingState.SCHEDULED.value, Meeting.starts_at > now))


def _reminder_effects(row, step: Step, step_id: int, sweep: Sweep) -> None:
    from hub.meetings.services import label

    meeting = db.session.get(Meeting, row.id)
    people = {i.attendee.id: i.attendee for i in meeting.invitees if i.answer != "decline"}
    hours = round(-step.offset * 24)
    sweep.notify(people.values(), "meeting.reminder",
                 sweep._("会议提醒：%(what)s（%(n)d 小时后开始）", what=label(meeting), n=hours),
                 meeting.place, f"/meetings/{meeting.id}")


def _task_items(today):
    return (select(MeetingTask.id, MeetingTask.due_on, literal(1).label("occurrence"),
                   MeetingTask.text, MeetingTask.owner_id, MeetingTask.owner_agency_id,
                   MeetingTask.case_id, MeetingTask.meeting_id)
            .where(MeetingTask.status == "open"))


def _task_effects(row, step: Step, step_id: int, sweep: Sweep) -> None:
    """Chased like a 包案 duty: 提醒 the owner (and the agency's liaisons), 预警 the
    secretariat, 督查 the owner, then the monthly 通报."""
    owner = sweep.user(row.owner_id)
    today = sweep.today
    days_over = (today - row.due_on).days
    what = sweep._("会议任务「%(text)s」", text=row.text[:60])
    link = f"/meetings/{row.meeting_id}"
    if step.name in ("remind_before", "remind_due"):
        title = (sweep._("提醒：%(what)s 今日到期", what=what) if days_over >= 0
                 else sweep._("提醒：%(what)s 将于 %(due)s 到期", what=what,
                              due=row.due_on.isoformat()))
        sweep.notify([owner, *sweep.liaisons(row.owner_agency_id)], "meeting.task_remind",
                     title, "", link)
    elif step.name == "yellow":
        sweep.notify(sweep.secretariat(), "meeting.task_yellow",
                     sweep._("预警：%(what)s 已逾期 %(n)d 天", what=what, n=days_over), "", link)
    elif step.name == "inspect":
        due = _inspection_due(sweep)
        is_leader = Role.LEADER in owner.roles
        sweep.notices.append(dict(
            chase_step_id=step_id, item_type=TASK_ITEM, item_id=row.id,
            leader_id=owner.id if is_leader else None, agency_id=row.owner_agency_id,
            case_id=row.case_id, subject=what[:300], issued_on=today, response_due_on=due))
        sweep.notify([owner, *sweep.liaisons(row.owner_agency_id), *sweep.secretariat()],
                     "meeting.task_inspect",
                     sweep._("督查通知：%(what)s 逾期 %(n)d 天，请于 %(due)s 前书面说明",
                             what=what, n=days_over, due=due.isoformat()), "", link)
    elif step.name == "circulate":
        sweep.circulars.append(dict(
            chase_step_id=step_id, month=today.strftime("%Y-%m"), leader_id=owner.id,
            agency_id=row.owner_agency_id, case_id=row.case_id, subject=what[:300],
            days_overdue=days_over, created_on=today))
        sweep.notify([owner, *sweep.secretariat()], "meeting.task_circulate",
                     sweep._("通报：%(what)s 逾期 %(n)d 天，已列入本月通报", what=what,
                             n=days_over), "", link)


@dataclass(frozen=True)
class Policy:
    """Anything with a due date that the ladder chases.

    ``items(today)`` selects the open items as rows with at least ``id``, ``due_on`` and
    ``occurrence``; ``key``/``due``/``occurrence`` are the columns behind them, so the
    sweep can ask the database which items' next step has come.
    """

    item_type: str
    ladder: Callable[[], list[Step]]
    items: Callable
    key: object
    due: object
    effects: Callable
    occurrence: object = literal(1)
    # Work on an item before its step (a recurring duty's next occurrence), and which items
    # to visit for it even when no step is due.
    before: Callable = lambda row, today: False
    also_visit: Callable = lambda today: false()
    # A timed ladder counts in hours before a moment (``due`` is a datetime, offsets are
    # fractions of a day) and is swept against the current time instead of today's date.
    timed: bool = False


POLICIES = [
    Policy(ITEM, ladder, _duty_items, Duty.id, Duty.due_on, _duty_effects,
           occurrence=Duty.occurrence, before=_duty_before, also_visit=_duty_also_visit),
    Policy(CASE_ITEM, case_ladder, _case_items, Deadline.id, Deadline.due_on, _case_effects),
    Policy(HANDOFF_ITEM, handoff_ladder, _handoff_items, Deadline.id, Deadline.due_on,
           _handoff_effects),
    Policy(REMINDER_ITEM, reminder_ladder, _reminder_items, Meeting.id, Meeting.starts_at,
           _reminder_effects, occurrence=Meeting.time_version, timed=True),
    Policy(TASK_ITEM, ladder, _task_items, MeetingTask.id, MeetingTask.due_on, _task_effects),
    # 月度排查: a county's draft screening past the 5th working day (hub.screening.chase).
    Policy(screening.ITEM, ladder, screening.items, Deadline.id, Deadline.due_on,
           screening.effects),
    # 政策完善建议: the addressee's answer and first measure (hub.proposals.chase).
    Policy(proposals.ITEM, handoff_ladder, proposals.items, Deadline.id, Deadline.due_on,
           proposals.effects),
]
