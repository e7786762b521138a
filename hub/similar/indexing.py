"""Keeping the similar-cases index in step with the cases, in the same transaction.

Every way a case is written through the ORM — registration at the page, the API, the
public portal, a collection point or a 三·三制 dispute, and any later change to its title,
content, county or category — is seen here: ORM flush events mark the case, and before
the transaction commits (or before a lookup reads the index in it: ``settle``) the marked
cases are indexed again (``services.index_cases`` writes only the rows that differ).  So a
rolled-back registration leaves no index rows, and a committed one is found at once.

This is the same mechanism as the indicator tallies (hub.indicators.tallies), registered
alongside it.  Code that writes cases with Core statements (the import's Writer,
``hub.cases.bulk.bulk_cases``) is not seen by these events: it calls
``services.index_cases`` (or ``touch``) itself.  The nightly ``services.index_missing``
catches up whatever some other path left out.
"""

from __future__ import annotations

from itertools import chain

from sqlalchemy import inspect

from hub.cases.models import Case
from hub.extensions import listen_on_sessions

TOUCHED = "hub_similar_cases"  # session.info key: ids of the cases to index before commit
# The columns a case's place in the index depends on: its text makes the signature; county
# and category are read at lookup time, but a change to them is a correction worth
# re-checking (re-indexing an unchanged text writes nothing).
INDEXED = ("title", "content", "county", "category")


def touch(case_ids) -> None:
    """Mark cases (written by Core statements) to be indexed before the transaction
    commits."""
    from hub.extensions import db

    db.session.info.setdefault(TOUCHED, set()).update(case_ids)


def settle(session=None) -> int:
    """Flush, then index the cases marked so far in this transaction; returns how many."""
    from hub.extensions import db
    from hub.similar.services import index_cases

    session = session if session is not None else db.session
    if session.new or session.dirty or session.deleted:
        session.flush()
    touched = session.info.pop(TOUCHED, None)
    return index_cases(touched) if touched else 0


def _changed(obj: Case) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in INDEXED)


def _after_flush(session, _flush_context) -> None:
    touched = None
    new = session.new
    for obj in chain(new, session.dirty):
        if not isinstance(obj, Case) or (obj not in new and not _changed(obj)):
            continue
        state = inspect(obj)
        case_id = state.identity[0] if state.identity else state.dict.get("id")
        if case_id is not None:
            if touched is None:
                touched = session.info.setdefault(TOUCHED, set())
            touched.add(case_id)


def _before_commit(session) -> None:
    if session.info.get(TOUCHED) or session.new or session.dirty:
        settle(session)


def _after_transaction_end(session, transaction) -> None:
    if transaction.parent is None:  # committed (already settled) or rolled back
        session.info.pop(TOUCHED, None)


def install() -> None:
    """Listen to every session's flushes and commits (once per process)."""
    listen_on_sessions(after_flush=_after_flush, before_commit=_before_commit,
                       after_transaction_end=_after_transaction_end)


install()
