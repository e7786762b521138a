"""巡察 rounds: the list, a round's page with its batches and 整改 items."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from agencies import registry
from hub.auth.access import requires
from hub.auth.capabilities import Capability
from hub.auth.visibility import get_visible_or_404, visible
from hub.core.errors import ServiceError
from hub.core.forms import commit_or_flash
from hub.deadlines.services import local_today
from hub.extensions import db
from hub.handoffs.models import STATE_LABELS, Handoff
from hub.inspection import services
from hub.inspection.models import InspectionRound, RectificationItem

bp = Blueprint("inspection", __name__, url_prefix="/inspection")


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.form.get(name) or "")
    except ValueError:
        return None


@bp.get("")
@requires(Capability.HANDOFFS_VIEW)
def index():
    rounds = db.session.scalars(visible(current_user, InspectionRound)
                                .order_by(InspectionRound.starts_on.desc())).all()
    return render_template("inspection/index.html", rounds=rounds, today=local_today(),
                           may_work=services.works_rounds(current_user))


@bp.post("")
@requires(Capability.HANDOFFS_WORK)
def create():
    def change():
        services.open_round(current_user, request.form.get("unit", ""),
                            request.form.get("team", ""), _date("starts_on"), _date("ends_on"))

    commit_or_flash(change, _("已安排巡察轮次"))
    return redirect(url_for("inspection.index"))


@bp.get("/<int:round_id>")
@requires(Capability.HANDOFFS_VIEW)
def show(round_id: int):
    rnd = get_visible_or_404(current_user, InspectionRound, round_id)
    handoffs = services.round_handoffs(rnd, visible(current_user, Handoff))
    today = local_today()
    open_items = [i for i in rnd.items if i.status == "open"]
    kind = registry.handoff_kind(services.ISSUES_KIND)
    return render_template("inspection/show.html", round=rnd, handoffs=handoffs, today=today,
                           outcome_label=kind.outcome_label if kind else str,
                           states=STATE_LABELS, open_count=len(open_items),
                           may_work=services.works_rounds(current_user))


@bp.post("/<int:round_id>/items")
@requires(Capability.HANDOFFS_WORK)
def add_item(round_id: int):
    rnd = get_visible_or_404(current_user, InspectionRound, round_id)
    commit_or_flash(lambda: services.add_item(
        current_user, rnd, request.form.get("description", ""),
        request.form.get("responsible", ""), _date("due_on")), _("已登记整改事项"))
    return redirect(url_for("inspection.show", round_id=rnd.id))


@bp.post("/items/<int:item_id>/done")
@requires(Capability.HANDOFFS_WORK)
def item_done(item_id: int):
    item = db.session.get(RectificationItem, item_id)
    rnd = get_visible_or_404(current_user, InspectionRound, item.round_id if item else 0)

    def change():
        if item is None:
            raise ServiceError(_("整改事项不存在"))
        services.complete_item(current_user, item, request.form.get("result", ""))

    commit_or_flash(change, _("整改事项已完成"))
    return redirect(url_for("inspection.show", round_id=rnd.id))
