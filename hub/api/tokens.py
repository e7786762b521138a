"""Creating, checking and revoking API tokens.  Services flush, never commit."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from hub.api.models import ApiToken
from hub.audit.services import record, record_change
from hub.core.errors import ServiceError
from hub.core.types import utcnow
from hub.extensions import db

PREFIX = "xfh_"  # recognisable in logs and secret scanners


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(actor, user, name: str, read_only: bool = False,
           expires_days: int | None = None) -> tuple[str, ApiToken]:
    """A new token for ``user`` (the actor themself, or an admin for an integration account).
    Returns the token text — shown once, never stored — and its row."""
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("请填写令牌名称"), "name")
    if len(name) > 80:
        raise ServiceError(_("令牌名称不能超过 80 个字"), "name")
    if expires_days is not None and not 1 <= expires_days <= 3650:
        raise ServiceError(_("有效期应为 1 至 3650 天"), "expires_days")
    if not user.active:
        raise ServiceError(_("不能为已停用的用户创建令牌"))
    text = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=_digest(text), prefix=text[:10],
                     read_only=read_only, created_at=utcnow(),
                     created_by_id=getattr(actor, "id", None),
                     expires_at=utcnow() + timedelta(days=expires_days) if expires_days else None)
    db.session.add(token)
    db.session.flush()
    record_change(actor, "api.token_created", token, None)
    return text, token


def revoke(actor, token: ApiToken) -> None:
    if token.revoked_at is not None:
        raise ServiceError(_("该令牌已撤销"))
    before = token.audit_state()
    token.revoked_at = utcnow()
    db.session.flush()
    record_change(actor, "api.token_revoked", token, before)


def user_for(text: str) -> tuple[ApiToken | None, str | None]:
    """The token row for a presented token, or None with why (for the problem detail)."""
    if not text or not text.startswith(PREFIX):
        return None, "invalid"
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(text)))
    if token is None:
        return None, "invalid"
    if token.revoked_at is not None:
        return None, "revoked"
    if token.expires_at is not None and token.expires_at <= utcnow():
        return None, "expired"
    if not token.user.active:
        return None, "disabled"
    return token, None


def note_use(token: ApiToken, method: str, path: str) -> None:
    """Token use is audited (one event per request) and stamped on the token."""
    token.last_used_at = utcnow()
    record(token.user, "api.request", "api_tokens", token.id,
           after={"method": method, "path": path[:200]})


def of_user(user) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.created_at.desc())))
