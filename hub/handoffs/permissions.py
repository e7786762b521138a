"""Who may see a handoff: the sending and the receiving agency; the secretariat and
auditors see every handoff except restricted ones (纪委 clues), which stay between the two
agencies."""

from __future__ import annotations

from sqlalchemy import Select, or_

from hub.attachments.services import register_owner
from hub.auth.visibility import rule
from hub.cases.permissions import CASE_WIDE_ROLES
from hub.handoffs.models import Handoff


def _between(agency_id: int):
    return or_(Handoff.from_agency_id == agency_id, Handoff.to_agency_id == agency_id)


@rule(Handoff)
def _handoffs(user, stmt: Select) -> Select:
    if user.roles & CASE_WIDE_ROLES:
        return stmt.where(or_(Handoff.restricted.is_(False), _between(user.agency_id)))
    return stmt.where(_between(user.agency_id))


register_owner("handoffs", Handoff)  # the handoff letter and feedback documents
