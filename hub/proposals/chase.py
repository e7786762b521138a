"""Policy proposals as obligations of the chase engine (``hub.chase.sweep``).

An item is a proposal's running clock: the addressee's answer (from sending) or, once
accepted, its first measure.  The ladder is the handoffs' (提醒 the addressee's liaisons
before and on the due day, 预警 the secretariat after it, a 督查 notice to the addressee
agency, answered in writing); answering, or recording a measure, completes the clock and
the proposal leaves the sweep.
"""

from __future__ import annotations

from sqlalchemy import literal, select

from hub.chase.ladder import Step
from hub.deadlines.models import Deadline
from hub.proposals.models import (
    ANSWER_KIND,
    DEADLINE_OWNER,
    MEASURES_KIND,
    PolicyProposal,
    Status,
)

ITEM = "policy_proposal"


def items(today):
    """Running clocks of proposals waiting for an answer or a first measure (plain rows)."""
    return (select(Deadline.id, Deadline.due_on, Deadline.kind, literal(1).label("occurrence"),
                   PolicyProposal.id.label("proposal_id"), PolicyProposal.title,
                   PolicyProposal.addressee_id)
            .join(PolicyProposal, PolicyProposal.id == Deadline.owner_id)
            .where(Deadline.owner_type == DEADLINE_OWNER, Deadline.done_at.is_(None),
                   Deadline.paused.is_(False), Deadline.kind.in_((ANSWER_KIND, MEASURES_KIND)),
                   PolicyProposal.status.in_((Status.SENT.value, Status.ACCEPTED.value))))


def effects(row, step: Step, step_id: int, sweep) -> None:
    from hub.chase.sweep import agency_effects

    what = (sweep._("政策完善建议「%(title)s」的答复", title=row.title[:60])
            if row.kind == ANSWER_KIND else
            sweep._("政策完善建议「%(title)s」的落实措施", title=row.title[:60]))
    agency_effects(sweep, row, step, step_id, ITEM, "proposal", what,
                   f"/proposals/{row.proposal_id}", row.addressee_id, None)
