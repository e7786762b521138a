"""三·三制: registering a dispute, recording attempts, moving it up, turning it into a case.

Services take the acting user, flush and never commit; every change is audited.  The rule
(德宏州 三·三制): a dispute is mediated at 村民小组, then 村委会, then 乡镇, with at least three
recorded attempts at a level before it moves up — or an exception with a reason approved
by the township.  A resolved dispute is closed at the level that solved it; one the
township cannot resolve may become a petition case (登记 through hub.cases.intake).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from hub.agencies.models import Agency, AgencyKind
from hub.agencies.territory import (
    county_key,
    county_label,
    county_of,
    territory_of,
    township_of,
    within,
)
from hub.audit.services import record_change
from hub.auth.models import User
from hub.cases import intake
from hub.cases.models import Case
from hub.cases.vocab import Channel
from hub.core.errors import ServiceError, required_text
from hub.deadlines.services import local_date, local_today
from hub.extensions import db
from hub.mediation import permissions
from hub.mediation.models import (
    CASE_CATEGORIES,
    CATEGORIES,
    LEVEL_LABELS,
    RESULT_LABELS,
    Attempt,
    Dispute,
    Escalation,
    Level,
    Result,
    Status,
)

MIN_ATTEMPTS = 3  # 三·三制: 同一起纠纷每一级调处 3 次以上
OLDEST_REPORT_DAYS = 365  # a dispute registered now was reported within the last year


@dataclass
class DisputeData:
    title: str
    summary: str
    category: str
    parties: str
    village_id: int | None
    group_name: str
    reported_on: date | None


def _flush() -> None:
    try:
        db.session.flush()
    except StaleDataError:
        raise ServiceError(_("该纠纷刚被他人更新，请刷新页面后重试")) from None


def _level_label(level: str) -> str:
    return str(LEVEL_LABELS[Level(level)])


def register(actor, data: DisputeData) -> Dispute:
    """登记 a dispute at the 村民小组 level of a village in the actor's territory."""
    if not permissions.may_register(actor):
        raise ServiceError(_("只有村、乡镇或县信访局的联络员可以登记矛盾纠纷"))
    title = required_text(data.title, "title", _("请填写纠纷标题"), 200)
    summary = required_text(data.summary, "summary", _("请填写纠纷简要情况"), 5000)
    if data.category not in CATEGORIES:
        raise ServiceError(_("请选择纠纷类别"), "category")
    parties = required_text(data.parties, "parties", _("请填写当事人"), 500)
    village = db.session.get(Agency, data.village_id) if data.village_id else None
    if village is None or village.kind != AgencyKind.VILLAGE.value or not village.active:
        raise ServiceError(_("请选择纠纷发生的村（社区）"), "village_id")
    township, county = township_of(village), county_of(village)
    if township is None or county is None:
        raise ServiceError(_("该村不在任何乡镇和县（市）之下，请先在单位管理中调整"),
                           "village_id")
    if not within(territory_of(actor), county_id=county.id, township_id=township.id,
                  village_id=village.id):
        raise ServiceError(_("只能登记本辖区的矛盾纠纷"), "village_id")
    group = required_text(data.group_name, "group_name", _("请填写村民小组"), 100)
    if data.reported_on is None:
        raise ServiceError(_("请填写有效的发现日期"), "reported_on")
    if data.reported_on > local_today():
        raise ServiceError(_("发现日期不能晚于今天"), "reported_on")
    if data.reported_on < local_today() - timedelta(days=OLDEST_REPORT_DAYS):
        raise ServiceError(_("发现日期不能早于一年前，请核对"), "reported_on")
    dispute = Dispute(title=title, summary=summary, category=data.category, parties=parties,
                      group_name=group, village_id=village.id, township_id=township.id,
                      county_id=county.id, reported_on=data.reported_on,
                      level=Level.GROUP.value, status=Status.OPEN.value,
                      created_by_id=actor.id)
    db.session.add(dispute)
    db.session.flush()
    record_change(actor, "mediation.registered", dispute, None)
    return dispute


def _check_open(dispute: Dispute, expected_level: str | None) -> None:
    if dispute.status == Status.RESOLVED.value:
        raise ServiceError(_("该纠纷已在%(level)s一级化解，已经办结",
                             level=_level_label(dispute.resolved_level)))
    if dispute.status == Status.CASE.value:
        raise ServiceError(_("该纠纷已转为信访事项，请在信访事项中继续办理"))
    if expected_level is not None and expected_level != dispute.level:
        raise ServiceError(_("该纠纷已在%(level)s一级调处，页面已过期，请刷新后重试",
                             level=_level_label(dispute.level)))


def reached_level_on(dispute: Dispute) -> date:
    """The day the dispute came to its current level (registration, or the last move up)."""
    if dispute.escalations:
        return local_date(dispute.escalations[-1].escalated_at)
    return dispute.reported_on


def record_attempt(actor, dispute: Dispute, held_on: date | None, mediators: str,
                   parties_present: str, result: str, note: str = "",
                   expected_level: str | None = None) -> Attempt:
    """One mediation at the current level.  A successful one closes the dispute there."""
    _check_open(dispute, expected_level)
    if not permissions.may_record(actor, dispute):
        raise ServiceError(_("您不能在%(level)s一级记录这起纠纷的调解",
                             level=_level_label(dispute.level)))
    if held_on is None:
        raise ServiceError(_("请填写有效的调解日期"), "held_on")
    if held_on > local_today():
        raise ServiceError(_("调解日期不能晚于今天"), "held_on")
    since = reached_level_on(dispute)
    if held_on < since:
        raise ServiceError(_("调解日期不能早于纠纷到达本级的日期（%(day)s）",
                             day=since.isoformat()), "held_on")
    mediators = required_text(mediators, "mediators", _("请填写调解员"), 500)
    parties_present = required_text(parties_present, "parties_present", _("请填写到场当事人"), 500)
    if result not in (Result.RESOLVED.value, Result.UNRESOLVED.value):
        raise ServiceError(_("请选择调解结果"), "result")
    note = (note or "").strip()
    if result == Result.RESOLVED.value and not note:
        raise ServiceError(_("化解的纠纷请填写调解协议或化解结果"), "note")
    if len(note) > 5000:
        raise ServiceError(_("不能超过 %(n)d 个字", n=5000), "note")
    attempt = Attempt(dispute_id=dispute.id, level=dispute.level, held_on=held_on,
                      mediators=mediators, parties_present=parties_present, result=result,
                      note=note or None, recorded_by_id=actor.id)
    dispute.attempts.append(attempt)
    before = dispute.audit_state()
    if result == Result.RESOLVED.value:
        # 就地化解: closed at the level that solved it.
        dispute.status = Status.RESOLVED.value
        dispute.resolved_level = dispute.level
        dispute.resolved_on = held_on
        dispute.resolution = note
    _flush()
    record_change(actor, "mediation.attempt_recorded", attempt, None)
    if result == Result.RESOLVED.value:
        record_change(actor, "mediation.resolved", dispute, before)
    return attempt


def unresolved_attempts(dispute: Dispute, level: str | None = None) -> int:
    level = level or dispute.level
    return sum(1 for a in dispute.attempts
               if a.level == level and a.result == Result.UNRESOLVED.value)


def approvers(dispute: Dispute) -> list[User]:
    """Officials of the dispute's township who may approve an early move up."""
    users = db.session.scalars(select(User).where(User.agency_id == dispute.township_id,
                                                  User.active.is_(True))
                               .order_by(User.display_name)).all()
    return [u for u in users if permissions.may_approve_exception(u, dispute)]


def escalate(actor, dispute: Dispute, reason: str = "", approver_id: int | None = None,
             expected_level: str | None = None) -> Escalation:
    """Move the dispute up one level (村民小组 → 村委会 → 乡镇)."""
    _check_open(dispute, expected_level)
    if not permissions.may_record(actor, dispute):
        raise ServiceError(_("您不能上移这起纠纷"))
    current = dispute.level_enum
    target = current.next
    if target is None:
        raise ServiceError(_("乡镇已是三·三制的最高一级，不能再上移；在乡镇调解 3 次以上仍未化解的"
                             "纠纷可转为信访事项"))
    done = unresolved_attempts(dispute)
    reason = (reason or "").strip()
    exception = done < MIN_ATTEMPTS
    approver = None
    if exception:
        if not reason and approver_id is None:
            raise ServiceError(_("在%(level)s一级只调解了 %(n)d 次：三·三制要求同一级调解 3 次以上"
                                 "仍未化解才能上移。确需提前上移的，请写明理由并经乡镇批准",
                                 level=current.label, n=done), "reason")
        if not reason:
            raise ServiceError(_("请写明提前上移的理由"), "reason")
        if len(reason) > 2000:
            raise ServiceError(_("不能超过 %(n)d 个字", n=2000), "reason")
        approver = db.session.get(User, approver_id) if approver_id else None
        if approver is None:
            raise ServiceError(_("提前上移须经乡镇批准：请选择批准人"), "approver_id")
        if not permissions.may_approve_exception(approver, dispute):
            raise ServiceError(_("批准人须是%(township)s的工作人员",
                                 township=dispute.township.name), "approver_id")
    before = dispute.audit_state()
    step = Escalation(dispute_id=dispute.id, from_level=current.value, to_level=target.value,
                      attempts=done, exception=exception, reason=reason or None,
                      approved_by_id=approver.id if approver else None,
                      escalated_by_id=actor.id)
    dispute.escalations.append(step)
    dispute.level = target.value
    _flush()
    record_change(actor, "mediation.escalated", step, None)
    record_change(actor, "mediation.level_changed", dispute, before)
    return step


def conversion_problem(dispute: Dispute) -> str | None:
    """Why the dispute cannot become a petition case yet (None: it can)."""
    if dispute.status != Status.OPEN.value:
        return _("只有调处中的纠纷可以转为信访事项")
    if dispute.level != Level.TOWNSHIP.value:
        return _("纠纷尚在%(level)s一级调处：须逐级上移到乡镇，在乡镇调解 3 次以上仍未化解，"
                 "才能转为信访事项", level=dispute.level_enum.label)
    done = unresolved_attempts(dispute)
    if done < MIN_ATTEMPTS:
        return _("乡镇一级已调解 %(n)d 次：在乡镇调解 3 次以上仍未化解的纠纷才能转为信访事项",
                 n=done)
    return None


def _case_content(dispute: Dispute) -> str:
    lines = [dispute.summary, "", _("当事人：%(parties)s", parties=dispute.parties),
             _("三·三制调处经过：")]
    for a in dispute.attempts:
        lines.append(_("%(day)s %(level)s 调解员：%(mediators)s；到场：%(present)s；结果：%(result)s",
                       day=a.held_on.isoformat(), level=_level_label(a.level),
                       mediators=a.mediators, present=a.parties_present,
                       result=RESULT_LABELS[Result(a.result)])
                     + (f"（{a.note}）" if a.note else ""))
    return "\n".join(lines)


def convert_to_case(actor, dispute: Dispute, petitioner_name: str, phone: str = "",
                    channel: str = Channel.VISIT.value, headcount: int = 1) -> Case:
    """转为信访事项: the township could not resolve it; the county's 信访局 registers a case
    (the one way cases are created) and the two are linked."""
    problem = conversion_problem(dispute)
    if problem:
        raise ServiceError(problem)
    if not permissions.may_convert(actor, dispute):
        raise ServiceError(_("转为信访事项即登记信访事项：请由县（市）信访局联络员或联席办办理"))
    key = county_key(dispute.county)
    if key is None:
        raise ServiceError(_("%(county)s不在信访事项的县（市）列表中，无法登记",
                             county=county_label(dispute.county)))
    data = intake.Intake(
        title=dispute.title, content=_case_content(dispute), channel=channel,
        category=CASE_CATEGORIES.get(dispute.category, "other"), headcount=headcount or 0,
        county=key, registered_on=local_today(),
        petitioners=[intake.PetitionerData((petitioner_name or "").strip(),
                                           (phone or "").strip() or None)],
        township_id=dispute.township_id, village=dispute.village.name)
    case = intake.register(actor, data)
    before = dispute.audit_state()
    dispute.status = Status.CASE.value
    dispute.case_id = case.id
    _flush()
    record_change(actor, "mediation.turned_into_case", dispute, before)
    return case


def dispute_of_case(user, case: Case) -> Dispute | None:
    """The dispute a case came from, when the user may see it."""
    from hub.auth.visibility import visible

    return db.session.scalar(visible(user, Dispute).where(Dispute.case_id == case.id))
