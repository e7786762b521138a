"""Starting, extending, pausing and finishing deadlines.  Services flush, never commit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from hub.audit.services import record
from hub.core.errors import ServiceError
from hub.core.types import utcnow
from hub.deadlines.calendar import current_calendar
from hub.deadlines.engine import (
    Colour,
    Thresholds,
    Unit,
    add_period,
    colour,
    excluded_days,
    warning_dates,
)
from hub.deadlines.models import Deadline, DeadlinePause
from hub.deadlines.rules import MAX_EXTENSION_DAYS
from hub.extensions import db


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def local_today() -> date:
    return datetime.now(local_zone()).date()


def local_date(moment: datetime) -> date:
    """The local calendar day of a stored (UTC) moment, e.g. the day a handoff was received."""
    return moment.astimezone(local_zone()).date()


def thresholds() -> Thresholds:
    cfg = current_app.config
    return Thresholds(cfg["HUB_YELLOW_REMAINING_FRACTION"], cfg["HUB_NO_PROGRESS_FRACTION"])


def compute_due(start: date, days: int, unit: str, pauses=(), today: date | None = None):
    return add_period(
        current_calendar(), start, days, unit,
        end_on_workday=current_app.config["HUB_END_ON_WORKDAY"],
        excluded=excluded_days(pauses, today or local_today()),
    )


def _apply(deadline: Deadline) -> None:
    """Recompute the stored due date and warning dates from the deadline's own data."""
    due = compute_due(
        deadline.start_on,
        deadline.days + deadline.extension_days,
        deadline.unit,
        [(p.paused_on, p.resumed_on) for p in deadline.pauses],
    )
    deadline.due_on = due.on
    deadline.provisional = due.provisional
    deadline.yellow_on, deadline.stale_on = warning_dates(deadline.start_on, due.on, thresholds())


def start(owner_type: str, owner_id: int, kind: str, start_on: date, days: int,
          unit: Unit | str) -> Deadline:
    if days <= 0:
        raise ServiceError(_("期限天数必须大于 0"), "days")
    deadline = Deadline(owner_type=owner_type, owner_id=owner_id, kind=kind, start_on=start_on,
                        days=days, unit=Unit(unit).value, extension_days=0, paused=False,
                        provisional=False)
    deadline.pauses = []
    _apply(deadline)
    db.session.add(deadline)
    db.session.flush()
    return deadline


def extend(actor, deadline: Deadline, days: int, reason: str, approver: str) -> None:
    """One extension of at most 30 days, with the approving head and a reason."""
    if deadline.done_at is not None:
        raise ServiceError(_("该期限已完成，不能延期"))
    if deadline.extension_days:
        raise ServiceError(_("只能延期一次，此事项已经延期过"), "days")
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise ServiceError(_("延期天数须在 1 到 %(n)d 天之间", n=MAX_EXTENSION_DAYS), "days")
    if not (reason or "").strip():
        raise ServiceError(_("请填写延期理由"), "reason")
    if not (approver or "").strip():
        raise ServiceError(_("请填写批准延期的负责人"), "approver")
    before = deadline.audit_state()
    deadline.extension_days = days
    deadline.extension_reason = reason.strip()
    deadline.extension_approver = approver.strip()
    deadline.extended_at = utcnow()
    _apply(deadline)
    record(actor, "deadlines.extended", "deadlines", deadline.id, before=before,
           after={**deadline.audit_state(), "reason": deadline.extension_reason,
                  "approver": deadline.extension_approver})


def pause(actor, deadline: Deadline, on: date, reason: str) -> None:
    """Stop the clock (e.g. 听证 in 复核: hearing time does not count)."""
    if deadline.done_at is not None:
        raise ServiceError(_("该期限已完成"))
    if deadline.paused:
        raise ServiceError(_("计时已经暂停"))
    if not (reason or "").strip():
        raise ServiceError(_("请填写暂停计时的原因"), "reason")
    if on < deadline.start_on:
        raise ServiceError(_("暂停日期不能早于起算日"), "on")
    before = deadline.audit_state()
    deadline.pauses.append(DeadlinePause(paused_on=on, reason=reason.strip()))
    deadline.paused = True
    db.session.flush()
    record(actor, "deadlines.paused", "deadlines", deadline.id, before=before,
           after={**deadline.audit_state(), "paused_on": on, "reason": reason.strip()})


def resume(actor, deadline: Deadline, on: date) -> None:
    if not deadline.paused:
        raise ServiceError(_("计时没有暂停"))
    open_pause = deadline.pauses[-1]
    if on < open_pause.paused_on:
        raise ServiceError(_("恢复日期不能早于暂停日期"), "on")
    before = deadline.audit_state()
    open_pause.resumed_on = on
    deadline.paused = False
    _apply(deadline)
    record(actor, "deadlines.resumed", "deadlines", deadline.id, before=before,
           after={**deadline.audit_state(), "resumed_on": on})


def record_progress(deadline: Deadline, at: datetime | None = None) -> None:
    deadline.progress_at = at or utcnow()


def complete(deadline: Deadline, at: datetime | None = None) -> None:
    deadline.done_at = at or utcnow()
    deadline.done_on = local_date(deadline.done_at)


def colour_of(deadline: Deadline, today: date | None = None, *, threat: bool = False) -> Colour:
    return colour(
        today or local_today(), deadline.due_on, deadline.yellow_on, deadline.stale_on,
        progressed=deadline.progress_at is not None, done=deadline.done_at is not None,
        paused=deadline.paused, threat=threat,
    )


def days_left(deadline: Deadline, today: date | None = None) -> int:
    return (deadline.due_on - (today or local_today())).days


# Owners that keep a copy of their deadline's dates (e.g. cases, for the boards) register
# a function here; it runs whenever the engine recomputes one of their deadlines.
_owner_hooks: dict[str, Callable[[Deadline], None]] = {}


def on_recompute(owner_type: str):
    def decorator(fn: Callable[[Deadline], None]):
        _owner_hooks[owner_type] = fn
        return fn

    return decorator


def _recompute(rows) -> int:
    for deadline in rows:
        _apply(deadline)
        hook = _owner_hooks.get(deadline.owner_type)
        if hook is not None:
            hook(deadline)
    db.session.flush()
    return len(rows)


def recompute_provisional(actor=None) -> int:
    """After a year is loaded: recompute every open provisional deadline."""
    rows = db.session.scalars(
        select(Deadline).where(Deadline.provisional.is_(True), Deadline.done_at.is_(None))
    ).all()
    return _recompute(rows)


def recompute_open_in_year(year: int) -> int:
    """After a day of ``year`` is corrected: recompute open deadlines that may touch it."""
    rows = db.session.scalars(
        select(Deadline).where(
            Deadline.done_at.is_(None),
            Deadline.start_on <= date(year, 12, 31),
            Deadline.due_on >= date(year, 1, 1),
        )
    ).all()
    return _recompute(rows)
