"""Where a public submission goes: the counties, their 信访局, townships and the county
departments that have their own 一县一码.

Counties are the case's county keys (hub.cases.intake.COUNTIES); a county's agencies carry
the key as their code's first part (mangshi.xfj, mangshi.xishan …), as everywhere else in
the hub.
"""

from __future__ import annotations

from sqlalchemy import select

from hub.agencies.models import Agency, AgencyKind, AgencyLevel
from hub.cases.intake import COUNTIES
from hub.extensions import db
from hub.public.models import PortalDepartment


def county_of(agency: Agency | None) -> str | None:
    """The county key an agency belongs to (itself or an agency above it at county level)."""
    while agency is not None:
        key = agency.code.split(".")[0]
        if agency.level == AgencyLevel.COUNTY.value and key in COUNTIES:
            return key
        agency = agency.parent
    return None


def county_bureau(county: str) -> Agency | None:
    """The county's 信访局, which registers the county's online petitions; the prefecture's
    信访局 when the county has none."""
    found = db.session.scalar(
        select(Agency).where(Agency.kind == AgencyKind.PETITION_BUREAU.value,
                             Agency.level == AgencyLevel.COUNTY.value,
                             Agency.code.startswith(county + ".", autoescape=True),
                             Agency.active.is_(True)).order_by(Agency.code).limit(1))
    if found is not None:
        return found
    return db.session.scalar(
        select(Agency).where(Agency.kind == AgencyKind.PETITION_BUREAU.value,
                             Agency.level == AgencyLevel.PREFECTURE.value,
                             Agency.active.is_(True)).order_by(Agency.code).limit(1))


def townships() -> dict[str, list[Agency]]:
    """Active townships by county key, in code order."""
    out: dict[str, list[Agency]] = {key: [] for key in COUNTIES}
    for agency in db.session.scalars(select(Agency).where(
            Agency.kind == AgencyKind.TOWNSHIP.value, Agency.active.is_(True))
            .order_by(Agency.code)):
        key = agency.code.split(".")[0]
        if key in out:
            out[key].append(agency)
    return out


def departments(county: str | None = None) -> list[Agency]:
    """Active county departments with their own 一县一码 (of one county, or all)."""
    rows = db.session.scalars(
        select(Agency).join(PortalDepartment, PortalDepartment.agency_id == Agency.id)
        .where(Agency.active.is_(True)).order_by(Agency.code)).all()
    return [a for a in rows if county is None or county_of(a) == county]


def department(county: str, department_id: int | None) -> Agency | None:
    """The department of this county with its own code, or None when there is none such."""
    if department_id is None:
        return None
    return next((a for a in departments(county) if a.id == department_id), None)


def candidate_departments() -> list[Agency]:
    """County agencies an administrator may give a code: the counties' 职能部门 and the
    partner agencies (not their 信访局, whose code is the county's)."""
    rows = db.session.scalars(select(Agency).where(
        Agency.level == AgencyLevel.COUNTY.value, Agency.active.is_(True),
        Agency.kind != AgencyKind.PETITION_BUREAU.value).order_by(Agency.code)).all()
    return [a for a in rows if county_of(a) is not None]
