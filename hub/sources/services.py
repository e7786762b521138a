"""Collection points and work teams: keeping them, recording and handling their requests,
turning a request into a petition case, and the 办结率 per source.

Services take the acting user, flush and never commit; every change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case as when
from sqlalchemy import func, select

from hub.agencies.models import Agency, AgencyKind
from hub.agencies.territory import county_key, county_label, is_county
from hub.audit.services import record, record_change
from hub.auth.visibility import visible
from hub.cases import intake
from hub.cases.models import Case
from hub.cases.vocab import Channel
from hub.core.errors import ServiceError, required_text
from hub.core.types import utcnow
from hub.deadlines.services import local_today
from hub.extensions import db
from hub.sources import permissions
from hub.sources.models import (
    CaseSource,
    IntakeSource,
    RequestStatus,
    SourceKind,
    SourceRequest,
)

OLDEST_REQUEST_DAYS = 365


def create_source(actor, name: str, kind: str, county_id: int | None,
                  township_id: int | None, location: str, contact: str) -> IntakeSource:
    name = required_text(name, "name", _("请填写名称"), 100)
    if kind not in {k.value for k in SourceKind}:
        raise ServiceError(_("请选择类型：民情民意收集点或群众工作队"), "kind")
    county = db.session.get(Agency, county_id) if county_id else None
    if not is_county(county) or not county.active:
        raise ServiceError(_("请选择所在县（市）"), "county_id")
    township = db.session.get(Agency, township_id) if township_id else None
    if township_id is not None and (township is None
                                    or township.kind != AgencyKind.TOWNSHIP.value
                                    or township.parent_id != county.id):
        raise ServiceError(_("请选择%(county)s的乡镇", county=county_label(county)), "township_id")
    if not permissions.may_place(actor, county.id, township_id):
        raise ServiceError(_("只能在本辖区设立收集点或群众工作队"), "county_id")
    location = (location or "").strip()
    if len(location) > 200:
        raise ServiceError(_("不能超过 %(n)d 个字", n=200), "location")
    contact = required_text(contact, "contact", _("请填写负责人及联系方式"), 100)
    source = IntakeSource(name=name, kind=kind, county_id=county.id, township_id=township_id,
                          location=location or None, contact=contact, active=True,
                          created_by_id=actor.id)
    db.session.add(source)
    db.session.flush()
    record_change(actor, "sources.created", source, None)
    return source


def set_active(actor, source: IntakeSource, active: bool) -> None:
    if not permissions.may_work(actor, source):
        raise ServiceError(_("只能管理本辖区的收集点和群众工作队"))
    if source.active == active:
        raise ServiceError(_("已经启用") if active else _("已经停用"))
    before = source.audit_state()
    source.active = active
    db.session.flush()
    record_change(actor, "sources.enabled" if active else "sources.disabled", source, before)


def record_request(actor, source: IntakeSource, received_on: date | None, requester: str,
                   summary: str) -> SourceRequest:
    """A request (诉求) received at the point or by the team."""
    if not permissions.may_work(actor, source):
        raise ServiceError(_("只能为本辖区的收集点或群众工作队登记诉求"))
    if not source.active:
        raise ServiceError(_("该收集点（工作队）已停用，不能再登记诉求"))
    if received_on is None:
        raise ServiceError(_("请填写有效的收集日期"), "received_on")
    if received_on > local_today():
        raise ServiceError(_("收集日期不能晚于今天"), "received_on")
    if received_on < local_today() - timedelta(days=OLDEST_REQUEST_DAYS):
        raise ServiceError(_("收集日期不能早于一年前，请核对"), "received_on")
    requester = (requester or "").strip()
    if len(requester) > 50:
        raise ServiceError(_("不能超过 %(n)d 个字", n=50), "requester")
    summary = required_text(summary, "summary", _("请填写诉求内容"), 5000)
    request = SourceRequest(source_id=source.id, received_on=received_on,
                            requester=requester or None, summary=summary,
                            status=RequestStatus.OPEN.value, recorded_by_id=actor.id)
    db.session.add(request)
    db.session.flush()
    record_change(actor, "sources.request_recorded", request, None)
    return request


def _check_open(request: SourceRequest) -> None:
    if request.status == RequestStatus.DONE.value:
        raise ServiceError(_("该诉求已于 %(day)s 办结", day=request.handled_on.isoformat()))
    if request.status == RequestStatus.CASE.value:
        raise ServiceError(_("该诉求已转为信访事项，请在信访事项中继续办理"))


def handle(actor, request: SourceRequest, result: str) -> None:
    """办结: the request was answered where it was received."""
    _check_open(request)
    if not permissions.may_work(actor, request.source):
        raise ServiceError(_("只能办理本辖区收集的诉求"))
    before = request.audit_state()
    request.result = required_text(result, "result", _("请填写办理结果"), 5000)
    request.status = RequestStatus.DONE.value
    request.handled_on = local_today()
    request.handled_at = utcnow()
    request.handled_by_id = actor.id
    db.session.flush()
    record_change(actor, "sources.request_handled", request, before)


@dataclass
class CaseData:
    title: str
    category: str
    petitioner_name: str
    phone: str = ""
    channel: str = Channel.VISIT.value
    headcount: int = 1


def convert_to_case(actor, request: SourceRequest, data: CaseData) -> Case:
    """转为信访事项: registered by a 信访局 (the one way cases are created); the case
    remembers the source and the request."""
    _check_open(request)
    source = request.source
    if not permissions.may_convert(actor, source):
        raise ServiceError(_("转为信访事项即登记信访事项：请由县（市）信访局联络员或联席办办理"))
    key = county_key(source.county)
    if key is None:
        raise ServiceError(_("%(county)s不在信访事项的县（市）列表中，无法登记",
                             county=county_label(source.county)))
    content = request.summary + "\n\n" + _("来源：%(source)s，%(day)s 收集", source=source.label,
                                           day=request.received_on.isoformat())
    case = intake.register(actor, intake.Intake(
        title=data.title or "", content=content, channel=data.channel,
        category=data.category, headcount=data.headcount or 0, county=key,
        registered_on=local_today(), township_id=source.township_id,
        petitioners=[intake.PetitionerData((data.petitioner_name or "").strip(),
                                           (data.phone or "").strip() or None)]))
    db.session.add(CaseSource(case_id=case.id, source_id=source.id, request_id=request.id))
    before = request.audit_state()
    request.status = RequestStatus.CASE.value
    request.case_id = case.id
    request.handled_on = local_today()
    request.handled_at = utcnow()
    request.handled_by_id = actor.id
    db.session.flush()
    record_change(actor, "sources.request_turned_into_case", request, before)
    return case


def choices(user) -> list[IntakeSource]:
    """Active sources the user may name as a new case's source (the intake form)."""
    return list(db.session.scalars(visible(user, IntakeSource).where(
        IntakeSource.active.is_(True)).order_by(IntakeSource.county_id, IntakeSource.name)))


def attach_to_case(actor, case: Case, source_id: int) -> CaseSource:
    """Record where a case registered on the intake form came from."""
    source = db.session.scalar(visible(actor, IntakeSource).where(IntakeSource.id == source_id))
    if source is None or not source.active:
        raise ServiceError(_("请选择有效的来源（收集点或群众工作队）"), "source_id")
    link = CaseSource(case_id=case.id, source_id=source.id)
    db.session.add(link)
    db.session.flush()
    record(actor, "sources.case_sourced", "cases", case.id, after={"source_id": source.id})
    return link


@dataclass
class SourceStats:
    source: IntakeSource
    received: int
    done: int
    cases: int
    open: int

    @property
    def rate(self) -> float | None:
        """办结率 = 已办结 ÷ 收集的诉求 (None: no request yet)."""
        return self.done / self.received if self.received else None


RATE_DEFINITION = _l("办结率 = 已办结的诉求 ÷ 收集的诉求（转为信访事项的另行统计，不计入办结）")


def stats(user, kind: str | None = None) -> tuple[list[SourceStats], SourceStats]:
    """Per visible source: requests received, handled (办结), turned into cases, open."""
    def count(status: str):
        return func.sum(when((SourceRequest.status == status, 1), else_=0))

    stmt = visible(user, IntakeSource)
    if kind:
        stmt = stmt.where(IntakeSource.kind == kind)
    sources = {s.id: s for s in db.session.scalars(
        stmt.order_by(IntakeSource.county_id, IntakeSource.kind, IntakeSource.name))}
    numbers = {}
    if sources:
        numbers = {row[0]: row[1:] for row in db.session.execute(
            select(SourceRequest.source_id, func.count(SourceRequest.id),
                   count(RequestStatus.DONE.value), count(RequestStatus.CASE.value),
                   count(RequestStatus.OPEN.value))
            .where(SourceRequest.source_id.in_(list(sources)))
            .group_by(SourceRequest.source_id))}
    rows = [SourceStats(s, *(int(n or 0) for n in numbers.get(s.id, (0, 0, 0, 0))))
            for s in sources.values()]
    total = SourceStats(None, sum(r.received for r in rows), sum(r.done for r in rows),
                        sum(r.cases for r in rows), sum(r.open for r in rows))
    return rows, total


def case_origin(user, case: Case) -> dict:
    """Where a case came from, for its page: the source (and request) it was collected at,
    or the 三·三制 dispute it was turned from (linked when the user may see it)."""
    from hub.mediation.models import Dispute

    link = db.session.get(CaseSource, case.id)
    dispute_id = db.session.scalar(select(Dispute.id).where(Dispute.case_id == case.id))
    if link is None and dispute_id is None:
        return {}
    origin = {}
    if link is not None:
        origin["source"] = link.source
        origin["source_visible"] = db.session.scalar(
            visible(user, IntakeSource).where(IntakeSource.id == link.source_id)
            .with_only_columns(IntakeSource.id)) is not None
    if dispute_id is not None:
        origin["dispute_id"] = dispute_id
        origin["dispute_visible"] = db.session.scalar(
            visible(user, Dispute).where(Dispute.id == dispute_id)
            .with_only_columns(Dispute.id)) is not None
    return origin

