"""督查 notices (respond, close) and the monthly 通报 list (page and .xlsx)."""

from __future__ import annotations

import io

from flask_babel import gettext as _
from sqlalchemy import or_, select

from hub.agencies.models import Agency
from hub.audit.services import record_change
from hub.auth.models import User
from hub.cases import permissions
from hub.cases.models import Case
from hub.chase.models import CircularEntry, InspectionNotice
from hub.core.errors import ServiceError
from hub.core.exports import append_row
from hub.core.types import utcnow
from hub.extensions import db


def respond(actor, notice: InspectionNotice, text: str) -> None:
    """The leader (or their agency's liaison) answers a 督查 notice in writing."""
    if actor.id != notice.leader_id and actor.agency_id != notice.agency_id:
        raise ServiceError(_("只有被督查的领导或其单位可以书面说明"))
    if notice.closed_at is not None:
        raise ServiceError(_("该督查通知已办结"))
    if not (text or "").strip():
        raise ServiceError(_("请填写书面说明"), "response")
    before = notice.audit_state()
    notice.response = text.strip()
    notice.responded_at = utcnow()
    db.session.flush()
    record_change(actor, "chase.notice_answered", notice, before)


def close_notice(actor, notice: InspectionNotice) -> None:
    if not permissions.is_secretariat(actor):
        raise ServiceError(_("只有联席办可以办结督查通知"))
    if notice.responded_at is None:
        raise ServiceError(_("尚未收到书面说明，不能办结"))
    if notice.closed_at is not None:
        raise ServiceError(_("该督查通知已办结"))
    before = notice.audit_state()
    notice.closed_at = utcnow()
    db.session.flush()
    record_change(actor, "chase.notice_closed", notice, before)


def circular_rows(visible_cases, month: str):
    """The month's 通报 entries with leader, agency and case, for cases the user may see."""
    stmt = (select(CircularEntry, User.display_name, Agency.name, Case.number)
            .join(User, User.id == CircularEntry.leader_id, isouter=True)
            .join(Agency, Agency.id == CircularEntry.agency_id, isouter=True)
            .join(Case, Case.id == CircularEntry.case_id, isouter=True)
            .where(CircularEntry.month == month,
                   or_(CircularEntry.case_id.is_(None),  # e.g. a meeting task about no case
                       CircularEntry.case_id.in_(visible_cases.with_only_columns(Case.id))))
            .order_by(Agency.name, User.display_name, CircularEntry.id))
    return db.session.execute(stmt).all()


def circular_xlsx(rows, month: str) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = month
    append_row(ws, [_("%(month)s 包案职责逾期通报", month=month)])
    append_row(ws, [_("序号"), _("单位"), _("包案领导"), _("信访事项"), _("事项"), _("逾期天数"),
                    _("列入日期")])
    for n, (entry, leader, agency, number) in enumerate(rows, start=1):
        append_row(ws, [n, agency or "", leader or "", number or "", entry.subject,
                        entry.days_overdue, entry.created_on.isoformat()])
    for column, width in zip("ABCDEFG", (6, 28, 16, 16, 40, 10, 12), strict=True):
        ws.column_dimensions[column].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
