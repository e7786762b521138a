"""Writing and verifying the audit chain.

This module only ever inserts events; nothing here (or anywhere) updates or deletes one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

from flask import current_app, has_request_context, request
from sqlalchemy import select, update

from hub.audit.models import AuditEvent, AuditHead, AuditVerification
from hub.core.types import utcnow
from hub.extensions import bulk_insert, db

log = logging.getLogger(__name__)

GENESIS = "0" * 64


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _chain_key() -> bytes:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, b"hub-audit-chain-v1", hashlib.sha256).digest()


def chain_key_fingerprint() -> str:
    """Names the chain key without revealing it: equal exactly when the secret key is (a
    backup records it, so a restore can tell why a chain would not verify)."""
    return hashlib.sha256(b"fingerprint:" + _chain_key()).hexdigest()[:16]


def _content(event: AuditEvent) -> bytes:
    body = {
        "occurred_at": event.occurred_at.isoformat(),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "before": event.before,
        "after": event.after,
        "address": event.address,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def compute_hash(event: AuditEvent, key: bytes | None = None) -> str:
    key = key or _chain_key()
    mac = hmac.new(key, event.prev_hash.encode(), hashlib.sha256)
    mac.update(b"\n")
    mac.update(_content(event))
    return mac.hexdigest()


def request_address() -> str | None:
    return request.remote_addr if has_request_context() else None


def record(
    actor,
    action: str,
    object_type: str | None = None,
    object_id=None,
    before: dict | None = None,
    after: dict | None = None,
    *,
    actor_name: str | None = None,
) -> AuditEvent:
    """Append an event in the caller's transaction (flushes, never commits).

    ``actor`` is a User or None (the system, or an unknown user at login).
    """
    # Moving the head first takes the write lock on it (a row lock on PostgreSQL, the
    # database write lock on SQLite), so concurrent writers line up instead of forking.
    seq, prev_hash = db.session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(last_seq=AuditHead.last_seq + 1)
        .returning(AuditHead.last_seq, AuditHead.last_hash)
    ).one()
    event = AuditEvent(
        seq=seq,
        occurred_at=utcnow(),
        actor_id=getattr(actor, "id", None),
        actor_name=actor_name or getattr(actor, "username", None),
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        address=request_address(),
        prev_hash=prev_hash,
    )
    event.hash = compute_hash(event)
    db.session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=event.hash))
    db.session.add(event)
    db.session.flush()
    return event


def record_many(actor, action: str, object_type: str, items) -> int:
    """Append one event per ``(object_id, after)`` in ``items`` with one move of the head
    and one multi-row insert (a bulk import audits each case it creates).  Flushes, never
    commits; returns the number of events."""
    items = list(items)
    if not items:
        return 0
    last_seq, prev_hash = db.session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(last_seq=AuditHead.last_seq + len(items))
        .returning(AuditHead.last_seq, AuditHead.last_hash)
    ).one()
    key = _chain_key()
    now = utcnow()
    address = request_address()
    rows = []
    for offset, (object_id, after) in enumerate(items):
        event = AuditEvent(
            seq=last_seq - len(items) + 1 + offset, occurred_at=now,
            actor_id=getattr(actor, "id", None), actor_name=getattr(actor, "username", None),
            action=action, object_type=object_type, object_id=str(object_id), before=None,
            after=_jsonable(after), address=address, prev_hash=prev_hash,
        )
        event.hash = prev_hash = compute_hash(event, key)
        rows.append({column: getattr(event, column) for column in (
            "seq", "occurred_at", "actor_id", "actor_name", "action", "object_type",
            "object_id", "before", "after", "address", "prev_hash", "hash")})
    bulk_insert(AuditEvent.__table__, rows)
    db.session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=prev_hash))
    return len(rows)


def record_change(actor, action: str, obj, before: dict | None, *,
                  actor_name: str | None = None) -> AuditEvent:
    """Audit a change to a model that has ``audit_state()``."""
    return record(
        actor,
        action,
        object_type=obj.__tablename__,
        object_id=obj.id,
        before=before,
        after=obj.audit_state(),
        actor_name=actor_name,
    )


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str | None = None  # edited | deleted | reordered
    detail: str = ""

    def line(self) -> str:
        if self.ok:
            return f"OK: {self.checked} events, chain intact"
        return f"BROKEN at event #{self.broken_seq}: {self.reason} — {self.detail}"


def verify_chain(batch: int = 2000) -> VerifyResult:
    """Walk the chain in order with flat memory; report the first break and why."""
    key = _chain_key()
    stmt = select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=batch)
    events = db.session.scalars(stmt)
    try:
        return _walk(events, key)
    finally:
        events.close()  # a server-side cursor on PostgreSQL


def _walk(events, key: bytes) -> VerifyResult:
    expected_prev = GENESIS
    prev_seq = 0
    checked = 0
    for event in events:
        if compute_hash(event, key) != event.hash:
            return VerifyResult(
                False, checked, event.seq, "edited",
                "its stored content no longer matches its hash (the row was changed)",
            )
        if event.prev_hash != expected_prev:
            pointed = db.session.scalar(
                select(AuditEvent.seq).where(AuditEvent.hash == event.prev_hash)
            )
            if pointed is not None:
                return VerifyResult(
                    False, checked, event.seq, "reordered",
                    f"it was chained after event #{pointed} but now follows event #{prev_seq}",
                )
            return VerifyResult(
                False, checked, event.seq, "deleted",
                f"the event chained before it is missing (after event #{prev_seq})",
            )
        expected_prev = event.hash
        prev_seq = event.seq
        checked += 1
    head = db.session.get(AuditHead, 1)
    if head is not None and head.last_hash != expected_prev:
        return VerifyResult(
            False, checked, prev_seq + 1, "deleted",
            f"the chain ends at event #{prev_seq} but {head.last_seq} events were written",
        )
    return VerifyResult(True, checked)


def verify_and_store() -> VerifyResult:
    """Verify and keep the result for the audit page (used by the nightly job)."""
    result = verify_chain()
    db.session.add(
        AuditVerification(
            ran_at=utcnow(),
            ok=result.ok,
            events_checked=result.checked,
            broken_seq=result.broken_seq,
            detail=result.line(),
        )
    )
    db.session.flush()
    if not result.ok:
        log.error("audit chain verification failed: %s", result.line())
    return result


def last_verification() -> AuditVerification | None:
    return db.session.scalar(
        select(AuditVerification).order_by(AuditVerification.ran_at.desc()).limit(1)
    )
