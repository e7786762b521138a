"""Admin pages for user accounts: create, edit, disable, reset password, end sessions."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from hub.agencies.models import Agency
from hub.agencies.views import active_agency_choices
from hub.auth import services
from hub.auth.access import requires
from hub.auth.capabilities import Capability
from hub.auth.models import User, UserRole, UserSession
from hub.auth.passwords import generate_password
from hub.auth.roles import Role
from hub.auth.visibility import get_visible_or_404, visible
from hub.core.errors import ServiceError
from hub.core.forms import apply_service_error
from hub.extensions import db
from hub.users.forms import UserCreateForm, UserEditForm, UserFilterForm

bp = Blueprint("users", __name__, url_prefix="/admin/users")

PAGE_SIZE = 50


@bp.get("")
@requires(Capability.USERS_MANAGE)
def index():
    form = UserFilterForm(request.args)
    form.validate()
    stmt = visible(current_user, User)
    if form.q.data:
        like = f"%{form.q.data.strip()}%"
        stmt = stmt.where(or_(User.username.ilike(like), User.display_name.ilike(like)))
    if form.role.data:
        stmt = stmt.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == form.role.data)))
    if form.status.data:
        stmt = stmt.where(User.active.is_(form.status.data == "active"))
    page = max(request.args.get("page", 1, type=int), 1)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    users = db.session.scalars(
        stmt.order_by(User.username).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    return render_template("users/index.html", form=form, users=users, total=total, page=page,
                           pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1))


def _roles(form) -> set[Role]:
    return {Role(r) for r in form.roles.data or []}


def _agency(form) -> Agency:
    return get_visible_or_404(current_user, Agency, int(form.agency_id.data))


@bp.route("/new", methods=["GET", "POST"])
@requires(Capability.USERS_MANAGE)
def create():
    form = UserCreateForm()
    form.agency_id.choices = active_agency_choices()
    if form.validate_on_submit():
        password = form.password.data or generate_password()
        try:
            user = services.create_user(
                current_user, username=form.username.data, display_name=form.display_name.data,
                agency=_agency(form), roles=_roles(form), password=password,
                leader_rank=form.leader_rank.data or None, email=form.email.data,
            )
        except ServiceError as exc:
            db.session.rollback()
            apply_service_error(form, exc)
        else:
            db.session.commit()
            return render_template("users/password_shown.html", user=user, password=password,
                                   generated=not form.password.data)
    return render_template("users/form.html", form=form, user=None)


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
@requires(Capability.USERS_MANAGE)
def edit(user_id: int):
    user = get_visible_or_404(current_user, User, user_id)
    form = UserEditForm(obj=user)
    form.agency_id.choices = active_agency_choices()
    if not form.is_submitted():
        form.agency_id.data = str(user.agency_id)
        form.roles.data = sorted(r.role for r in user.role_rows)
        form.leader_rank.data = user.leader_rank or ""
    if form.validate_on_submit():
        try:
            services.update_user(
                current_user, user, display_name=form.display_name.data, agency=_agency(form),
                roles=_roles(form), leader_rank=form.leader_rank.data or None,
                email=form.email.data,
            )
        except ServiceError as exc:
            db.session.rollback()
            apply_service_error(form, exc)
        else:
            db.session.commit()
            flash(_("已保存"), "success")
            return redirect(url_for("users.show", user_id=user.id))
    open_sessions = _open_sessions(user)
    return render_template("users/form.html", form=form, user=user, open_sessions=open_sessions)


def _open_sessions(user: User) -> int:
    return db.session.scalar(
        select(func.count()).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    )


@bp.get("/<int:user_id>")
@requires(Capability.USERS_MANAGE)
def show(user_id: int):
    user = get_visible_or_404(current_user, User, user_id)
    return render_template("users/show.html", user=user, open_sessions=_open_sessions(user))


def _act(user_id: int, change, message: str):
    user = get_visible_or_404(current_user, User, user_id)
    try:
        change(user)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("users.show", user_id=user.id))


@bp.post("/<int:user_id>/disable")
@requires(Capability.USERS_MANAGE)
def disable(user_id: int):
    return _act(user_id, lambda u: services.set_active(current_user, u, False),
                _("账号已停用，其所有会话已结束"))


@bp.post("/<int:user_id>/enable")
@requires(Capability.USERS_MANAGE)
def enable(user_id: int):
    return _act(user_id, lambda u: services.set_active(current_user, u, True), _("账号已启用"))


@bp.post("/<int:user_id>/end-sessions")
@requires(Capability.USERS_MANAGE)
def end_sessions(user_id: int):
    return _act(user_id, lambda u: services.end_user_sessions(current_user, u),
                _("已结束该用户的所有会话"))


@bp.post("/<int:user_id>/reset-password")
@requires(Capability.USERS_MANAGE)
def reset_password(user_id: int):
    user = get_visible_or_404(current_user, User, user_id)
    password = generate_password()
    services.reset_password(current_user, user, password)
    db.session.commit()
    return render_template("users/password_shown.html", user=user, password=password,
                           generated=True, reset=True)
