"""Per-address limits on the public portal, counted in the database like the login limit
(hub.auth.services): every counted action is a row, and a limit is "at most N of a kind
from one address within a window".  Rows older than the longest window are pruned as new
ones are written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from hub.core.types import utcnow
from hub.extensions import db
from hub.public.models import PublicAttempt

# The config key of each kind's limits: ((window seconds, most actions), ...).
LIMIT_KEYS = {"submit": "HUB_PORTAL_SUBMIT_LIMITS", "secret": "HUB_PORTAL_SECRET_LIMITS"}  # nosec B105


def _limits(kind: str) -> tuple[tuple[int, int], ...]:
    return tuple(current_app.config[LIMIT_KEYS[kind]])


def blocked_until(address: str, kind: str) -> datetime | None:
    """When ``address`` may act again, if one of the kind's limits is reached now."""
    now = utcnow()
    latest = None
    for seconds, most in _limits(kind):
        since = now - timedelta(seconds=seconds)
        count, oldest = db.session.execute(
            select(func.count(), func.min(PublicAttempt.at)).where(
                PublicAttempt.address == address, PublicAttempt.kind == kind,
                PublicAttempt.at >= since)).one()
        if count >= most:
            if oldest.tzinfo is None:  # aggregates skip the column type on some backends
                oldest = oldest.replace(tzinfo=UTC)
            # The window frees a place when its oldest counted action leaves it.
            until = oldest + timedelta(seconds=seconds)
            latest = until if latest is None or until > latest else latest
    return latest


def count(address: str, kind: str) -> None:
    """Count one action of ``kind`` from ``address`` (and prune what no window needs)."""
    longest = max(seconds for seconds, _most in _limits(kind))
    db.session.execute(delete(PublicAttempt).where(
        PublicAttempt.kind == kind, PublicAttempt.at < utcnow() - timedelta(seconds=longest)))
    db.session.add(PublicAttempt(at=utcnow(), address=address[:64], kind=kind))
    db.session.flush()
