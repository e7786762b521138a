"""Every indicator the offices report, defined once: its code, its label and its formula as
the dashboard documents it.  The counts behind them are computed in hub.indicators.queries.

Periods are of registration (登记日期, local time) unless said otherwise; a rate whose
denominator is zero has no value (shown as "—"), never 0% or 100%.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Count:
    code: str
    label: object
    formula: object


@dataclass(frozen=True)
class Rate:
    code: str
    label: object
    numerator: str  # a Count code
    denominator: str
    formula: object


# Cases registered in the period, within what the user may see.
VOLUME = [
    Count("total", _l("信访总量"), _l("期间内登记的信访事项件数")),
]
FLAG_COUNTS = [
    Count("skip_level", _l("越级访"), _l("标记为越级访的件数")),
    Count("collective", _l("集体访"), _l("5 人及以上的件数")),
    Count("repeat", _l("重复信访"), _l("同一信访人 12 个月内再次信访并关联的件数")),
    Count("joint_letter", _l("联名信"), _l("标记为联名信的件数")),
    Count("threat", _l("扬言件"), _l("标记为扬言件的件数")),
    Count("non_reception", _l("非接待场所"), _l("在非接待场所信访的件数")),
    Count("foreign", _l("涉外"), _l("标记为涉外的件数")),
]
HANDLING_COUNTS = [
    Count("decided", _l("已作出受理决定"), _l("已受理或不予受理的件数")),
    Count("accepted", _l("已受理"), _l("已受理的件数（不含不予受理）")),
    Count("replied", _l("已答复"), _l("已出具书面答复意见的件数")),
    Count("replied_on_time", _l("按期答复"), _l("答复日期不晚于办理期限（含批准的延期）的件数")),
    Count("resolved", _l("已化解销号"), _l("答复后经联席办销号的件数")),
    Count("rated", _l("已评价"), _l("信访人已评价答复的件数")),
    Count("satisfied", _l("满意和基本满意"), _l("评价为满意或基本满意的件数")),
    Count("published", _l("已公开"), _l("答复后经主办单位确认、隐去个人信息在网上公开的件数")),
]
RATES = [
    Rate("acceptance_rate", _l("受理率"), "accepted", "decided",
         _l("已受理 ÷ 已作出受理决定（受理 + 不予受理）")),
    Rate("on_time_rate", _l("按期办结率"), "replied_on_time", "replied",
         _l("按期答复 ÷ 已答复")),
    Rate("completion_rate", _l("办结率"), "replied", "accepted", _l("已答复 ÷ 已受理")),
    Rate("resolution_rate", _l("化解率"), "resolved", "accepted", _l("已化解销号 ÷ 已受理")),
    Rate("satisfaction_rate", _l("满意率"), "satisfied", "rated",
         _l("（满意 + 基本满意）÷ 已评价")),
    Rate("disclosure_rate", _l("公开率"), "published", "replied",
         _l("已公开 ÷ 已答复（本州做法：80% 以上）")),
]
# Open cases of the period by their colour today (红黄绿, the boards' rule).
COLOUR_COUNTS = [
    Count("open_red", _l("红色（超期/扬言）"), _l("未办结且今天为红色的件数")),
    Count("open_yellow", _l("黄色（预警）"), _l("未办结且今天为黄色的件数")),
    Count("open_green", _l("绿色（正常）"), _l("未办结且今天为绿色的件数")),
]
# Handoffs sent in the period, per receiving agency.
HANDOFF_COUNTS = [
    Count("sent", _l("交办件数"), _l("期间内发出的交办件数")),
    Count("signed", _l("已签收"), _l("其中已签收的件数")),
    Count("overdue", _l("逾期"), _l("签收或反馈已超期未完成，或完成晚于期限的件数")),
]
# 包案 assigned in the period, per leader rank.
BAOAN_COUNTS = [
    Count("assigned", _l("包案件数"), _l("期间内确定包案领导的件数")),
    Count("resolved", _l("已化解"), _l("包案领导已报告化解的件数")),
    Count("closed", _l("已销号"), _l("经核验销号的件数")),
]
# Meeting tasks due in the period.
TASK_COUNTS = [
    Count("due", _l("到期任务"), _l("期限在期间内的会议任务数")),
    Count("on_time", _l("按期完成"), _l("完成日期不晚于期限的任务数")),
    Count("late", _l("逾期完成"), _l("完成日期晚于期限的任务数")),
    Count("open_overdue", _l("逾期未完成"), _l("已过期限仍未完成的任务数")),
]
TASK_RATE = Rate("task_on_time_rate", _l("会议任务按期完成率"), "on_time", "due",
                 _l("按期完成 ÷ 到期任务"))
