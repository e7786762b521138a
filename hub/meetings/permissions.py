"""Who sees a meeting: the secretariat and auditors every one; others the meetings their
agency is invited to, they are invited to (or delegated to), or they organize."""

from __future__ import annotations

from sqlalchemy import Select, exists, or_

from hub.auth.visibility import rule
from hub.cases.permissions import CASE_WIDE_ROLES
from hub.meetings.models import Invitee, Meeting, MeetingAgency


@rule(Meeting)
def _meetings(user, stmt: Select) -> Select:
    if user.roles & CASE_WIDE_ROLES:
        return stmt
    invited = exists().where(Invitee.meeting_id == Meeting.id,
                             or_(Invitee.user_id == user.id, Invitee.delegate_id == user.id))
    agency = exists().where(MeetingAgency.meeting_id == Meeting.id,
                            MeetingAgency.agency_id == user.agency_id)
    return stmt.where(or_(Meeting.organizer_id == user.id, invited, agency))
