"""Demo 包案: a few open cases owned by the demo leaders, with duties in every colour."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from hub.auth.models import User
from hub.baoan import services
from hub.baoan.models import Assignment
from hub.cases.models import Case
from hub.cases.vocab import Stage
from hub.deadlines.services import local_today
from hub.extensions import db

# (leader, how many days ago the 包案 was assigned, target in days from then)
PLAN = [
    ("leader.prefecture", 40, 120),
    ("leader.prefecture", 20, 90),
    ("leader.prefecture", 5, 90),
    ("leader.prefecture", 60, 150),
    ("leader.mangshi", 28, 90),
    ("leader.mangshi", 9, 60),
]


def load_demo_baoan() -> int:
    """Idempotent: nothing happens when any 包案 exists.  Flushes, never commits."""
    if db.session.scalar(select(Assignment.id).limit(1)) is not None:
        return 0
    secretariat = db.session.scalar(select(User).where(User.username == "secretariat"))
    today = local_today()
    used: set[int] = set()
    made = 0
    for username, ago, target in PLAN:
        leader = db.session.scalar(select(User).where(User.username == username))
        county = "mangshi" if username == "leader.mangshi" else None
        stmt = select(Case).where(Case.stage.in_([Stage.HANDLING.value, Stage.SUPERVISED.value]),
                                  Case.restricted.is_(False), Case.id.notin_(used or {0}))
        if county:
            stmt = stmt.where(Case.county == county)
        case = db.session.scalar(stmt.order_by(Case.id).limit(1))
        if case is None or leader is None:
            continue
        used.add(case.id)
        start = today - timedelta(days=ago)
        assignment = services.assign(secretariat, case, leader, start + timedelta(days=target))
        _simulate_history(assignment, ago)
        made += 1
    db.session.flush()
    _replay_sweeps(today, max(ago for _u, ago, _t in PLAN))
    _settle_oldest(secretariat)
    return made


def _settle_oldest(secretariat) -> None:
    """The two oldest 包案 have been resolved (化解) by their leader; the oldest is also
    verified and closed (销号), so the indicators show both."""
    oldest = db.session.scalars(select(Assignment).order_by(Assignment.assigned_at)
                                .limit(2)).all()
    for n, assignment in enumerate(oldest):
        services.report_resolved(assignment.leader, assignment,
                                 "经包案领导接访、协调，当事双方已达成协议，补偿已兑现。")
        if n == 0:
            services.close(secretariat, assignment)


def _replay_sweeps(today, days: int) -> None:
    """Demo data only: run the daily chase sweep over the simulated past, so the demo has
    the reminders, 督查 notices and 通报 entries that history would have produced."""
    from hub.chase.sweep import run

    for back in range(days, -1, -1):
        run(today=today - timedelta(days=back))


def _simulate_history(assignment: Assignment, days: int) -> None:
    """Demo data only: move a fresh 包案 and its duties ``days`` into the past, so the
    demo shows duties that are on time, nearly due and overdue."""
    shift = timedelta(days=days)
    assignment.assigned_at = datetime.combine(local_today() - shift, time(2), tzinfo=UTC)
    for duty in assignment.duties:
        duty.start_on -= shift
        if duty.template_code != "verify":
            duty.due_on -= shift
