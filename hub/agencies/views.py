"""The agency tree: browse (within visibility) and administer."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from agencies import registry
from hub.agencies import services
from hub.agencies.forms import AgencyForm
from hub.agencies.models import Agency
from hub.auth.access import requires
from hub.auth.capabilities import Capability, can
from hub.auth.models import User
from hub.auth.visibility import get_visible_or_404, visible
from hub.core.errors import ServiceError
from hub.core.forms import apply_service_error
from hub.extensions import db

bp = Blueprint("agencies", __name__)


def _tree_rows():
    return services.tree(db.session.scalars(visible(current_user, Agency)).all())


@bp.get("/agencies")
@requires(Capability.AGENCIES_VIEW)
def index():
    return render_template("agencies/index.html", rows=_tree_rows())


@bp.get("/agencies/<int:agency_id>")
@requires(Capability.AGENCIES_VIEW)
def show(agency_id: int):
    agency = get_visible_or_404(current_user, Agency, agency_id)
    members = db.session.scalars(
        visible(current_user, User).where(User.agency_id == agency.id).order_by(User.username)
    ).all()
    children = db.session.scalars(
        visible(current_user, Agency).where(Agency.parent_id == agency.id).order_by(Agency.code)
    ).all()
    return render_template(
        "agencies/show.html",
        agency=agency,
        members=members,
        children=children,
        plugin=registry.for_kind(agency.kind),
        owned=services.owned_data(agency) if can(current_user, Capability.AGENCIES_MANAGE) else [],
    )


def _parent_from(form) -> Agency | None:
    if not form.parent_id.data:
        return None
    return get_visible_or_404(current_user, Agency, int(form.parent_id.data))


@bp.route("/admin/agencies/new", methods=["GET", "POST"])
@requires(Capability.AGENCIES_MANAGE)
def create():
    form = AgencyForm()
    form.set_parent_choices(_tree_rows())
    if form.validate_on_submit():
        try:
            agency = services.create_agency(
                current_user, code=form.code.data, name=form.name.data, kind=form.kind.data,
                level=form.level.data, parent=_parent_from(form),
            )
        except ServiceError as exc:
            db.session.rollback()
            apply_service_error(form, exc)
        else:
            db.session.commit()
            flash(_("已创建单位 %(name)s", name=agency.name), "success")
            return redirect(url_for("agencies.show", agency_id=agency.id))
    return render_template("agencies/form.html", form=form, agency=None)


@bp.route("/admin/agencies/<int:agency_id>/edit", methods=["GET", "POST"])
@requires(Capability.AGENCIES_MANAGE)
def edit(agency_id: int):
    agency = get_visible_or_404(current_user, Agency, agency_id)
    form = AgencyForm(obj=agency)
    form.set_parent_choices(_tree_rows(), exclude_id=agency.id)
    if not form.is_submitted():
        form.parent_id.data = str(agency.parent_id or "")
    if form.validate_on_submit():
        try:
            services.update_agency(
                current_user, agency, code=form.code.data, name=form.name.data,
                kind=form.kind.data, level=form.level.data, parent=_parent_from(form),
            )
        except ServiceError as exc:
            db.session.rollback()
            apply_service_error(form, exc)
        else:
            db.session.commit()
            flash(_("已保存"), "success")
            return redirect(url_for("agencies.show", agency_id=agency.id))
    return render_template("agencies/form.html", form=form, agency=agency)


def _simple_change(agency_id: int, change, done_message: str):
    agency = get_visible_or_404(current_user, Agency, agency_id)
    try:
        change(agency)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(done_message, "success")
    return agency


@bp.post("/admin/agencies/<int:agency_id>/deactivate")
@requires(Capability.AGENCIES_MANAGE)
def deactivate(agency_id: int):
    agency = _simple_change(agency_id, lambda a: services.set_active(current_user, a, False),
                            _("单位已停用"))
    return redirect(url_for("agencies.show", agency_id=agency.id))


@bp.post("/admin/agencies/<int:agency_id>/activate")
@requires(Capability.AGENCIES_MANAGE)
def activate(agency_id: int):
    agency = _simple_change(agency_id, lambda a: services.set_active(current_user, a, True),
                            _("单位已启用"))
    return redirect(url_for("agencies.show", agency_id=agency.id))


@bp.post("/admin/agencies/<int:agency_id>/delete")
@requires(Capability.AGENCIES_MANAGE)
def delete(agency_id: int):
    agency = get_visible_or_404(current_user, Agency, agency_id)
    try:
        services.delete_agency(current_user, agency)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("agencies.show", agency_id=agency_id))
    db.session.commit()
    flash(_("单位已删除"), "success")
    return redirect(url_for("agencies.index"))


def active_agency_choices():
    rows = services.tree(db.session.scalars(select(Agency).where(Agency.active.is_(True))).all())
    return [(str(a.id), "　" * depth + a.name) for depth, a in rows]
