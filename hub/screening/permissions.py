"""Who sees a county's screening and its key persons, and who may change them.

The ledger (reports and their items) is seen by the county's 信访局 and by those who see
every county (secretariat, auditors, the prefecture's 信访局).  Key persons (重点人员) are
seen only by the county's 信访局 and the secretariat: anyone else gets a 404.
"""

from __future__ import annotations

from sqlalchemy import Select

from hub.agencies.territory import is_liaison, territory_clause, territory_of
from hub.auth.roles import Role
from hub.auth.visibility import rule
from hub.screening.models import KeyPerson, ScreeningItem, ScreeningReport


@rule(ScreeningReport)
def _reports(user, stmt: Select) -> Select:
    return stmt.where(territory_clause(territory_of(user), county=ScreeningReport.county_id))


@rule(ScreeningItem)
def _items(user, stmt: Select) -> Select:
    return stmt.where(territory_clause(territory_of(user), county=ScreeningItem.county_id))


def is_secretariat(user) -> bool:
    return Role.SECRETARIAT in user.roles


@rule(KeyPerson)
def _key_persons(user, stmt: Select) -> Select:
    if is_secretariat(user):
        return stmt
    return stmt.where(KeyPerson.county_id == user.agency_id)


def may_see_key_persons(user, county_id: int) -> bool:
    return is_secretariat(user) or user.agency_id == county_id


def may_work(user, county_id: int) -> bool:
    """The county's 信访局 liaisons fill in, submit and close (销号) their own ledger."""
    return is_liaison(user) and user.agency_id == county_id
