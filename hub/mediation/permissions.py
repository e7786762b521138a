"""Who sees a dispute and who may work on it.

Visibility follows the territory: a village sees its disputes, a township those of its
villages, a county's 信访局 those of its townships; the secretariat, auditors and the
prefecture's 信访局 see all.  Mediation is recorded by the liaisons of the village (at the
村民小组 and 村委会 levels), the township and the county; a dispute becomes a petition case
only through a 信访局 (登记).
"""

from __future__ import annotations

from sqlalchemy import Select

from hub.agencies.territory import Scope, is_liaison, territory_clause, territory_of, within
from hub.auth.roles import Role
from hub.auth.visibility import rule
from hub.cases.permissions import may_register as may_register_case
from hub.mediation.models import Dispute, Level


@rule(Dispute)
def _disputes(user, stmt: Select) -> Select:
    return stmt.where(territory_clause(territory_of(user), county=Dispute.county_id,
                                       township=Dispute.township_id,
                                       village=Dispute.village_id))


def may_register(user) -> bool:
    """A village, township or county liaison registers the disputes of their territory."""
    return is_liaison(user) and territory_of(user).scope in (
        Scope.COUNTY, Scope.TOWNSHIP, Scope.VILLAGE)


def may_record(user, dispute: Dispute) -> bool:
    """Record attempts and move the dispute up: the liaisons of its village (below the
    township level), its township and its county."""
    if not is_liaison(user):
        return False
    territory = territory_of(user)
    if territory.scope is Scope.VILLAGE and dispute.level == Level.TOWNSHIP.value:
        return False
    if territory.scope is Scope.ALL:
        return False  # the prefecture watches; mediation is done where the dispute is
    return within(territory, county_id=dispute.county_id, township_id=dispute.township_id,
                  village_id=dispute.village_id)


def may_approve_exception(user, dispute: Dispute) -> bool:
    """An early move up is approved by an official of the dispute's township."""
    return bool(user.active and user.agency_id == dispute.township_id
                and user.roles & {Role.LIAISON, Role.LEADER})


def may_convert(user, dispute: Dispute) -> bool:
    """Turning a dispute into a petition case is 登记: the county's 信访局 (or the
    prefecture's, or the secretariat)."""
    territory = territory_of(user)
    return may_register_case(user) and within(territory, county_id=dispute.county_id)
