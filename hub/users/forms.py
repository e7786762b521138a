from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from hub.auth.roles import RANK_LABELS, ROLE_LABELS


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserEditForm(FlaskForm):
    display_name = StringField(_l("姓名"), validators=[DataRequired(_l("请填写姓名")), Length(max=100)])
    email = StringField(_l("电子邮箱"), validators=[
        Optional(), Length(max=200), Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("电子邮箱格式不正确"))],
        description=_l("用于接收邮件提醒（可不填）"))
    agency_id = SelectField(_l("所属单位"), choices=[])
    roles = CheckboxesField(_l("角色"), choices=[(r.value, v) for r, v in ROLE_LABELS.items()])
    leader_rank = SelectField(
        _l("领导职级"),
        choices=[("", _l("（非包案领导）"))] + [(r.value, v) for r, v in RANK_LABELS.items()],
    )


class UserCreateForm(UserEditForm):
    username = StringField(_l("用户名"), validators=[DataRequired(_l("请填写用户名")), Length(max=64)])
    password = PasswordField(
        _l("初始密码"), validators=[Optional(), Length(max=200)],
        description=_l("留空则自动生成；用户首次登录时必须修改"),
    )


class UserFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("用户名或姓名"), validators=[Optional(), Length(max=64)])
    role = SelectField(_l("角色"), choices=[("", _l("全部"))] + [(r.value, v) for r, v in ROLE_LABELS.items()])
    status = SelectField(_l("状态"), choices=[("", _l("全部")), ("active", _l("启用")), ("disabled", _l("已停用"))])
