"""The portal's forms (CSRF on each, as everywhere) and the staff's publication form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp

from hub.cases.intake import COUNTIES
from hub.cases.vocab import CATEGORIES, RATINGS

CONTENT_MAX = 5000  # a petition's content on the portal (characters)


class SubmitForm(FlaskForm):
    title = StringField(_l("事项标题"), validators=[
        DataRequired(_l("请用一句话概括您反映的问题")),
        Length(max=100, message=_l("标题不能超过 100 字"))],
        description=_l("用一句话概括，例如：某村集体土地征收补偿款未兑付"))
    content = TextAreaField(_l("反映的问题和诉求"), validators=[
        DataRequired(_l("请填写反映的问题和诉求")),
        Length(min=10, max=CONTENT_MAX, message=_l("内容应在 10 到 5000 字之间"))],
        description=_l("请写明时间、地点、涉及单位、经过和您的诉求；不超过 5000 字"))
    category = SelectField(_l("问题类别"), choices=list(CATEGORIES.items()))
    county = SelectField(_l("所属县（市）"), choices=[("", _l("请选择"))] + list(COUNTIES.items()),
                         validators=[DataRequired(_l("请选择所属县（市）"))])
    township_id = SelectField(_l("乡镇（可不选）"), choices=[], validate_choice=False)
    village = StringField(_l("村（社区）（可不填）"), validators=[
        Optional(), Length(max=100, message=_l("不能超过 100 字"))])
    name = StringField(_l("姓名"), validators=[
        DataRequired(_l("请填写您的姓名")), Length(max=50, message=_l("姓名不能超过 50 字"))])
    phone = StringField(_l("联系电话"), validators=[
        DataRequired(_l("请填写联系电话，以便办理单位与您联系")),
        Regexp(r"^\s*(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})\s*$",
               message=_l("请填写 11 位手机号或带区号的固定电话"))])
    id_number = StringField(_l("身份证号（可不填）"), validators=[
        Optional(), Regexp(r"^\s*\d{17}[\dXx]\s*$",
                           message=_l("身份证号应为 18 位（最后一位可为 X）"))])
    attachments = MultipleFileField(
        _l("附件（可不传）"),
        description=_l("最多 3 个，PDF 或图片（JPEG、PNG），每个不超过 10 MB"))
    allow_publication = BooleanField(
        _l("同意在隐去姓名、电话、身份证号和详细地址后，公开本事项及答复"), default=True)
    consent = BooleanField(_l("我已阅读并同意上述个人信息处理说明"))
    # A signed ticket: where the form was opened (county, 一县一码) and when (spam check).
    ticket = HiddenField()
    # Honeypot: hidden from people (CSS), filled in by form-filling robots.
    website = StringField(_l("请勿填写此项"))


class TrackForm(FlaskForm):
    code = StringField(_l("查询码"), validators=[
        DataRequired(_l("请填写查询码")), Length(max=40, message=_l("查询码不正确"))],
        description=_l("提交成功时给出的 20 位查询码，可带或不带短横线"))
    secret = StringField(_l("查询密码"), validators=[
        DataRequired(_l("请填写查询密码")), Length(max=40, message=_l("查询密码不正确"))])


class RateForm(FlaskForm):
    rating = RadioField(_l("您对答复的评价"), choices=list(RATINGS.items()),
                        validators=[DataRequired(_l("请选择满意、基本满意或不满意"))])


class SimpleForm(FlaskForm):
    """A button with its CSRF token (leaving a tracked submission)."""


class PublishForm(FlaskForm):
    title = StringField(_l("公开标题"), validators=[Length(max=200)])
    content = TextAreaField(_l("公开的信访内容"), validators=[Length(max=20000)])
    reply = TextAreaField(_l("公开的答复意见"), validators=[Length(max=20000)])
