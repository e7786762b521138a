"""Writing notifications and reading the inbox.  Services flush, never commit."""

from __future__ import annotations

from sqlalchemy import func, select, update

from hub.core.types import utcnow
from hub.extensions import db
from hub.notifications.models import Notification


def notify(users, kind: str, title: str, body: str = "", link: str | None = None) -> int:
    rows = [Notification(user_id=u.id, kind=kind, title=title[:200], body=body, link=link,
                         created_at=utcnow()) for u in users]
    db.session.add_all(rows)
    db.session.flush()
    return len(rows)


def unread_count(user) -> int:
    return db.session.scalar(
        select(func.count()).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def inbox(user, limit: int = 100) -> list[Notification]:
    return list(db.session.scalars(
        select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
    ))


def mark_read(user, notification_id: int | None = None) -> int:
    stmt = update(Notification).where(Notification.user_id == user.id,
                                      Notification.read_at.is_(None))
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    return db.session.execute(stmt.values(read_at=utcnow())).rowcount or 0
