"""Who may see a case, who may act on it, and who may see petitioners' personal data."""

from __future__ import annotations

from sqlalchemy import Select, and_, exists, or_
from sqlalchemy.orm import aliased

from hub.agencies.models import AgencyKind
from hub.auth.roles import Role
from hub.auth.visibility import rule
from hub.cases.models import Case, CaseParticipant

# Roles that see every case of every agency (DESIGN §2), except restricted ones.
CASE_WIDE_ROLES = {Role.SECRETARIAT, Role.AUDITOR}


def participates_clause(agency_id: int):
    # An alias, so the clause still correlates when the outer query joins participants.
    p = aliased(CaseParticipant)
    return exists().where(p.case_id == Case.id, p.agency_id == agency_id)


def scoped(user, stmt: Select):
    """The case visibility rule, returned with the user's own participant row when the rule
    is "my agency takes part" (``None`` for the secretariat and auditors).

    Secretariat and auditors see all cases but restricted ones; everyone else sees the
    cases their agency participates in, expressed as a join on that participant row (one
    row per case: (case_id, agency_id) is unique), so queries such as the boards can sort
    by it.  A restricted case (纪委 clue, reporter protection) is seen only by its
    participating agencies' users.
    """
    if user.roles & CASE_WIDE_ROLES:
        return stmt.where(or_(Case.restricted.is_(False), participates_clause(user.agency_id))), None
    mine = aliased(CaseParticipant, name="my_participation")
    joined = stmt.join(mine, and_(mine.case_id == Case.id, mine.agency_id == user.agency_id))
    return joined, mine


@rule(Case)
def _cases(user, stmt: Select) -> Select:
    return scoped(user, stmt)[0]


# The same rule for the indicators' tallies (hub.indicators.tallies), which sum cases by
# "scope": 0 = every case that is not restricted, +id = the cases agency id takes part in,
# −id = the restricted cases it takes part in.  A case is counted in the scopes of
# ``case_scopes``; a user sees the sum of the scopes of ``tally_scopes`` — the same cases
# as ``scoped`` (the tests compare both on every demo account).

def case_scopes(restricted: bool, agency_ids) -> list[int]:
    """The tally scopes a case is counted in, from its participating agencies."""
    agencies = sorted(set(agency_ids))
    if restricted:
        return [-a for a in reversed(agencies)] + agencies
    return [0, *agencies]


def tally_scopes(user) -> list[int]:
    """The tally scopes that add up to what ``user`` may see (``None``: the reports'
    prefecture-wide view, restricted cases left out)."""
    if user is None:
        return [0]
    if user.roles & CASE_WIDE_ROLES:
        return [0, -user.agency_id]
    return [user.agency_id]


def participates(user, case: Case) -> bool:
    return any(p.agency_id == user.agency_id for p in case.participants)


def is_secretariat(user) -> bool:
    return Role.SECRETARIAT in user.roles


def in_lead_agency(user, case: Case) -> bool:
    return case.lead_agency_id is not None and user.agency_id == case.lead_agency_id


def works_at_petition_bureau(user) -> bool:
    return user.agency.kind == AgencyKind.PETITION_BUREAU.value and (
        Role.LIAISON in user.roles or Role.SECRETARIAT in user.roles
    )


def may_register(user) -> bool:
    """登记: the petition bureau's liaisons and the secretariat."""
    return works_at_petition_bureau(user)


def may_route(user, case: Case) -> bool:
    """转送/交办 and recording the petitioner's requests: the registering 信访局 drives the
    procedure (受理部门负责程序推进)."""
    return is_secretariat(user) or (
        works_at_petition_bureau(user) and user.agency_id == case.registering_agency_id
    )


def may_handle(user, case: Case) -> bool:
    """受理、办理、答复: the lead agency (办理部门负责实质解决) or the secretariat."""
    return is_secretariat(user) or (Role.LIAISON in user.roles and in_lead_agency(user, case))


def may_see_personal_data(user, case: Case) -> bool:
    """Only the lead agency's users and the secretariat may reveal personal data; for a
    restricted case (a 纪委 clue: reporter protection), only users of a participating
    discipline agency, its registrar and whoever handed the clue over."""
    if case.restricted:
        return (participates(user, case) and user.agency.kind == AgencyKind.DISCIPLINE.value) \
            or user.id == case.registered_by_id or _sent_restricted_handoff(user, case)
    return is_secretariat(user) or in_lead_agency(user, case)


def may_identify(user, case: Case) -> bool:
    """May the user see who the petitioner is (name; phone and ID number masked)?  Everyone
    who sees an ordinary case; for a restricted case only those who may see personal data."""
    return not case.restricted or may_see_personal_data(user, case)


def _sent_restricted_handoff(user, case: Case) -> bool:
    from sqlalchemy import select

    from hub.extensions import db
    from hub.handoffs.models import Handoff, HandoffCase

    return db.session.scalar(
        select(Handoff.id).join(HandoffCase, HandoffCase.handoff_id == Handoff.id)
        .where(HandoffCase.case_id == case.id, Handoff.restricted.is_(True),
               Handoff.sent_by_id == user.id).limit(1)) is not None


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    return phone[:3] + "*" * max(len(phone) - 7, 0) + phone[-4:] if len(phone) > 7 else "****"


def mask_id_number(number: str | None) -> str:
    if not number:
        return ""
    return number[:4] + "*" * (len(number) - 8) + number[-4:] if len(number) > 8 else "****"


def reveal(actor, case: Case, petitioner) -> dict:
    """The audited "show" of a petitioner's personal data (DESIGN §10)."""
    from flask_babel import gettext as _

    from hub.audit.services import record
    from hub.core.errors import ServiceError

    if not may_see_personal_data(actor, case):
        raise ServiceError(_("您无权查看信访人的个人信息"))
    record(actor, "cases.personal_data_revealed", "cases", case.id,
           after={"petitioner_id": petitioner.id, "fields": ["phone", "id_number"]})
    return {"name": petitioner.name, "phone": petitioner.phone or "",
            "id_number": petitioner.id_number or ""}
