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
    case.due_provisional = False
    case.paused = False


def mirror(case: Case, deadline: Deadline) -> None:
    """Copy the deadline's dates onto the case (for indexed board queries)."""
    case.due_on = deadline.due_on
    case.due_provisional = deadline.provisional
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
                        mechanism=mechanism_of(agency), stage=case.stage, rank=case.rank or 0)
    case.participants.append(p)
    return p


OPEN_DUE_NONE = 9_999_999  # an open card without a clock sorts after every due date
THREAT_BAND, OPEN_BAND = 0, 10_000_000
CLOSED_BASE = 10_000_000_000


def board_rank(stage: str, threat: bool, due_on, closed_at) -> int:
    """One sortable number for the board order, so a column is one index range:
    open cards — 扬言件 first, then by due date; closed cards — most recently closed first."""
    if stage == Stage.CLOSED.value:
        return CLOSED_BASE - (int(closed_at.timestamp()) if closed_at else 0)
    band = THREAT_BAND if threat else OPEN_BAND
    return band + (due_on.toordinal() if due_on else OPEN_DUE_NONE)


def sync_index(case: Case) -> None:
    """Copy stage and board order to the participant and board rows."""
    case.rank = board_rank(case.stage, case.threat, case.due_on, case.closed_at)
    db.session.flush()
    for p in case.participants:
        p.stage, p.rank = case.stage, case.rank
    wanted = {p.mechanism for p in case.participants if p.mechanism}
    existing = {row.board: row for row in db.session.scalars(
        db.select(CaseBoard).where(CaseBoard.case_id == case.id))}
    for board, row in existing.items():
        if board not in wanted:
            db.session.delete(row)
        else:
            row.stage, row.rank = case.stage, case.rank
    for board in wanted - set(existing):
        db.session.add(CaseBoard(case_id=case.id, board=board, stage=case.stage,
                                 rank=case.rank))
    db.session.flush()


@deadlines.on_recompute("cases")
def _deadline_recomputed(deadline: Deadline) -> None:
    """A calendar change moved a case's open deadline: update the case and its board rows."""
    case = db.session.get(Case, deadline.owner_id)
    if case is not None and case.current_deadline_id == deadline.id:
        mirror(case, deadline)
        sync_index(case)
