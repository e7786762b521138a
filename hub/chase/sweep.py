"""The sweep: for each open 包案 duty, take the ladder step that is due, exactly once.

Runs inside the caller's transaction (flushes; the job commits per batch).  Each step is a
savepoint: its unique key is inserted first, so a concurrent or repeated sweep that gets
there second rolls back only that step and changes nothing.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hub.auth.models import User, UserRole
from hub.auth.roles import Role
from hub.baoan.models import Assignment, Duty
from hub.baoan.services import _next_occurrence
from hub.chase.ladder import Step, next_step
from hub.chase.models import ChaseStep, CircularEntry, InspectionNotice
from hub.deadlines.services import compute_due, local_today
from hub.extensions import begin_write, db
from hub.notifications.services import notify

log = logging.getLogger(__name__)

ITEM = "baoan_duty"
KINDS = {"remind_before": "remind", "remind_due": "remind", "yellow": "warn",
         "inspect": "escalate", "circulate": "escalate"}


def ladder() -> list[Step]:
    offsets = current_app.config["HUB_LADDER_OFFSETS"]
    steps = [Step(name, offsets[name], KINDS[name]) for name in KINDS]
    return sorted(steps, key=lambda s: s.offset)


def _secretariat() -> list[User]:
    return list(db.session.scalars(select(User).join(UserRole).where(
        UserRole.role == Role.SECRETARIAT.value, User.active.is_(True))))


def _liaisons(agency_id: int) -> list[User]:
    return list(db.session.scalars(select(User).join(UserRole).where(
        UserRole.role == Role.LIAISON.value, User.agency_id == agency_id, User.active.is_(True))))


def _open_duties(today: date, horizon: int, batch: int):
    """Open duties of active 包案 whose first ladder step may be due (index on status, due)."""
    from datetime import timedelta

    stmt = (select(Duty).join(Assignment, Assignment.id == Duty.assignment_id)
            .where(Duty.status == "open", Assignment.active.is_(True),
                   Duty.due_on <= today + timedelta(days=horizon))
            .order_by(Duty.id).execution_options(yield_per=batch))
    return db.session.scalars(stmt)


def run(today: date | None = None, batch: int = 500) -> Counter:
    """One sweep.  Returns how many of each step were taken (and next occurrences made)."""
    begin_write()  # a second sweep at the same time waits, then finds the steps taken
    today = today or local_today()
    steps = ladder()
    gap = current_app.config["HUB_LADDER_GAP_DAYS"]
    horizon = max(0, -min(s.offset for s in steps))
    done: Counter = Counter()
    duties = _open_duties(today, horizon, batch)
    try:
        chunk: list[Duty] = []
        for duty in duties:
            chunk.append(duty)
            if len(chunk) >= batch:
                _chase_chunk(chunk, steps, today, gap, done)
                chunk = []
        if chunk:
            _chase_chunk(chunk, steps, today, gap, done)
    finally:
        duties.close()
    return done


def _chase_chunk(chunk: list[Duty], steps: list[Step], today: date, gap: int,
                 done: Counter) -> None:
    ids = [d.id for d in chunk]
    taken: dict[int, dict[str, date]] = {}
    for item_id, step, on in db.session.execute(
            select(ChaseStep.item_id, ChaseStep.step, ChaseStep.taken_on).where(
                ChaseStep.item_type == ITEM, ChaseStep.item_id.in_(ids))):
        taken.setdefault(item_id, {})[step] = on
    for duty in chunk:
        if duty.recurrence_days and duty.due_on <= today:
            # A recurring duty that falls due gets its next occurrence (once).
            if _next_occurrence(duty) is not None:
                done["next_occurrence"] += 1
        step = next_step(steps, duty.due_on, today, taken.get(duty.id, {}), gap)
        if step is not None and _take(duty, step, steps.index(step), today):
            done[step.name] += 1
    db.session.flush()


def _take(duty: Duty, step: Step, position: int, today: date) -> bool:
    """Record the step under its unique key, then its effects — all or nothing."""
    savepoint = db.session.begin_nested()
    try:
        row = ChaseStep(item_type=ITEM, item_id=duty.id, occurrence=duty.occurrence,
                        step=step.name, position=position, taken_on=today)
        db.session.add(row)
        db.session.flush()  # the unique key: a second sweep stops here
        _effects(duty, step, row, today)
        savepoint.commit()
        return True
    except IntegrityError:
        savepoint.rollback()
        log.info("step %s of duty %s already taken", step.name, duty.id)
        return False


def _effects(duty: Duty, step: Step, row: ChaseStep, today: date) -> None:
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
        notice = InspectionNotice(chase_step_id=row.id, item_type=ITEM, item_id=duty.id,
                                  leader_id=leader.id, agency_id=leader.agency_id,
                                  case_id=case.id, subject=what[:300], issued_on=today,
                                  response_due_on=due)
        db.session.add(notice)
        db.session.flush()
        notify([leader, *_liaisons(leader.agency_id), *_secretariat()], "baoan.inspect",
               _("督查通知：%(what)s 逾期 %(n)d 天，请于 %(due)s 前书面说明",
                 what=what, n=days_over, due=due.isoformat()), "", "/baoan/mine")
    elif step.name == "circulate":
        db.session.add(CircularEntry(chase_step_id=row.id, month=today.strftime("%Y-%m"),
                                     leader_id=leader.id, agency_id=leader.agency_id,
                                     case_id=case.id, subject=what[:300],
                                     days_overdue=days_over, created_on=today))
        notify([leader, *_secretariat()], "baoan.circulate",
               _("通报：%(what)s 逾期 %(n)d 天，已列入本月通报", what=what, n=days_over),
               "", "/baoan/circulars")
