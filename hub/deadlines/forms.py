from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class LoadYearForm(FlaskForm):
    year = IntegerField(_l("年份"), validators=[DataRequired(_l("请填写年份")),
                                                NumberRange(2000, 2100, _l("年份无效"))])
    file = FileField(_l("安排文件"), description=_l(
        "UTF-8 文本，每行“日期,类型,名称”，类型为 holiday（放假）或 workday（调休上班），"
        "例如：2027-10-01,holiday,国庆节"))
    text = TextAreaField(_l("或直接粘贴"), validators=[Optional(), Length(max=20000)])


class DayForm(FlaskForm):
    day = DateField(_l("日期"), validators=[DataRequired(_l("请填写有效日期"))])
    kind = SelectField(_l("类型"), choices=[("holiday", _l("放假")), ("workday", _l("调休上班")),
                                           ("normal", _l("恢复为正常（周一至周五上班）"))])
    name = StringField(_l("名称"), validators=[Optional(), Length(max=60)])
