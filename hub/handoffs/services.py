"""Handoffs: send, sign for (签收) or object (异议), work, feed back (反馈), confirm or send
back (退回重办).  Services flush, never commit; each transition is audited and notified.

Who may act: the receiving agency's liaisons sign, object, record progress and feed back;
the sending agency's liaisons (and the secretariat) rule on objections, confirm and send
back.  ``version`` is the handoff version the user's page showed; a stale page is refused.
"""

from __future__ import annotations

from datetime import date, datetime, time

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased, noload, selectinload

from agencies import registry
from agencies.base import HandoffKind
from hub.agencies.models import Agency
from hub.audit.services import record, record_change
from hub.auth.models import User, UserRole
from hub.auth.roles import Role
from hub.auth.visibility import visible
from hub.cases import permissions as case_permissions
from hub.cases import steps
from hub.cases.alerts import secretariat_users
from hub.cases.models import Case
from hub.cases.vocab import ParticipantRole, Stage, Status
from hub.core.errors import ServiceError, required_text
from hub.core.types import utcnow
from hub.deadlines import services as deadlines
from hub.deadlines.engine import Unit
from hub.deadlines.models import Deadline
from hub.deadlines.services import compute_due, local_date, local_today, local_zone
from hub.extensions import db
from hub.handoffs.models import (
    OPEN_STATES,
    STATE_LABELS,
    Handoff,
    HandoffCase,
    HandoffKindSetting,
    HandoffNote,
    State,
)
from hub.notifications.services import notify

OBJECTION_WORKING_DAYS = 5  # 《信访工作条例》第二十三条: 异议 within 5 working days of receipt
OWNER = "handoffs"
SIGN, FEEDBACK = "handoff.sign", "handoff.feedback"


# --- kinds and their clocks --------------------------------------------------------------

def kind_or_error(code: str) -> HandoffKind:
    kind = registry.handoff_kind(code or "")
    if kind is None:
        raise ServiceError(_("请选择交办类型"), "kind")
    return kind


def kind_label(code: str) -> str:
    kind = registry.handoff_kind(code)
    return str(kind.name) if kind else code


def clock_days(kind: HandoffKind) -> tuple[int, int]:
    """(sign-for working days, feedback days): the admin's setting, else the plug-in's."""
    setting = db.session.get(HandoffKindSetting, kind.code)
    if setting is not None:
        return setting.sign_days, setting.feedback_days
    return kind.sign_days, kind.feedback_days


def set_clock_days(actor, kind: HandoffKind, sign_days: int, feedback_days: int) -> None:
    if not 1 <= sign_days <= 30:
        raise ServiceError(_("签收期限应为 1 至 30 个工作日"), "sign_days")
    if not 1 <= feedback_days <= 180:
        raise ServiceError(_("反馈期限应为 1 至 180 天"), "feedback_days")
    setting = db.session.get(HandoffKindSetting, kind.code)
    before = setting.audit_state() if setting else None
    if setting is None:
        setting = HandoffKindSetting(kind=kind.code)
        db.session.add(setting)
    setting.sign_days, setting.feedback_days = sign_days, feedback_days
    db.session.flush()
    record(actor, "handoffs.kind_settings", "handoff_kind_settings", kind.code, before=before,
           after=setting.audit_state())


def receivers(kind: HandoffKind) -> list[Agency]:
    return list(db.session.scalars(
        select(Agency).where(Agency.kind.in_(kind.receivers), Agency.active.is_(True))
        .order_by(Agency.level, Agency.code)))


# Fields whose value is one of a list the hub knows (e.g. a 巡察 round): the area that owns
# the list registers how to offer it and how to name a chosen value.
_choices: dict[str, tuple] = {}


def register_choices(name: str, options, label_of) -> None:
    """``options()`` → [(value, label)] for the form; ``label_of(value)`` for display."""
    _choices[name] = (options, label_of)


def field_options(field) -> list[tuple] | None:
    name = field.metadata.get("choices")
    return _choices[name][0]() if name in _choices else None


def field_display(field, value) -> str:
    name = field.metadata.get("choices")
    if name in _choices and value not in (None, ""):
        return _choices[name][1](value)
    return "" if value is None else str(value)


# --- who ---------------------------------------------------------------------------------

def _is_liaison_of(user, agency_id: int) -> bool:
    return Role.LIAISON in user.roles and user.agency_id == agency_id


def may_receive(user, handoff: Handoff) -> bool:
    return _is_liaison_of(user, handoff.to_agency_id)


def may_send_side(user, handoff: Handoff) -> bool:
    return _is_liaison_of(user, handoff.from_agency_id) or case_permissions.is_secretariat(user)


def _check(handoff: Handoff, version: int | None, states: tuple[State, ...], action: str) -> None:
    if version is not None and version != handoff.version:
        raise ServiceError(_("该交办已被他人更新，请刷新页面后再操作"))
    if State(handoff.state) not in states:
        raise ServiceError(_("当前状态为“%(state)s”，不能%(action)s",
                             state=STATE_LABELS[State(handoff.state)], action=action))


def _liaisons(agency_id: int) -> list[User]:
    return list(db.session.scalars(select(User).join(UserRole).where(
        UserRole.role == Role.LIAISON.value, User.agency_id == agency_id, User.active.is_(True))))


def _tell(handoff: Handoff, users, kind: str, title: str) -> None:
    seen, unique = set(), []
    for user in users:
        if user is not None and user.id not in seen:
            seen.add(user.id)
            unique.append(user)
    notify(unique, kind, title, "", f"/handoffs/{handoff.id}")


def _label(handoff: Handoff) -> str:
    """How notifications name a handoff: its kind and case numbers (never a petitioner)."""
    kind = registry.handoff_kind(handoff.kind)
    numbers = "、".join(item.case.number for item in handoff.items[:3])
    more = _("等 %(n)d 件", n=len(handoff.items)) if len(handoff.items) > 3 else ""
    return f"{kind.name if kind else handoff.kind} {numbers}{more}"


# --- send --------------------------------------------------------------------------------

def send(actor, kind_code: str, to_agency: Agency | None, case_ids: list[int],
         instructions: str = "", details: dict | None = None,
         sent_on: date | None = None, *, internal: bool = False) -> Handoff:
    """Hand one case (or, for a batch kind, several) to another agency.  ``sent_on`` is
    for handoffs recorded after the fact (a paper handoff, the demo): the clocks count from
    that day.  ``internal`` is set by the hub area that owns an internal kind (e.g. a 评查
    round sending 整改): nobody sends such a kind from the 交办 form or the API."""
    kind = kind_or_error(kind_code)
    if kind.internal and not internal:
        raise ServiceError(_("“%(kind)s”不能在此发起", kind=kind.name), "kind")
    today = local_today()
    if sent_on is not None and sent_on > today:
        raise ServiceError(_("交办日期不能晚于今天"), "sent_on")
    if Role.LIAISON not in actor.roles and not case_permissions.is_secretariat(actor):
        raise ServiceError(_("只有联络员或联席办可以交办"))
    if to_agency is None or not to_agency.active:
        raise ServiceError(_("请选择接收单位"), "to_agency_id")
    if to_agency.kind not in kind.receivers:
        raise ServiceError(_("“%(agency)s”不能接收“%(kind)s”", agency=to_agency.name,
                             kind=kind.name), "to_agency_id")
    if to_agency.id == actor.agency_id:
        raise ServiceError(_("不能交办给本单位"), "to_agency_id")
    ids = sorted(set(case_ids))
    if not ids:
        raise ServiceError(_("请选择要交办的信访事项"), "case_ids")
    if len(ids) > 1 and not kind.batch:
        raise ServiceError(_("“%(kind)s”一次只能交办一件信访事项", kind=kind.name), "case_ids")
    cases = db.session.scalars(visible(actor, Case).where(Case.id.in_(ids))).all()
    if len(cases) != len(ids):
        # Never say which: a case the sender may not see does not exist for them.
        raise ServiceError(_("所选信访事项中有不存在或无权查看的事项"), "case_ids")
    for case in cases:
        if case.status == Status.CLOSED.value and not kind.closed_cases:
            raise ServiceError(_("%(number)s 已办结，不能交办", number=case.number), "case_ids")
    duplicate = db.session.scalar(
        select(Case.number).join(HandoffCase, HandoffCase.case_id == Case.id)
        .join(Handoff, Handoff.id == HandoffCase.handoff_id)
        .where(HandoffCase.case_id.in_(ids), Handoff.kind == kind.code,
               Handoff.to_agency_id == to_agency.id,
               Handoff.state.in_([s.value for s in OPEN_STATES])).limit(1))
    if duplicate:
        raise ServiceError(_("%(number)s 已有未办结的同类交办", number=duplicate), "case_ids")
    extra = {}
    if kind.fields is not None:
        try:
            extra = kind.fields().load(details or {})
        except ValidationError as exc:
            field, messages = next(iter(exc.normalized_messages().items()))
            label = kind.fields().fields[field].metadata.get("label", field) \
                if field in kind.fields().fields else field
            raise ServiceError(_("%(field)s：%(message)s", field=label,
                                 message=_field_message(messages)), field) from None
    handoff = Handoff(kind=kind.code, from_agency_id=actor.agency_id, to_agency_id=to_agency.id,
                      sent_by_id=actor.id, sent_at=utcnow(), instructions=(instructions or "").strip(),
                      details=extra, restricted=kind.restricted, state=State.SENT.value,
                      sent_back_count=0)
    handoff.items = [HandoffCase(case_id=case.id, case=case) for case in cases]
    db.session.add(handoff)
    db.session.flush()
    sign_days, feedback_days = clock_days(kind)
    start = sent_on or today
    if sent_on is not None:
        handoff.sent_at = datetime.combine(sent_on, time(9), tzinfo=local_zone())
    handoff.sign_deadline_id = deadlines.start(OWNER, handoff.id, SIGN, start, sign_days,
                                               Unit.WORKING).id
    handoff.feedback_deadline_id = deadlines.start(OWNER, handoff.id, FEEDBACK, start,
                                                   feedback_days, Unit.CALENDAR).id
    for case in cases:
        steps.add_participant(case, to_agency, ParticipantRole.ASSIST)
        if kind.restricted:
            case.restricted = True
        _move_card(handoff, case, Stage.ASSIGNED, from_stages=(Stage.SORT,))
    db.session.flush()
    record_change(actor, "handoffs.sent", handoff, None)
    _tell(handoff, _liaisons(to_agency.id), "handoff.sent",
          _("新交办待签收：%(what)s", what=_label(handoff)))
    return handoff


def _field_message(messages) -> str:
    if isinstance(messages, list | tuple):
        messages = messages[0] if messages else ""
    if isinstance(messages, dict):
        messages = next(iter(messages.values()), "")
    text = str(messages)
    return {"Missing data for required field.": _("必填"),
            "Shorter than minimum length 1.": _("必填"),
            "Unknown field.": _("不是该交办类型的字段"),
            "Not a valid integer.": _("请选择"),
            "Field may not be null.": _("必填")}.get(text, text)


def _move_card(handoff: Handoff, case: Case, stage: Stage,
               from_stages: tuple[Stage, ...]) -> None:
    """A handoff moves its case's board card (交办 → 办理 → 化解) when the card is behind
    (unless its kind is about how the case was handled, not its progress)."""
    kind = registry.handoff_kind(handoff.kind)
    if kind is not None and not kind.moves_card:
        return
    if Stage(case.stage) in from_stages:
        steps.set_stage(case, stage)
        steps.sync_index(case)


# --- the receiver ------------------------------------------------------------------------

def sign(actor, handoff: Handoff, version: int | None = None) -> None:
    """签收: the receiving agency takes the handoff in hand."""
    if not may_receive(actor, handoff):
        raise ServiceError(_("只有接收单位的联络员可以签收"))
    if handoff.state == State.IN_HAND.value and handoff.signed_by is not None:
        raise ServiceError(signed_message(handoff))
    _check(handoff, version, (State.SENT,), _("签收"))
    before = handoff.audit_state()
    handoff.state = State.IN_HAND.value
    handoff.signed_by_id, handoff.signed_at = actor.id, utcnow()
    deadlines.complete(handoff.sign_deadline)
    for case in handoff.cases:
        _move_card(handoff, case, Stage.HANDLING, from_stages=(Stage.SORT, Stage.ASSIGNED))
    db.session.flush()
    record_change(actor, "handoffs.signed", handoff, before)
    _tell(handoff, [handoff.sent_by], "handoff.signed",
          _("%(agency)s 已签收：%(what)s", agency=handoff.to_agency.name, what=_label(handoff)))


def signed_message(handoff: Handoff) -> str:
    from hub.core.web import local_dt

    return _("该交办已由 %(name)s 于 %(at)s 签收", name=handoff.signed_by.display_name,
             at=local_dt(handoff.signed_at))


def objection_deadline(handoff: Handoff) -> date:
    """The last day for an objection: 5 working days after receipt."""
    return compute_due(local_date(handoff.sent_at), OBJECTION_WORKING_DAYS, Unit.WORKING).on


def object_(actor, handoff: Handoff, reason: str, version: int | None = None) -> None:
    """异议: not this agency's matter — only within 5 working days of receipt, with a reason."""
    if not may_receive(actor, handoff):
        raise ServiceError(_("只有接收单位的联络员可以提出异议"))
    _check(handoff, version, (State.SENT,), _("提出异议"))
    reason = required_text(reason, "reason", _("请填写异议理由"))
    last = objection_deadline(handoff)
    if local_today() > last:
        raise ServiceError(_("异议应在收到之日起 5 个工作日内提出（截至 %(day)s），已超过期限",
                             day=last.isoformat()), "reason")
    before = handoff.audit_state()
    handoff.state = State.OBJECTED.value
    handoff.objection, handoff.objected_by_id, handoff.objected_at = reason, actor.id, utcnow()
    handoff.ruling = None
    deadlines.complete(handoff.sign_deadline)
    deadlines.pause(actor, handoff.feedback_deadline, local_today(), _("接收单位提出异议"))
    db.session.flush()
    record_change(actor, "handoffs.objected", handoff, before)
    _tell(handoff, [handoff.sent_by, *secretariat_users()], "handoff.objected",
          _("%(agency)s 对交办提出异议：%(what)s", agency=handoff.to_agency.name,
            what=_label(handoff)))


def add_note(actor, handoff: Handoff, text: str) -> HandoffNote:
    """A progress note while in hand (the feedback clock stops counting as "no progress")."""
    if not may_receive(actor, handoff):
        raise ServiceError(_("只有接收单位的联络员可以记录办理进展"))
    _check(handoff, None, (State.IN_HAND,), _("记录办理进展"))
    note = HandoffNote(handoff_id=handoff.id, author_id=actor.id,
                       text=required_text(text, "text", _("请填写办理进展")), created_at=utcnow())
    db.session.add(note)
    deadlines.record_progress(handoff.feedback_deadline)
    db.session.flush()
    record_change(actor, "handoffs.progress", handoff, handoff.audit_state())
    return note


def submit_feedback(actor, handoff: Handoff, text: str, outcomes: dict[int, str],
                    version: int | None = None) -> None:
    """反馈: the result, with an outcome from the kind's vocabulary for every case."""
    if not may_receive(actor, handoff):
        raise ServiceError(_("只有接收单位的联络员可以反馈"))
    _check(handoff, version, (State.IN_HAND,), _("反馈"))
    kind = registry.handoff_kind(handoff.kind)
    allowed = dict(kind.outcomes) if kind else {}
    text = required_text(text, "feedback", _("请填写反馈意见"))
    for item in handoff.items:
        outcome = (outcomes.get(item.case_id) or "").strip()
        if not outcome:
            raise ServiceError(_("请为 %(number)s 选择办理结果", number=item.case.number),
                               "outcome")
        if outcome not in allowed:
            raise ServiceError(_("“%(outcome)s”不是“%(kind)s”的办理结果", outcome=outcome,
                                 kind=kind.name if kind else handoff.kind), "outcome")
    before = handoff.audit_state()
    for item in handoff.items:
        item.outcome = outcomes[item.case_id].strip()
    handoff.feedback, handoff.feedback_by_id, handoff.feedback_at = text, actor.id, utcnow()
    handoff.state = State.FEEDBACK.value
    deadlines.complete(handoff.feedback_deadline)
    db.session.flush()
    record_change(actor, "handoffs.feedback", handoff, before)
    _tell(handoff, [handoff.sent_by], "handoff.feedback",
          _("%(agency)s 已反馈，请确认：%(what)s", agency=handoff.to_agency.name,
            what=_label(handoff)))


# --- the sender --------------------------------------------------------------------------

def rule_objection(actor, handoff: Handoff, uphold: bool, ruling: str,
                   version: int | None = None) -> None:
    """The sender rules on an objection: upheld — the case returns to the sender to re-route;
    overruled — the sign-for clock starts again."""
    if not may_send_side(actor, handoff):
        raise ServiceError(_("只有交办单位的联络员或联席办可以裁定异议"))
    _check(handoff, version, (State.OBJECTED,), _("裁定异议"))
    ruling = required_text(ruling, "ruling", _("请填写裁定意见"))
    before = handoff.audit_state()
    handoff.ruling = ruling
    today = local_today()
    if uphold:
        handoff.state = State.RETURNED.value
        deadlines.complete(handoff.feedback_deadline)
        for case in handoff.cases:
            _withdraw(case, handoff)
        action, title = "handoffs.objection_upheld", _("异议成立，已退回交办单位重新分办：%(what)s")
    else:
        handoff.state = State.SENT.value
        kind = registry.handoff_kind(handoff.kind)
        sign_days = clock_days(kind)[0] if kind else 3
        handoff.sign_deadline_id = deadlines.start(OWNER, handoff.id, SIGN, today, sign_days,
                                                   Unit.WORKING).id
        db.session.flush()
        db.session.refresh(handoff, ["sign_deadline"])
        deadlines.resume(actor, handoff.feedback_deadline, today)
        action, title = "handoffs.objection_overruled", _("异议不成立，请重新签收：%(what)s")
    db.session.flush()
    record_change(actor, action, handoff, before)
    _tell(handoff, _liaisons(handoff.to_agency_id), "handoff.ruling",
          title % {"what": _label(handoff)})


def _withdraw(case: Case, handoff: Handoff) -> None:
    """An upheld objection: the receiver leaves the case unless it works it otherwise, and
    the card goes back to 梳理 when this handoff was what put it in 交办."""
    still = db.session.scalar(
        select(Handoff.id).join(HandoffCase, HandoffCase.handoff_id == Handoff.id)
        .where(HandoffCase.case_id == case.id, Handoff.id != handoff.id,
               Handoff.to_agency_id == handoff.to_agency_id,
               Handoff.state.in_([s.value for s in OPEN_STATES])).limit(1))
    for participant in list(case.participants):
        if (participant.agency_id == handoff.to_agency_id and still is None
                and participant.role == ParticipantRole.ASSIST.value):
            case.participants.remove(participant)
    if case.stage == Stage.ASSIGNED.value and case.status == Status.REGISTERED.value:
        steps.set_stage(case, Stage.SORT)
    steps.sync_index(case)


def confirm(actor, handoff: Handoff, version: int | None = None) -> None:
    """The sender confirms the feedback: the handoff is done; its cases' cards go to 化解."""
    if not may_send_side(actor, handoff):
        raise ServiceError(_("只有交办单位的联络员或联席办可以确认反馈"))
    _check(handoff, version, (State.FEEDBACK,), _("确认办结"))
    before = handoff.audit_state()
    handoff.state = State.CONFIRMED.value
    handoff.confirmed_by_id, handoff.confirmed_at = actor.id, utcnow()
    for case in handoff.cases:
        _move_card(handoff, case, Stage.RESOLVED,
                   from_stages=(Stage.SORT, Stage.ASSIGNED, Stage.HANDLING, Stage.SUPERVISED))
    db.session.flush()
    record_change(actor, "handoffs.confirmed", handoff, before)
    _tell(handoff, _liaisons(handoff.to_agency_id), "handoff.confirmed",
          _("交办单位已确认办结：%(what)s", what=_label(handoff)))


def send_back(actor, handoff: Handoff, reason: str, version: int | None = None) -> None:
    """退回重办: the feedback is not good enough; the receiver works it again, on a new
    feedback clock of the kind's length."""
    if not may_send_side(actor, handoff):
        raise ServiceError(_("只有交办单位的联络员或联席办可以退回重办"))
    _check(handoff, version, (State.FEEDBACK,), _("退回重办"))
    reason = required_text(reason, "reason", _("请填写退回重办的理由"))
    before = handoff.audit_state()
    kind = registry.handoff_kind(handoff.kind)
    feedback_days = clock_days(kind)[1] if kind else 30
    handoff.state = State.IN_HAND.value
    handoff.sent_back_reason = reason
    handoff.sent_back_count += 1
    handoff.feedback_deadline_id = deadlines.start(OWNER, handoff.id, FEEDBACK, local_today(),
                                                   feedback_days, Unit.CALENDAR).id
    for item in handoff.items:
        item.outcome = None
    db.session.flush()
    db.session.refresh(handoff, ["feedback_deadline"])
    record_change(actor, "handoffs.sent_back", handoff, before)
    _tell(handoff, _liaisons(handoff.to_agency_id), "handoff.sent_back",
          _("交办被退回重办：%(what)s", what=_label(handoff)))


def for_case(user, case: Case) -> list[Handoff]:
    """The handoffs of a case that the user may see (for the case page)."""
    return list(db.session.scalars(
        visible(user, Handoff).join(HandoffCase, HandoffCase.handoff_id == Handoff.id)
        .where(HandoffCase.case_id == case.id).order_by(Handoff.sent_at.desc())))


def open_for_cards(user, case_ids, today) -> dict[int, dict]:
    """The newest open handoff of each case on a page of board cards (within the user's
    visibility), with the colour of its running clock: one query for the page."""
    from sqlalchemy.orm import selectinload

    ids = list(case_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        visible(user, Handoff).add_columns(HandoffCase.case_id)
        .join(HandoffCase, HandoffCase.handoff_id == Handoff.id)
        .where(HandoffCase.case_id.in_(ids), Handoff.state.in_([s.value for s in OPEN_STATES]))
        .options(selectinload(Handoff.sign_deadline), selectinload(Handoff.feedback_deadline),
                 noload(Handoff.items))
        .order_by(Handoff.sent_at)).all()
    out = {}
    for handoff, case_id in rows:  # later (newer) handoffs overwrite earlier ones
        clock = handoff.sign_deadline if handoff.state == State.SENT.value else (
            handoff.feedback_deadline if handoff.state == State.IN_HAND.value else None)
        out[case_id] = {
            "label": f"{kind_label(handoff.kind)} → {handoff.to_agency.name}",
            "state": str(STATE_LABELS[State(handoff.state)]),
            "colour": deadlines.colour_of(clock, today).value if clock else "green",
        }
    return out


def inbox_query(user, tab: str, today):
    """The handoffs of one inbox tab (待签收, 待反馈, 已逾期, 已退回, 我发出的) as a query, within
    the user's visibility: the page's tabs and the API's boxes."""
    sign = aliased(Deadline)
    feedback = aliased(Deadline)
    stmt = (visible(user, Handoff)
            .join(sign, sign.id == Handoff.sign_deadline_id, isouter=True)
            .join(feedback, feedback.id == Handoff.feedback_deadline_id, isouter=True))
    mine = user.agency_id
    to_me = Handoff.to_agency_id == mine
    if tab == "sign":
        return stmt.where(to_me, Handoff.state == State.SENT.value)
    if tab == "feedback":
        return stmt.where(to_me, Handoff.state == State.IN_HAND.value)
    if tab == "overdue":
        late = or_(and_(Handoff.state == State.SENT.value, sign.due_on < today),
                   and_(Handoff.state == State.IN_HAND.value, feedback.due_on < today))
        return stmt.where(to_me, late)
    if tab == "returned":
        return stmt.where(to_me, Handoff.state == State.IN_HAND.value,
                          Handoff.sent_back_count > 0)
    return stmt.where(Handoff.from_agency_id == mine)


INBOX_TABS = ("sign", "feedback", "overdue", "returned", "sent")


def inbox_tabs(user=None) -> dict[str, str]:
    """The inbox tabs a user has, with their labels: the page's tabs, and what its export's
    ``tab`` may name (today every user has the same ones)."""
    labels = {"sign": _("待签收"), "feedback": _("待反馈"), "overdue": _("已逾期"),
              "returned": _("已退回"), "sent": _("我发出的")}
    return {name: labels[name] for name in INBOX_TABS}


def inbox_list(user, tab: str, today):
    """One inbox tab as the page lists it: newest first, with the clocks loaded (the page
    shows the first ones, its export streams them all)."""
    return (inbox_query(user, tab, today)
            .options(selectinload(Handoff.sign_deadline),
                     selectinload(Handoff.feedback_deadline))
            .order_by(Handoff.sent_at.desc(), Handoff.id.desc()))


def open_clock(handoff: Handoff) -> Deadline | None:
    """The clock that runs now: sign-for while sent, feedback while in hand."""
    if handoff.state == State.SENT.value:
        return handoff.sign_deadline
    if handoff.state == State.IN_HAND.value:
        return handoff.feedback_deadline
    return None
