"""The steps of a case under the 2022 《信访工作条例》.

Each transition is a service: it checks who may do it and from which status, what it
needs, does it, starts the next step's clock, and audits.  Refusals say why, in Chinese.
``version`` is the case version the user's page showed: if someone else changed the case
since, the change is refused (stale page).
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from hub.agencies.models import Agency
from hub.audit.services import record_change
from hub.cases import permissions, steps
from hub.cases.models import Case
from hub.cases.vocab import RATINGS, ParticipantRole, Stage, Status
from hub.core.errors import ServiceError, required_text
from hub.core.types import utcnow
from hub.deadlines import services as deadlines
from hub.deadlines.rules import rule
from hub.deadlines.services import local_today
from hub.extensions import db


def _check_version(case: Case, version: int | None) -> None:
    if version is not None and version != case.version:
        raise ServiceError(_("该信访事项已被他人更新（例如卡片已被移动），请刷新页面后再操作"))


def _require_status(case: Case, allowed: set[Status], action: str) -> None:
    if Status(case.status) not in allowed:
        from hub.cases.vocab import STATUS_LABELS

        raise ServiceError(_("当前状态为“%(status)s”，不能%(action)s",
                             status=STATUS_LABELS[Status(case.status)], action=action))


def _done(actor, case: Case, action: str, before: dict, actor_name: str | None = None) -> None:
    steps.sync_index(case)
    record_change(actor, f"cases.{action}", case, before, actor_name=actor_name)


def forward(actor, case: Case, lead: Agency, assist: list[Agency] = (),
            version: int | None = None) -> None:
    """转送/交办 to the handling agency; it must say within 15 days whether it accepts
    (第二十三条)."""
    _check_version(case, version)
    if not permissions.may_route(actor, case):
        raise ServiceError(_("只有登记的信访局或联席办可以转送、交办"))
    _require_status(case, {Status.REGISTERED}, _("转送或交办"))
    if not lead.active:
        raise ServiceError(_("所选主办单位已停用"), "lead_agency_id")
    before = case.audit_state()
    case.lead_agency = lead
    case.lead_agency_id = lead.id
    steps.add_participant(case, lead, ParticipantRole.LEAD)
    for agency in assist:
        if agency.id != lead.id:
            steps.add_participant(case, agency, ParticipantRole.ASSIST)
    case.status = Status.FORWARDED.value
    steps.set_stage(case, Stage.ASSIGNED)
    steps.start_step(case, "case.accept", local_today())
    _done(actor, case, "forwarded", before)


def accept(actor, case: Case, version: int | None = None) -> None:
    """受理: the 60-day handling clock starts (第三十四条)."""
    _check_version(case, version)
    if not permissions.may_handle(actor, case):
        raise ServiceError(_("只有主办单位或联席办可以受理"))
    _require_status(case, {Status.FORWARDED}, _("受理"))
    before = case.audit_state()
    case.status = Status.ACCEPTED.value
    steps.set_stage(case, Stage.HANDLING)
    steps.start_step(case, "case.handle", local_today())
    _done(actor, case, "accepted", before)


def refuse(actor, case: Case, reason: str, version: int | None = None) -> None:
    """不予受理, with the reason told to the petitioner."""
    _check_version(case, version)
    if not permissions.may_handle(actor, case):
        raise ServiceError(_("只有主办单位或联席办可以作出不予受理决定"))
    _require_status(case, {Status.FORWARDED}, _("作出不予受理决定"))
    reason = required_text(reason, "reason", _("不予受理须说明理由"))
    before = case.audit_state()
    case.status = Status.NOT_ACCEPTED.value
    case.not_accepted_reason = reason
    case.closed_at = utcnow()
    steps.finish_step(case)
    steps.set_stage(case, Stage.CLOSED)
    _done(actor, case, "not_accepted", before)


def extend(actor, case: Case, days: int, reason: str, approver: str,
           version: int | None = None) -> None:
    """延期: once, up to 30 days, approved by the body's head, reason told (第三十四条)."""
    _check_version(case, version)
    if not permissions.may_handle(actor, case):
        raise ServiceError(_("只有主办单位或联席办可以申请延期"))
    _require_status(case, {Status.ACCEPTED}, _("延期"))
    deadline = steps.current_deadline(case)
    before = case.audit_state()
    deadlines.extend(actor, deadline, days, reason, approver)
    case.extended = True
    steps.mirror(case, deadline)
    _done(actor, case, "extended", before)


def record_progress(actor, case: Case, note: str, version: int | None = None) -> None:
    """A progress note: the case stops counting as "no progress" for the yellow warning."""
    _check_version(case, version)
    if not (permissions.may_handle(actor, case) or permissions.participates(actor, case)):
        raise ServiceError(_("只有参与单位可以记录办理进展"))
    note = required_text(note, "note", _("请填写进展情况"))
    deadline = steps.current_deadline(case)
    if deadline is None:
        raise ServiceError(_("该信访事项当前没有计时中的环节"))
    before = case.audit_state()
    deadlines.record_progress(deadline)
    steps.mirror(case, deadline)
    steps.sync_index(case)
    record_change(actor, "cases.progress", case, {**before, "note": note})


def supervise(actor, case: Case, on: bool, version: int | None = None) -> None:
    """督办: the secretariat puts a case in hand under supervision (or ends it)."""
    _check_version(case, version)
    if not permissions.is_secretariat(actor):
        raise ServiceError(_("只有联席办可以挂牌督办"))
    _require_status(case, {Status.ACCEPTED, Status.REVIEW, Status.RECHECK}, _("督办"))
    if case.supervised == on:
        raise ServiceError(_("该信访事项已在督办中") if on else _("该信访事项不在督办中"))
    before = case.audit_state()
    case.supervised = on
    steps.set_stage(case, Stage.SUPERVISED if on else Stage.HANDLING)
    _done(actor, case, "supervised" if on else "supervision_ended", before)


def reply(actor, case: Case, text: str, public: bool | None = None,
          version: int | None = None) -> None:
    """答复: the written opinion; the petitioner may ask for 复查 within 30 days."""
    _check_version(case, version)
    if not permissions.may_handle(actor, case):
        raise ServiceError(_("只有主办单位或联席办可以答复"))
    _require_status(case, {Status.ACCEPTED}, _("答复"))
    text = required_text(text, "reply_text", _("答复须附书面答复意见"))
    before = case.audit_state()
    case.reply_text = text
    case.replied_at = utcnow()
    if public is not None:
        case.public = public
    case.status = Status.REPLIED.value
    case.supervised = False
    steps.set_stage(case, Stage.RESOLVED)
    steps.start_step(case, "case.review_request", local_today())
    _done(actor, case, "replied", before)


def rate(actor, case: Case, rating: str, version: int | None = None) -> None:
    """评价: the petitioner's rating of the reply (满意/基本满意/不满意)."""
    _check_version(case, version)
    if not (permissions.may_handle(actor, case) or permissions.may_route(actor, case)):
        raise ServiceError(_("只有主办单位、登记的信访局或联席办可以录入评价"))
    _require_status(case, {Status.REPLIED, Status.REVIEWED, Status.RECHECKED}, _("录入评价"))
    if rating not in RATINGS:
        raise ServiceError(_("请选择满意、基本满意或不满意"), "rating")
    before = case.audit_state()
    case.rating = rating
    _done(actor, case, "rated", before)


RATEABLE = {Status.REPLIED, Status.REVIEWED, Status.RECHECKED}


def rate_by_petitioner(case: Case, rating: str, actor_name: str) -> None:
    """评价 by the petitioner themself, on the public portal (可评价): the portal has checked
    the query code and secret.  One rating; an officer's entry counts as given."""
    if case.replied_at is None:
        raise ServiceError(_("该事项尚未答复，答复后才能评价"))
    if case.rating is not None:
        raise ServiceError(_("该事项已经评价，不能重复评价"))
    if Status(case.status) not in RATEABLE:
        raise ServiceError(_("该事项已办结或正在复查、复核，当前不能评价"))
    if rating not in RATINGS:
        raise ServiceError(_("请选择满意、基本满意或不满意"), "rating")
    before = case.audit_state()
    case.rating = rating
    _done(None, case, "rated", before, actor_name=actor_name)


def close(actor, case: Case, version: int | None = None) -> None:
    """办结 / 销号: the secretariat confirms the matter is resolved."""
    _check_version(case, version)
    if not permissions.is_secretariat(actor):
        raise ServiceError(_("只有联席办可以销号"))
    _require_status(case, {Status.REPLIED, Status.REVIEWED, Status.RECHECKED}, _("销号"))
    before = case.audit_state()
    case.status = Status.CLOSED.value
    case.closed_at = utcnow()
    steps.finish_step(case)
    steps.set_stage(case, Stage.CLOSED)
    _done(actor, case, "closed", before)


def _within_window(case: Case, requested_on: date, kind: str) -> None:
    deadline = steps.current_deadline(case)
    if requested_on > local_today():
        raise ServiceError(_("申请日期不能晚于今天"), "requested_on")
    if deadline is None or deadline.kind != kind:
        raise ServiceError(_("该信访事项不在可申请的期间内"))
    if requested_on < deadline.start_on:
        raise ServiceError(_("申请日期不能早于答复或意见出具日"), "requested_on")
    if requested_on > deadline.due_on:
        raise ServiceError(
            _("已超过 %(days)d 日的申请期限（截止 %(due)s），不能再申请",
              days=rule(kind).days, due=deadline.due_on.isoformat()), "requested_on")


def request_review(actor, case: Case, requested_on: date, version: int | None = None) -> None:
    """复查: the petitioner asks within 30 days of the reply; opinion due in 30 days."""
    _check_version(case, version)
    if not (permissions.may_route(actor, case) or permissions.may_handle(actor, case)):
        raise ServiceError(_("只有登记的信访局、主办单位或联席办可以登记复查申请"))
    _require_status(case, {Status.REPLIED}, _("申请复查"))
    _within_window(case, requested_on, "case.review_request")
    before = case.audit_state()
    case.status = Status.REVIEW.value
    steps.set_stage(case, Stage.HANDLING)
    steps.start_step(case, "case.review", requested_on)
    _done(actor, case, "review_requested", before)


def review_opinion(actor, case: Case, text: str, version: int | None = None) -> None:
    _check_version(case, version)
    if not permissions.may_handle(actor, case):
        raise ServiceError(_("只有主办单位或联席办可以出具复查意见"))
    _require_status(case, {Status.REVIEW}, _("出具复查意见"))
    text = required_text(text, "review_text", _("请填写复查意见"))
    before = case.audit_state()
    case.review_text = text
    case.reviewed_at = utcnow()
    case.status = Status.REVIEWED.value
    case.supervised = False
    steps.set_stage(case, Stage.RESOLVED)
    steps.start_step(case, "case.recheck_request", local_today())
    _done(actor, case, "reviewed", before)


def request_recheck(actor, case: Case, requested_on: date, version: int | None = None) -> None:
    """复核: within 30 days of the 复查 opinion; opinion due in 30 days (第三十六条)."""
    _check_version(case, version)
    if not (permissions.may_route(actor, case) or permissions.may_handle(actor, case)):
        raise ServiceError(_("只有登记的信访局、主办单位或联席办可以登记复核申请"))
    _require_status(case, {Status.REVIEWED}, _("申请复核"))
    _within_window(case, requested_on, "case.recheck_request")
    before = case.audit_state()
    case.status = Status.RECHECK.value
    steps.set_stage(case, Stage.HANDLING)
    steps.start_step(case, "case.recheck", requested_on)
    _done(actor, case, "recheck_requested", before)


def hearing(actor, case: Case, start: bool, on: date, reason: str = "",
            version: int | None = None) -> None:
    """听证 during 复核: hearing time does not count toward the 30 days."""
    _check_version(case, version)
    if not permissions.may_handle(actor, case):
        raise ServiceError(_("只有主办单位或联席办可以登记听证"))
    _require_status(case, {Status.RECHECK}, _("登记听证"))
    if on > local_today():
        raise ServiceError(_("日期不能晚于今天"), "on")
    deadline = steps.current_deadline(case)
    before = case.audit_state()
    if start:
        deadlines.pause(actor, deadline, on, reason or _("听证"))
        steps.mirror(case, deadline)
    else:
        deadlines.resume(actor, deadline, on)
        steps.mirror(case, deadline)
    _done(actor, case, "hearing_started" if start else "hearing_ended", before)


def recheck_opinion(actor, case: Case, text: str, version: int | None = None) -> None:
    """复核意见: final; the same matter is not accepted again."""
    _check_version(case, version)
    if not permissions.may_handle(actor, case):
        raise ServiceError(_("只有主办单位或联席办可以出具复核意见"))
    _require_status(case, {Status.RECHECK}, _("出具复核意见"))
    deadline = steps.current_deadline(case)
    if deadline is not None and deadline.paused:
        raise ServiceError(_("听证尚未结束，请先登记听证结束"))
    text = required_text(text, "recheck_text", _("请填写复核意见"))
    before = case.audit_state()
    case.recheck_text = text
    case.rechecked_at = utcnow()
    case.status = Status.RECHECKED.value
    case.supervised = False
    steps.finish_step(case)
    steps.set_stage(case, Stage.RESOLVED)
    _done(actor, case, "rechecked", before)


def set_to_discuss(actor, case: Case, on: bool) -> None:
    """待会商: mark a case for a joint consultation (feeds meeting agendas)."""
    if not (permissions.is_secretariat(actor) or permissions.participates(actor, case)):
        raise ServiceError(_("只有参与单位或联席办可以标记待会商"))
    if case.to_discuss == on:
        return
    before = case.audit_state()
    case.to_discuss = on
    db.session.flush()
    record_change(actor, "cases.to_discuss" if on else "cases.discussed", case, before)


# Board moves that need no further input map onto these transitions; the others need a
# form on the case page (the refusal says which).
def move(actor, case: Case, target: Stage, version: int | None = None) -> None:
    current = Stage(case.stage)
    if target == current:
        raise ServiceError(_("卡片已在该列"))
    if current is Stage.ASSIGNED and target is Stage.HANDLING:
        return accept(actor, case, version)
    if current is Stage.HANDLING and target is Stage.SUPERVISED:
        return supervise(actor, case, True, version)
    if current is Stage.SUPERVISED and target is Stage.HANDLING:
        return supervise(actor, case, False, version)
    if current is Stage.RESOLVED and target is Stage.CLOSED:
        return close(actor, case, version)
    needs_form = {
        (Stage.SORT, Stage.ASSIGNED): _("交办需要选择主办单位，请在详情页操作"),
        (Stage.HANDLING, Stage.RESOLVED): _("答复需要填写书面答复意见，请在详情页操作"),
        (Stage.SUPERVISED, Stage.RESOLVED): _("答复需要填写书面答复意见，请在详情页操作"),
        (Stage.RESOLVED, Stage.HANDLING): _("复查、复核申请需要填写申请日期，请在详情页操作"),
    }
    message = needs_form.get((current, target))
    if message:
        raise ServiceError(message)
    from hub.cases.vocab import STAGE_LABELS

    raise ServiceError(_("不能从“%(a)s”直接移到“%(b)s”", a=STAGE_LABELS[current],
                         b=STAGE_LABELS[target]))


def actions_for(user, case: Case, *, board: bool = False) -> list[str]:
    """The steps this user may take on this case now (what the case page offers).

    ``board=True`` leaves out what a board card does not offer (the 待会商 marker), so the
    card needs no participant rows."""
    status = Status(case.status)
    handle = permissions.may_handle(user, case)
    route = permissions.may_route(user, case)
    secretariat = permissions.is_secretariat(user)
    out: list[str] = []
    if status is Status.REGISTERED and route:
        out.append("forward")
    if status is Status.FORWARDED and handle:
        out += ["accept", "refuse"]
    if status is Status.ACCEPTED and handle:
        out += ["reply", "progress"] + ([] if case.extended else ["extend"])
    if status in (Status.ACCEPTED, Status.REVIEW, Status.RECHECK) and secretariat:
        out.append("unsupervise" if case.supervised else "supervise")
    if status in (Status.REPLIED, Status.REVIEWED, Status.RECHECKED) and (handle or route):
        out.append("rate")
    if status is Status.REPLIED and (handle or route):
        out.append("request_review")
    if status is Status.REVIEW and handle:
        out += ["review", "progress"]
    if status is Status.REVIEWED and (handle or route):
        out.append("request_recheck")
    if status is Status.RECHECK and handle:
        out += ["hearing_end" if case.paused else "hearing_start", "recheck", "progress"]
    if status in (Status.REPLIED, Status.REVIEWED, Status.RECHECKED) and secretariat:
        out.append("close")
    if not board and status not in (Status.CLOSED, Status.NOT_ACCEPTED) and (
            secretariat or permissions.participates(user, case)):
        out.append("undiscuss" if case.to_discuss else "discuss")
    return list(dict.fromkeys(out))


# --- one entry point for every step (the case page's forms and the API) --------------------

ACTIONS = {"forward", "accept", "refuse", "extend", "progress", "supervise", "unsupervise",
           "reply", "rate", "close", "request_review", "review", "request_recheck",
           "hearing_start", "hearing_end", "recheck", "discuss", "undiscuss"}


def _agency_or_error(agency_id) -> Agency:
    agency = db.session.get(Agency, int(agency_id)) if str(agency_id or "").isdigit() else None
    if agency is None:
        raise ServiceError(_("请选择有效的单位"), "lead_agency_id")
    return agency


def perform(actor, case: Case, action: str, *, version: int | None = None,
            lead_agency_id=None, assist_agency_ids=(), reason: str | None = None,
            days: int | None = None, approver: str | None = None, text: str | None = None,
            public: bool | None = None, rating: str | None = None, on: date | None = None) -> None:
    """Take the step ``action`` with its values; each step's service checks who, when and
    what it needs, exactly as for the page."""
    match action:
        case "forward":
            assist = [_agency_or_error(a) for a in assist_agency_ids or []]
            forward(actor, case, _agency_or_error(lead_agency_id), assist, version)
        case "accept":
            accept(actor, case, version)
        case "refuse":
            refuse(actor, case, reason or "", version)
        case "extend":
            if days is None:
                raise ServiceError(_("请填写延期天数"), "days")
            extend(actor, case, days, reason or "", approver or "", version)
        case "progress":
            record_progress(actor, case, reason or "", version)
        case "supervise" | "unsupervise":
            supervise(actor, case, action == "supervise", version)
        case "reply":
            reply(actor, case, text or "", public, version)
        case "rate":
            rate(actor, case, rating or "", version)
        case "close":
            close(actor, case, version)
        case "request_review" | "request_recheck":
            if on is None:
                raise ServiceError(_("请填写申请日期"), "on")
            (request_review if action == "request_review" else request_recheck)(
                actor, case, on, version)
        case "review":
            review_opinion(actor, case, text or "", version)
        case "hearing_start" | "hearing_end":
            if on is None:
                raise ServiceError(_("请填写日期"), "on")
            hearing(actor, case, action == "hearing_start", on, reason or "", version)
        case "recheck":
            recheck_opinion(actor, case, text or "", version)
        case "discuss" | "undiscuss":
            set_to_discuss(actor, case, action == "discuss")
        case _:
            raise ServiceError(_("未知的办理步骤"), "action")
