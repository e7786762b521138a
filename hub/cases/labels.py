from flask_babel import lazy_gettext as _l

STEP_LABELS = {
    "forward": _l("转送/交办"),
    "accept": _l("受理"),
    "refuse": _l("不予受理"),
    "extend": _l("延期"),
    "progress": _l("记录进展"),
    "supervise": _l("挂牌督办"),
    "unsupervise": _l("结束督办"),
    "reply": _l("答复"),
    "rate": _l("录入评价"),
    "close": _l("销号"),
    "request_review": _l("登记复查申请"),
    "review": _l("出具复查意见"),
    "request_recheck": _l("登记复核申请"),
    "hearing_start": _l("听证开始（暂停计时）"),
    "hearing_end": _l("听证结束（恢复计时）"),
    "recheck": _l("出具复核意见"),
    "discuss": _l("标记待会商"),
    "undiscuss": _l("取消待会商"),
}

EVENT_LABELS = {
    "cases.registered": _l("登记"),
    "cases.forwarded": _l("转送/交办"),
    "cases.accepted": _l("受理"),
    "cases.not_accepted": _l("不予受理"),
    "cases.extended": _l("延期"),
    "cases.progress": _l("记录进展"),
    "cases.supervised": _l("挂牌督办"),
    "cases.supervision_ended": _l("结束督办"),
    "cases.replied": _l("答复"),
    "cases.rated": _l("录入评价"),
    "cases.closed": _l("销号"),
    "cases.review_requested": _l("登记复查申请"),
    "cases.reviewed": _l("出具复查意见"),
    "cases.recheck_requested": _l("登记复核申请"),
    "cases.hearing_started": _l("听证开始"),
    "cases.hearing_ended": _l("听证结束"),
    "cases.rechecked": _l("出具复核意见"),
    "cases.to_discuss": _l("标记待会商"),
    "cases.discussed": _l("取消待会商"),
    "cases.personal_data_revealed": _l("查看信访人个人信息"),
}

COLOUR_LABELS = {
    "red": _l("红色（超期）"),
    "yellow": _l("黄色（预警）"),
    "green": _l("绿色（正常）"),
    "paused": _l("暂停计时"),
    "done": _l("已完成"),
}
