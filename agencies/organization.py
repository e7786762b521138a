"""Plug-in: 组织部."""

from agencies.base import AgencyPlugin, Mechanism
from agencies.registry import register


@register
class OrganizationPlugin(AgencyPlugin):
    code = "organization"
    name = "组织部"
    kind = "organization"
    mechanism = Mechanism("xf_organization", "信访+组织")
    description = "干部信访工作考核与问责线索"
