"""Plug-in: 组织部."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from agencies.base import AgencyPlugin, HandoffKind, Mechanism
from agencies.registry import register


class CadreFields(Schema):
    """The cadre the referral concerns and how the petition was mishandled."""

    cadre_name = fields.String(required=True, validate=validate.Length(min=1, max=50),
                               metadata={"label": _l("干部姓名")})
    cadre_post = fields.String(load_default="", validate=validate.Length(max=100),
                               metadata={"label": _l("职务")})


@register
class OrganizationPlugin(AgencyPlugin):
    code = "organization"
    name = "组织部"
    kind = "organization"
    mechanism = Mechanism("xf_organization", "信访+组织")
    description = "干部信访工作考核与问责线索"
    handoff_kinds = (
        HandoffKind(
            "organization.cadre", _l("干部问题线索移交"), receivers=("organization",),
            outcomes=(("talk", _l("提醒谈话")), ("admonish", _l("诫勉")),
                      ("reassign", _l("调整岗位")), ("assess", _l("纳入考核"))),
            sign_days=3, feedback_days=30, fields=CadreFields),
    )
