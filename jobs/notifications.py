"""Delivering the outbox: after-commit enqueue, the delivery job, the reconcile sweep."""

from __future__ import annotations

from jobs.context import in_app


def enqueue_deliveries(rows) -> int:
    """Enqueue one delivery job per (delivery id, attempts) pair — called after the
    transaction that wrote the rows commits, and by the reconcile sweep.  No fixed job id:
    a job of a killed worker may hold any id for a long time, and a duplicate job is
    harmless because delivery first claims its row.  Redis being down only delays
    delivery: the sweep finds the rows."""
    from jobs.queues import enqueue

    ids = [delivery_id for delivery_id, _attempts in rows]
    done = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        if enqueue(deliver_many, chunk):
            done += len(chunk)
    return done


# Deliveries per job: one fork and one app context serve a batch of mails.
BATCH = 25


def deliver_many(delivery_ids: list[int]) -> dict:
    """Deliver a batch; each row is claimed, sent and recorded on its own, so a worker
    killed mid-batch leaves the unclaimed rows pending for the reconcile sweep."""
    results: dict = {}
    for delivery_id in delivery_ids:
        outcome = deliver(delivery_id)
        results[outcome] = results.get(outcome, 0) + 1
    return results


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
