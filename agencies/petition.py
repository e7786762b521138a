"""Plug-in: 信访局."""

from flask_babel import lazy_gettext as _l

from agencies.base import AgencyPlugin, HandoffKind
from agencies.registry import register


@register
class PetitionBureauPlugin(AgencyPlugin):
    code = "petition"
    name = "信访局"
    kind = "petition_bureau"
    mechanism = None  # the 信访局 is the hub of every mechanism
    description = "信访工作联席会议办公室所在单位，负责受理、交办、督办"
    handoff_kinds = tuple(
        HandoffKind(code, label, receivers=("handling_unit", "township"),
                    outcomes=(("resolved", _l("已解决")), ("explained", _l("已解释说明")),
                              ("not_supported", _l("诉求不予支持")),
                              ("transferred", _l("已转有权机关"))),
                    sign_days=3, feedback_days=days)
        for code, label, days in (("petition.assign", _l("交办"), 30),
                                  ("petition.transfer", _l("转送"), 30),
                                  ("petition.assist", _l("协办"), 15))
    )
