"""The indicators' numbers, aggregated in the database (no rows are loaded into Python):
one statement per family (cases, handoffs, 包案, meeting tasks), grouped as asked — the
whole period, by month, by county — and always within what the user may see (the same
visibility rules as every page).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, exists, func, literal, not_, or_, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import aliased

from hub.auth.visibility import visible
from hub.baoan.models import Assignment
from hub.boards.queries import colour_expr
from hub.cases.models import Case, CaseBoard, CaseParticipant
from hub.cases.permissions import scoped
from hub.cases.vocab import Channel, Stage, Status
from hub.deadlines.engine import Colour
from hub.deadlines.models import Deadline
from hub.deadlines.services import local_today, local_zone
from hub.extensions import db
from hub.handoffs.models import Handoff
from hub.handoffs.models import State as HandoffState
from hub.indicators.definitions import COLOUR_COUNTS, RATES, TASK_RATE, Rate
from hub.indicators.models import TALLY_CODES
from hub.meetings.models import Meeting, MeetingTask
from hub.public.models import CasePublication


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end``, both local days, inclusive."""

    start: date
    end: date

    def bounds(self) -> tuple[datetime, datetime]:
        zone = local_zone()
        return (datetime.combine(self.start, time.min, tzinfo=zone).astimezone(UTC),
                datetime.combine(self.end + timedelta(days=1), time.min,
                                 tzinfo=zone).astimezone(UTC))

    def months(self) -> list[date]:
        """The first day of each month the period touches."""
        out, month = [], self.start.replace(day=1)
        while month <= self.end:
            out.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        return out


def _visible(user, model):
    """What ``user`` may see of ``model``; ``user=None`` is the prefecture-wide view of the
    reports the hub generates on its own schedule (the secretariat's view without anyone's
    restricted cases: a 纪委 clue never enters a circular)."""
    if user is not None:
        return scoped(user, select(model))[0] if model is Case else visible(user, model)
    stmt = select(model)
    if hasattr(model, "restricted"):
        stmt = stmt.where(model.restricted.is_(False))
    if model is Assignment:
        stmt = stmt.join(Case, Case.id == Assignment.case_id).where(Case.restricted.is_(False))
    return stmt


def _ratio(numerator: int, denominator: int) -> float | None:
    return None if not denominator else numerator / denominator


def rates(counts: dict[str, int], defs: list[Rate] = RATES) -> dict[str, float | None]:
    return {r.code: _ratio(counts.get(r.numerator, 0), counts.get(r.denominator, 0))
            for r in defs}


def sum_of(condition):
    """How many rows meet ``condition`` (an aggregate)."""
    return func.coalesce(func.sum(sql_case((condition, 1), else_=0)), 0)


def _month_key(column, period: Period):
    """The month a moment falls in, as 'YYYY-MM', by comparing it with the local month
    boundaries (portable SQL that keeps the column's index usable)."""
    zone = local_zone()
    whens = []
    for month in period.months()[1:]:
        boundary = datetime.combine(month, time.min, tzinfo=zone).astimezone(UTC)
        previous = (month - timedelta(days=1)).replace(day=1)
        whens.append((column < boundary, literal(previous.strftime("%Y-%m"))))
    last = period.months()[-1].strftime("%Y-%m")
    return sql_case(*whens, else_=literal(last)) if whens else literal(last)


def _grouped(stmt, key, columns: dict, by: str | None) -> dict:
    """Run the aggregate ``columns`` grouped by ``key`` (one expression, a tuple of them,
    or None for the whole set) → {key value: {column: n}}."""
    values = [c.label(n) for n, c in columns.items()]
    if key is None:
        stmt = stmt.with_only_columns(literal("all").label("k0"), *values)
        keys = 1
    else:
        parts = key if isinstance(key, tuple) else (key,)
        stmt = stmt.with_only_columns(*(p.label(f"k{i}") for i, p in enumerate(parts)), *values)
        stmt = stmt.group_by(*parts)
        keys = len(parts)
    out = {}
    for row in db.session.execute(stmt):
        mapping = row._mapping
        name = row[0] if keys == 1 else tuple(row[:keys])
        out[name] = {n: int(mapping[n] or 0) for n in columns}
    return out


def roll_up(grid: dict, position: int | None) -> dict:
    """Sum a grid of counts keyed by tuples over every key part but ``position`` (None:
    over all of them, giving {"all": ...}).  Counts are additive: a case is in one cell."""
    out: dict = {}
    for key, counts in grid.items():
        target = out.setdefault("all" if position is None else key[position], {})
        for name, n in counts.items():
            target[name] = target.get(name, 0) + n
    return out


# ---------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------

def case_conditions() -> dict:
    """Each case count's condition on one case (the colours aside: they depend on the day;
    see ``colour_conditions``).  The direct aggregates sum them over cases, and the tallies
    (hub.indicators.tallies) evaluate them per case — one definition for both."""
    handle_on_time = exists().where(
        Deadline.owner_type == "cases", Deadline.owner_id == Case.id,
        Deadline.kind == "case.handle", Deadline.done_on.is_not(None),
        Deadline.done_on <= Deadline.due_on)
    undecided = Case.status.in_([Status.REGISTERED.value, Status.FORWARDED.value])
    refused = Case.not_accepted_reason.is_not(None)
    open_case = Case.stage != Stage.CLOSED.value
    conditions = {f"channel_{c.value}": Case.channel == c.value for c in Channel}
    conditions |= {flag: getattr(Case, flag).is_(True) for flag in (
        "skip_level", "collective", "repeat", "joint_letter", "threat", "non_reception",
        "foreign")}
    conditions |= {
        "decided": or_(refused, not_(undecided)),
        "accepted": and_(not_(refused), not_(undecided)),
        "replied": Case.replied_at.is_not(None),
        "replied_on_time": and_(Case.replied_at.is_not(None), handle_on_time),
        "resolved": and_(Case.status == Status.CLOSED.value, not_(refused)),
        "rated": Case.rating.is_not(None),
        "satisfied": Case.rating.in_(["satisfied", "basically"]),
        # 公开: shown on the portal now (hub.public), among the replied cases.
        "published": and_(Case.replied_at.is_not(None), Case.restricted.is_(False), exists().where(
            CasePublication.case_id == Case.id, CasePublication.published.is_(True))),
        # Open cases whose colour does not come from their dates (the tallies keep these;
        # the colour rule: hub.boards.queries.colour_expr).
        "open_threat": and_(open_case, Case.threat.is_(True)),
        "open_paused": and_(open_case, Case.threat.is_(False), Case.paused.is_(True)),
    }
    return conditions


DATELESS = ("open_threat", "open_paused")  # tally-only counts, not shown as such
# The codes ``case_counts`` gives for each key: all of them for the whole set, by month and
# by county; the total and the rates' counts for a breakdown by township, agency or board.
COUNT_CODES = [code for code in TALLY_CODES if code not in DATELESS] + [
    c.code for c in COLOUR_COUNTS]
BREAKDOWN_CODES = ["total", *sorted({code for r in RATES for code in (r.numerator,
                                                                       r.denominator)})]
BREAKDOWNS = ("township", "agency", "mechanism")


def colour_conditions(today: date) -> dict:
    """Open cases by their colour ``today`` (红黄绿, the boards' rule)."""
    shade = colour_expr(today, Case.threat, Case.due_on, Case.warn_on, Case.stage, Case.paused)
    open_case = Case.stage != Stage.CLOSED.value
    return {f"open_{c.value}": and_(open_case, shade == c.value)
            for c in (Colour.RED, Colour.YELLOW, Colour.GREEN)}


def case_columns(today: date) -> dict:
    """Every count over cases, as one aggregate each."""
    columns = {"total": func.count(Case.id)}
    columns |= {code: sum_of(condition) for code, condition in case_conditions().items()
                if code not in DATELESS}
    columns |= {code: sum_of(condition) for code, condition in colour_conditions(today).items()}
    return columns


def case_counts(user, period: Period, *, county: str | None = None, by: str | None = None,
                today: date | None = None) -> dict[str, dict[str, int]]:
    """{key: {count code: n}}; key is "all", a month "YYYY-MM", a county key, a township or
    agency id (None: no township), or a mechanism board code.

    Read from the tallies when the period is whole months (as the dashboard and the reports
    ask); otherwise aggregated from the cases (``direct_case_counts``).  The codes: all of
    ``COUNT_CODES``, or ``BREAKDOWN_CODES`` for a breakdown (``BREAKDOWNS``)."""
    from hub.indicators import tallies

    today = today or local_today()
    if not tallies.covers(period):
        return direct_case_counts(user, period, county=county, by=by, today=today)
    return tallies.counts(user, period, county=county, by=by, today=today)


def direct_case_counts(user, period: Period, *, county: str | None = None,
                       by: str | None = None, today: date | None = None) -> dict:
    """``case_counts`` aggregated over the cases themselves (any period)."""
    today = today or local_today()
    start, end = period.bounds()
    stmt = _visible(user, Case)
    stmt = stmt.where(Case.registered_at >= start, Case.registered_at < end)
    if county:
        stmt = stmt.where(Case.county == county)
    if by == "mechanism":  # a case counts on every 信访+X board it is on
        stmt = stmt.join(CaseBoard, CaseBoard.case_id == Case.id)
        key = CaseBoard.board
    elif by == "agency":  # ... and for every agency taking part (主办, 协办, 督办)
        member = aliased(CaseParticipant)
        stmt = stmt.join(member, member.case_id == Case.id)
        key = member.agency_id
    else:
        month = _month_key(Case.registered_at, period)
        key = {"month": month, "county": Case.county, "township": Case.township_id,
               "month_county": (month, Case.county), None: None}[by]
    columns = case_columns(today)
    if by in BREAKDOWNS:
        columns = {code: columns[code] for code in BREAKDOWN_CODES}
    return _grouped(stmt, key, columns, by)


# ---------------------------------------------------------------------------------------
# Handoffs, 包案, meeting tasks
# ---------------------------------------------------------------------------------------

_SIGN_CLOCK = aliased(Deadline, name="sign_clock")  # built once (aliasing copies columns)
_FEEDBACK_CLOCK = aliased(Deadline, name="feedback_clock")


def handoff_counts(user, period: Period, today: date | None = None) -> dict[int, dict]:
    """Per receiving agency id: sent, signed, overdue."""
    today = today or local_today()
    start, end = period.bounds()
    sign, feedback = _SIGN_CLOCK, _FEEDBACK_CLOCK

    def late(clock, running_state):
        return or_(and_(clock.done_on.is_not(None), clock.done_on > clock.due_on),
                   and_(clock.done_on.is_(None), Handoff.state == running_state,
                        clock.due_on < today))

    stmt = (_visible(user, Handoff)
            .outerjoin(sign, sign.id == Handoff.sign_deadline_id)
            .outerjoin(feedback, feedback.id == Handoff.feedback_deadline_id)
            .where(Handoff.sent_at >= start, Handoff.sent_at < end))
    columns = {
        "sent": func.count(Handoff.id),
        "signed": sum_of(Handoff.signed_at.is_not(None)),
        "overdue": sum_of(or_(late(sign, HandoffState.SENT.value),
                            late(feedback, HandoffState.IN_HAND.value))),
    }
    return _grouped(stmt, Handoff.to_agency_id, columns, "agency")


def baoan_counts(user, period: Period) -> dict[str, dict]:
    """Per leader rank: assigned, resolved (化解), closed (销号)."""
    start, end = period.bounds()
    stmt = _visible(user, Assignment).where(Assignment.assigned_at >= start,
                                           Assignment.assigned_at < end)
    columns = {"assigned": func.count(Assignment.id),
               "resolved": sum_of(Assignment.resolved_at.is_not(None)),
               "closed": sum_of(Assignment.closed_at.is_not(None))}
    return _grouped(stmt, Assignment.rank, columns, "rank")


def task_counts(user, period: Period, today: date | None = None) -> dict[str, int]:
    """Meeting tasks due in the period (of meetings the user may see)."""
    today = today or local_today()
    meetings = _visible(user, Meeting).with_only_columns(Meeting.id)
    stmt = select(MeetingTask).where(MeetingTask.meeting_id.in_(meetings),
                                     MeetingTask.due_on >= period.start,
                                     MeetingTask.due_on <= period.end)
    done = MeetingTask.done_on.is_not(None)
    columns = {"due": func.count(MeetingTask.id),
               "on_time": sum_of(and_(done, MeetingTask.done_on <= MeetingTask.due_on)),
               "late": sum_of(and_(done, MeetingTask.done_on > MeetingTask.due_on)),
               "open_overdue": sum_of(and_(not_(done), MeetingTask.due_on < today))}
    counts = _grouped(stmt, None, columns, None).get("all", dict.fromkeys(columns, 0))
    return counts | rates(counts, [TASK_RATE])
