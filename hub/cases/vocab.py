"""Vocabularies of a case: channels, categories, flags, statuses and board stages."""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Channel(StrEnum):
    LETTER = "letter"  # 来信
    VISIT = "visit"  # 来访
    ONLINE = "online"  # 网上信访
    PHONE = "phone"  # 电话
    VIDEO = "video"  # 视频
    WECHAT = "wechat"  # 微信
    APP = "app"  # 手机App
    COUNTY_CODE = "county_code"  # 一县一码


CHANNEL_LABELS = {
    Channel.LETTER: _l("来信"),
    Channel.VISIT: _l("来访"),
    Channel.ONLINE: _l("网上信访"),
    Channel.PHONE: _l("电话"),
    Channel.VIDEO: _l("视频"),
    Channel.WECHAT: _l("微信"),
    Channel.APP: _l("手机App"),
    Channel.COUNTY_CODE: _l("一县一码"),
}

CATEGORIES = {
    "land": _l("征地拆迁"),
    "labour": _l("劳动和社会保障"),
    "wages": _l("拖欠工资"),
    "construction": _l("城乡建设"),
    "agriculture": _l("农村农业"),
    "legal": _l("涉法涉诉"),
    "environment": _l("生态环境"),
    "health": _l("卫生健康"),
    "education": _l("教育"),
    "conduct": _l("干部作风"),
    "border": _l("边境管理"),
    "other": _l("其他"),
}

# Indicator flags (DESIGN §4).  Column name → label.
FLAGS = {
    "skip_level": _l("越级访"),
    "collective": _l("集体访"),
    "repeat": _l("重复信访"),
    "joint_letter": _l("联名信"),
    "threat": _l("扬言件"),
    "foreign": _l("涉外"),
    "non_reception": _l("非接待场所"),
}

COLLECTIVE_HEADCOUNT = 5  # 集体访: 5 people or more


class Status(StrEnum):
    REGISTERED = "registered"  # 已登记
    FORWARDED = "forwarded"  # 已转送/交办
    NOT_ACCEPTED = "not_accepted"  # 不予受理
    ACCEPTED = "accepted"  # 已受理，办理中
    REPLIED = "replied"  # 已答复
    REVIEW = "review"  # 复查中
    REVIEWED = "reviewed"  # 已出具复查意见
    RECHECK = "recheck"  # 复核中
    RECHECKED = "rechecked"  # 已出具复核意见 (final)
    CLOSED = "closed"  # 已办结 (销号)


STATUS_LABELS = {
    Status.REGISTERED: _l("已登记"),
    Status.FORWARDED: _l("已交办"),
    Status.NOT_ACCEPTED: _l("不予受理"),
    Status.ACCEPTED: _l("办理中"),
    Status.REPLIED: _l("已答复"),
    Status.REVIEW: _l("复查中"),
    Status.REVIEWED: _l("已复查"),
    Status.RECHECK: _l("复核中"),
    Status.RECHECKED: _l("已复核"),
    Status.CLOSED: _l("已办结"),
}


class Stage(StrEnum):
    """The joint board's columns (DESIGN §6)."""

    SORT = "sort"  # 梳理
    ASSIGNED = "assigned"  # 交办
    HANDLING = "handling"  # 办理
    SUPERVISED = "supervised"  # 督办
    RESOLVED = "resolved"  # 化解
    CLOSED = "closed"  # 销号


STAGE_ORDER = list(Stage)
STAGE_LABELS = {
    Stage.SORT: _l("梳理"),
    Stage.ASSIGNED: _l("交办"),
    Stage.HANDLING: _l("办理"),
    Stage.SUPERVISED: _l("督办"),
    Stage.RESOLVED: _l("化解"),
    Stage.CLOSED: _l("销号"),
}


class ParticipantRole(StrEnum):
    LEAD = "lead"  # 主办
    ASSIST = "assist"  # 协办
    SUPERVISE = "supervise"  # 督办/程序推进


ROLE_LABELS = {
    ParticipantRole.LEAD: _l("主办"),
    ParticipantRole.ASSIST: _l("协办"),
    ParticipantRole.SUPERVISE: _l("督办"),
}

RATINGS = {
    "satisfied": _l("满意"),
    "basically": _l("基本满意"),
    "unsatisfied": _l("不满意"),
}
