"""巡察 rounds and their 整改 items.  Services flush, never commit; every change audited.

The 巡察办's liaisons (and the secretariat) open rounds and keep the 整改 list; a round's
petition issues reach the team as a batch handoff of the kind ``inspection.issues``.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from hub.agencies.models import AgencyKind
from hub.audit.services import record_change
from hub.auth.roles import Role
from hub.cases.permissions import is_secretariat
from hub.core.errors import ServiceError, required_text
from hub.core.types import utcnow
from hub.deadlines.services import local_today
from hub.extensions import db
from hub.handoffs.models import Handoff
from hub.inspection.models import InspectionRound, RectificationItem

ISSUES_KIND = "inspection.issues"


def works_rounds(user) -> bool:
    """The 巡察办's liaisons and the secretariat keep rounds and their 整改 lists."""
    return is_secretariat(user) or (
        Role.LIAISON in user.roles and user.agency.kind == AgencyKind.INSPECTION.value)


def open_round(actor, unit: str, team: str, starts_on: date | None,
               ends_on: date | None) -> InspectionRound:
    if not works_rounds(actor):
        raise ServiceError(_("只有巡察办联络员或联席办可以安排巡察轮次"))
    unit = required_text(unit, "unit", _("请填写被巡察单位"), 100)
    team = required_text(team, "team", _("请填写巡察组"), 100)
    if starts_on is None:
        raise ServiceError(_("请填写有效的开始日期"), "starts_on")
    if ends_on is None or ends_on < starts_on:
        raise ServiceError(_("结束日期不能早于开始日期"), "ends_on")
    rnd = InspectionRound(agency_id=actor.agency_id, unit=unit, team=team, starts_on=starts_on,
                          ends_on=ends_on, created_by_id=actor.id, created_at=utcnow())
    db.session.add(rnd)
    db.session.flush()
    record_change(actor, "inspection.round_opened", rnd, None)
    return rnd


def add_item(actor, rnd: InspectionRound, description: str, responsible: str,
             due_on: date | None, case_id: int | None = None) -> RectificationItem:
    if not works_rounds(actor):
        raise ServiceError(_("只有巡察办联络员或联席办可以登记整改事项"))
    description = required_text(description, "description", _("请填写整改问题"))
    responsible = required_text(responsible, "responsible", _("请填写责任单位"), 100)
    if due_on is None:
        raise ServiceError(_("请填写有效的整改期限"), "due_on")
    if due_on < local_today():
        raise ServiceError(_("整改期限不能早于今天"), "due_on")
    item = RectificationItem(round_id=rnd.id, case_id=case_id, description=description,
                             responsible=responsible, due_on=due_on, status="open")
    db.session.add(item)
    db.session.flush()
    record_change(actor, "inspection.item_added", item, None)
    return item


def complete_item(actor, item: RectificationItem, result: str) -> None:
    if not works_rounds(actor):
        raise ServiceError(_("只有巡察办联络员或联席办可以销号整改事项"))
    if item.status == "done":
        raise ServiceError(_("该整改事项已完成"))
    before = item.audit_state()
    item.result = required_text(result, "result", _("请填写整改结果"))
    item.status, item.done_by_id, item.done_at = "done", actor.id, utcnow()
    db.session.flush()
    record_change(actor, "inspection.item_done", item, before)


def round_handoffs(rnd: InspectionRound, visible_handoffs) -> list[Handoff]:
    """The batches of petition issues handed to this round's team (within visibility)."""
    return list(db.session.scalars(
        visible_handoffs.where(Handoff.kind == ISSUES_KIND,
                               Handoff.details["round_id"].as_integer() == rnd.id)
        .order_by(Handoff.sent_at)))


def open_rounds() -> list[InspectionRound]:
    return list(db.session.scalars(
        select(InspectionRound).where(InspectionRound.ends_on >= local_today())
        .order_by(InspectionRound.starts_on.desc())))


def check_round(round_id: int) -> None:
    """The ``inspection.issues`` handoff names an existing, unfinished round (plug-in field
    validation)."""
    from marshmallow import ValidationError

    rnd = db.session.get(InspectionRound, round_id)
    if rnd is None:
        raise ValidationError(_("巡察轮次不存在"))
    if rnd.ends_on < local_today():
        raise ValidationError(_("该巡察轮次已结束"))
