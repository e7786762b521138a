"""Keeping a case's open step, its deadline and the board index rows in step."""

from __future__ import annotations

from datetime import date

from agencies import registry
from hub.cases.models import Case, CaseBoard, CaseParticipant
from hub.cases.vocab import ParticipantRole, Stage
from hub.deadlines import services as deadlines
from hub.deadlines.models import Deadline
from hub.deadlines.rules import rule
from hub.extensions import db


def current_deadline(case: Case) -> Deadline | None:
    if case.current_deadline_id is None:
        return None
    return db.session.get(Deadline, case.current_deadline_id)


def start_step(case: Case, kind: str, start_on: date) -> Deadline:
    """Finish the open step's clock and start the clock of ``kind`` (a rule in
    hub.deadlines.rules) from ``start_on``."""
    finish_step(case)
    period = rule(kind)
    deadline = deadlines.start("cases", case.id, kind, start_on, period.days, period.unit)
    case.current_deadline_id = deadline.id
    mirror(case, deadline)
    return deadline


def finish_step(case: Case) -> None:
    deadline = current_deadline(case)
    if deadline is not None and deadline.done_at is None:
        deadlines.complete(deadline)
    case.current_deadline_id = None
    case.due_on = None
    case.warn_on = None
    case.paused = False


def mirror(case: Case, deadline: Deadline) -> None:
    """Copy the deadline's dates onto the case (for indexed board queries)."""
    case.due_on = deadline.due_on
    case.paused = deadline.paused
    stale = None if deadline.progress_at is not None else deadline.stale_on
    case.warn_on = min(d for d in (deadline.yellow_on, stale) if d is not None)


def set_stage(case: Case, stage: Stage) -> None:
    case.stage = stage.value


def mechanism_of(agency) -> str | None:
    plugin = registry.for_kind(agency.kind)
    return plugin.mechanism.code if plugin and plugin.mechanism else None


def add_participant(case: Case, agency, role: ParticipantRole) -> CaseParticipant:
    for p in case.participants:
        if p.agency_id == agency.id:
            if role is ParticipantRole.LEAD:
                p.role = role.value
            return p
    p = CaseParticipant(agency=agency, agency_id=agency.id, role=role.value,
                        mechanism=mechanism_of(agency), stage=case.stage, threat=case.threat,
                        due_on=case.due_on)
    case.participants.append(p)
    return p


def sync_index(case: Case) -> None:
    """Copy stage, threat and due date to the participant and board rows."""
    db.session.flush()
    for p in case.participants:
        p.stage, p.threat, p.due_on = case.stage, case.threat, case.due_on
    wanted = {p.mechanism for p in case.participants if p.mechanism}
    existing = {row.board: row for row in db.session.scalars(
        db.select(CaseBoard).where(CaseBoard.case_id == case.id))}
    for board, row in existing.items():
        if board not in wanted:
            db.session.delete(row)
        else:
            row.stage, row.threat, row.due_on = case.stage, case.threat, case.due_on
    for board in wanted - set(existing):
        db.session.add(CaseBoard(case_id=case.id, board=board, stage=case.stage,
                                 threat=case.threat, due_on=case.due_on))
    db.session.flush()
