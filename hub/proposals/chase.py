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
    from hub.chase.sweep import _inspection_due as inspection_due

    days_over = (sweep.today - row.due_on).days
    what = (sweep._("政策完善建议「%(title)s」的答复", title=row.title[:60])
            if row.kind == ANSWER_KIND else
            sweep._("政策完善建议「%(title)s」的落实措施", title=row.title[:60]))
    link = f"/proposals/{row.proposal_id}"
    liaisons = sweep.liaisons(row.addressee_id)
    if step.name in ("remind_before", "remind_due"):
        title = (sweep._("提醒：%(what)s 今日到期", what=what) if days_over >= 0
                 else sweep._("提醒：%(what)s 将于 %(due)s 到期", what=what,
                              due=row.due_on.isoformat()))
        sweep.notify(liaisons, "proposal.remind", title, "", link)
    elif step.name == "yellow":
        sweep.notify(sweep.secretariat(), "proposal.yellow",
                     sweep._("预警：%(what)s 已逾期 %(n)d 天", what=what, n=days_over), "", link)
    elif step.name == "inspect":
        due = inspection_due(sweep)
        sweep.notices.append(dict(
            chase_step_id=step_id, item_type=ITEM, item_id=row.id, leader_id=None,
            agency_id=row.addressee_id, case_id=None, subject=what[:300],
            issued_on=sweep.today, response_due_on=due))
        sweep.notify([*liaisons, *sweep.secretariat()], "proposal.inspect",
                     sweep._("督查通知：%(what)s 逾期 %(n)d 天，请于 %(due)s 前书面说明",
                             what=what, n=days_over, due=due.isoformat()), "", link)
