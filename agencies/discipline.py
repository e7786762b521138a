"""Plug-in: 纪委监委."""

from agencies.base import AgencyPlugin, Mechanism
from agencies.registry import register


@register
class DisciplinePlugin(AgencyPlugin):
    code = "discipline"
    name = "纪委监委"
    kind = "discipline"
    mechanism = Mechanism("xf_discipline", "信访+纪委监委")
    description = "问题线索移送、监督执纪问责"
