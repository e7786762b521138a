"""包案 services: assign, record or waive a duty, report 化解, verify and close (销号).

Services flush, never commit.  Duties are generated from the admin-edited 五包 template;
due dates come from the deadline engine (calendar days, the counting convention).
"""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from hub.audit.services import record_change
from hub.auth.roles import LeaderRank, Role
from hub.auth.visibility import visible
from hub.baoan.models import Assignment, Duty, DutyTemplate
from hub.cases import permissions, steps
from hub.cases.intake import COUNTIES
from hub.cases.models import Case
from hub.cases.vocab import ParticipantRole, Status
from hub.core.errors import ServiceError
from hub.core.types import utcnow
from hub.deadlines.engine import Colour, colour, warning_dates
from hub.deadlines.services import compute_due, local_today, thresholds
from hub.extensions import db, insert_or_skip

CLOSED_STATUSES = {Status.CLOSED.value, Status.NOT_ACCEPTED.value}


def _due(start: date, days: int) -> date:
    return compute_due(start, days, "calendar").on


def active_assignments(case: Case) -> list[Assignment]:
    return list(db.session.scalars(
        select(Assignment).where(Assignment.case_id == case.id, Assignment.active.is_(True))
    ))


def assign(actor, case: Case, leader, target_on: date) -> Assignment:
    """The secretariat assigns a case to a leader; the 五包 duties are generated."""
    if not permissions.is_secretariat(actor):
        raise ServiceError(_("只有联席办可以安排领导包案"))
    if case.status in CLOSED_STATUSES:
        raise ServiceError(_("该信访事项已办结，不能再安排包案"))
    if leader is None or not leader.active or Role.LEADER not in leader.roles or not leader.leader_rank:
        raise ServiceError(_("请选择一位在职的包案领导"), "leader_id")
    today = local_today()
    if target_on <= today:
        raise ServiceError(_("目标化解日期须晚于今天"), "target_on")
    rank = LeaderRank(leader.leader_rank)
    for other in active_assignments(case):
        if other.rank == rank.value:
            raise ServiceError(
                _("该信访事项已有%(rank)s包案领导（%(name)s），同一级别只能有一位",
                  rank=rank.label, name=other.leader.display_name), "leader_id")
    assignment = Assignment(case_id=case.id, leader_id=leader.id, rank=rank.value,
                            target_on=target_on, active=True, assigned_by_id=actor.id,
                            assigned_at=utcnow())
    db.session.add(assignment)
    # The leader's agency takes part in the case, so the leader can see it.
    steps.add_participant(case, leader.agency, ParticipantRole.SUPERVISE)
    steps.sync_index(case)
    db.session.flush()
    templates = db.session.scalars(
        select(DutyTemplate).where(DutyTemplate.active.is_(True)).order_by(DutyTemplate.position)
    )
    for template in templates:
        db.session.add(_occurrence(assignment, template, today, 1))
    db.session.flush()
    record_change(actor, "baoan.assigned", assignment, None)
    return assignment


def _occurrence(assignment: Assignment, template: DutyTemplate, start: date, n: int) -> Duty:
    if template.until_close:
        due = assignment.target_on  # e.g. final verification before 销号
    else:
        due = _due(start, template.offset_days if n == 1 else template.recurrence_days)
    return Duty(assignment_id=assignment.id, template_code=template.code,
                element=template.element, label=template.label, occurrence=n,
                recurrence_days=template.recurrence_days, start_on=start, due_on=due,
                status="open")


def _next_occurrence(duty: Duty) -> int | None:
    """A recurring duty's next occurrence, counted from this one's due date, once: written
    with INSERT … ON CONFLICT DO NOTHING, so a sweep and a recording user (or two sweeps)
    at the same moment make one.  Returns its id, or None when there is none to make."""
    if not duty.recurrence_days or not duty.assignment.active:
        return None
    return db.session.scalar(
        insert_or_skip(Duty, "assignment_id", "template_code", "occurrence")
        .values(assignment_id=duty.assignment_id, template_code=duty.template_code,
                element=duty.element, label=duty.label, occurrence=duty.occurrence + 1,
                recurrence_days=duty.recurrence_days, start_on=duty.due_on,
                due_on=_due(duty.due_on, duty.recurrence_days), status="open")
        .returning(Duty.id))


def _may_record(actor, duty: Duty) -> bool:
    """The leader records their own duties; the secretariat may record for them."""
    return actor.id == duty.assignment.leader_id or permissions.is_secretariat(actor)


def complete(actor, duty: Duty, evidence: str, done_on: date) -> None:
    """Record a duty as done, with evidence (what, when; by whom is the actor)."""
    if not _may_record(actor, duty):
        raise ServiceError(_("只能记录本人包案的职责（或由联席办代为记录）"))
    if duty.status != "open":
        raise ServiceError(_("该职责已处理，不能重复记录"))
    if not (evidence or "").strip():
        raise ServiceError(_("请填写完成情况（例如接访记录）"), "evidence")
    if done_on > local_today():
        raise ServiceError(_("完成日期不能晚于今天"), "done_on")
    if done_on < duty.assignment.assigned_at.date() - timedelta(days=1):
        raise ServiceError(_("完成日期不能早于包案安排日期"), "done_on")
    before = duty.audit_state()
    duty.status = "done"
    duty.evidence = evidence.strip()
    duty.evidence_on = done_on
    duty.done_by_id = actor.id
    duty.done_at = utcnow()
    _next_occurrence(duty)
    db.session.flush()
    record_change(actor, "baoan.duty_done", duty, before)


def waive(actor, duty: Duty, reason: str) -> None:
    """The secretariat waives a duty, with a reason."""
    if not permissions.is_secretariat(actor):
        raise ServiceError(_("只有联席办可以免除包案职责"))
    if duty.status != "open":
        raise ServiceError(_("该职责已处理"))
    if not (reason or "").strip():
        raise ServiceError(_("免除职责须说明理由"), "reason")
    before = duty.audit_state()
    duty.status = "waived"
    duty.waiver_reason = reason.strip()
    duty.done_by_id = actor.id
    duty.done_at = utcnow()
    _next_occurrence(duty)
    db.session.flush()
    record_change(actor, "baoan.duty_waived", duty, before)


def report_resolved(actor, assignment: Assignment, note: str) -> None:
    """化解: the leader reports that the matter is resolved."""
    if actor.id != assignment.leader_id:
        raise ServiceError(_("只有包案领导本人可以报告化解"))
    if not assignment.active or assignment.resolved_at is not None:
        raise ServiceError(_("该包案已报告化解或已销号"))
    if not (note or "").strip():
        raise ServiceError(_("请填写化解情况"), "note")
    before = assignment.audit_state()
    assignment.resolved_at = utcnow()
    assignment.resolution_note = note.strip()
    db.session.flush()
    record_change(actor, "baoan.resolved", assignment, before)


def close(actor, assignment: Assignment) -> None:
    """销号: the secretariat verifies the resolution; remaining duties close."""
    if not permissions.is_secretariat(actor):
        raise ServiceError(_("只有联席办可以核验销号"))
    if assignment.resolved_at is None:
        raise ServiceError(_("包案领导尚未报告化解，不能销号"))
    if not assignment.active:
        raise ServiceError(_("该包案已销号"))
    before = assignment.audit_state()
    assignment.active = False
    assignment.closed_at = utcnow()
    for duty in assignment.duties:
        if duty.status == "open":
            duty.status = "closed"
    db.session.flush()
    record_change(actor, "baoan.closed", assignment, before)


def duty_colour(duty: Duty, today: date | None = None) -> Colour:
    today = today or local_today()
    yellow_on, _stale = warning_dates(duty.start_on, duty.due_on, thresholds())
    return colour(today, duty.due_on, yellow_on, None, progressed=True,
                  done=duty.status != "open")


# --- the 包案 list: the page and its export ----------------------------------------------

OVERVIEW_COLOURS = ("red", "yellow", "green")
SEVERITY = [Colour.RED, Colour.YELLOW, Colour.GREEN, Colour.DONE]
OVERVIEW_OPTIONS = (selectinload(Assignment.duties), selectinload(Assignment.case),
                    selectinload(Assignment.leader))


def overview_filters(args) -> dict[str, str]:
    """The 包案 list's filters from its query string (the page and its export read them the
    same way); unknown values are dropped."""
    leader = str(args.get("leader") or "")
    rank, county, shade = args.get("rank"), args.get("county"), args.get("colour")
    pairs = (("leader", leader if leader.isdigit() and len(leader) < 10 else None),
             ("rank", rank if rank in {r.value for r in LeaderRank} else None),
             ("county", county if county in COUNTIES else None),
             ("colour", shade if shade in OVERVIEW_COLOURS else None))
    return {k: str(v) for k, v in pairs if v}


def overview_query(user, filters: dict):
    """The 包案 the user may see with the list's filters, in the list's order.  The colour
    filter is not in it: a 包案's colour comes from its duties (``with_colour``)."""
    stmt = visible(user, Assignment).join(Case, Case.id == Assignment.case_id)
    if filters.get("leader"):
        stmt = stmt.where(Assignment.leader_id == int(filters["leader"]))
    if filters.get("rank"):
        stmt = stmt.where(Assignment.rank == filters["rank"])
    if filters.get("county"):
        stmt = stmt.where(Case.county == filters["county"])
    return stmt.order_by(Assignment.active.desc(), Assignment.target_on, Assignment.id)


def overview(assignments, today) -> list[dict]:
    """Each 包案 with its duties' colours and its worst colour (for lists and filters)."""
    rows = []
    for a in assignments:
        duties = [(d, duty_colour(d, today)) for d in a.duties]
        open_colours = [c for d, c in duties if d.status == "open"]
        worst = next((c for c in SEVERITY if c in open_colours), Colour.DONE)
        rows.append({"assignment": a, "duties": duties, "colour": worst})
    return rows


def with_colour(rows: list[dict], shade: str | None) -> list[dict]:
    """The rows of ``overview`` whose worst colour is ``shade`` (all rows for no colour)."""
    if shade not in OVERVIEW_COLOURS:
        return rows
    return [r for r in rows if r["colour"].value == shade]


def leaders_for(case_ids) -> dict[int, list[str]]:
    """Active 包案 leaders' names per case, for a page of cards in one query."""
    from hub.auth.models import User

    ids = list(case_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Assignment.case_id, User.display_name).join(User, User.id == Assignment.leader_id)
        .where(Assignment.case_id.in_(ids), Assignment.active.is_(True))
        .order_by(Assignment.rank)
    ).all()
    out: dict[int, list[str]] = {}
    for case_id, name in rows:
        out.setdefault(case_id, []).append(name)
    return out


def assignable_leaders():
    """Active users with the leader role and a rank (for the assign form)."""
    from hub.auth.models import User, UserRole

    return list(db.session.scalars(
        select(User).join(UserRole).where(UserRole.role == Role.LEADER.value,
                                          User.active.is_(True), User.leader_rank.is_not(None))
        .order_by(User.leader_rank, User.username)))


def update_template(actor, template: DutyTemplate, *, label: str, offset_days: int,
                    recurrence_days: int | None, active: bool) -> None:
    """Admins edit the 五包 template; existing 包案 keep the duties they were given."""
    if not (label or "").strip():
        raise ServiceError(_("请填写职责名称"), "label")
    if not 0 <= offset_days <= 365:
        raise ServiceError(_("期限须在 0 到 365 天之间"), "offset_days")
    if recurrence_days is not None and not 1 <= recurrence_days <= 365:
        raise ServiceError(_("重复周期须在 1 到 365 天之间"), "recurrence_days")
    before = template.audit_state()
    template.label = label.strip()
    template.offset_days = offset_days
    template.recurrence_days = recurrence_days
    template.active = active
    db.session.flush()
    if template.audit_state() != before:
        record_change(actor, "baoan.template_updated", template, before)
