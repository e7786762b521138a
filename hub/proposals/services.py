"""政策完善建议: the services.  They flush, never commit; every change is audited and the
people concerned are notified.

Who: the secretariat drafts, sends, puts on a meeting's agenda, checks the effect, closes
and withdraws; a liaison of the addressee agency answers and records the measures (or the
secretariat on its behalf: the audit log and the page say so).  The answer clock (in
calendar days, ``answer_days``) runs from sending; once accepted, a clock for the first
measure (``HUB_PROPOSAL_MEASURE_DAYS``) — both chased by the chase engine
(``hub.proposals.chase``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from hub.agencies.models import Agency, AgencyKind
from hub.audit.services import record, record_change
from hub.auth.models import User, UserRole
from hub.auth.roles import Role
from hub.cases.alerts import secretariat_users
from hub.cases.intake import COUNTIES
from hub.cases.models import Case
from hub.cases.permissions import scoped
from hub.cases.vocab import CATEGORIES
from hub.core.errors import ServiceError, required_text
from hub.core.types import utcnow
from hub.deadlines import services as deadlines
from hub.deadlines.engine import Unit
from hub.deadlines.services import local_today
from hub.extensions import db
from hub.meetings import services as meetings
from hub.meetings.models import AgendaItem, Meeting
from hub.notifications.services import notify
from hub.proposals.models import (
    ANSWER_KIND,
    DEADLINE_OWNER,
    MEASURES_KIND,
    EffectCheck,
    PolicyMeasure,
    PolicyProposal,
    Status,
)
from hub.proposals.permissions import answers_for, manages
from hub.similar.models import ClusterStatus, SimilarCluster, similar_cluster_cases

MAX_CASES = 500  # member cases of one proposal
DEFAULT_WINDOW_DAYS = 90  # each window of the effect check
# A proposal goes to a body that can change a policy or practice: a department, a township,
# a 信访局, or a partner agency (e.g. 组织部 for cadres' conduct) — not a village committee.
ADDRESSEE_KINDS = tuple(k.value for k in AgencyKind if k is not AgencyKind.VILLAGE)


@dataclass
class ProposalData:
    title: str
    problem: str
    suggestion: str
    addressee_id: int | None
    addressee_name: str = ""
    counties: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    case_ids: list[int] = field(default_factory=list)
    case_numbers: list[str] = field(default_factory=list)  # typed in, besides case_ids
    answer_days: int | None = None


def _require_manager(actor, message: str) -> None:
    if not manages(actor):
        raise ServiceError(message)


def _require(proposal: PolicyProposal, allowed: Iterable[Status], message: str) -> None:
    # The row is read again under a lock: of two people acting at once, the second sees
    # the first one's change (SQLite: the request is already the only writer).
    db.session.refresh(proposal, with_for_update=True)
    if proposal.status not in {s.value for s in allowed}:
        raise ServiceError(message)


def addressees() -> list[Agency]:
    """Agencies a proposal may be addressed to (ADDRESSEE_KINDS)."""
    return list(db.session.scalars(
        select(Agency).where(Agency.active.is_(True), Agency.kind.in_(ADDRESSEE_KINDS))
        .order_by(Agency.level.desc(), Agency.code)))


def _liaisons(agency_id: int) -> list[User]:
    return list(db.session.scalars(select(User).join(UserRole).where(
        UserRole.role == Role.LIAISON.value, User.agency_id == agency_id,
        User.active.is_(True))))


def _link(proposal: PolicyProposal) -> str:
    return f"/proposals/{proposal.id}"


# --- drafting ----------------------------------------------------------------------------

def _checked(actor, data: ProposalData) -> tuple[dict, list[Case]]:
    title = required_text(data.title, "title", _("请填写建议标题"), 200)
    problem = required_text(data.problem, "problem", _("请写明反映集中的问题"), 5000)
    suggestion = required_text(data.suggestion, "suggestion", _("请写明政策完善建议"), 5000)
    addressee = db.session.get(Agency, data.addressee_id) if data.addressee_id else None
    if addressee is None or not addressee.active or addressee.kind not in ADDRESSEE_KINDS:
        raise ServiceError(_("请选择主送单位"), "addressee_id")
    name = (data.addressee_name or "").strip()
    if len(name) > 100:
        raise ServiceError(_("不能超过 %(n)d 个字", n=100), "addressee_name")
    counties = sorted(set(data.counties))
    if any(c not in COUNTIES for c in counties):
        raise ServiceError(_("请选择有效的县（市）"), "counties")
    categories = sorted(set(data.categories))
    if any(c not in CATEGORIES for c in categories):
        raise ServiceError(_("请选择有效的问题类别"), "categories")
    days = data.answer_days if data.answer_days is not None else \
        current_app.config["HUB_PROPOSAL_ANSWER_DAYS"]
    if not 1 <= days <= 180:
        raise ServiceError(_("答复期限应为 1 到 180 天"), "answer_days")
    cases = _cases(actor, data.case_ids, data.case_numbers)
    return {"title": title, "problem": problem, "suggestion": suggestion,
            "addressee_id": addressee.id, "addressee_name": name, "counties": counties,
            "categories": categories, "answer_days": days}, cases


def _cases(actor, ids: Iterable[int], numbers: Iterable[str]) -> list[Case]:
    """The member cases: each must be one the actor may see (else it is 'not found')."""
    ids = sorted(set(ids))
    numbers = sorted({n.strip().upper() for n in numbers if n and n.strip()})
    found: dict[int, Case] = {}
    if ids:
        found |= {c.id: c for c in db.session.scalars(
            scoped(actor, select(Case))[0].where(Case.id.in_(ids)))}
        if len(found) < len(ids):
            raise ServiceError(_("所选信访事项不存在或无权查看"), "case_numbers")
    if numbers:
        by_number = {c.number: c for c in db.session.scalars(
            scoped(actor, select(Case))[0].where(Case.number.in_(numbers)))}
        missing = [n for n in numbers if n not in by_number]
        if missing:
            raise ServiceError(_("未找到信访事项：%(numbers)s", numbers="、".join(missing[:10])),
                               "case_numbers")
        found |= {c.id: c for c in by_number.values()}
    if not found:
        raise ServiceError(_("请至少列入一件信访事项"), "case_numbers")
    if len(found) > MAX_CASES:
        raise ServiceError(_("一项建议最多列入 %(n)d 件信访事项", n=MAX_CASES), "case_numbers")
    return [found[i] for i in sorted(found)]


def cluster_members(actor, cluster: SimilarCluster) -> list[int]:
    """The cluster's member cases the actor may see."""
    member = similar_cluster_cases.c
    return list(db.session.scalars(
        scoped(actor, select(Case.id))[0]
        .join(similar_cluster_cases, member.case_id == Case.id)
        .where(member.cluster_id == cluster.id).order_by(Case.id)))


def from_cluster(actor, cluster: SimilarCluster) -> ProposalData:
    """A draft's fields prefilled from a cluster: its visible members, counties,
    categories, and its shared phrases in the title."""
    words = "、".join(cluster.top_words[:3])
    first = cluster.top_words[0] if cluster.top_words else ""
    return ProposalData(
        title=_("关于%(words)s问题的政策完善建议", words=first) if first else "",
        problem=_("%(n)d 件信访事项反映同一问题：%(words)s。", n=cluster.size,
                  words=words or _("（见所列信访事项）")),
        suggestion="", addressee_id=None,
        counties=[c for c, _n in cluster.counties if c in COUNTIES],
        categories=[c for c, _n in cluster.categories if c in CATEGORIES],
        case_ids=cluster_members(actor, cluster))


def draft(actor, data: ProposalData, cluster: SimilarCluster | None = None) -> PolicyProposal:
    """A new draft; from a cluster, the cluster is marked 已形成建议."""
    _require_manager(actor, _("只有联席办可以起草政策完善建议"))
    fields, cases = _checked(actor, data)
    if cluster is not None and cluster.status != ClusterStatus.OPEN.value:
        raise ServiceError(_("该聚类已排除或已形成建议"))
    proposal = PolicyProposal(**fields, cluster_id=cluster.id if cluster else None,
                              status=Status.DRAFT.value, created_by_id=actor.id,
                              created_at=utcnow())
    proposal.cases = cases
    db.session.add(proposal)
    db.session.flush()
    record_change(actor, "proposals.drafted", proposal, None)
    if cluster is not None:
        before = cluster.audit_state()
        cluster.status = ClusterStatus.PROPOSED.value
        cluster.decided_by_id, cluster.decided_at = actor.id, utcnow()
        db.session.flush()
        record_change(actor, "similar.cluster_proposed", cluster, before)
    return proposal


def update(actor, proposal: PolicyProposal, data: ProposalData) -> None:
    _require_manager(actor, _("只有联席办可以修改政策完善建议"))
    _require(proposal, (Status.DRAFT,), _("建议已送达，不能再修改"))
    fields, cases = _checked(actor, data)
    before = proposal.audit_state()
    for name, value in fields.items():
        setattr(proposal, name, value)
    proposal.cases = cases
    db.session.flush()
    record_change(actor, "proposals.updated", proposal, before)


# --- the lifecycle -----------------------------------------------------------------------

def send(actor, proposal: PolicyProposal) -> None:
    """送达: the addressee's liaisons are told; the answer clock starts."""
    _require_manager(actor, _("只有联席办可以送达政策完善建议"))
    _require(proposal, (Status.DRAFT,), _("建议已经送达"))
    before = proposal.audit_state()
    today = local_today()
    proposal.status, proposal.sent_on = Status.SENT.value, today
    deadline = deadlines.start(DEADLINE_OWNER, proposal.id, ANSWER_KIND, today,
                               proposal.answer_days, Unit.CALENDAR)
    proposal.answer_deadline_id = deadline.id
    db.session.flush()
    record_change(actor, "proposals.sent", proposal, before)
    notify(_liaisons(proposal.addressee_id), "proposal.sent",
           _("政策完善建议：%(title)s，请于 %(due)s 前答复是否采纳", title=proposal.title,
             due=deadline.due_on.isoformat()), proposal.problem[:500], _link(proposal))


def answer(actor, proposal: PolicyProposal, accepted: bool | None, note: str) -> None:
    """采纳 (with a note) or 不采纳 (with the reasons).  An accepted proposal's clock for its
    first measure starts."""
    if not answers_for(actor, proposal):
        raise ServiceError(_("只有主送单位的联络员（或联席办代为）可以答复"))
    _require(proposal, (Status.SENT,), _("该建议不在待答复状态"))
    if accepted is None:
        raise ServiceError(_("请选择采纳或不采纳"), "accepted")
    note = (note or "").strip()
    if not accepted and not note:
        raise ServiceError(_("不采纳须写明理由"), "note")
    if len(note) > 5000:
        raise ServiceError(_("不能超过 %(n)d 个字", n=5000), "note")
    before = proposal.audit_state()
    proposal.status = (Status.ACCEPTED if accepted else Status.REJECTED).value
    proposal.answered_by_id, proposal.answered_at, proposal.answer_note = actor.id, utcnow(), note
    if proposal.answer_deadline is not None:
        deadlines.complete(proposal.answer_deadline)
    if accepted:
        deadline = deadlines.start(DEADLINE_OWNER, proposal.id, MEASURES_KIND, local_today(),
                                   current_app.config["HUB_PROPOSAL_MEASURE_DAYS"],
                                   Unit.CALENDAR)
        proposal.measures_deadline_id = deadline.id
    db.session.flush()
    on_behalf = actor.agency_id != proposal.addressee_id
    record_change(actor, "proposals.accepted" if accepted else "proposals.rejected", proposal,
                  before)
    if on_behalf:
        record(actor, "proposals.answered_on_behalf", "policy_proposals", proposal.id,
               after={"addressee_id": proposal.addressee_id})
    notify([*secretariat_users(), *_liaisons(proposal.addressee_id)], "proposal.answered",
           (_("政策完善建议已采纳：%(title)s") if accepted
            else _("政策完善建议未采纳：%(title)s")) % {"title": proposal.title},
           note[:500], _link(proposal))


def add_measure(actor, proposal: PolicyProposal, text: str, adopted_on: date | None) -> None:
    """A measure adopted; the first one stops the measures clock."""
    if not answers_for(actor, proposal):
        raise ServiceError(_("只有主送单位的联络员（或联席办代为）可以登记措施"))
    _require(proposal, (Status.ACCEPTED,), _("建议采纳后才能登记采取的措施"))
    text = required_text(text, "text", _("请写明采取的措施"), 2000)
    if adopted_on is None:
        raise ServiceError(_("请填写有效的实施日期"), "adopted_on")
    if adopted_on > local_today():
        raise ServiceError(_("实施日期不能晚于今天"), "adopted_on")
    if proposal.sent_on and adopted_on < proposal.sent_on - timedelta(days=365):
        raise ServiceError(_("实施日期早于建议送达一年以上，请核对"), "adopted_on")
    measure = PolicyMeasure(proposal_id=proposal.id, text=text, adopted_on=adopted_on,
                            recorded_by_id=actor.id, recorded_at=utcnow())
    proposal.measures.append(measure)
    if proposal.measures_deadline is not None and proposal.measures_deadline.done_at is None:
        deadlines.complete(proposal.measures_deadline)
    db.session.flush()
    record_change(actor, "proposals.measure_added", measure, None)
    notify(secretariat_users(), "proposal.measure",
           _("政策完善建议「%(title)s」已登记措施（%(day)s 实施）", title=proposal.title,
             day=adopted_on.isoformat()), text[:500], _link(proposal))


def area_counts(proposal: PolicyProposal, since: date, until: date) -> int:
    """Petitions in the proposal's area (its counties × categories; an empty list: any)
    registered in the local days [since, until), restricted cases left out."""
    from hub.similar.clusters import bounds

    start, end = bounds(since, until)
    stmt = select(func.count()).select_from(Case).where(
        Case.registered_at >= start, Case.registered_at < end, Case.restricted.is_(False))
    if proposal.counties:
        stmt = stmt.where(Case.county.in_(proposal.counties))
    if proposal.categories:
        stmt = stmt.where(Case.category.in_(proposal.categories))
    return db.session.scalar(stmt)


def check_effect(actor, proposal: PolicyProposal, conclusion: str,
                 window_days: int | None = DEFAULT_WINDOW_DAYS) -> EffectCheck:
    """效果评估: count the area's petitions in ``window_days`` before the first measure and
    in as much of the same length after it as has passed (today included)."""
    _require_manager(actor, _("只有联席办可以评估建议的效果"))
    _require(proposal, (Status.ACCEPTED,), _("建议采纳并登记措施后才能评估效果"))
    if not proposal.measures:
        raise ServiceError(_("尚未登记采取的措施，不能评估效果"))
    if window_days is None or not 7 <= window_days <= 365:
        raise ServiceError(_("评估窗口应为 7 到 365 天"), "window_days")
    conclusion = required_text(conclusion, "conclusion", _("请写明评估结论"), 5000)
    measure_on = min(m.adopted_on for m in proposal.measures)
    today = local_today()
    after_until = min(measure_on + timedelta(days=window_days), today + timedelta(days=1))
    check = EffectCheck(
        proposal_id=proposal.id, checked_on=today, measure_on=measure_on,
        window_days=window_days, after_days=(after_until - measure_on).days,
        before_count=area_counts(proposal, measure_on - timedelta(days=window_days),
                                 measure_on),
        after_count=area_counts(proposal, measure_on, after_until),
        conclusion=conclusion, checked_by_id=actor.id, created_at=utcnow())
    proposal.checks.append(check)
    db.session.flush()
    record_change(actor, "proposals.effect_checked", check, None)
    return check


def close(actor, proposal: PolicyProposal) -> None:
    """办结: a rejected proposal, or an accepted one whose effect has been checked."""
    _require_manager(actor, _("只有联席办可以办结政策完善建议"))
    _require(proposal, (Status.ACCEPTED, Status.REJECTED), _("该建议不能办结"))
    if proposal.status == Status.ACCEPTED.value and not proposal.checks:
        raise ServiceError(_("已采纳的建议须评估效果后才能办结"))
    before = proposal.audit_state()
    proposal.status, proposal.closed_at = Status.CLOSED.value, utcnow()
    db.session.flush()
    record_change(actor, "proposals.closed", proposal, before)


def withdraw(actor, proposal: PolicyProposal, reason: str) -> None:
    """撤回 a draft or an unanswered proposal; its cluster is open again."""
    _require_manager(actor, _("只有联席办可以撤回政策完善建议"))
    _require(proposal, (Status.DRAFT, Status.SENT), _("已答复的建议不能撤回"))
    reason = required_text(reason, "reason", _("请写明撤回理由"), 2000)
    before = proposal.audit_state()
    was_sent = proposal.status == Status.SENT.value
    proposal.status, proposal.withdrawn_reason = Status.WITHDRAWN.value, reason
    if proposal.answer_deadline is not None and proposal.answer_deadline.done_at is None:
        deadlines.complete(proposal.answer_deadline)
    cluster = db.session.get(SimilarCluster, proposal.cluster_id) if proposal.cluster_id else None
    if cluster is not None and cluster.status == ClusterStatus.PROPOSED.value:
        cluster_before = cluster.audit_state()
        cluster.status = ClusterStatus.OPEN.value
        cluster.decided_by_id = cluster.decided_at = None
        record_change(actor, "similar.cluster_reopened", cluster, cluster_before)
    db.session.flush()
    record_change(actor, "proposals.withdrawn", proposal, before)
    if was_sent:
        notify(_liaisons(proposal.addressee_id), "proposal.withdrawn",
               _("政策完善建议已撤回：%(title)s", title=proposal.title), reason[:500],
               _link(proposal))


# --- joint meetings ----------------------------------------------------------------------

def put_on_agenda(actor, proposal: PolicyProposal, meeting: Meeting) -> AgendaItem:
    """列入联席会议议程 (the meeting's own agenda service adds the item)."""
    _require_manager(actor, _("只有联席办可以将建议列入会议议程"))
    if proposal.status in (Status.CLOSED.value, Status.WITHDRAWN.value):
        raise ServiceError(_("已办结或已撤回的建议不再列入议程"))
    if any(i.proposal_id == proposal.id for i in meeting.items):
        raise ServiceError(_("该建议已在此次会议的议程中"), "meeting_id")
    item = meetings.add_item(actor, meeting, _("政策完善建议：%(title)s", title=proposal.title))
    item.proposal_id = proposal.id
    db.session.flush()
    record(actor, "proposals.on_agenda", "policy_proposals", proposal.id,
           after={"meeting_id": meeting.id, "item_id": item.id})
    return item


def agenda_items(proposal: PolicyProposal) -> list[AgendaItem]:
    """The agenda items (with their meetings and outcomes) that discussed the proposal."""
    return list(db.session.scalars(
        select(AgendaItem).join(Meeting).where(AgendaItem.proposal_id == proposal.id)
        .order_by(Meeting.starts_at)))
