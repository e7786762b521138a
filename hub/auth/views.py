"""Log in and out, the account page, password change, language and session extension."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from hub.auth import services
from hub.auth.access import login_only, public
from hub.auth.forms import LocaleForm, LoginForm, PasswordChangeForm
from hub.auth.models import UserSession
from hub.auth.sessions import extend, idle_deadline
from hub.core.errors import ServiceError
from hub.core.forms import apply_service_error, safe_next
from hub.extensions import db

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    status = 200
    if form.validate_on_submit():
        result = services.authenticate(form.username.data, form.password.data,
                                       request.remote_addr or "unknown")
        db.session.commit()
        if result.user is not None:
            session.clear()
            login_user(result.user)
            if result.user.must_change_password:
                flash(_("请先设置新密码"), "warning")
                return redirect(url_for("auth.change_password"))
            return redirect(safe_next(form.next.data))
        form.form_errors.append(result.error)
        status = result.status
    return render_template("auth/login.html", form=form, locale_form=LocaleForm()), status


@bp.post("/logout")
@login_only
def logout():
    locale = current_user.locale
    services.logout(current_user)
    db.session.commit()
    logout_user()
    session.clear()
    session["locale"] = locale  # the login page stays in the language the user chose
    flash(_("您已安全退出"), "info")
    return redirect(url_for("auth.login"))


@bp.get("/account")
@login_only
def account():
    open_sessions = db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == current_user.id, UserSession.ended_at.is_(None))
        .order_by(UserSession.created_at.desc())
    ).all()
    return render_template(
        "auth/account.html",
        open_sessions=open_sessions,
        locale_form=LocaleForm(locale=current_user.locale),
    )


@bp.route("/account/password", methods=["GET", "POST"])
@login_only
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data,
                                     form.new_password.data, form.confirm_password.data)
        except ServiceError as exc:
            db.session.rollback()
            apply_service_error(form, exc)
        else:
            db.session.commit()
            logout_user()
            session.clear()
            flash(_("密码已修改，所有会话均已结束，请使用新密码登录"), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/password.html", form=form)


@bp.post("/locale")
@public
def set_locale():
    form = LocaleForm()
    if not form.validate_on_submit():
        flash(_("不支持的语言"), "error")
        return redirect(safe_next(form.next.data))
    if current_user.is_authenticated:
        services.set_locale(current_user, form.locale.data)
        db.session.commit()
    else:
        session["locale"] = form.locale.data
    return redirect(safe_next(form.next.data))


@bp.post("/session/extend")
@login_only
def extend_session():
    """One-click extension before the idle timeout (WCAG 2.2.1)."""
    extend(current_user.current_session)
    db.session.commit()
    return jsonify(deadline=idle_deadline(current_user.current_session).isoformat())
