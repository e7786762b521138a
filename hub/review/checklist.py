"""The 评查 checklist, kept by admins.  Items are never deleted, only deactivated; a round
copies the active items when it opens, so edits apply to the rounds opened afterwards."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from hub.audit.services import record_change
from hub.auth.capabilities import Capability, can
from hub.core.errors import ServiceError
from hub.core.types import utcnow
from hub.extensions import db
from hub.review.models import ChecklistItem

MAX_SCORE_LIMIT = 100


def items() -> list[ChecklistItem]:
    return list(db.session.scalars(
        select(ChecklistItem).order_by(ChecklistItem.position, ChecklistItem.id)))


def _values(label: str, description: str, max_score: int | None,
            position: int | None) -> tuple[str, str, int, int]:
    label = (label or "").strip()
    if not label:
        raise ServiceError(_("请填写评查项目名称"), "label")
    if len(label) > 100:
        raise ServiceError(_("评查项目名称不能超过 %(n)d 个字", n=100), "label")
    if max_score is None or not 1 <= max_score <= MAX_SCORE_LIMIT:
        raise ServiceError(_("满分应为 1 至 %(n)d 的整数", n=MAX_SCORE_LIMIT), "max_score")
    if position is None or not 0 <= position <= 999:
        raise ServiceError(_("顺序应为 0 至 999 的整数"), "position")
    return label, (description or "").strip(), max_score, position


def _require_admin(actor) -> None:
    if not can(actor, Capability.REVIEW_CHECKLIST):
        raise ServiceError(_("只有系统管理员可以修改评查清单"))


def _unique_label(label: str, item_id: int | None = None) -> None:
    clash = db.session.scalar(select(ChecklistItem.id).where(
        ChecklistItem.label == label, ChecklistItem.id != (item_id or 0)).limit(1))
    if clash is not None:
        raise ServiceError(_("已有同名的评查项目“%(label)s”", label=label), "label")


def add_item(actor, label: str, description: str, max_score: int | None,
             position: int | None) -> ChecklistItem:
    _require_admin(actor)
    label, description, max_score, position = _values(label, description, max_score, position)
    _unique_label(label)
    item = ChecklistItem(label=label, description=description, max_score=max_score,
                         position=position, active=True, created_at=utcnow())
    db.session.add(item)
    db.session.flush()
    record_change(actor, "review.checklist_item_added", item, None)
    return item


def update_item(actor, item: ChecklistItem, label: str, description: str,
                max_score: int | None, position: int | None, active: bool) -> None:
    """Edit an item; rounds already opened keep the copy they were opened with."""
    _require_admin(actor)
    label, description, max_score, position = _values(label, description, max_score, position)
    _unique_label(label, item.id)
    before = item.audit_state()
    item.label, item.description, item.max_score = label, description, max_score
    item.position, item.active = position, active
    if item.audit_state() == before:
        raise ServiceError(_("没有修改"))
    db.session.flush()
    record_change(actor, "review.checklist_item_updated", item, before)
