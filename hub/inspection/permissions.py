"""Who sees 巡察 rounds: the 巡察办 that runs them, the secretariat and auditors."""

from __future__ import annotations

from sqlalchemy import Select

from hub.auth.visibility import rule
from hub.cases.permissions import CASE_WIDE_ROLES
from hub.handoffs.services import register_choices
from hub.inspection.models import InspectionRound


@rule(InspectionRound)
def _rounds(user, stmt: Select) -> Select:
    if user.roles & CASE_WIDE_ROLES:
        return stmt
    return stmt.where(InspectionRound.agency_id == user.agency_id)


def _round_options():
    from hub.inspection.services import open_rounds

    return [(r.id, f"{r.title}（{r.starts_on.isoformat()}—{r.ends_on.isoformat()}）")
            for r in open_rounds()]


def _round_label(value) -> str:
    from hub.extensions import db

    rnd = db.session.get(InspectionRound, int(value))
    return rnd.title if rnd else str(value)


# The 巡察 batch handoff's round field offers the rounds still running.
register_choices("inspection_rounds", _round_options, _round_label)
