"""Plug-in: 巡察办."""

from agencies.base import AgencyPlugin, Mechanism
from agencies.registry import register


@register
class InspectionPlugin(AgencyPlugin):
    code = "inspection"
    name = "巡察办"
    kind = "inspection"
    mechanism = Mechanism("xf_inspection", "信访+巡察")
    description = "巡察期间信访问题移交与整改"
