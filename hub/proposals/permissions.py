"""Who sees policy proposals.

The secretariat and auditors see every proposal; anyone else sees the proposals addressed
to their own agency once they are sent (never a draft).  The member cases shown on a
proposal's page go through the case visibility rule as well.
"""

from __future__ import annotations

from sqlalchemy import Select

from hub.auth.roles import Role
from hub.auth.visibility import rule
from hub.cases.permissions import CASE_WIDE_ROLES
from hub.proposals.models import PolicyProposal, Status


def manages(user) -> bool:
    """Drafts, sends, checks and closes proposals: the joint-meeting office."""
    return Role.SECRETARIAT in user.roles and user.active


def answers_for(user, proposal: PolicyProposal) -> bool:
    """May answer and record measures: a liaison of the addressee agency, or the secretariat
    on its behalf (recorded as such)."""
    return user.active and (manages(user) or (
        Role.LIAISON in user.roles and user.agency_id == proposal.addressee_id))


@rule(PolicyProposal)
def _proposals(user, stmt: Select) -> Select:
    if user.roles & CASE_WIDE_ROLES:
        return stmt
    return stmt.where(PolicyProposal.addressee_id == user.agency_id,
                      PolicyProposal.status != Status.DRAFT.value)
