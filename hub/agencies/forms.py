from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from hub.agencies.models import KIND_LABELS, LEVEL_LABELS


class AgencyForm(FlaskForm):
    code = StringField(_l("编码"), validators=[DataRequired(_l("请填写编码")), Length(max=40)],
                       description=_l("字母、数字、下划线、点或连字符，例如 dh.mangshi.xfj"))
    name = StringField(_l("单位名称"), validators=[DataRequired(_l("请填写单位名称")), Length(max=100)])
    kind = SelectField(_l("单位类型"), choices=[(k.value, v) for k, v in KIND_LABELS.items()])
    level = SelectField(_l("层级"), choices=[(k.value, v) for k, v in LEVEL_LABELS.items()])
    parent_id = SelectField(_l("上级单位"), choices=[], validate_choice=True)

    def set_parent_choices(self, rows, exclude_id=None):
        choices = [("", str(_l("（无上级，顶层单位）")))]
        for depth, agency in rows:
            if agency.id == exclude_id or not agency.active:
                continue
            choices.append((str(agency.id), "　" * depth + agency.name))
        self.parent_id.choices = choices
