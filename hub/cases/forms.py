from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from hub.cases.intake import COUNTIES
from hub.cases.vocab import CATEGORIES, CHANNEL_LABELS, RATINGS


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PetitionerForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField(_l("信访人姓名"), validators=[Optional(), Length(max=50)])
    phone = StringField(_l("联系电话"), validators=[Optional(), Length(max=20)])
    id_number = StringField(_l("身份证号"), validators=[Optional(), Length(max=18)])


FLAG_CHOICES = [
    ("skip_level", _l("越级访")),
    ("joint_letter", _l("联名信")),
    ("threat", _l("扬言件")),
    ("foreign", _l("涉外")),
    ("non_reception", _l("非接待场所")),
]


class IntakeForm(FlaskForm):
    title = StringField(_l("标题"), validators=[DataRequired(_l("请填写标题")), Length(max=200)])
    content = TextAreaField(_l("信访内容"), validators=[DataRequired(_l("请填写信访内容")),
                                                     Length(max=20000)])
    channel = SelectField(_l("信访渠道"), choices=[(k.value, v) for k, v in CHANNEL_LABELS.items()])
    category = SelectField(_l("问题类别"), choices=list(CATEGORIES.items()))
    headcount = IntegerField(_l("人数"), default=1, validators=[
        DataRequired(_l("人数至少为 1")), NumberRange(1, 10000, _l("人数须在 1 到 10000 之间"))],
        description=_l("5 人及以上自动标记为集体访"))
    county = SelectField(_l("所属县（市）"), choices=list(COUNTIES.items()))
    township_id = SelectField(_l("乡镇"), choices=[], validate_choice=False)
    village = StringField(_l("村（社区）"), validators=[Optional(), Length(max=100)])
    registered_on = DateField(_l("登记日期"), validators=[DataRequired(_l("请填写有效的登记日期"))])
    petitioners = FieldList(FormField(PetitionerForm), min_entries=3, max_entries=3)
    flags = CheckboxesField(_l("标记"), choices=FLAG_CHOICES)
    public = BooleanField(_l("答复可公开"))
    restricted = BooleanField(_l("限制查看（纪检线索、保护举报人）"))
    link_to = SelectMultipleField(_l("关联为重复信访"), coerce=int, choices=[], validate_choice=False)
    # Where the petition was collected (民情民意收集点 / 群众工作队), if it came from one.
    source_id = SelectField(_l("来源（收集点或群众工作队）"), choices=[], validate_choice=False)


class VersionedForm(FlaskForm):
    version = HiddenField()

    def version_value(self):
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


class ForwardForm(VersionedForm):
    lead_agency_id = SelectField(_l("主办单位"), choices=[])
    assist_agency_ids = SelectMultipleField(_l("协办单位"), choices=[], validate_choice=False)


class ReasonForm(VersionedForm):
    reason = TextAreaField(_l("理由"), validators=[Length(max=5000)])


class ExtendForm(VersionedForm):
    days = IntegerField(_l("延期天数"), validators=[DataRequired(_l("请填写延期天数")),
                                                   NumberRange(1, 30, _l("延期天数须在 1 到 30 天之间"))])
    reason = TextAreaField(_l("延期理由"), validators=[Length(max=5000)])
    approver = StringField(_l("批准负责人"), validators=[Length(max=100)])


class TextForm(VersionedForm):
    text = TextAreaField(_l("意见"), validators=[Length(max=20000)])
    public = BooleanField(_l("答复可公开"), description=_l(
        "勾选后将预览去除个人信息的公开内容，确认后在网上信访平台公开"))


class RateForm(VersionedForm):
    rating = SelectField(_l("评价"), choices=list(RATINGS.items()))


class DateActionForm(VersionedForm):
    on = DateField(_l("日期"), validators=[DataRequired(_l("请填写有效日期"))])
    reason = StringField(_l("说明"), validators=[Optional(), Length(max=200)])


class SimpleActionForm(VersionedForm):
    pass
