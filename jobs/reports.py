"""The monthly 通报 and 台账: generated on the first working day of the month for the month
before (by the periodic process) and on demand; the nightly check of the indicator
tallies they and the dashboard read."""

from __future__ import annotations

from datetime import date

from jobs.context import in_app


@in_app
def generate(kind: str, month_iso: str, user_id: int | None = None) -> int:
    from hub.auth.models import User
    from hub.extensions import db
    from hub.indicators.reports import generate as build

    actor = db.session.get(User, user_id) if user_id else None
    return build(kind, date.fromisoformat(month_iso), actor).id


@in_app
def monthly() -> list[int]:
    """Last month's reports that do not exist yet (a second run finds none missing)."""
    from hub.deadlines.services import local_today
    from hub.indicators.reports import generate as build
    from hub.indicators.reports import missing_for, previous_month

    month = previous_month(local_today())
    return [build(kind, month).id for kind in missing_for(month)]


@in_app
def tallies_check() -> int:
    """Recompute the indicator tallies of every case and correct any difference (committed
    batch by batch); returns how many cases were corrected."""
    from hub.extensions import db
    from hub.indicators.tallies import check

    return check(commit=db.session.commit).corrected
