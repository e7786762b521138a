"""Server-side sessions: idle timeout, absolute lifetime, ending on demand."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app, g, request
from sqlalchemy import select, update

from hub.auth.models import User, UserSession
from hub.core.types import utcnow
from hub.extensions import db, login_manager

# last_seen_at is written at most this often, to keep page views from all becoming writes.
TOUCH_INTERVAL = timedelta(seconds=30)


def start_session(user: User) -> UserSession:
    session_row = UserSession(
        public_id=secrets.token_urlsafe(32),
        user_id=user.id,
        created_at=utcnow(),
        last_seen_at=utcnow(),
        address=request.remote_addr,
        user_agent=(request.user_agent.string or "")[:255],
    )
    db.session.add(session_row)
    db.session.flush()
    user.current_session = session_row
    return session_row


def end_sessions(user: User, reason: str) -> int:
    """End every open session of ``user``; returns how many were ended."""
    result = db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )
    return result.rowcount or 0


def end_session(session_row: UserSession, reason: str) -> None:
    if session_row.ended_at is None:
        session_row.ended_at = utcnow()
        session_row.end_reason = reason


def _expired_reason(session_row: UserSession) -> str | None:
    cfg = current_app.config
    now = utcnow()
    if session_row.ended_at is not None:
        return session_row.end_reason or "ended"
    if now - session_row.created_at > timedelta(seconds=cfg["HUB_SESSION_MAX_SECONDS"]):
        return "expired"
    if now - session_row.last_seen_at > timedelta(seconds=cfg["HUB_IDLE_TIMEOUT_SECONDS"]):
        return "idle"
    return None


@login_manager.user_loader
def load_user(public_id: str):
    session_row = db.session.scalar(
        select(UserSession).where(UserSession.public_id == public_id)
    )
    if session_row is None:
        return None
    reason = _expired_reason(session_row)
    user = session_row.user
    if reason is None and not user.active:
        reason = "disabled"
    if reason is not None:
        g.session_end_reason = reason
        if session_row.ended_at is None:
            end_session(session_row, reason)
            db.session.commit()
        return None
    if utcnow() - session_row.last_seen_at > TOUCH_INTERVAL:
        session_row.last_seen_at = utcnow()
        db.session.commit()
    user.current_session = session_row
    return user


def idle_deadline(session_row: UserSession):
    """When the session ends if nothing else happens (idle or absolute, whichever first)."""
    cfg = current_app.config
    idle = session_row.last_seen_at + timedelta(seconds=cfg["HUB_IDLE_TIMEOUT_SECONDS"])
    absolute = session_row.created_at + timedelta(seconds=cfg["HUB_SESSION_MAX_SECONDS"])
    return min(idle, absolute)


def extend(session_row: UserSession) -> None:
    session_row.last_seen_at = utcnow()
