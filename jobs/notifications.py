"""Delivering the outbox: after-commit enqueue, the delivery job, the reconcile sweep."""

from __future__ import annotations

from jobs.context import in_app


def enqueue_deliveries(rows) -> int:
    """Enqueue one delivery job per (delivery id, attempts) pair — called after the
    transaction that wrote the rows commits.  The attempt count is part of the job id, so a
    retry is a new job.  Redis being down only delays delivery: the sweep finds the rows."""
    from jobs.queues import enqueue_once

    done = 0
    for delivery_id, attempts in rows:
        if enqueue_once(deliver, f"deliver-{delivery_id}-{attempts}", delivery_id):
            done += 1
    return done


def deliver(delivery_id: int) -> str:
    """Claim, send, record.  Safe to run twice: the second run finds nothing to claim."""
    return _deliver(delivery_id)


@in_app
def _deliver(delivery_id: int) -> str:
    from hub.extensions import db
    from hub.notifications import services

    if not services.claim(delivery_id):
        return "skipped"
    db.session.commit()  # the claim is visible before the (slow) send
    return services.send_claimed(delivery_id)


@in_app
def reconcile() -> int:
    """Re-enqueue deliveries that are due and were never sent."""
    from hub.notifications import services

    rows = services.due_for_delivery()
    return enqueue_deliveries(rows) if rows else 0
