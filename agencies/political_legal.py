"""Plug-in: 政法委."""

from flask_babel import lazy_gettext as _l

from agencies.base import AgencyPlugin, HandoffKind, Mechanism
from agencies.registry import register


@register
class PoliticalLegalPlugin(AgencyPlugin):
    code = "political_legal"
    name = "政法委"
    kind = "political_legal"
    mechanism = Mechanism("xf_political_legal", "信访+政法")
    description = "诉访分离、依法分类处理"
    handoff_kinds = (
        HandoffKind(
            "political_legal.route", _l("诉访分离导入法定途径"), receivers=("political_legal",),
            outcomes=(("litigation", _l("导入诉讼")), ("arbitration", _l("仲裁")),
                      ("reconsideration", _l("行政复议")), ("legal_aid", _l("法律援助")),
                      ("judicial_aid", _l("司法救助"))),
            sign_days=3, feedback_days=30),
    )
