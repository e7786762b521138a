"""Logging in and out, passwords and account changes.  Services flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import func, select

from hub.audit.services import record, record_change
from hub.auth import sessions
from hub.auth.models import LoginAttempt, User, UserRole
from hub.auth.passwords import check_password, dummy_check, hash_password, password_problems
from hub.auth.roles import Role
from hub.core.errors import ServiceError
from hub.core.types import utcnow
from hub.extensions import db


@dataclass
class LoginResult:
    user: User | None
    error: str | None = None
    status: int = 200


def _address_blocked(address: str) -> datetime | None:
    """Per-address rate limit: too many failures from one address in the window."""
    cfg = current_app.config
    since = utcnow() - timedelta(seconds=cfg["HUB_ADDRESS_WINDOW_SECONDS"])
    count, oldest = db.session.execute(
        select(func.count(), func.min(LoginAttempt.at)).where(
            LoginAttempt.address == address,
            LoginAttempt.at >= since,
            LoginAttempt.success.is_(False),
        )
    ).one()
    if count >= cfg["HUB_ADDRESS_FAILURE_LIMIT"]:
        if oldest.tzinfo is None:  # aggregate results skip the column type on some backends
            from datetime import UTC

            oldest = oldest.replace(tzinfo=UTC)
        return oldest + timedelta(seconds=cfg["HUB_ADDRESS_WINDOW_SECONDS"])
    return None


def _attempt(address: str, username: str, success: bool) -> None:
    db.session.add(
        LoginAttempt(at=utcnow(), address=address, username=username[:64], success=success)
    )


def authenticate(username: str, password: str, address: str) -> LoginResult:
    """Check a login.  Every outcome is audited and recorded for the rate limit."""
    cfg = current_app.config
    username = username.strip()
    retry_at = _address_blocked(address)
    if retry_at is not None:
        record(None, "auth.login_rate_limited", "users", None, after={"username": username},
               actor_name=username[:64])
        return LoginResult(
            None,
            _("该地址登录失败次数过多，请于 %(time)s 之后再试", time=format_datetime(retry_at, "HH:mm")),
            429,
        )
    user = db.session.scalar(select(User).where(User.username == username))
    now = utcnow()
    generic = _("用户名或密码错误")
    if user is None:
        dummy_check(password)
        _attempt(address, username, False)
        record(None, "auth.login_failed", "users", None, after={"username": username,
               "reason": "unknown_user"}, actor_name=username[:64])
        return LoginResult(None, generic, 200)
    if user.locked_until is not None and user.locked_until > now:
        _attempt(address, username, False)
        record(user, "auth.login_failed", "users", user.id, after={"reason": "locked"})
        return LoginResult(None, _locked_message(user), 200)
    if not check_password(user.password_hash, password):
        _attempt(address, username, False)
        user.failed_logins += 1
        reason = "bad_password"
        message = generic
        if user.failed_logins >= cfg["HUB_LOCKOUT_FAILURES"]:
            user.locked_until = now + timedelta(seconds=cfg["HUB_LOCKOUT_SECONDS"])
            user.failed_logins = 0
            reason = "locked_now"
            message = _locked_message(user)
        record(user, "auth.login_failed", "users", user.id, after={"reason": reason})
        return LoginResult(None, message, 200)
    if not user.active:
        _attempt(address, username, False)
        record(user, "auth.login_failed", "users", user.id, after={"reason": "disabled"})
        return LoginResult(None, _("该账号已停用，请联系系统管理员"), 200)
    _attempt(address, username, True)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    session_row = sessions.start_session(user)
    record(user, "auth.login", "user_sessions", session_row.id)
    return LoginResult(user)


def _locked_message(user: User) -> str:
    return _(
        "连续登录失败次数过多，账号已锁定，请于 %(time)s 之后再试",
        time=format_datetime(user.locked_until, "yyyy-MM-dd HH:mm"),
    )


def logout(user: User) -> None:
    if user.current_session is not None:
        sessions.end_session(user.current_session, "logout")
        record(user, "auth.logout", "user_sessions", user.current_session.id)


def change_password(user: User, current: str, new: str, confirm: str) -> None:
    """The user changes their own password; all their sessions end."""
    if not check_password(user.password_hash, current):
        raise ServiceError(_("当前密码不正确"), "current_password")
    _check_new_password(new, confirm, user)
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    user.must_change_password = False
    ended = sessions.end_sessions(user, "password_changed")
    record(user, "auth.password_changed", "users", user.id, after={"sessions_ended": ended})


def _check_new_password(new: str, confirm: str, user: User | None) -> None:
    problems = password_problems(new)
    if problems:
        raise ServiceError("；".join(problems), "new_password")
    if new != confirm:
        raise ServiceError(_("两次输入的新密码不一致"), "confirm_password")
    if user is not None and new.lower() == user.username.lower():
        raise ServiceError(_("密码不能与用户名相同"), "new_password")
    if user is not None and check_password(user.password_hash, new):
        raise ServiceError(_("新密码不能与当前密码相同"), "new_password")


def set_locale(user: User, locale: str) -> None:
    if locale not in current_app.config["HUB_LOCALES"]:
        raise ServiceError(_("不支持的语言"), "locale")
    if user.locale != locale:
        before = user.audit_state()
        user.locale = locale
        record_change(user, "users.locale_changed", user, before)


def create_user(
    actor,
    *,
    username: str,
    display_name: str,
    agency,
    roles: set[Role],
    password: str,
    leader_rank: str | None = None,
    must_change_password: bool = True,
    email: str | None = None,
) -> User:
    username = username.strip()
    if not username:
        raise ServiceError(_("请填写用户名"), "username")
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise ServiceError(_("用户名已存在"), "username")
    _check_roles(roles, leader_rank)
    problems = password_problems(password)
    if problems:
        raise ServiceError("；".join(problems), "password")
    if not agency.active:
        raise ServiceError(_("不能把用户放在已停用的单位"), "agency_id")
    user = User(
        username=username,
        display_name=display_name.strip() or username,
        email=(email or "").strip() or None,
        password_hash=hash_password(password),
        agency=agency,
        leader_rank=leader_rank if Role.LEADER in roles else None,
        must_change_password=must_change_password,
        role_rows=[UserRole(role=r.value) for r in sorted(roles)],
    )
    db.session.add(user)
    db.session.flush()
    record_change(actor, "users.created", user, None)
    return user


def _check_roles(roles: set[Role], leader_rank: str | None) -> None:
    if not roles:
        raise ServiceError(_("至少选择一个角色"), "roles")
    if Role.LEADER in roles and not leader_rank:
        raise ServiceError(_("包案领导须选择职级"), "leader_rank")


def update_user(actor, user: User, *, display_name: str, agency, roles: set[Role],
                leader_rank: str | None, email: str | None = None) -> None:
    before = user.audit_state()
    _check_roles(roles, leader_rank)
    if user.id == getattr(actor, "id", None) and Role.ADMIN not in roles:
        raise ServiceError(_("不能取消自己的管理员角色"), "roles")
    if agency.id != user.agency_id and not agency.active:
        raise ServiceError(_("不能把用户放在已停用的单位"), "agency_id")
    user.display_name = display_name.strip() or user.username
    user.email = (email or "").strip() or None
    user.agency = agency
    user.leader_rank = leader_rank if Role.LEADER in roles else None
    current = {Role(r.role) for r in user.role_rows}
    if current != roles:
        user.role_rows = [UserRole(role=r.value) for r in sorted(roles)]
    db.session.flush()
    after = user.audit_state()
    if after != before:
        record_change(actor, "users.updated", user, before)
        if before["roles"] != after["roles"] or before["agency_id"] != after["agency_id"]:
            # What the user may see changed: make them log in again.
            sessions.end_sessions(user, "access_changed")


def set_active(actor, user: User, active: bool) -> None:
    if user.id == getattr(actor, "id", None) and not active:
        raise ServiceError(_("不能停用自己的账号"))
    if user.active == active:
        return
    before = user.audit_state()
    user.active = active
    if not active:
        sessions.end_sessions(user, "disabled")
    record_change(actor, "users.enabled" if active else "users.disabled", user, before)


def reset_password(actor, user: User, new_password: str) -> None:
    """Admin sets a temporary password; the user must change it at next login."""
    problems = password_problems(new_password)
    if problems:
        raise ServiceError("；".join(problems), "password")
    before = user.audit_state()
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.must_change_password = True
    user.failed_logins = 0
    user.locked_until = None
    sessions.end_sessions(user, "password_reset")
    record_change(actor, "users.password_reset", user, before)


def end_user_sessions(actor, user: User) -> int:
    ended = sessions.end_sessions(user, "ended_by_admin")
    record(actor, "users.sessions_ended", "users", user.id, after={"sessions_ended": ended})
    return ended
