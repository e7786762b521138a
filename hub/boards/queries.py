"""Board queries: one indexed range per column, filters, counts, and colours in SQL.

Rows come from the index that answers the question, in board order (``rank``):
- secretariat/auditor on the all-mechanisms board: ``cases`` (stage, rank, id);
- secretariat/auditor on a mechanism board: ``case_boards`` (board, stage, rank, case_id);
- everyone else: their agency's participant rows (agency_id, stage, rank, case_id), which
  are also how the visibility rule (hub.cases.permissions.scoped) expresses "my agency
  takes part" — so a board can never show more than the user may see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, exists, false, func, literal, or_, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import aliased, defer, raiseload

from agencies import registry
from hub.agencies.models import Agency
from hub.cases.models import Case, CaseBoard, CaseParticipant
from hub.cases.permissions import participates_clause, scoped
from hub.cases.vocab import FLAGS, Stage
from hub.deadlines.engine import Colour
from hub.extensions import db

ALL = "all"
PAGE = 20
# Column counts stop at this number ("1000+"): an exact count of a column holding hundreds
# of thousands of cases would cost a full index scan on every board view.
COUNT_CAP = 1000


@dataclass(frozen=True)
class BoardDef:
    code: str
    name: str


def boards() -> list[BoardDef]:
    from flask_babel import gettext as _

    out = [BoardDef(ALL, _("全部机制"))]
    out += [BoardDef(m.code, m.name) for m, _p in registry.mechanisms()]
    return out


def board_by_code(code: str) -> BoardDef | None:
    return next((b for b in boards() if b.code == code), None)


@dataclass
class Filters:
    county: str | None = None
    agency_id: int | None = None
    colour: str | None = None
    flag: str | None = None
    q: str | None = None
    extra: dict = field(default_factory=dict)

    def active(self) -> bool:
        return any((self.county, self.agency_id, self.colour, self.flag, self.q))


FILTER_COLOURS = ("red", "yellow", "green")


def filters_from(args) -> Filters:
    """A board's filters from its query string (the page, its "load more" and its export
    read them the same way); unknown values are dropped."""
    from hub.cases.intake import COUNTIES

    agency = str(args.get("agency") or "")
    return Filters(
        county=args.get("county") if args.get("county") in COUNTIES else None,
        agency_id=int(agency) if agency.isdigit() and len(agency) < 10 else None,
        colour=args.get("colour") if args.get("colour") in FILTER_COLOURS else None,
        flag=args.get("flag") if args.get("flag") in FLAGS else None,
        q=(str(args.get("q") or "")).strip()[:50] or None,
    )


def filter_args(filters: Filters) -> dict:
    """The query-string form of ``filters`` (what filters_from reads back)."""
    return {k: v for k, v in (("county", filters.county), ("agency", filters.agency_id),
                              ("colour", filters.colour), ("flag", filters.flag),
                              ("q", filters.q)) if v}


def colour_expr(today: date, threat, due_on, warn_on, stage, paused=None):
    """The 红黄绿 colour in SQL, the same rule as hub.deadlines.engine.colour."""
    whens = [
        (stage == Stage.CLOSED.value, literal(Colour.DONE.value)),
        (threat.is_(True), literal(Colour.RED.value)),
    ]
    if paused is not None:
        whens.append((paused.is_(True), literal(Colour.PAUSED.value)))
    whens += [
        (due_on < today, literal(Colour.RED.value)),
        (warn_on <= today, literal(Colour.YELLOW.value)),
    ]
    return sql_case(*whens, else_=literal(Colour.GREEN.value))


def _own_mechanism(user) -> str | None:
    from hub.cases.steps import mechanism_of

    return mechanism_of(user.agency)


def _scope(user):
    """The user's visible-cases SELECT, built once per request (it is the same for every
    column, and building the aliased clauses is not free)."""
    from flask import g, has_request_context

    if not has_request_context():
        return scoped(user, select(Case))
    cache = g.setdefault("hub_case_scope", {})
    if user.id not in cache:
        cache[user.id] = scoped(user, select(Case))
    return cache[user.id]


def column_query(user, board: str, stage: Stage, filters: Filters, today: date):
    """The SELECT of one column's cards (before ordering), and its ORDER BY.

    ``rank`` (hub.cases.steps.board_rank) is the board order: 扬言件 first, then the
    earliest due date; in 销号 the most recently closed first.
    """
    stmt, mine = _scope(user)
    if mine is not None:
        # "My agency takes part": that participant row carries stage and board order.
        stmt = stmt.where(mine.stage == stage.value)
        order = [mine.rank, mine.case_id]
        # A case the user's agency takes part in is on its agency's own mechanism board
        # already; other boards need the case's board row.
        if board != ALL and _own_mechanism(user) != board:
            on_board = aliased(CaseBoard)
            stmt = stmt.where(exists().where(on_board.case_id == Case.id,
                                             on_board.board == board))
    elif board == ALL:
        stmt = stmt.where(Case.stage == stage.value)
        order = [Case.rank, Case.id]
    else:
        stmt = stmt.join(CaseBoard, and_(CaseBoard.case_id == Case.id, CaseBoard.board == board))
        stmt = stmt.where(CaseBoard.stage == stage.value)
        order = [CaseBoard.rank, CaseBoard.case_id]
    return _apply_filters(stmt, filters, today), order


def _apply_filters(stmt, filters: Filters, today: date):
    if filters.county:
        stmt = stmt.where(Case.county == filters.county)
    if filters.agency_id:
        stmt = stmt.where(participates_clause(filters.agency_id))
    if filters.flag in FLAGS:
        stmt = stmt.where(getattr(Case, filters.flag).is_(True))
    elif filters.flag:
        stmt = stmt.where(false())
    if filters.colour:
        colour = colour_expr(today, Case.threat, Case.due_on, Case.warn_on, Case.stage,
                             Case.paused)
        stmt = stmt.where(colour == filters.colour)
    if filters.q:
        term = filters.q.strip()
        like = f"%{term.replace('%', '').replace('_', '')}%"
        stmt = stmt.where(or_(Case.number == term.upper(), Case.title.like(like)))
    return stmt


# What a card does not show: long texts stay in the database, and participants are never
# loaded per card (raiseload makes an accidental N+1 an error instead of a slow page).
CARD_OPTIONS = (
    defer(Case.content), defer(Case.reply_text), defer(Case.review_text),
    defer(Case.recheck_text), defer(Case.not_accepted_reason), raiseload(Case.participants),
)


def column_cards(user, board: str, stage: Stage, filters: Filters, today: date,
                 offset: int = 0, limit: int = PAGE) -> list[Case]:
    stmt, order = column_query(user, board, stage, filters, today)
    stmt = stmt.options(*CARD_OPTIONS).order_by(*order).offset(offset).limit(limit)
    return list(db.session.scalars(stmt))


def _participation_count_source(user, board: str, stage: Stage, filters: Filters):
    """For a user who sees "the cases my agency takes part in", an unfiltered column count
    is a count of that agency's participant rows — the visibility rule itself — so it need
    not touch the cases table.  ``None`` when the general query is needed."""
    _stmt, mine = _scope(user)
    if mine is None or filters.active():
        return None
    rows = aliased(CaseParticipant)
    stmt = select(rows.case_id).where(rows.agency_id == user.agency_id,
                                      rows.stage == stage.value)
    if board != ALL and _own_mechanism(user) != board:
        on_board = aliased(CaseBoard)
        stmt = stmt.where(exists().where(on_board.case_id == rows.case_id,
                                         on_board.board == board))
    return stmt


def column_counts(user, board: str, filters: Filters, today: date) -> dict[str, int]:
    """Cards per column, capped at COUNT_CAP + 1 (shown as "1000+")."""
    rows = db.session.execute(counts_statement(user, board, filters, today)).all()
    return {stage: n for stage, n in rows}


def counts_statement(user, board: str, filters: Filters, today: date):
    """One statement with a capped count per column, so the board pays one round trip for
    all six."""
    parts = []
    for stage in Stage:
        stmt = _participation_count_source(user, board, stage, filters)
        if stmt is None:
            stmt, _order = column_query(user, board, stage, filters, today)
            stmt = stmt.with_only_columns(Case.id)
        capped = stmt.limit(COUNT_CAP + 1).subquery()
        parts.append(select(literal(stage.value).label("stage"),
                            select(func.count()).select_from(capped).scalar_subquery()
                            .label("n")))
    return parts[0].union_all(*parts[1:])


def lead_names(cases: list[Case]) -> dict[int, str]:
    """Lead agency names for a page of cards in one query (no N+1)."""
    ids = {c.lead_agency_id for c in cases if c.lead_agency_id}
    if not ids:
        return {}
    return dict(db.session.execute(select(Agency.id, Agency.name).where(Agency.id.in_(ids))).all())


def agency_choices() -> list[tuple[int, str]]:
    """Agencies for the board's agency filter (the joint agencies and handling units)."""
    from hub.agencies.models import AgencyKind

    kinds = [k.value for k in AgencyKind if k not in (AgencyKind.TOWNSHIP, AgencyKind.VILLAGE)]
    return list(db.session.execute(
        select(Agency.id, Agency.name).where(Agency.active.is_(True), Agency.kind.in_(kinds))
        .order_by(Agency.level, Agency.code)
    ).all())
