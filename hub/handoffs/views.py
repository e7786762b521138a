"""The liaison's handoff inbox, a handoff's page with its steps, and sending a handoff."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from agencies import registry
from hub.agencies.models import Agency
from hub.audit.models import AuditEvent
from hub.auth.access import requires
from hub.auth.capabilities import Capability
from hub.auth.visibility import get_visible_or_404, visible
from hub.cases.labels import COLOUR_LABELS
from hub.cases.models import Case
from hub.chase import services as chase_services
from hub.chase.models import InspectionNotice
from hub.core.errors import ServiceError
from hub.core.forms import commit_or_flash
from hub.deadlines.services import colour_of, days_left, local_today
from hub.extensions import db
from hub.handoffs import services
from hub.handoffs.models import EVENT_LABELS, STATE_LABELS, Handoff, State

bp = Blueprint("handoffs", __name__)

def _rows(handoffs, today):
    rows = []
    for h in handoffs:
        clock = services.open_clock(h)
        rows.append({"handoff": h, "kind": registry.handoff_kind(h.kind), "clock": clock,
                     "may_sign": h.state == State.SENT.value
                     and services.may_receive(current_user, h),
                     "colour": colour_of(clock, today) if clock else None,
                     "days_left": days_left(clock, today) if clock else None})
    return rows


@bp.get("/handoffs")
@requires(Capability.HANDOFFS_VIEW)
def index():
    today = local_today()
    tabs = services.inbox_tabs(current_user)
    tab = request.args.get("tab", "sign")
    if tab not in tabs:
        tab = "sign"
    counts = {name: db.session.scalar(
        select(func.count()).select_from(services.inbox_query(current_user, name, today).subquery())) for name in tabs}
    handoffs = db.session.scalars(
        services.inbox_list(current_user, tab, today).limit(200)).unique().all()
    notices = db.session.scalars(select(InspectionNotice).where(
        InspectionNotice.agency_id == current_user.agency_id,
        InspectionNotice.leader_id.is_(None), InspectionNotice.closed_at.is_(None))
        .order_by(InspectionNotice.issued_on)).all()
    return render_template("handoffs/index.html", tabs=tabs, tab=tab, counts=counts,
                           rows=_rows(handoffs, today), states=STATE_LABELS,
                           colour_labels=COLOUR_LABELS, notices=notices)


@bp.get("/handoffs/<int:handoff_id>")
@requires(Capability.HANDOFFS_VIEW)
def show(handoff_id: int):
    handoff = get_visible_or_404(current_user, Handoff, handoff_id)
    return _page(handoff)


def _page(handoff: Handoff, status: int = 200):
    today = local_today()
    kind = registry.handoff_kind(handoff.kind)
    fields = kind.fields().fields if kind and kind.fields else {}
    details = [(str(f.metadata.get("label", name)),
                services.field_display(f, handoff.details.get(name)))
               for name, f in fields.items()]
    timeline = db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "handoffs",
                                 AuditEvent.object_id == str(handoff.id))
        .order_by(AuditEvent.seq)).all()
    # Cases are listed only as far as the user may see them.
    seen = set(db.session.scalars(visible(current_user, Case).with_only_columns(Case.id)
                                  .where(Case.id.in_([i.case_id for i in handoff.items]))))
    clocks = [(label, d, colour_of(d, today), days_left(d, today))
              for label, d in ((_("签收期限"), handoff.sign_deadline),
                               (_("反馈期限"), handoff.feedback_deadline)) if d is not None]
    state = State(handoff.state)
    receiver = services.may_receive(current_user, handoff)
    sender = services.may_send_side(current_user, handoff)
    return render_template(
        "handoffs/show.html", handoff=handoff, kind=kind, details=details, timeline=timeline,
        seen=seen, clocks=clocks, states=STATE_LABELS, colour_labels=COLOUR_LABELS,
        event_labels=EVENT_LABELS,
        may_sign=receiver and state is State.SENT,
        may_work=receiver and state is State.IN_HAND,
        may_rule=sender and state is State.OBJECTED,
        may_review=sender and state is State.FEEDBACK,
        objection_until=services.objection_deadline(handoff),
        notes=handoff.notes), status


def _act(handoff_id: int, change, message: str):
    """Run one step on a handoff; a concurrent step by someone else is told who did it."""
    handoff = get_visible_or_404(current_user, Handoff, handoff_id)
    try:
        change(handoff)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    except StaleDataError:
        # Two liaisons at the same moment: the other one's change committed first.
        db.session.rollback()
        fresh = db.session.get(Handoff, handoff_id)
        flash(services.signed_message(fresh) if fresh.signed_by_id
              else _("该交办已被他人更新，请刷新页面后再操作"), "error")
    else:
        flash(message, "success")
    return redirect(url_for("handoffs.show", handoff_id=handoff_id))


def _version() -> int | None:
    value = request.form.get("version", "")
    return int(value) if value.isdigit() else None


@bp.post("/handoffs/<int:handoff_id>/sign")
@requires(Capability.HANDOFFS_WORK)
def sign(handoff_id: int):
    return _act(handoff_id, lambda h: services.sign(current_user, h, _version()), _("已签收"))


@bp.post("/handoffs/<int:handoff_id>/object")
@requires(Capability.HANDOFFS_WORK)
def object_(handoff_id: int):
    return _act(handoff_id, lambda h: services.object_(
        current_user, h, request.form.get("reason", ""), _version()), _("已提出异议"))


@bp.post("/handoffs/<int:handoff_id>/notes")
@requires(Capability.HANDOFFS_WORK)
def note(handoff_id: int):
    return _act(handoff_id, lambda h: services.add_note(
        current_user, h, request.form.get("text", "")), _("已记录办理进展"))


@bp.post("/handoffs/<int:handoff_id>/feedback")
@requires(Capability.HANDOFFS_WORK)
def feedback(handoff_id: int):
    def change(h):
        outcomes = {item.case_id: request.form.get(f"outcome-{item.case_id}", "")
                    for item in h.items}
        services.submit_feedback(current_user, h, request.form.get("feedback", ""), outcomes,
                                 _version())

    return _act(handoff_id, change, _("已提交反馈"))


@bp.post("/handoffs/<int:handoff_id>/ruling")
@requires(Capability.HANDOFFS_WORK)
def ruling(handoff_id: int):
    uphold = request.form.get("decision") == "uphold"
    if request.form.get("decision") not in ("uphold", "overrule"):
        return _act(handoff_id, lambda h: _refuse(_("请选择异议是否成立")), "")
    return _act(handoff_id, lambda h: services.rule_objection(
        current_user, h, uphold, request.form.get("ruling", ""), _version()),
        _("异议成立，已退回") if uphold else _("异议不成立，已重新交办"))


def _refuse(message: str):
    raise ServiceError(message)


@bp.post("/handoffs/<int:handoff_id>/confirm")
@requires(Capability.HANDOFFS_WORK)
def confirm(handoff_id: int):
    return _act(handoff_id, lambda h: services.confirm(current_user, h, _version()),
                _("已确认办结"))


@bp.post("/handoffs/<int:handoff_id>/send-back")
@requires(Capability.HANDOFFS_WORK)
def send_back(handoff_id: int):
    return _act(handoff_id, lambda h: services.send_back(
        current_user, h, request.form.get("reason", ""), _version()), _("已退回重办"))


@bp.post("/handoffs/notices/<int:notice_id>/answer")
@requires(Capability.HANDOFFS_WORK)
def answer_notice(notice_id: int):
    """The receiving agency answers a 督查 notice about a late handoff, in writing."""
    notice = db.session.get(InspectionNotice, notice_id)
    if notice is None or notice.agency_id != current_user.agency_id:
        abort(404)
    commit_or_flash(lambda: chase_services.respond(
        current_user, notice, request.form.get("response", "")), _("已提交书面说明"))
    return redirect(url_for("handoffs.index"))


# --- sending -----------------------------------------------------------------------------

def _cases_from_numbers(text: str) -> tuple[list[int], list[str]]:
    """Case ids for the numbers typed (one per line); the numbers not found or not visible."""
    numbers = [n.strip() for n in (text or "").replace("，", "\n").replace(",", "\n").splitlines()
               if n.strip()]
    found = dict(db.session.execute(visible(current_user, Case).with_only_columns(
        Case.number, Case.id).where(Case.number.in_(numbers))).all()) if numbers else {}
    return [found[n] for n in numbers if n in found], [n for n in numbers if n not in found]


@bp.route("/handoffs/new", methods=["GET", "POST"])
@requires(Capability.HANDOFFS_WORK)
def new():
    form = request.form if request.method == "POST" else request.args
    # Internal kinds (e.g. 评查整改) are sent by the area that owns them, not from here.
    kinds = [k for k in registry.handoff_kinds() if not k.internal]
    kind = next((k for k in kinds if k.code == form.get("kind", "")), kinds[0] if kinds else None)
    numbers = form.get("cases", "")
    if request.method == "GET" and form.get("case", "").isdigit():
        case = get_visible_or_404(current_user, Case, int(form["case"]))
        numbers = case.number
    fields = kind.fields().fields if kind and kind.fields else {}
    error = None
    if request.method == "POST":
        ids, missing = _cases_from_numbers(numbers)
        to_id = form.get("to_agency_id", "")
        to_agency = db.session.get(Agency, int(to_id)) if to_id.isdigit() else None
        details = {name: form.get(f"field-{name}", "") for name in fields}
        try:
            if missing:
                raise ServiceError(_("以下编号不存在或无权查看：%(numbers)s",
                                     numbers="、".join(missing)), "cases")
            handoff = services.send(current_user, kind.code if kind else "", to_agency, ids,
                                    form.get("instructions", ""), details)
        except ServiceError as exc:
            db.session.rollback()
            error = exc
        else:
            db.session.commit()
            flash(_("已交办，等待 %(agency)s 签收", agency=handoff.to_agency.name), "success")
            return redirect(url_for("handoffs.show", handoff_id=handoff.id))
    return render_template(
        "handoffs/new.html", kinds=kinds, kind=kind, fields=fields, form=form, numbers=numbers,
        receivers=services.receivers(kind) if kind else [], error=error,
        options={name: services.field_options(f) for name, f in fields.items()},
        clock=services.clock_days(kind) if kind else None), (422 if error else 200)


# --- admin: each kind's default clocks ----------------------------------------------------

@bp.get("/admin/handoff-kinds")
@requires(Capability.RULES_MANAGE)
def kinds():
    rows = [(kind, services.clock_days(kind)) for kind in registry.handoff_kinds()]
    return render_template("handoffs/kinds.html", rows=rows)


@bp.post("/admin/handoff-kinds/<kind_code>")
@requires(Capability.RULES_MANAGE)
def update_kind(kind_code: str):
    kind = registry.handoff_kind(kind_code)
    if kind is None:
        abort(404)

    def change():
        days = {}
        for name in ("sign_days", "feedback_days"):
            raw = (request.form.get(name) or "").strip()
            if not raw.isdigit():
                raise ServiceError(_("请填写整数天数"), name)
            days[name] = int(raw)
        services.set_clock_days(current_user, kind, **days)

    commit_or_flash(change, _("已保存：%(kind)s", kind=kind.name))
    return redirect(url_for("handoffs.kinds"))
