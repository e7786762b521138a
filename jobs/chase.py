"""The periodic chase sweep (run by the single periodic-job process)."""

from __future__ import annotations

from jobs.context import in_app


@in_app
def sweep() -> dict:
    from hub.chase.sweep import run

    return dict(run())
