"""The staff's side of the portal: confirming a case's publication (preview of the redacted
texts, edit, confirm; withdraw), and the 一县一码 page (posters for everyone signed in;
departments' own codes for administrators)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hub.agencies.models import Agency
from hub.auth.access import login_only, requires
from hub.auth.capabilities import Capability, can
from hub.auth.visibility import get_visible_or_404
from hub.cases.intake import COUNTIES
from hub.cases.models import Case
from hub.core.errors import ServiceError
from hub.core.forms import apply_service_error, commit_or_flash
from hub.extensions import db
from hub.public import codes, forms, places, publication, redaction

bp = Blueprint("portal_staff", __name__)


def _case_page(case: Case):
    return redirect(url_for("cases.show", case_id=case.id, _anchor="publication"))


def _page(case: Case, form, draft, status: int = 200):
    return render_template(
        "public/publication.html", case=case, form=form, draft=draft,
        found=redaction.describe(draft.findings) if draft else "",
        current=publication.publication_of(case)), status


@bp.route("/cases/<int:case_id>/publication", methods=["GET", "POST"])
@requires(Capability.CASES_WORK)
def publish(case_id: int):
    """公开: the redacted texts to check, edit and confirm."""
    case = get_visible_or_404(current_user, Case, case_id)
    if not publication.may_publish(current_user, case):
        flash(_("只有主办单位或联席办可以确认公开"), "error")
        return _case_page(case)
    reason = publication.refusal(case)
    if reason:
        flash(reason, "error")
        return _case_page(case)
    form = forms.PublishForm()
    draft = publication.draft(case)
    if not form.is_submitted():
        form.title.data, form.content.data, form.reply.data = (
            draft.title, draft.content, draft.reply)
        return _page(case, form, draft)
    if form.validate():
        try:
            publication.publish(current_user, case, form.title.data, form.content.data,
                                form.reply.data)
        except ServiceError as exc:
            db.session.rollback()
            apply_service_error(form, exc)
        else:
            db.session.commit()
            flash(_("已确认公开：群众可在网上信访平台查看（已隐去个人信息）"), "success")
            return _case_page(case)
    case = get_visible_or_404(current_user, Case, case_id)
    return _page(case, form, draft, 422)


@bp.post("/cases/<int:case_id>/publication/withdraw")
@requires(Capability.CASES_WORK)
def withdraw(case_id: int):
    case = get_visible_or_404(current_user, Case, case_id)
    commit_or_flash(lambda: publication.withdraw(current_user, case), _("已撤回公开"))
    return _case_page(case)


@bp.app_template_global("publication_box")
def publication_box(case: Case) -> dict:
    """What the case page shows about the portal: the submission (一县一码 department,
    consent) and the publication (state, who may confirm)."""
    return {
        "submission": publication.submission_of(case),
        "current": publication.publication_of(case),
        "refusal": publication.refusal(case),
        "may_publish": publication.may_publish(current_user, case)
        and can(current_user, Capability.CASES_WORK),
    }


# --- 一县一码 -------------------------------------------------------------------------------------

@bp.get("/county-codes")
@login_only
def county_codes():
    manage = can(current_user, Capability.AGENCIES_MANAGE)
    enabled = {a.id for a in places.departments()}
    candidates = places.candidate_departments() if manage else []
    rows = [(key, name, places.departments(key)) for key, name in COUNTIES.items()]
    return render_template("public/county_codes.html", rows=rows, manage=manage,
                           candidates=candidates, enabled=enabled,
                           county_of=places.county_of, counties=COUNTIES)


def _agency(agency_id: int) -> Agency:
    return get_visible_or_404(current_user, Agency, agency_id)


@bp.post("/county-codes/<int:agency_id>/enable")
@requires(Capability.AGENCIES_MANAGE)
def enable_department(agency_id: int):
    agency = _agency(agency_id)
    commit_or_flash(lambda: codes.enable_department(current_user, agency),
                    _("已为 %(name)s 生成一县一码", name=agency.name))
    return redirect(url_for("portal_staff.county_codes"))


@bp.post("/county-codes/<int:agency_id>/disable")
@requires(Capability.AGENCIES_MANAGE)
def disable_department(agency_id: int):
    agency = _agency(agency_id)
    commit_or_flash(lambda: codes.disable_department(current_user, agency),
                    _("已停用 %(name)s 的一县一码", name=agency.name))
    return redirect(url_for("portal_staff.county_codes"))
