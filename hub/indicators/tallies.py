"""Tallies (汇总): the indicators' case counts kept summed, so the dashboard adds up a few
hundred rows instead of aggregating a million cases.

What is kept (hub.indicators.models): per scope (what a user may see, see
``hub.cases.permissions.case_scopes``), registration month and county, the count of cases
meeting each condition of ``queries.case_conditions`` — for the whole county and broken
down by township, board (信访+X mechanism) and participating agency — and, for the open
cases whose colour comes from their dates, how many share each (due_on, warn_on), so the
colours are decided on the day they are asked.

How it stays right: every case has its *facts* stored (what it adds to the tallies).  A
change to a case, its participants, its boards, its handling clock or its publication
(hub.public) marks the case
(ORM flush events); before the transaction commits — or before a count is read in it —
each marked case's facts are computed again from the database, and the tallies receive
the difference between the old and the new facts, in the same transaction.  Code that
writes cases with Core statements (bulk insert, import) calls ``refresh`` or ``touch``
itself.  ``reconcile`` (nightly, and ``flask --app wsgi hub tallies check``) recomputes
every case's facts and corrects any difference; the tests compare the tallies with the
direct aggregates (``queries.direct_case_counts``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, timedelta
from itertools import chain

from sqlalchemy import and_, delete, exists, func, inspect, select
from sqlalchemy import case as sql_case

from hub.cases.models import Case, CaseBoard, CaseParticipant
from hub.cases.permissions import case_scopes, tally_scopes
from hub.cases.vocab import Stage
from hub.deadlines.models import Deadline
from hub.deadlines.services import local_today, local_zone
from hub.extensions import bulk_upsert, db, in_values, listen_on_sessions
from hub.indicators.models import TALLY_CODES, case_open_dates, case_tallies, case_tally_facts
from hub.public.models import CasePublication

TOUCHED = "hub_tally_cases"  # session.info key: ids of the cases changed in the transaction
NO_DATE = date(9999, 12, 31)  # an open case without a due date: never due (green)
BATCH = 2000
KEYS = ("scope", "dim", "month", "county", "member")
DATE_KEYS = ("scope", "month", "county", "due_on", "warn_on")
_INDEX = {code: i for i, code in enumerate(TALLY_CODES)}
_DIMS = {"township": "township", "agency": "agency", "mechanism": "board"}


# ---------------------------------------------------------------------------------------
# Facts: what one case adds
# ---------------------------------------------------------------------------------------

def _facts(ids: list[int]) -> dict[int, str]:
    """The facts of these cases as they are in the database now (compact JSON, keys
    sorted, so equal facts are equal strings); a case that no longer exists is absent."""
    from hub.indicators.queries import case_conditions

    session = db.session
    conditions = case_conditions()
    flags = [sql_case((conditions[code], 1), else_=0).label(code)
             for code in TALLY_CODES if code != "total"]
    dated = and_(Case.stage != Stage.CLOSED.value, Case.threat.is_(False),
                 Case.paused.is_(False))
    rows = session.execute(
        select(Case.id, Case.registered_at, Case.county, Case.township_id, Case.restricted,
               sql_case((dated, 1), else_=0).label("dated"), Case.due_on, Case.warn_on,
               *flags)
        .where(in_values(Case.id, ids))).all()
    agencies, boards = defaultdict(set), defaultdict(set)
    for case_id, agency_id in session.execute(
            select(CaseParticipant.case_id, CaseParticipant.agency_id)
            .where(in_values(CaseParticipant.case_id, ids))):
        agencies[case_id].add(agency_id)
    for case_id, board in session.execute(
            select(CaseBoard.case_id, CaseBoard.board).where(in_values(CaseBoard.case_id, ids))):
        boards[case_id].add(board)
    zone = local_zone()
    bit_of = [(1 << _INDEX[code], code) for code in TALLY_CODES if code != "total"]
    out = {}
    for row in rows:
        mapping = row._mapping
        bits = 1 << _INDEX["total"]
        for bit, code in bit_of:
            if mapping[code]:
                bits |= bit
        members = sorted(agencies.get(row.id, ()))
        facts = {
            "m": row.registered_at.astimezone(zone).strftime("%Y-%m"),
            "c": row.county,
            "t": row.township_id,
            "s": case_scopes(row.restricted, members),
            "a": members,
            "b": sorted(boards.get(row.id, ())),
            "v": bits,
            "o": [(row.due_on or NO_DATE).isoformat(), (row.warn_on or NO_DATE).isoformat()]
            if row.dated else None,
        }
        out[row.id] = json.dumps(facts, sort_keys=True, separators=(",", ":"))
    return out


def _add(rows: dict, dates: dict, facts: dict, sign: int) -> None:
    """Add (sign 1) or take away (−1) one case's facts to the pending differences."""
    month = date.fromisoformat(facts["m"] + "-01")
    county, bits = facts["c"], facts["v"]
    codes = [i for i in range(len(TALLY_CODES)) if bits >> i & 1]
    township = "" if facts["t"] is None else str(facts["t"])
    members = [("county", ""), ("township", township)]
    members += [("board", b) for b in facts["b"]]
    members += [("agency", str(a)) for a in facts["a"]]
    for scope in facts["s"]:
        for dim, member in members:
            vector = rows[(scope, dim, month, county, member)]
            for i in codes:
                vector[i] += sign
        if facts["o"]:
            due, warn = facts["o"]
            dates[(scope, month, county, date.fromisoformat(due), date.fromisoformat(warn))] \
                += sign


def refresh(case_ids) -> int:
    """Bring the tallies up to date for these cases (in the current transaction); returns
    how many cases' facts changed."""
    ids = sorted(set(case_ids))
    return sum(_refresh(ids[i:i + BATCH]) for i in range(0, len(ids), BATCH))


def _refresh(ids: list[int]) -> int:
    session = db.session
    f = case_tally_facts
    # Locked (PostgreSQL) so two transactions changing one case apply their differences
    # one after the other, the second from the first's facts; always in id order.
    old = dict(session.execute(
        select(f.c.case_id, f.c.facts).where(in_values(f.c.case_id, ids))
        .order_by(f.c.case_id).with_for_update()).tuples().all())
    new = _facts(ids)
    rows: dict = defaultdict(lambda: [0] * len(TALLY_CODES))
    dates: dict = defaultdict(int)
    written, gone = [], []
    for case_id in ids:
        before, after = old.get(case_id), new.get(case_id)
        if before == after:
            continue
        if before is not None:
            _add(rows, dates, json.loads(before), -1)
        if after is not None:
            _add(rows, dates, json.loads(after), 1)
            written.append({"case_id": case_id, "facts": after})
        else:
            gone.append(case_id)
    # In key order, so two transactions lock shared rows in the same order (no deadlock).
    changes = [dict(zip(KEYS, key, strict=True)) | dict(zip(TALLY_CODES, vector, strict=True))
               for key, vector in sorted(rows.items()) if any(vector)]
    bulk_upsert(case_tallies, changes, KEYS, add=tuple(TALLY_CODES))
    date_changes = [dict(zip(DATE_KEYS, key, strict=True)) | {"n": n}
                    for key, n in sorted(dates.items()) if n]
    bulk_upsert(case_open_dates, date_changes, DATE_KEYS, add=("n",))
    bulk_upsert(f, written, ("case_id",), replace=("facts",))
    if gone:
        session.execute(delete(f).where(in_values(f.c.case_id, gone)))
    return len(written) + len(gone)


def touch(case_ids) -> None:
    """Mark cases changed by Core statements: refreshed before the transaction commits."""
    db.session.info.setdefault(TOUCHED, set()).update(case_ids)


def settle(session=None) -> None:
    """Flush, then refresh the cases changed so far in this transaction."""
    session = session if session is not None else db.session
    if session.new or session.dirty or session.deleted:
        session.flush()
    touched = session.info.pop(TOUCHED, None)
    if touched:
        refresh(touched)


def reconcile(batch: int = 5000, commit=None) -> int:
    """Recompute every case's facts and correct the tallies where they differ; drop the
    facts of cases that no longer exist and the rows that count nothing.  Returns how many
    cases were corrected (0 when the tallies were right).  ``commit`` (optional) is called
    after each batch, so a long run does not hold one transaction."""
    settle()  # this transaction's own changes are not corrections
    session = db.session
    corrected, last = 0, 0
    while True:
        ids = list(session.scalars(select(Case.id).where(Case.id > last)
                                   .order_by(Case.id).limit(batch)))
        if not ids:
            break
        corrected += refresh(ids)
        last = ids[-1]
        if commit:
            commit()
    f = case_tally_facts
    orphans = list(session.scalars(select(f.c.case_id).where(
        ~exists().where(Case.id == f.c.case_id))))
    corrected += refresh(orphans)
    session.execute(delete(case_tallies).where(case_tallies.c.total == 0))
    session.execute(delete(case_open_dates).where(case_open_dates.c.n == 0))
    if commit:
        commit()
    return corrected


def check(commit=None):
    """``reconcile`` and keep a record of the run (the nightly job and ``hub tallies
    check``); a correction is logged as a warning: some code changed cases unseen."""
    import logging

    from hub.indicators.models import TallyCheck

    corrected = reconcile(commit=commit)
    run = TallyCheck(cases=db.session.scalar(select(func.count(Case.id))) or 0,
                     corrected=corrected)
    db.session.add(run)
    db.session.flush()
    if corrected:
        logging.getLogger("hub.indicators").warning(
            "indicator tallies: %d cases corrected", corrected)
    return run


def last_check():
    from hub.indicators.models import TallyCheck

    return db.session.scalar(select(TallyCheck).order_by(TallyCheck.ran_at.desc()).limit(1))


def rebuild(commit=None) -> int:
    """Empty the tallies and count every case again."""
    for table in (case_tallies, case_open_dates, case_tally_facts):
        db.session.execute(delete(table))
    return reconcile(commit=commit)


# ---------------------------------------------------------------------------------------
# Keeping track of changed cases (ORM events)
# ---------------------------------------------------------------------------------------

def _case_of(obj) -> int | None:
    state = inspect(obj)
    if isinstance(obj, Case):
        return state.identity[0] if state.identity else state.dict.get("id")
    if isinstance(obj, (CaseParticipant, CaseBoard)):
        return state.dict.get("case_id")
    if isinstance(obj, Deadline) and state.dict.get("owner_type") == "cases":
        return state.dict.get("owner_id")
    if isinstance(obj, CasePublication):
        return state.identity[0] if state.identity else state.dict.get("case_id")
    return None


def _after_flush(session, _flush_context) -> None:
    touched = None
    for obj in chain(session.new, session.dirty, session.deleted):
        case_id = _case_of(obj)
        if case_id is not None:
            if touched is None:
                touched = session.info.setdefault(TOUCHED, set())
            touched.add(case_id)


def _before_commit(session) -> None:
    settle(session)


def _after_transaction_end(session, transaction) -> None:
    if transaction.parent is None:  # committed (already settled) or rolled back
        session.info.pop(TOUCHED, None)


def install() -> None:
    """Listen to every session's flushes and commits (once per process)."""
    listen_on_sessions(after_flush=_after_flush, before_commit=_before_commit,
                       after_transaction_end=_after_transaction_end)


install()


# ---------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------

def covers(period) -> bool:
    """Can the tallies (kept per registration month) answer for this period?  Whole
    months — the last one may end today, as no case is registered after today."""
    following = period.end + timedelta(days=1)
    return period.start.day == 1 and (following.day == 1 or period.end >= local_today())


def counts(user, period, *, county: str | None = None, by: str | None = None,
           today: date) -> dict:
    """``queries.case_counts`` from the tallies (see there for keys and values)."""
    from hub.indicators.queries import BREAKDOWN_CODES, BREAKDOWNS, DATELESS

    settle()
    scopes = tally_scopes(user)
    first, last = period.start.replace(day=1), period.end.replace(day=1)
    dim = _DIMS.get(by, "county")
    t = case_tallies
    keys = {None: [], "month": [t.c.month], "county": [t.c.county],
            "month_county": [t.c.month, t.c.county]}.get(by, [t.c.member])
    where = [t.c.scope.in_(scopes), t.c.dim == dim, t.c.month >= first, t.c.month <= last]
    if county:
        where.append(t.c.county == county)
    codes = BREAKDOWN_CODES if by in BREAKDOWNS else TALLY_CODES
    stmt = select(*keys, *_sums(codes)).where(*where)
    if keys:
        stmt = stmt.group_by(*keys)
    out = {}
    for row in db.session.execute(stmt):
        mapping = row._mapping
        counted = {code: int(mapping[code]) for code in codes}
        if counted["total"] or not keys:
            out[_key(by, row[:len(keys)])] = counted
    if dim == "county":
        _colour(out, scopes, by, first, last, county, today)
    for counted in out.values():
        for code in DATELESS:
            counted.pop(code, None)
    return out


_SUMS: dict = {}


def _sums(codes: list[str]) -> list:
    """SUM(code) AS code for these tally columns (built once: the expressions are the same
    for every request)."""
    if not _SUMS:
        _SUMS.update((code, func.coalesce(func.sum(case_tallies.c[code]), 0).label(code))
                     for code in TALLY_CODES)
    return [_SUMS[code] for code in codes]


def _key(by: str | None, parts):
    if by is None:
        return "all"
    if by == "month":
        return parts[0].strftime("%Y-%m")
    if by == "month_county":
        return (parts[0].strftime("%Y-%m"), parts[1])
    if by == "township":
        return int(parts[0]) if parts[0] else None
    if by == "agency":
        return int(parts[0])
    return parts[0]


def _colour(out: dict, scopes, by, first, last, county, today: date) -> None:
    """Add open_red/yellow/green: the open 扬言件 are red; the others by their dates."""
    d = case_open_dates
    keys = {None: [], "month": [d.c.month], "county": [d.c.county],
            "month_county": [d.c.month, d.c.county]}[by]
    red = d.c.due_on < today
    yellow = and_(d.c.due_on >= today, d.c.warn_on <= today)
    green = and_(d.c.due_on >= today, d.c.warn_on > today)
    stmt = select(*keys, *(func.coalesce(func.sum(sql_case((cond, d.c.n), else_=0)), 0)
                           .label(name) for name, cond in (("red", red), ("yellow", yellow),
                                                          ("green", green))))
    stmt = stmt.where(d.c.scope.in_(scopes), d.c.month >= first, d.c.month <= last)
    if county:
        stmt = stmt.where(d.c.county == county)
    if keys:
        stmt = stmt.group_by(*keys)
    shades = {_key(by, row[:len(keys)]): row._mapping for row in db.session.execute(stmt)}
    for key, counted in out.items():
        shade = shades.get(key, {})
        counted["open_red"] = counted["open_threat"] + int(shade.get("red", 0) or 0)
        counted["open_yellow"] = int(shade.get("yellow", 0) or 0)
        counted["open_green"] = int(shade.get("green", 0) or 0)
