"""Plug-in: 巡察办."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields

from agencies.base import AgencyPlugin, HandoffKind, Mechanism
from agencies.registry import register


def _open_round(round_id: int) -> None:
    from hub.inspection.services import check_round

    check_round(round_id)


class RoundFields(Schema):
    """The 巡察 round (unit under inspection, team, dates) whose team receives the issues."""

    round_id = fields.Integer(required=True, validate=_open_round,
                              metadata={"label": _l("巡察轮次"), "choices": "inspection_rounds"})


@register
class InspectionPlugin(AgencyPlugin):
    code = "inspection"
    name = "巡察办"
    kind = "inspection"
    mechanism = Mechanism("xf_inspection", "信访+巡察")
    description = "巡察期间信访问题移交与整改"
    handoff_kinds = (
        HandoffKind(
            "inspection.issues", _l("巡察移交信访问题"), receivers=("inspection",),
            outcomes=(("finding", _l("纳入巡察反馈问题")), ("rectify", _l("督促整改")),
                      ("transfer", _l("移交有关部门")), ("unfounded", _l("反映不属实"))),
            sign_days=3, feedback_days=30, batch=True, fields=RoundFields),
    )
