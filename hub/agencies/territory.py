"""Where a user works in the agency tree (州 → 县 → 乡镇 → 村): the territory that the
grassroots areas (三·三制 mediation, monthly screening, collection points) are scoped by.

A county is anchored on its 信访局: the townships of the county hang under it, and their
villages under them (DESIGN §3).  The prefecture's 信访局 and the roles that see
everything see every county.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select

from hub.agencies.models import Agency, AgencyKind, AgencyLevel
from hub.auth.roles import Role
from hub.auth.visibility import sees_everything
from hub.extensions import db


class Scope(StrEnum):
    ALL = "all"  # the secretariat, auditors, the prefecture's 信访局
    COUNTY = "county"  # a county's 信访局
    TOWNSHIP = "township"  # a 乡镇 (综治中心)
    VILLAGE = "village"  # a 村/社区
    NONE = "none"  # agencies outside the territorial line (纪委, 职能部门 …)


@dataclass(frozen=True)
class Territory:
    scope: Scope
    agency_id: int | None = None


def territory_of(user) -> Territory:
    if user is None or not getattr(user, "is_authenticated", False):
        return Territory(Scope.NONE)
    if sees_everything(user):
        return Territory(Scope.ALL)
    agency = user.agency
    if agency.kind == AgencyKind.PETITION_BUREAU.value:
        if agency.level == AgencyLevel.PREFECTURE.value:
            return Territory(Scope.ALL)
        if agency.level == AgencyLevel.COUNTY.value:
            return Territory(Scope.COUNTY, agency.id)
    if agency.kind == AgencyKind.TOWNSHIP.value:
        return Territory(Scope.TOWNSHIP, agency.id)
    if agency.kind == AgencyKind.VILLAGE.value:
        return Territory(Scope.VILLAGE, agency.id)
    return Territory(Scope.NONE)


def has_territory(user) -> bool:
    """Route check of the grassroots pages: the user works somewhere on the territorial
    line (or sees all of it)."""
    return territory_of(user).scope is not Scope.NONE


def is_liaison(user) -> bool:
    return Role.LIAISON in user.roles


def is_county(agency: Agency | None) -> bool:
    return agency is not None and agency.kind == AgencyKind.PETITION_BUREAU.value \
        and agency.level == AgencyLevel.COUNTY.value


def county_of(agency: Agency | None) -> Agency | None:
    """The county (its 信访局) that ``agency`` is, or lies below."""
    while agency is not None:
        if is_county(agency):
            return agency
        agency = agency.parent
    return None


def township_of(agency: Agency | None) -> Agency | None:
    while agency is not None:
        if agency.kind == AgencyKind.TOWNSHIP.value:
            return agency
        agency = agency.parent
    return None


def counties() -> list[Agency]:
    return list(db.session.scalars(select(Agency).where(
        Agency.kind == AgencyKind.PETITION_BUREAU.value, Agency.level == AgencyLevel.COUNTY.value,
        Agency.active.is_(True)).order_by(Agency.code)))


def county_key(county: Agency) -> str | None:
    """The county's key in the case vocabulary (``mangshi`` for 芒市信访局), if it has one."""
    from hub.cases.intake import COUNTIES

    key = county.code.split(".")[0]
    return key if key in COUNTIES else None


def county_label(county: Agency | None) -> str:
    """The county's own name (芒市 for 芒市信访局), for lists of counties."""
    if county is None:
        return ""
    from hub.cases.intake import COUNTIES

    return COUNTIES.get(county.code.split(".")[0], county.name)


def townships_in(territory: Territory) -> list[Agency]:
    """Active townships within a territory (a village's own township)."""
    stmt = select(Agency).where(Agency.kind == AgencyKind.TOWNSHIP.value,
                                Agency.active.is_(True)).order_by(Agency.code)
    if territory.scope is Scope.COUNTY:
        stmt = stmt.where(Agency.parent_id == territory.agency_id)
    elif territory.scope is Scope.TOWNSHIP:
        stmt = stmt.where(Agency.id == territory.agency_id)
    elif territory.scope is Scope.VILLAGE:
        stmt = stmt.where(Agency.id == select(Agency.parent_id).where(
            Agency.id == territory.agency_id).scalar_subquery())
    elif territory.scope is Scope.NONE:
        return []
    return list(db.session.scalars(stmt))


def villages_in(territory: Territory) -> list[Agency]:
    """Active villages within a territory, in tree order."""
    stmt = select(Agency).where(Agency.kind == AgencyKind.VILLAGE.value,
                                Agency.active.is_(True)).order_by(Agency.code)
    if territory.scope is Scope.VILLAGE:
        stmt = stmt.where(Agency.id == territory.agency_id)
    elif territory.scope is Scope.TOWNSHIP:
        stmt = stmt.where(Agency.parent_id == territory.agency_id)
    elif territory.scope is Scope.COUNTY:
        townships = select(Agency.id).where(Agency.parent_id == territory.agency_id)
        stmt = stmt.where(Agency.parent_id.in_(townships))
    elif territory.scope is Scope.NONE:
        return []
    return list(db.session.scalars(stmt))


def within(territory: Territory, *, county_id=None, township_id=None, village_id=None) -> bool:
    """Does an object placed at these agencies lie within the territory?"""
    scope = territory.scope
    if scope is Scope.ALL:
        return True
    if scope is Scope.COUNTY:
        return county_id == territory.agency_id
    if scope is Scope.TOWNSHIP:
        return township_id == territory.agency_id
    if scope is Scope.VILLAGE:
        return village_id == territory.agency_id
    return False


def territory_clause(territory: Territory, *, county=None, township=None, village=None):
    """The SQL condition "lies within the territory" on an object's placing columns (a
    column left out means the object is never seen at that scope)."""
    from sqlalchemy import false, true

    column = {Scope.COUNTY: county, Scope.TOWNSHIP: township,
              Scope.VILLAGE: village}.get(territory.scope)
    if territory.scope is Scope.ALL:
        return true()
    if column is None:
        return false()
    return column == territory.agency_id
