"""Plug-in: 信访局."""

from agencies.base import AgencyPlugin
from agencies.registry import register


@register
class PetitionBureauPlugin(AgencyPlugin):
    code = "petition"
    name = "信访局"
    kind = "petition_bureau"
    mechanism = None  # the 信访局 is the hub of every mechanism
    description = "信访工作联席会议办公室所在单位，负责受理、交办、督办"
