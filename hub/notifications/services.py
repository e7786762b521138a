"""Writing notifications (inbox + outbox) and delivering them.  Services flush, never
commit; the delivery job in jobs/notifications.py owns its transactions."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import event, func, insert, or_, select, update
from sqlalchemy.orm import Session

from hub.core.types import utcnow
from hub.extensions import db
from hub.notifications import channels
from hub.notifications.models import Delivery, Notification

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
STALE_CLAIM = timedelta(minutes=10)  # a "sending" row older than this lost its worker
RECONCILE_GRACE = timedelta(minutes=2)  # give the after-commit job time before the sweep


def notify(users, kind: str, title: str, body: str = "", link: str | None = None) -> int:
    """Write the inbox rows and, per enabled channel, the outbox rows — in the caller's
    transaction.  Delivery jobs are enqueued only after that transaction commits."""
    return notify_many([Message(list(users), kind, title, body, link)])


@dataclass
class Message:
    """One notification to several users (one inbox row each)."""

    users: list
    kind: str
    title: str
    body: str = ""
    link: str | None = None


def notify_many(messages: list[Message]) -> int:
    """``notify`` for many messages at once: one multi-row INSERT for the inbox rows and one
    for the outbox rows (the chase sweep writes thousands in a run)."""
    now = utcnow()
    rows = [{"user_id": user.id, "kind": m.kind, "title": m.title[:200], "body": m.body,
             "link": m.link, "created_at": now} for m in messages for user in m.users]
    if not rows:
        return 0
    users = {user.id: user for m in messages for user in m.users}
    # Table-level inserts: RETURNING in one statement per batch (no per-row ordering needed,
    # since a delivery depends only on its notification's user).
    written = db.session.execute(
        insert(Notification.__table__).returning(Notification.id, Notification.user_id),
        rows).all()
    outbox = [{"notification_id": nid, "channel": channel.name, "status": "pending",
               "attempts": 0, "next_attempt_at": now, "created_at": now}
              for channel in channels.active_channels()
              for nid, user_id in written if channel.wants(users[user_id])]
    if outbox:
        delivery_ids = db.session.scalars(
            insert(Delivery.__table__).returning(Delivery.id), outbox).all()
        db.session.info.setdefault("hub_outbox", []).extend((d, 0) for d in delivery_ids)
    return len(written)


@event.listens_for(Session, "after_commit")
def _enqueue_after_commit(session):
    ids = session.info.pop("hub_outbox", None)
    if ids:
        from jobs.notifications import enqueue_deliveries

        enqueue_deliveries(ids)


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session):
    session.info.pop("hub_outbox", None)


def claim(delivery_id: int) -> bool:
    """Take a due pending delivery for sending (one worker wins)."""
    result = db.session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status == "pending",
               Delivery.next_attempt_at <= utcnow())
        .values(status="sending", claimed_at=utcnow())
    )
    return (result.rowcount or 0) == 1


def send_claimed(delivery_id: int) -> str:
    """Send one claimed delivery; record success or schedule a retry with back-off."""
    from hub.auth.models import User

    delivery = db.session.get(Delivery, delivery_id)
    channel = channels.get(delivery.channel)
    user = db.session.get(User, delivery.notification.user_id)
    try:
        if channel is None or not channel.enabled():
            raise channels.DeliveryError(f"channel {delivery.channel} is not configured")
        channel.send(delivery.notification, user)
    except channels.DeliveryError as exc:
        delivery.attempts += 1
        delivery.last_error = str(exc)[:2000]
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = "failed"
            log.error("delivery %s failed for good: %s", delivery.id, exc)
        else:
            delivery.status = "pending"
            # back-off: 1, 2, 4, 8, 16 minutes
            delivery.next_attempt_at = utcnow() + timedelta(minutes=2 ** (delivery.attempts - 1))
        return "retry" if delivery.status == "pending" else "failed"
    delivery.status = "sent"
    delivery.sent_at = utcnow()
    return "sent"


def due_for_delivery(now=None, grace: timedelta = RECONCILE_GRACE) -> list[tuple[int, int]]:
    """The reconcile sweep: pending rows whose time has come (and that the after-commit job
    should have sent already, ``grace`` after they were written), and rows whose worker
    died while sending."""
    now = now or utcnow()
    # A worker died while sending: count that as an attempt, so the retry is a new job id
    # (the dead job's id may still be held in Redis).
    db.session.execute(
        update(Delivery).where(Delivery.status == "sending", Delivery.claimed_at < now - STALE_CLAIM)
        .values(status="pending", attempts=Delivery.attempts + 1,
                last_error="the worker stopped while sending")
    )
    return [tuple(row) for row in db.session.execute(
        select(Delivery.id, Delivery.attempts).where(
            Delivery.status == "pending", Delivery.next_attempt_at <= now,
            or_(Delivery.attempts > 0, Delivery.created_at <= now - grace),
        ).order_by(Delivery.id).limit(5000)
    )]


def retry_failed() -> int:
    """Give failed deliveries a fresh set of attempts (admin / CLI)."""
    result = db.session.execute(
        update(Delivery).where(Delivery.status == "failed")
        .values(status="pending", attempts=0, next_attempt_at=utcnow())
    )
    return result.rowcount or 0


def delivery_counts() -> dict[str, int]:
    return dict(db.session.execute(
        select(Delivery.status, func.count()).group_by(Delivery.status)).all())


def failed_deliveries(limit: int = 100) -> list[Delivery]:
    return list(db.session.scalars(
        select(Delivery).where(Delivery.status == "failed").order_by(Delivery.id.desc())
        .limit(limit)))


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
