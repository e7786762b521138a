"""The sweep: for each open item of each policy (包案 duties, cases' statutory steps), take
the ladder step that is due, exactly once.

Runs inside the caller's transaction (flushes; the job commits per batch).  Each step is a
savepoint: its unique key is inserted first, so a concurrent or repeated sweep that gets
there second rolls back only that step and changes nothing.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import current_app, g, has_app_context
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload

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
from hub.extensions import begin_write, db
from hub.notifications.services import notify

log = logging.getLogger(__name__)

ITEM = "baoan_duty"
KINDS = {"remind_before": "remind", "remind_due": "remind", "yellow": "warn",
         "inspect": "escalate", "circulate": "escalate"}


def ladder() -> list[Step]:
    """The 包案 ladder (DESIGN §7), offsets from the settings."""
    offsets = current_app.config["HUB_LADDER_OFFSETS"]
    steps = [Step(name, offsets[name], KINDS[name]) for name in KINDS]
    return sorted(steps, key=lambda s: s.offset)


def _secretariat() -> list[User]:
    """Active secretariat users, looked up once per sweep (the sweep's request cache)."""
    cache = g.setdefault("hub_chase_people", {}) if has_app_context() else {}
    if "secretariat" not in cache:
        cache["secretariat"] = secretariat_users()
    return cache["secretariat"]


def _liaisons(agency_id: int) -> list[User]:
    cache = g.setdefault("hub_chase_people", {}) if has_app_context() else {}
    key = ("liaisons", agency_id)
    if key not in cache:
        cache[key] = list(db.session.scalars(select(User).join(UserRole).where(
            UserRole.role == Role.LIAISON.value, User.agency_id == agency_id,
            User.active.is_(True))))
    return cache[key]


def _duty_items(today: date, horizon: int, batch: int):
    """Open duties of active 包案 whose first ladder step may be due (index on status, due)."""
    from datetime import timedelta

    stmt = (select(Duty).join(Assignment, Assignment.id == Duty.assignment_id)
            .where(Duty.status == "open", Assignment.active.is_(True),
                   Duty.due_on <= today + timedelta(days=horizon))
            .options(joinedload(Duty.assignment).joinedload(Assignment.leader),
                     joinedload(Duty.assignment).joinedload(Assignment.case))
            .order_by(Duty.id).execution_options(yield_per=batch))
    return db.session.scalars(stmt)


def run(today: date | None = None, batch: int = 500) -> Counter:
    """One sweep over every policy.  Returns how many of each step were taken."""
    begin_write()  # a second sweep at the same time waits, then finds the steps taken
    if has_app_context():
        g.pop("hub_chase_people", None)  # people are looked up afresh for every sweep
    today = today or local_today()
    gap = current_app.config["HUB_LADDER_GAP_DAYS"]
    done: Counter = Counter()
    for policy in POLICIES:
        steps = policy.ladder()
        horizon = max(0, -min(s.offset for s in steps))
        items = policy.open_items(today, horizon, batch)
        try:
            chunk: list = []
            for item in items:
                chunk.append(item)
                if len(chunk) >= batch:
                    _chase_chunk(policy, chunk, steps, today, gap, done)
                    chunk = []
            if chunk:
                _chase_chunk(policy, chunk, steps, today, gap, done)
        finally:
            items.close()
    return done


def _chase_chunk(policy, chunk: list, steps: list[Step], today: date, gap: int,
                 done: Counter) -> None:
    ids = [item.id for item in chunk]
    taken: dict[int, dict[str, date]] = {}
    for item_id, step, on in db.session.execute(
            select(ChaseStep.item_id, ChaseStep.step, ChaseStep.taken_on).where(
                ChaseStep.item_type == policy.item_type, ChaseStep.item_id.in_(ids))):
        taken.setdefault(item_id, {})[step] = on
    for item in chunk:
        if policy.before(item, today):
            done["next_occurrence"] += 1
        step = next_step(steps, item.due_on, today, taken.get(item.id, {}), gap)
        if step is not None and _take(policy, item, step, steps.index(step), today):
            done[step.name] += 1
    db.session.flush()


_INSERT_STEP: dict[str, object] = {}


def _insert_step_statement():
    """One statement per dialect, built once (so SQLAlchemy compiles it once)."""
    dialect = db.session.get_bind().dialect.name
    if dialect not in _INSERT_STEP:
        insert = sqlite_insert if dialect == "sqlite" else pg_insert
        _INSERT_STEP[dialect] = (
            insert(ChaseStep)
            .on_conflict_do_nothing(index_elements=["item_type", "item_id", "occurrence", "step"])
            .returning(ChaseStep.id))
    return _INSERT_STEP[dialect]


def _take(policy, item, step: Step, position: int, today: date) -> bool:
    """Record the step under its unique key, then its effects, in the sweep's transaction.

    INSERT … ON CONFLICT DO NOTHING: a step another sweep already recorded (or is recording:
    PostgreSQL waits for it) inserts nothing, and then no effect is written either.
    """
    step_id = db.session.execute(_insert_step_statement(), {
        "item_type": policy.item_type, "item_id": item.id,
        "occurrence": policy.occurrence(item), "step": step.name, "position": position,
        "taken_on": today, "taken_at": utcnow(),
    }).scalar_one_or_none()
    if step_id is None:
        log.info("step %s of %s %s already taken", step.name, policy.item_type, item.id)
        return False
    policy.effects(item, step, step_id, today)
    return True


def _duty_before(duty: Duty, today: date) -> bool:
    """A recurring duty that falls due gets its next occurrence (once)."""
    return bool(duty.recurrence_days and duty.due_on <= today and _next_occurrence(duty))


def _duty_effects(duty: Duty, step: Step, step_id: int, today: date) -> None:
    assignment = duty.assignment
    leader = assignment.leader
    case = assignment.case
    link = f"/cases/{case.id}"
    days_over = (today - duty.due_on).days
    what = f"{case.number}「{duty.label}」"
    if step.name in ("remind_before", "remind_due"):
        title = (_("提醒：%(what)s 今日到期", what=what) if days_over >= 0
                 else _("提醒：%(what)s 将于 %(due)s 到期", what=what, due=duty.due_on.isoformat()))
        notify([leader, *_liaisons(leader.agency_id)], "baoan.remind", title,
               _("请及时落实包案职责并在“我的包案”中记录。"), "/baoan/mine")
    elif step.name == "yellow":
        notify(_secretariat(), "baoan.yellow",
               _("预警：%(leader)s 的包案职责 %(what)s 已逾期 %(n)d 天",
                 leader=leader.display_name, what=what, n=days_over), "", link)
    elif step.name == "inspect":
        due = compute_due(today, current_app.config["HUB_INSPECTION_RESPONSE_WORKING_DAYS"],
                          "working").on
        notice = InspectionNotice(chase_step_id=step_id, item_type=ITEM, item_id=duty.id,
                                  leader_id=leader.id, agency_id=leader.agency_id,
                                  case_id=case.id, subject=what[:300], issued_on=today,
                                  response_due_on=due)
        db.session.add(notice)
        db.session.flush()
        notify([leader, *_liaisons(leader.agency_id), *_secretariat()], "baoan.inspect",
               _("督查通知：%(what)s 逾期 %(n)d 天，请于 %(due)s 前书面说明",
                 what=what, n=days_over, due=due.isoformat()), "", "/baoan/mine")
    elif step.name == "circulate":
        db.session.add(CircularEntry(chase_step_id=step_id, month=today.strftime("%Y-%m"),
                                     leader_id=leader.id, agency_id=leader.agency_id,
                                     case_id=case.id, subject=what[:300],
                                     days_overdue=days_over, created_on=today))
        notify([leader, *_secretariat()], "baoan.circulate",
               _("通报：%(what)s 逾期 %(n)d 天，已列入本月通报", what=what, n=days_over),
               "", "/baoan/circulars")


# --- cases' statutory steps (《信访工作条例》 periods) ---------------------------------

CASE_ITEM = "case_deadline"
# The clocks the handling bodies owe; the petitioner's own request windows are not chased.
CHASED_KINDS = ("case.forward", "case.accept", "case.handle", "case.review", "case.recheck")


def case_ladder() -> list[Step]:
    offsets = current_app.config["HUB_LADDER_OFFSETS"]
    return [Step("remind_before", offsets["remind_before"], "remind"),
            Step("remind_due", offsets["remind_due"], "remind"),
            Step("yellow", offsets["yellow"], "warn")]


def _case_items(today: date, horizon: int, batch: int):
    from datetime import timedelta

    stmt = (select(Deadline).where(Deadline.owner_type == "cases", Deadline.done_at.is_(None),
                                   Deadline.paused.is_(False), Deadline.kind.in_(CHASED_KINDS),
                                   Deadline.due_on <= today + timedelta(days=horizon))
            .order_by(Deadline.id).execution_options(yield_per=batch))
    return db.session.scalars(stmt)


def _case_effects(deadline: Deadline, step: Step, step_id: int, today: date) -> None:
    case = db.session.get(Case, deadline.owner_id)
    if case is None:
        return
    what = f"{case.number}「{rule(deadline.kind).label}」"
    if step.name == "yellow":
        notify(_secretariat(), "case.yellow",
               _("预警：%(what)s 已超过法定期限", what=what), "", f"/cases/{case.id}")
        return
    # 受理部门负责程序推进: forwarding is the registering 信访局's; later steps the lead's.
    agency_id = case.registering_agency_id if deadline.kind == "case.forward" else (
        case.lead_agency_id or case.registering_agency_id)
    title = (_("提醒：%(what)s 今日到期", what=what) if today >= deadline.due_on
             else _("提醒：%(what)s 将于 %(due)s 到期", what=what, due=deadline.due_on.isoformat()))
    notify(_liaisons(agency_id), "case.remind", title, "", f"/cases/{case.id}")


@dataclass(frozen=True)
class Policy:
    item_type: str
    ladder: Callable[[], list[Step]]
    open_items: Callable
    effects: Callable
    before: Callable = lambda item, today: False
    occurrence: Callable = lambda item: 1


POLICIES = [
    Policy(ITEM, ladder, _duty_items, _duty_effects, _duty_before,
           occurrence=lambda duty: duty.occurrence),
    Policy(CASE_ITEM, case_ladder, _case_items, _case_effects),
]
