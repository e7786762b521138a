"""Demo cases (through the services) and bulk synthetic cases (for benchmarks)."""

from sqlalchemy import exists, func, select

from agencies import registry
from hub.agencies.models import Agency, AgencyKind
from hub.audit.models import AuditEvent
from hub.cases.bulk import bulk_cases
from hub.cases.demo import load_demo_cases
from hub.cases.models import Case, CaseBoard, CaseParticipant, Petitioner
from hub.cases.steps import board_rank
from hub.cases.vocab import STAGE_ORDER
from hub.deadlines.models import Deadline
from hub.deadlines.services import local_today
from hub.extensions import db
from tests.cases.factories import registered

STAGES = {s.value for s in STAGE_ORDER}
STATUS_OF_STAGE = {"sort": {"registered"}, "assigned": {"forwarded"}, "handling": {"accepted"},
                   "supervised": {"accepted"}, "resolved": {"replied"}, "closed": {"closed"}}

# Through the services a stage may also be reached by 不予受理, 复查 or 复核.
SERVICE_STATUSES = {**STATUS_OF_STAGE, "handling": {"accepted", "review", "recheck"},
                    "supervised": {"accepted", "review", "recheck"},
                    "resolved": {"replied", "reviewed", "rechecked"},
                    "closed": {"closed", "not_accepted"}}


def board_codes() -> list[str]:
    return [mechanism.code for mechanism, _plugin in registry.mechanisms()]


def colour(case, today) -> str:
    """The board colour rule on the mirrored columns (closed cases have none)."""
    if case.threat or (case.due_on is not None and case.due_on < today):
        return "red"
    if case.warn_on is not None and case.warn_on <= today:
        return "yellow"
    return "green"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_cases_fill_every_board_column_in_every_colour(ctx):
    assert count(Case) == 0
    # A smaller run than the default 300 keeps the test fast; the board coverage does not
    # depend on the count (each board/stage pair is planned explicitly).
    created = load_demo_cases(count=60)
    assert created == count(Case) == 60
    # Every case went through the registration service (and its audit).
    registered_events = db.session.scalar(
        select(func.count()).where(AuditEvent.action == "cases.registered"))
    assert registered_events == created

    codes = board_codes()
    assert len(codes) == 4
    for code in codes:
        stages = set(db.session.scalars(
            select(CaseBoard.stage).where(CaseBoard.board == code).distinct()))
        assert stages == STAGES, code

    today = local_today()
    cases = db.session.scalars(select(Case)).all()
    open_cases = [c for c in cases if c.stage != "closed"]
    assert {colour(c, today) for c in open_cases} == {"red", "yellow", "green"}
    assert any(c.due_on is not None and c.due_on < today and not c.threat for c in open_cases)
    assert any(c.threat for c in cases)
    assert any(c.to_discuss for c in cases)
    assert any(c.collective and c.headcount >= 5 for c in cases)
    assert {c.county for c in cases} == {"mangshi", "ruili", "lianghe", "yingjiang", "longchuan"}

    restricted = [c for c in cases if c.restricted]
    assert restricted
    for case in restricted:
        assert any(p.agency.kind == AgencyKind.DISCIPLINE.value for p in case.participants)

    for case in cases:
        assert case.status in SERVICE_STATUSES[case.stage]
        for p in case.petitioners:
            assert p.name.endswith("某某")
            assert p.phone is None or (len(p.phone) == 11 and p.phone[:2] in {"13", "15", "18"})
            assert p.id_number is None or (len(p.id_number) == 18
                                           and p.id_number.startswith("5331"))
        # The mirrored columns agree with the open clock and the index rows.
        deadline = db.session.get(Deadline, case.current_deadline_id) \
            if case.current_deadline_id else None
        assert case.due_on == (deadline.due_on if deadline else None)
        for p in case.participants:
            assert (p.stage, p.rank) == (case.stage, case.rank)
        assert case.rank == board_rank(case.stage, case.threat, case.due_on, case.closed_at)
    mismatched = db.session.scalar(
        select(func.count()).select_from(CaseBoard).join(Case, Case.id == CaseBoard.case_id)
        .where((CaseBoard.stage != Case.stage) | (CaseBoard.rank != Case.rank)))
    assert mismatched == 0

    assert load_demo_cases() == 0
    assert count(Case) == 60


def test_bulk_cases_are_consistent_and_numbered_uniquely(ctx):
    before = registered()  # a case through the service, then the bulk, then another one
    assert bulk_cases(2000) == 2000
    after = registered()
    assert count(Case) == 2002
    numbers = db.session.scalar(select(func.count(func.distinct(Case.number))))
    assert numbers == 2002
    assert before.number < after.number

    new = Case.id.notin_([before.id, after.id])
    assert db.session.scalar(select(func.count()).where(
        new, ~exists().where(CaseParticipant.case_id == Case.id))) == 0
    assert db.session.scalar(select(func.count()).where(
        new, ~exists().where(Petitioner.case_id == Case.id))) == 0
    assert db.session.scalar(
        select(func.count()).select_from(CaseBoard).join(Case, Case.id == CaseBoard.case_id)
        .where((CaseBoard.stage != Case.stage) | (CaseBoard.rank != Case.rank))
    ) == 0
    assert db.session.scalar(
        select(func.count()).select_from(CaseParticipant)
        .join(Case, Case.id == CaseParticipant.case_id)
        .where((CaseParticipant.stage != Case.stage) | (CaseParticipant.rank != Case.rank))) == 0

    # One board row per distinct mechanism among a case's participants.
    wanted = set(db.session.execute(
        select(CaseParticipant.case_id, CaseParticipant.mechanism)
        .where(CaseParticipant.mechanism.is_not(None))).all())
    boards = set(db.session.execute(select(CaseBoard.case_id, CaseBoard.board)).all())
    assert boards == wanted
    assert {board for _id, board in boards} == set(board_codes())

    rows = db.session.execute(
        select(Case.stage, Case.status, Case.due_on, Case.warn_on, Case.threat,
               Case.lead_agency_id).where(new)).all()
    assert {r.stage for r in rows} == STAGES
    today = local_today()
    for r in rows:
        assert r.status in STATUS_OF_STAGE[r.stage]
        if r.stage == "closed":
            assert r.due_on is None and r.warn_on is None
        else:
            assert r.due_on is not None and r.warn_on is not None and r.warn_on <= r.due_on
        assert (r.lead_agency_id is None) == (r.stage == "sort")
    assert {colour(r, today) for r in rows if r.stage != "closed"} == {"red", "yellow", "green"}

    lead_kinds = set(db.session.scalars(
        select(Agency.kind).join(Case, Case.lead_agency_id == Agency.id).where(new).distinct()))
    assert {"petition_bureau", "handling_unit", "discipline"} <= lead_kinds

    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "demo.bulk_cases")).all()
    assert len(events) == 1 and events[0].after == {"count": 2000}
