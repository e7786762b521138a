"""Plug-in: 纪委监委."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from agencies.base import AgencyPlugin, HandoffKind, Mechanism
from agencies.registry import register


class ClueFields(Schema):
    """问题线索: who the clue concerns (the official, not the reporter) and what it alleges."""

    subject_name = fields.String(required=True, validate=validate.Length(min=1, max=50),
                                 metadata={"label": _l("被反映人")})
    subject_post = fields.String(load_default="", validate=validate.Length(max=100),
                                 metadata={"label": _l("职务")})
    allegation = fields.String(required=True, validate=validate.Length(min=1, max=2000),
                               metadata={"label": _l("反映的主要问题")})


@register
class DisciplinePlugin(AgencyPlugin):
    code = "discipline"
    name = "纪委监委"
    kind = "discipline"
    mechanism = Mechanism("xf_discipline", "信访+纪委监委")
    description = "问题线索移送、监督执纪问责"
    handoff_kinds = (
        HandoffKind(
            "discipline.clue", _l("问题线索移送"), receivers=("discipline",),
            outcomes=(("talk", _l("谈话函询")), ("verify", _l("初步核实")),
                      ("investigate", _l("立案审查调查")), ("closed", _l("予以了结")),
                      ("shelved", _l("暂存待查"))),
            sign_days=2, feedback_days=30, restricted=True, fields=ClueFields),
    )
