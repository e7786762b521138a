"""Case pages: intake (登记), the case page with its steps, and the audited "show"."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from hub.agencies.models import Agency, AgencyKind
from hub.audit.models import AuditEvent
from hub.auth.access import requires
from hub.auth.capabilities import Capability, can
from hub.auth.roles import RANK_LABELS
from hub.auth.visibility import get_visible_or_404, visible
from hub.baoan.models import Assignment
from hub.baoan.services import assignable_leaders
from hub.cases import forms, intake, lifecycle, permissions
from hub.cases.intake import COUNTIES
from hub.cases.labels import COLOUR_LABELS, EVENT_LABELS, STEP_LABELS
from hub.cases.models import Case, CaseLink, Petitioner
from hub.cases.vocab import (
    CATEGORIES,
    CHANNEL_LABELS,
    FLAGS,
    RATINGS,
    ROLE_LABELS,
    STAGE_LABELS,
    STATUS_LABELS,
)
from hub.core.errors import ServiceError
from hub.core.forms import apply_service_error
from hub.deadlines.models import Deadline
from hub.deadlines.rules import RULES
from hub.deadlines.services import colour_of, local_today
from hub.extensions import db
from hub.handoffs import services as handoff_services
from hub.handoffs.models import STATE_LABELS as HANDOFF_STATES
from hub.meetings import services as meeting_services
from hub.sources import services as sources

bp = Blueprint("cases", __name__, url_prefix="/cases")

PETITIONER_FIELDS = {"petitioner_name": "name", "petitioner_phone": "phone",
                     "petitioner_id_number": "id_number"}


def _township_choices():
    rows = db.session.execute(
        select(Agency.id, Agency.name).where(Agency.kind == AgencyKind.TOWNSHIP.value,
                                             Agency.active.is_(True)).order_by(Agency.code)
    ).all()
    return [("", _("（不选）"))] + [(str(i), n) for i, n in rows]


def _source_choices():
    """The collection points and work teams the registrar may name as the source."""
    return [("", _("（无）"))] + [(str(s.id), s.label) for s in sources.choices(current_user)]


def _intake_from(form) -> intake.Intake:
    petitioners = [
        intake.PetitionerData(sub.form.name.data or "", (sub.form.phone.data or "").strip() or None,
                              (sub.form.id_number.data or "").strip() or None)
        for sub in form.petitioners
    ]
    petitioners = [p for i, p in enumerate(petitioners) if i == 0 or p.name.strip()]
    return intake.Intake(
        title=form.title.data or "", content=form.content.data or "",
        channel=form.channel.data, category=form.category.data,
        headcount=form.headcount.data or 0, county=form.county.data,
        township_id=int(form.township_id.data) if form.township_id.data else None,
        village=form.village.data, registered_on=form.registered_on.data,
        petitioners=petitioners, public=form.public.data, restricted=form.restricted.data,
        flags=set(form.flags.data or []), link_to=list(form.link_to.data or []),
    )


@bp.route("/new", methods=["GET", "POST"])
@requires(Capability.CASES_REGISTER, check=permissions.may_register)
def create():
    form = forms.IntakeForm()
    form.township_id.choices = _township_choices()
    form.source_id.choices = _source_choices()
    if not form.is_submitted():
        form.registered_on.data = local_today()
    if form.validate_on_submit():
        try:
            case = intake.register(current_user, _intake_from(form))
            if form.source_id.data:
                source_id = form.source_id.data
                sources.attach_to_case(current_user, case,
                                       int(source_id) if source_id.isdigit() else 0)
        except ServiceError as exc:
            db.session.rollback()
            if exc.field in PETITIONER_FIELDS:
                target = getattr(form.petitioners[0].form, PETITIONER_FIELDS[exc.field])
                target.errors = [*target.errors, exc.message]
            else:
                apply_service_error(form, exc)
        else:
            db.session.commit()
            flash(_("已登记信访事项 %(number)s", number=case.number), "success")
            return redirect(url_for("cases.show", case_id=case.id))
    return render_template("cases/new.html", form=form)


@bp.get("/repeats")
@requires(Capability.CASES_REGISTER, check=permissions.may_register)
def repeats():
    """重复信访: the same petitioner's cases of the last 12 months (htmx fragment)."""
    args = request.args
    id_number = args.get("id_number") or args.get("petitioners-0-id_number") or ""
    phone = args.get("phone") or args.get("petitioners-0-phone") or ""
    found = intake.find_repeats(current_user, id_number=id_number.strip(), phone=phone.strip())
    return render_template("cases/_repeats.html", cases=found)


def _page(case: Case, revealed: dict | None = None, action_forms: dict | None = None,
          status: int = 200):
    today = local_today()
    deadlines = db.session.scalars(
        select(Deadline).where(Deadline.owner_type == "cases", Deadline.owner_id == case.id)
        .order_by(Deadline.id)
    ).all()
    timeline = db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "cases",
                                 AuditEvent.object_id == str(case.id)).order_by(AuditEvent.seq)
    ).all()
    linked_ids = select(CaseLink.earlier_case_id).where(CaseLink.case_id == case.id)
    linked = db.session.scalars(visible(current_user, Case).where(Case.id.in_(linked_ids))).all()
    actions = lifecycle.actions_for(current_user, case)
    assignments = db.session.scalars(
        visible(current_user, Assignment).where(Assignment.case_id == case.id)
        .order_by(Assignment.active.desc(), Assignment.rank)).all()
    leaders = assignable_leaders() if can(current_user, Capability.BAOAN_MANAGE) else []
    action_forms = action_forms or {}
    for name in actions:
        if name not in action_forms:
            action_forms[name] = _form_for(name, case)
    return render_template(
        "cases/show.html", case=case, deadlines=deadlines, today=today, colour_of=colour_of,
        timeline=timeline, linked=linked, actions=actions, action_forms=action_forms,
        may_reveal=permissions.may_see_personal_data(current_user, case),
        may_identify=permissions.may_identify(current_user, case),
        mask_phone=permissions.mask_phone, mask_id=permissions.mask_id_number,
        revealed=revealed or {}, step_labels=STEP_LABELS, rules=RULES, event_labels=EVENT_LABELS,
        colour_labels=COLOUR_LABELS, status_labels=STATUS_LABELS, stage_labels=STAGE_LABELS,
        flag_labels=FLAGS, channel_labels=CHANNEL_LABELS, categories=CATEGORIES,
        counties=COUNTIES, ratings=RATINGS, participant_roles=ROLE_LABELS,
        assignments=assignments, leaders=leaders, rank_labels=RANK_LABELS,
        handoffs=handoff_services.for_case(current_user, case), handoff_states=HANDOFF_STATES,
        handoff_kind_label=handoff_services.kind_label,
        meeting_tasks=meeting_services.tasks_for_case(current_user, case),
        origin=sources.case_origin(current_user, case),
    ), status


@bp.get("/<int:case_id>")
@requires(Capability.CASES_VIEW)
def show(case_id: int):
    return _page(get_visible_or_404(current_user, Case, case_id))


@bp.post("/<int:case_id>/petitioners/<int:petitioner_id>/reveal")
@requires(Capability.CASES_VIEW)
def reveal(case_id: int, petitioner_id: int):
    case = get_visible_or_404(current_user, Case, case_id)
    petitioner = db.session.get(Petitioner, petitioner_id)
    if petitioner is None or petitioner.case_id != case.id:
        abort(404)
    try:
        data = permissions.reveal(current_user, case, petitioner)
    except ServiceError:
        abort(404)  # personal data this user may not see does not exist for them
    db.session.commit()
    return _page(case, revealed={petitioner.id: data})


# --- steps -----------------------------------------------------------------------------

def _agency_choices():
    rows = db.session.execute(select(Agency.id, Agency.name).where(Agency.active.is_(True))
                              .order_by(Agency.level, Agency.code)).all()
    return [(str(i), n) for i, n in rows]


FORMS = {
    "forward": forms.ForwardForm, "refuse": forms.ReasonForm, "extend": forms.ExtendForm,
    "progress": forms.ReasonForm, "reply": forms.TextForm, "review": forms.TextForm,
    "recheck": forms.TextForm, "rate": forms.RateForm, "request_review": forms.DateActionForm,
    "request_recheck": forms.DateActionForm, "hearing_start": forms.DateActionForm,
    "hearing_end": forms.DateActionForm,
}


def _form_for(name: str, case: Case, formdata=None):
    form = FORMS.get(name, forms.SimpleActionForm)(formdata=formdata, prefix=name)
    if formdata is None:
        form.version.data = str(case.version)
        if hasattr(form, "on"):
            form.on.data = local_today()
    if isinstance(form, forms.ForwardForm):
        form.lead_agency_id.choices = _agency_choices()
        form.assist_agency_ids.choices = _agency_choices()
    return form


def _run(name: str, form, case: Case) -> None:
    """The step ``name`` with the values of its form (lifecycle.perform checks the rest)."""
    def value(field):
        return getattr(form, field).data if hasattr(form, field) else None

    lifecycle.perform(current_user, case, name, version=form.version_value(),
                      lead_agency_id=value("lead_agency_id"),
                      assist_agency_ids=value("assist_agency_ids") or [],
                      reason=value("reason"), days=value("days"), approver=value("approver"),
                      text=value("text"), public=value("public"), rating=value("rating"),
                      on=value("on"))


ACTIONS = lifecycle.ACTIONS


@bp.post("/<int:case_id>/act/<action>")
@requires(Capability.CASES_WORK)
def act(case_id: int, action: str):
    if action not in ACTIONS:
        abort(404)
    case = get_visible_or_404(current_user, Case, case_id)
    form = _form_for(action, case, formdata=request.form)
    if form.validate():
        try:
            _run(action, form, case)
        except ServiceError as exc:
            db.session.rollback()
            apply_service_error(form, exc)
        else:
            db.session.commit()
            flash(_("已完成：%(step)s", step=str(STEP_LABELS.get(action, action))), "success")
            if action == "reply" and case.public:
                # 答复可公开: on to the redacted preview the officer confirms (hub.public).
                return redirect(url_for("portal_staff.publish", case_id=case.id))
            return redirect(url_for("cases.show", case_id=case.id))
    case = get_visible_or_404(current_user, Case, case_id)
    return _page(case, action_forms={action: form}, status=422)

