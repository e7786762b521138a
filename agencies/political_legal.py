"""Plug-in: 政法委."""

from agencies.base import AgencyPlugin, Mechanism
from agencies.registry import register


@register
class PoliticalLegalPlugin(AgencyPlugin):
    code = "political_legal"
    name = "政法委"
    kind = "political_legal"
    mechanism = Mechanism("xf_political_legal", "信访+政法")
    description = "诉访分离、依法分类处理"
