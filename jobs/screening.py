"""The monthly screening: open the month's reports (by the periodic process)."""

from __future__ import annotations

from jobs.context import in_app


@in_app
def open_month() -> int:
    """Open this month's screening for every county that has none yet (a second run opens
    nothing); returns how many were opened."""
    from hub.deadlines.services import local_today
    from hub.screening.services import month_start
    from hub.screening.services import open_month as open_reports

    return len(open_reports(month_start(local_today())))
