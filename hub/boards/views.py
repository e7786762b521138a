"""The joint boards (联合看板): columns 梳理 → 交办 → 办理 → 督办 → 化解 → 销号."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from agencies import registry
from hub.auth.access import requires
from hub.auth.capabilities import Capability
from hub.auth.visibility import get_visible_or_404
from hub.baoan.services import leaders_for
from hub.boards import queries
from hub.cases import lifecycle
from hub.cases.intake import COUNTIES
from hub.cases.models import Case
from hub.cases.permissions import CASE_WIDE_ROLES
from hub.cases.vocab import FLAGS, STAGE_LABELS, Stage
from hub.core.errors import ServiceError
from hub.deadlines.engine import colour
from hub.deadlines.services import local_today
from hub.extensions import db
from hub.handoffs import services as handoff_services

bp = Blueprint("boards", __name__, url_prefix="/boards")

COLOURS = {"red": _l("红色（超期/扬言）"), "yellow": _l("黄色（预警）"), "green": _l("绿色（正常）")}


def card_labels(board) -> dict:
    """Everything a card prints that is the same on every card: translated and built once
    per page, not once per card."""
    from flask_wtf.csrf import generate_csrf

    return {
        "colour": {"red": _("红色：超期或扬言"), "yellow": _("黄色：预警"),
                   "green": _("绿色：正常"), "paused": _("暂停计时"), "done": _("已办结")},
        "to_discuss": _("待会商"), "unassigned": _("未交办"),
        "overdue": _("超期 %(n)d 天"), "left": _("剩 %(n)d 天"),
        "provisional": _("暂定"), "provisional_title": _("该年节假日安排尚未载入"),
        "move_to": _("移到"), "csrf": generate_csrf(), "baoan": _("包案："),
        "handoff": _("交办："),
        "case_url": url_for("cases.show", case_id=0)[:-1],
        "move_url": url_for("boards.move", code=board.code, case_id=0),
    }


def _filters() -> queries.Filters:
    return queries.filters_from(request.args)


def _board_or_404(code: str) -> queries.BoardDef:
    board = queries.board_by_code(code)
    if board is None:
        abort(404)
    return board


# Board moves that need no form, and the step that each one is (see lifecycle.move).
SIMPLE_MOVES = {
    Stage.ASSIGNED: (Stage.HANDLING, "accept"),
    Stage.HANDLING: (Stage.SUPERVISED, "supervise"),
    Stage.SUPERVISED: (Stage.HANDLING, "unsupervise"),
    Stage.RESOLVED: (Stage.CLOSED, "close"),
}


def card_extras(cases, today) -> dict:
    """What cards show beyond the case row, for a whole page in one query each: 包案
    leaders and the open handoff."""
    ids = [c.id for c in cases]
    return {"leaders": leaders_for(ids),
            "handoffs": handoff_services.open_for_cards(current_user, ids, today)}


def card_view(case: Case, today, leads: dict, extras: dict | None = None) -> dict:
    # case.warn_on already folds in the no-progress rule (hub.cases.steps.mirror).
    c = colour(today, case.due_on, case.warn_on, None, progressed=True,
               done=case.stage == Stage.CLOSED.value, paused=case.paused, threat=case.threat)
    move = SIMPLE_MOVES.get(Stage(case.stage))
    moves = []
    if move and move[1] in lifecycle.actions_for(current_user, case, board=True):
        moves.append((move[0], STAGE_LABELS[move[0]]))
    extras = extras or {}
    return {
        "leaders": extras.get("leaders", {}).get(case.id, []),
        "handoff": extras.get("handoffs", {}).get(case.id),
        "moves": moves,
        "case": case,
        "colour": c.value,
        "days_left": (case.due_on - today).days if case.due_on else None,
        "lead": leads.get(case.lead_agency_id, ""),
        "flags": [FLAGS[f] for f in case.flags()],
    }


def _as_cards(cases, today, leads):
    extras = card_extras(cases, today)
    return [card_view(c, today, leads, extras) for c in cases]


@bp.get("")
@requires(Capability.CASES_VIEW)
def index():
    default = queries.ALL
    if not (current_user.roles & CASE_WIDE_ROLES):
        plugin = registry.for_kind(current_user.agency.kind)
        if plugin and plugin.mechanism:
            default = plugin.mechanism.code
    return redirect(url_for("boards.show", code=default))


@bp.get("/<code>")
@requires(Capability.CASES_VIEW)
def show(code: str):
    board = _board_or_404(code)
    filters = _filters()
    today = local_today()
    counts = queries.column_counts(current_user, board.code, filters, today)
    per_stage = {stage: queries.column_cards(current_user, board.code, stage, filters, today)
                 for stage in Stage}
    # Lead agency names and 包案 leaders for every card on the page, one query each.
    every = [c for cases in per_stage.values() for c in cases]
    leads = queries.lead_names(every)
    extras = card_extras(every, today)
    columns = [
        {"stage": stage, "label": STAGE_LABELS[stage], "count": counts[stage.value],
         "cards": [card_view(c, today, leads, extras) for c in per_stage[stage]]}
        for stage in Stage
    ]
    return render_template(
        "boards/show.html", board=board, boards=queries.boards(), columns=columns,
        filters=filters, counties=COUNTIES, colours=COLOURS, flags=FLAGS,
        agencies=queries.agency_choices(), page_size=queries.PAGE, labels=card_labels(board),
        back=request.full_path, args=request.args.to_dict(), count_cap=queries.COUNT_CAP,
        export_args=queries.filter_args(filters),
    )


@bp.get("/<code>/columns/<stage>")
@requires(Capability.CASES_VIEW)
def column(code: str, stage: str):
    """"Load more" for one column (htmx fragment)."""
    board = _board_or_404(code)
    try:
        stage_enum = Stage(stage)
    except ValueError:
        abort(404)
    offset = max(request.args.get("offset", 0, type=int), 0)
    today = local_today()
    cases = queries.column_cards(current_user, board.code, stage_enum, _filters(), today, offset)
    cards = _as_cards(cases, today, queries.lead_names(cases))
    args = {k: v for k, v in request.args.items() if k != "offset"}
    return render_template("boards/_cards.html", board=board, stage=stage_enum, cards=cards,
                           labels=card_labels(board), back=url_for("boards.show", code=board.code),
                           next_offset=offset + queries.PAGE if len(cards) == queries.PAGE else None,
                           args=args)


@bp.post("/<code>/cards/<int:case_id>/move")
@requires(Capability.CASES_WORK)
def move(code: str, case_id: int):
    board = _board_or_404(code)
    case = get_visible_or_404(current_user, Case, case_id)
    try:
        target = Stage(request.form.get("to", ""))
    except ValueError:
        target = None
    version = request.form.get("version", type=int)
    try:
        if target is None:
            raise ServiceError(_("请选择目标列"))
        lifecycle.move(current_user, case, target, version)
    except ServiceError as exc:
        db.session.rollback()
        flash(_("%(number)s：%(message)s", number=case.number, message=exc.message), "error")
    else:
        db.session.commit()
        flash(_("%(number)s 已移到“%(stage)s”", number=case.number, stage=STAGE_LABELS[target]),
              "success")
    back = request.form.get("back", "")
    if not back.startswith(f"/boards/{board.code}"):
        back = url_for("boards.show", code=board.code)
    return redirect(back)
