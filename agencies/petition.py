"""Plug-in: 信访局."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields

from agencies.base import AgencyPlugin, HandoffKind
from agencies.registry import register

# Any agency may lead a case (转送/交办 names any active agency), so any may be asked to
# rectify how it handled one.
EVERY_AGENCY_KIND = ("petition_bureau", "discipline", "inspection", "organization",
                     "political_legal", "handling_unit", "township", "village")


def _known_round(round_id: int) -> None:
    from hub.review.services import check_round

    check_round(round_id)


class RectifyFields(Schema):
    """The 评查 round whose review found the problems."""

    round_id = fields.Integer(required=True, validate=_known_round,
                              metadata={"label": _l("评查轮次"), "choices": "review_rounds"})


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
    ) + (
        # 评查整改: a review round's findings about how a case was handled, sent by the
        # secretariat to the case's lead agency (hub.review); the clocks are chased as for
        # every handoff.
        HandoffKind("petition.rectify", _l("评查整改"), receivers=EVERY_AGENCY_KIND,
                    outcomes=(("rectified", _l("已整改")), ("explained", _l("已说明情况"))),
                    sign_days=3, feedback_days=15, fields=RectifyFields, internal=True,
                    closed_cases=True, moves_card=False),
    )
