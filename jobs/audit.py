"""Nightly verification of the audit chain."""

from __future__ import annotations

from jobs.context import in_app


@in_app
def verify_audit_chain() -> str:
    from hub.audit.services import verify_and_store

    return verify_and_store().line()
