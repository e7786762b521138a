from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(_l("请填写用户名")), Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请填写密码")), Length(max=200)])
    next = HiddenField()


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        _l("当前密码"), validators=[DataRequired(_l("请填写当前密码")), Length(max=200)]
    )
    new_password = PasswordField(
        _l("新密码"), validators=[DataRequired(_l("请填写新密码")), Length(max=200)],
        description=_l("至少 8 位，包含小写字母、大写字母、数字、符号中的至少三类"),
    )
    confirm_password = PasswordField(
        _l("再次输入新密码"), validators=[DataRequired(_l("请再次输入新密码")), Length(max=200)]
    )


class LocaleForm(FlaskForm):
    locale = SelectField(_l("界面语言"), choices=[("zh_CN", "简体中文"), ("en", "English")])
    next = HiddenField()
