"""Who sees the collection points and work teams, and who keeps them.

A township sees the sources placed in it, a county's 信访局 those of its county; the
secretariat, auditors and the prefecture's 信访局 see all.  Their liaisons (and the
secretariat) record sources and requests; a request becomes a case only through a 信访局.
"""

from __future__ import annotations

from sqlalchemy import Select, select

from hub.agencies.territory import is_liaison, territory_clause, territory_of, within
from hub.auth.roles import Role
from hub.auth.visibility import rule
from hub.cases.permissions import may_register as may_register_case
from hub.sources.models import IntakeSource, SourceRequest


def _clause(user):
    return territory_clause(territory_of(user), county=IntakeSource.county_id,
                            township=IntakeSource.township_id)


@rule(IntakeSource)
def _sources(user, stmt: Select) -> Select:
    return stmt.where(_clause(user))


@rule(SourceRequest)
def _requests(user, stmt: Select) -> Select:
    return stmt.where(SourceRequest.source_id.in_(select(IntakeSource.id).where(_clause(user))))


def may_place(user, county_id: int | None, township_id: int | None) -> bool:
    """May the user keep a source placed here (and record its requests)?"""
    if Role.SECRETARIAT in user.roles:
        return True
    return is_liaison(user) and within(territory_of(user), county_id=county_id,
                                       township_id=township_id)


def may_work(user, source: IntakeSource) -> bool:
    return may_place(user, source.county_id, source.township_id)


def may_convert(user, source: IntakeSource) -> bool:
    """Turning a request into a petition case is 登记: a 信访局 of the county (or above)."""
    return may_register_case(user) and within(territory_of(user), county_id=source.county_id)
