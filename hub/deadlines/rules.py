"""The legal periods of a case's steps under the 2022 《信访工作条例》, in one place.

Each rule keeps its citation beside it, so a corrected article number or period is a
one-line change.  Articles marked ``secondary`` come from secondary sources.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from hub.deadlines.engine import Unit


@dataclass(frozen=True)
class PeriodRule:
    kind: str
    label: object  # lazy translated string
    days: int
    unit: Unit
    article: str
    secondary: bool = False


RULES: dict[str, PeriodRule] = {
    rule.kind: rule
    for rule in (
        PeriodRule("case.forward", _l("登记后转送/交办"), 15, Unit.CALENDAR, "第二十二条"),
        PeriodRule("case.accept", _l("告知是否受理"), 15, Unit.CALENDAR, "第二十三条"),
        PeriodRule("case.object", _l("不属本机关职责的异议"), 5, Unit.WORKING, "第二十三条第三款"),
        PeriodRule("case.handle", _l("办理并书面答复"), 60, Unit.CALENDAR, "第三十四条", True),
        PeriodRule("case.review_request", _l("申请复查的期限"), 30, Unit.CALENDAR, "第三十五条", True),
        PeriodRule("case.review", _l("出具复查意见"), 30, Unit.CALENDAR, "第三十五条", True),
        PeriodRule("case.recheck_request", _l("申请复核的期限"), 30, Unit.CALENDAR, "第三十六条", True),
        PeriodRule("case.recheck", _l("出具复核意见"), 30, Unit.CALENDAR, "第三十六条", True),
    )
}

MAX_EXTENSION_DAYS = 30  # 第三十四条 (secondary): one extension of up to 30 days


def rule(kind: str) -> PeriodRule:
    return RULES[kind]
