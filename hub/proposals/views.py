"""政策完善建议: the list, drafting (from a cluster, a case or chosen cases), a proposal's
page with every step, its forms, and its place on joint meetings' agendas."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from hub.agencies.models import Agency
from hub.auth.access import requires
from hub.auth.capabilities import Capability, can
from hub.auth.visibility import get_visible_or_404, visible
from hub.cases.intake import COUNTIES
from hub.cases.labels import COLOUR_LABELS
from hub.cases.models import Case
from hub.cases.vocab import CATEGORIES, STATUS_LABELS
from hub.chase import services as chase_services
from hub.chase.models import InspectionNotice
from hub.core.errors import ServiceError
from hub.core.forms import commit_or_flash
from hub.deadlines.services import colour_of, days_left, local_today
from hub.extensions import db
from hub.meetings.models import Meeting
from hub.meetings.models import State as MeetingState
from hub.meetings.services import may_organize
from hub.proposals import chase, services
from hub.proposals.models import STATUS_LABELS as PROPOSAL_STATUS
from hub.proposals.models import PolicyProposal, Status
from hub.proposals.permissions import answers_for, manages
from hub.similar.models import SimilarCluster

bp = Blueprint("proposals", __name__)

PAGE_SIZE = 50


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.form.get(name) or "")
    except ValueError:
        return None


def _int(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def _form_data() -> services.ProposalData:
    form = request.form
    numbers = (form.get("case_numbers") or "").replace("，", "\n").replace(",", "\n")
    days = (form.get("answer_days") or "").strip()
    return services.ProposalData(
        title=form.get("title", ""), problem=form.get("problem", ""),
        suggestion=form.get("suggestion", ""), addressee_id=_int(form.get("addressee_id")),
        addressee_name=form.get("addressee_name", ""), counties=form.getlist("counties"),
        categories=form.getlist("categories"),
        case_ids=[int(v) for v in form.getlist("case_ids") if v.isdigit() and len(v) < 10],
        case_numbers=numbers.split(),
        answer_days=int(days) if days.isdigit() and len(days) < 4 else (0 if days else None))


def _cluster_arg(raw) -> SimilarCluster | None:
    cluster_id = _int(raw)
    if cluster_id is None:
        return None
    return get_visible_or_404(current_user, SimilarCluster, cluster_id)


# --- the list ----------------------------------------------------------------------------

@bp.get("/proposals")
@requires(Capability.PROPOSALS_VIEW)
def index():
    status = request.args.get("status") or ""
    addressee = _int(request.args.get("addressee"))
    overdue = request.args.get("overdue") == "1"
    page = max(1, _int(request.args.get("page")) or 1)
    stmt = visible(current_user, PolicyProposal)
    if status in {s.value for s in Status}:
        stmt = stmt.where(PolicyProposal.status == status)
    if addressee:
        stmt = stmt.where(PolicyProposal.addressee_id == addressee)
    if overdue:
        from hub.deadlines.models import Deadline

        late = select(Deadline.id).where(
            Deadline.owner_type == "policy_proposals", Deadline.owner_id == PolicyProposal.id,
            Deadline.done_at.is_(None), Deadline.due_on < local_today()).exists()
        stmt = stmt.where(late)
    total = db.session.scalar(stmt.with_only_columns(func.count(PolicyProposal.id)))
    rows = db.session.scalars(
        stmt.order_by(PolicyProposal.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
        .options(selectinload(PolicyProposal.cases).load_only(Case.id),
                 joinedload(PolicyProposal.addressee), joinedload(PolicyProposal.answer_deadline),
                 joinedload(PolicyProposal.measures_deadline))).unique().all()
    addressees = db.session.execute(
        select(Agency.id, Agency.name).where(Agency.id.in_(
            visible(current_user, PolicyProposal).with_only_columns(
                PolicyProposal.addressee_id))).order_by(Agency.name)).all()
    return render_template(
        "proposals/index.html", rows=rows, total=total, page=page, page_size=PAGE_SIZE,
        status=status, addressee=addressee, overdue=overdue, statuses=PROPOSAL_STATUS,
        addressees=addressees, colour_of=colour_of, days_left=days_left,
        colour_labels=COLOUR_LABELS,
        may_manage=manages(current_user) and can(current_user, Capability.PROPOSALS_MANAGE))


# --- drafting ----------------------------------------------------------------------------

def _form_page(data: services.ProposalData, cluster: SimilarCluster | None,
               proposal: PolicyProposal | None = None, error: ServiceError | None = None,
               status: int = 200):
    cases = {c.id: c for c in db.session.scalars(
        visible(current_user, Case).where(Case.id.in_(data.case_ids or [0])))}
    return render_template(
        "proposals/form.html", data=data, cluster=cluster, proposal=proposal, error=error,
        cases=[cases[i] for i in data.case_ids if i in cases],
        addressees=services.addressees(), counties=COUNTIES, categories=CATEGORIES,
        default_days=current_app.config["HUB_PROPOSAL_ANSWER_DAYS"]), status


@bp.get("/proposals/new")
@requires(Capability.PROPOSALS_MANAGE)
def new():
    cluster = _cluster_arg(request.args.get("cluster"))
    if cluster is not None:
        data = services.from_cluster(current_user, cluster)
    else:
        data = services.ProposalData("", "", "", None)
        case_id = _int(request.args.get("case"))
        if case_id is not None:
            case = get_visible_or_404(current_user, Case, case_id)
            data.case_ids = [case.id]
            data.counties = [case.county] if case.county in COUNTIES else []
            data.categories = [case.category] if case.category in CATEGORIES else []
    return _form_page(data, cluster)


@bp.post("/proposals")
@requires(Capability.PROPOSALS_MANAGE)
def create():
    cluster = _cluster_arg(request.form.get("cluster_id"))
    data = _form_data()
    try:
        proposal = services.draft(current_user, data, cluster)
    except ServiceError as exc:
        db.session.rollback()
        return _form_page(data, cluster, error=exc, status=422)
    db.session.commit()
    flash(_("已起草政策完善建议，核对后即可送达"), "success")
    return redirect(url_for("proposals.show", proposal_id=proposal.id))


@bp.post("/proposals/<int:proposal_id>/edit")
@requires(Capability.PROPOSALS_MANAGE)
def edit(proposal_id: int):
    proposal = get_visible_or_404(current_user, PolicyProposal, proposal_id)
    data = _form_data()
    try:
        services.update(current_user, proposal, data)
    except ServiceError as exc:
        db.session.rollback()
        return _form_page(data, None, proposal, error=exc, status=422)
    db.session.commit()
    flash(_("已保存修改"), "success")
    return redirect(url_for("proposals.show", proposal_id=proposal.id))


@bp.get("/proposals/<int:proposal_id>/edit")
@requires(Capability.PROPOSALS_MANAGE)
def edit_form(proposal_id: int):
    proposal = get_visible_or_404(current_user, PolicyProposal, proposal_id)
    if proposal.status != Status.DRAFT.value:
        flash(_("建议已送达，不能再修改"), "error")
        return redirect(url_for("proposals.show", proposal_id=proposal.id))
    data = services.ProposalData(
        proposal.title, proposal.problem, proposal.suggestion, proposal.addressee_id,
        proposal.addressee_name, list(proposal.counties), list(proposal.categories),
        [c.id for c in proposal.cases], [], proposal.answer_days)
    return _form_page(data, None, proposal)


# --- a proposal's page and its steps -----------------------------------------------------

def _upcoming_meetings() -> list[Meeting]:
    if not may_organize(current_user):
        return []
    return list(db.session.scalars(
        select(Meeting).where(Meeting.state.in_((MeetingState.DRAFT.value,
                                                 MeetingState.SCHEDULED.value)),
                              Meeting.starts_at >= datetime.now(UTC))
        .order_by(Meeting.starts_at).limit(30)))


@bp.get("/proposals/<int:proposal_id>")
@requires(Capability.PROPOSALS_VIEW)
def show(proposal_id: int):
    proposal = get_visible_or_404(current_user, PolicyProposal, proposal_id)
    member_ids = [c.id for c in proposal.cases]
    cases = db.session.scalars(visible(current_user, Case).where(Case.id.in_(member_ids or [0]))
                               .order_by(Case.id)).all()
    deadline_ids = [d for d in (proposal.answer_deadline_id, proposal.measures_deadline_id) if d]
    notices = db.session.scalars(select(InspectionNotice).where(
        InspectionNotice.item_type == chase.ITEM,
        InspectionNotice.item_id.in_(deadline_ids or [0])).order_by(InspectionNotice.id)).all()
    items = services.agenda_items(proposal)
    visible_meetings = set(db.session.scalars(
        visible(current_user, Meeting).with_only_columns(Meeting.id)
        .where(Meeting.id.in_([i.meeting_id for i in items])))) if items else set()
    items = [i for i in items if i.meeting_id in visible_meetings]
    may_manage = manages(current_user) and can(current_user, Capability.PROPOSALS_MANAGE)
    return render_template(
        "proposals/show.html", proposal=proposal, cases=cases,
        hidden=len(member_ids) - len(cases), statuses=PROPOSAL_STATUS,
        case_statuses=STATUS_LABELS, counties=COUNTIES, categories=CATEGORIES,
        notices=notices, items=items, may_manage=may_manage,
        may_answer=can(current_user, Capability.PROPOSALS_ANSWER)
        and answers_for(current_user, proposal),
        on_behalf=proposal.answered_by is not None
        and proposal.answered_by.agency_id != proposal.addressee_id,
        meetings=_upcoming_meetings() if may_manage else [], today=local_today(),
        colour_of=colour_of, days_left=days_left, colour_labels=COLOUR_LABELS,
        cluster=db.session.get(SimilarCluster, proposal.cluster_id)
        if proposal.cluster_id and can(current_user, Capability.SIMILAR_CLUSTERS) else None)


def _step(proposal_id: int, change, message: str):
    proposal = get_visible_or_404(current_user, PolicyProposal, proposal_id)
    commit_or_flash(lambda: change(proposal), message)
    return redirect(url_for("proposals.show", proposal_id=proposal_id))


@bp.post("/proposals/<int:proposal_id>/send")
@requires(Capability.PROPOSALS_MANAGE)
def send(proposal_id: int):
    return _step(proposal_id, lambda p: services.send(current_user, p),
                 _("已送达主送单位，答复期限开始计算"))


@bp.post("/proposals/<int:proposal_id>/answer")
@requires(Capability.PROPOSALS_ANSWER)
def answer(proposal_id: int):
    choice = request.form.get("accepted")
    accepted = {"yes": True, "no": False}.get(choice)
    return _step(proposal_id, lambda p: services.answer(current_user, p, accepted,
                                                        request.form.get("note", "")),
                 _("已答复"))


@bp.post("/proposals/<int:proposal_id>/measures")
@requires(Capability.PROPOSALS_ANSWER)
def add_measure(proposal_id: int):
    return _step(proposal_id, lambda p: services.add_measure(
        current_user, p, request.form.get("text", ""), _date("adopted_on")), _("已登记措施"))


@bp.post("/proposals/<int:proposal_id>/effect")
@requires(Capability.PROPOSALS_MANAGE)
def check_effect(proposal_id: int):
    window = _int(request.form.get("window_days"))
    return _step(proposal_id, lambda p: services.check_effect(
        current_user, p, request.form.get("conclusion", ""), window), _("已记录效果评估"))


@bp.post("/proposals/<int:proposal_id>/close")
@requires(Capability.PROPOSALS_MANAGE)
def close(proposal_id: int):
    return _step(proposal_id, lambda p: services.close(current_user, p), _("建议已办结"))


@bp.post("/proposals/<int:proposal_id>/withdraw")
@requires(Capability.PROPOSALS_MANAGE)
def withdraw(proposal_id: int):
    return _step(proposal_id, lambda p: services.withdraw(
        current_user, p, request.form.get("reason", "")), _("建议已撤回"))


@bp.post("/proposals/<int:proposal_id>/agenda")
@requires(Capability.PROPOSALS_MANAGE, Capability.MEETINGS_MANAGE)
def put_on_agenda(proposal_id: int):
    def change(proposal):
        meeting_id = _int(request.form.get("meeting_id"))
        meeting = db.session.scalar(visible(current_user, Meeting).where(
            Meeting.id == meeting_id)) if meeting_id else None
        if meeting is None:
            raise ServiceError(_("请选择会议"), "meeting_id")
        services.put_on_agenda(current_user, proposal, meeting)

    return _step(proposal_id, change, _("已列入会议议程"))


@bp.post("/proposals/<int:proposal_id>/notices/<int:notice_id>/answer")
@requires(Capability.PROPOSALS_ANSWER)
def answer_notice(proposal_id: int, notice_id: int):
    """The addressee answers a 督查 notice about a late answer or measure, in writing."""
    proposal = get_visible_or_404(current_user, PolicyProposal, proposal_id)
    notice = db.session.get(InspectionNotice, notice_id)
    deadlines = {proposal.answer_deadline_id, proposal.measures_deadline_id} - {None}
    if (notice is None or notice.item_type != chase.ITEM or notice.item_id not in deadlines
            or notice.agency_id != current_user.agency_id):
        abort(404)
    commit_or_flash(lambda: chase_services.respond(current_user, notice,
                                                   request.form.get("response", "")),
                    _("已提交书面说明"))
    return redirect(url_for("proposals.show", proposal_id=proposal.id))
