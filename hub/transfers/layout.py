"""The column layout of a national 信访信息系统 case export, as the import reads it.

Columns are found by their header in the first row (any order); columns the hub does not
import are listed to the user, never silently dropped from view.  Row numbers in messages
are the spreadsheet's own (row 1 is the header).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from hub.cases.intake import COUNTIES
from hub.cases.vocab import CATEGORIES, CHANNEL_LABELS, FLAGS


@dataclass(frozen=True)
class Column:
    header: str  # as the national system writes it (Chinese, not translated)
    field: str
    required: bool
    note: object  # a lazy string for the layout page
    example: str


COLUMNS = [
    Column("信访件编号", "external_number", True,
           _l("国家信访信息系统中的编号（字母、数字、连字符，至多 40 位）；用于查重：已导入过的不会重复导入"),
           "5331002026000123"),
    Column("登记日期", "registered_on", True,
           _l("如 2026-03-05、2026/3/5、2026.3.5、2026年3月5日、20260305，或 Excel 日期单元格；不能晚于今天"),
           "2026-03-05"),
    Column("信访形式", "channel", True, _l("来信、来访、网上信访、电话、视频、微信、手机App、一县一码"),
           "来访"),
    Column("信访人", "petitioner_names", True, _l("多人用顿号（、）分隔；第一位为联系人"), "张某某"),
    Column("联系电话", "petitioner_phone", False, _l("第一位信访人的手机或固定电话"), "13800001234"),
    Column("证件号码", "petitioner_id_number", False, _l("第一位信访人的 18 位身份证号"),
           "533102198001011234"),
    Column("人数", "headcount", False, _l("整数，空白按 1 人；5 人及以上为集体访"), "1"),
    Column("问题属地", "county", True, _l("芒市、瑞丽市、梁河县、盈江县、陇川县"), "芒市"),
    Column("乡镇（街道）", "township", False, _l("问题属地内的乡镇（街道）名称"), ""),
    Column("村（社区）", "village", False, _l("至多 100 字"), ""),
    Column("问题类别", "category", True, _l("如 征地拆迁、拖欠工资、城乡建设（见下方类别表）"), "拖欠工资"),
    Column("标题", "title", True, _l("不超过 200 字"), "某工地拖欠农民工工资"),
    Column("信访内容", "content", True, _l("信访人反映的问题和诉求"), "反映某工地拖欠 12 名农民工工资共 30 万元。"),
    Column("标记", "flags", False, _l("越级访、联名信、扬言件、涉外、非接待场所，多个用顿号分隔"), ""),
]

BY_HEADER = {c.header: c for c in COLUMNS}
# Which column a problem of an intake field (hub.cases.intake.problems) belongs to.
FIELD_HEADERS = {c.field: c.header for c in COLUMNS} | {
    "petitioner_name": "信访人", "township_id": "乡镇（街道）",
}
MAX_ROWS = 50_000
EXTERNAL_NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,39}$")
LIST_SPLIT_RE = re.compile(r"[、，,;；/]+")
SETTABLE_FLAGS = ("skip_level", "joint_letter", "threat", "foreign", "non_reception")


def normalise_header(value) -> str:
    return re.sub(r"[\s\u3000]+", "", str(value or ""))


def _labels(mapping) -> dict[str, str]:
    """Label (as written in Chinese) or code → code."""
    from flask_babel import force_locale

    with force_locale("zh_CN"):
        out = {str(label): code for code, label in mapping.items()}
    return out | {str(code): str(code) for code in mapping}


def vocabularies() -> dict[str, dict[str, str]]:
    return {
        "channel": _labels(CHANNEL_LABELS),
        "category": _labels(CATEGORIES),
        "county": {name: key for key, name in COUNTIES.items()} | {k: k for k in COUNTIES},
        "flags": {k: v for k, v in _labels(FLAGS).items() if v in SETTABLE_FLAGS},
    }


# ---------------------------------------------------------------------------------------
# Dates: the formats people and systems write
# ---------------------------------------------------------------------------------------

_DATE_RE = re.compile(
    r"^(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*日?"
    r"(?:[\sT]+\d{1,2}[:：]\d{2}(?:[:：]\d{2}(?:\.\d+)?)?)?$"
)
_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
EXCEL_EPOCH = date(1899, 12, 30)


class BadValue(ValueError):
    """A cell that cannot be read; the message says what was expected."""


def parse_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # an Excel serial day number in a cell not formatted as a date
            return EXCEL_EPOCH + timedelta(days=int(value))
        raise BadValue(_("无法识别的日期"))
    text = str(value).strip()
    match = _DATE_RE.match(text) or _COMPACT_RE.match(text)
    if not match:
        raise BadValue(_("无法识别的日期“%(value)s”：请写成 2026-03-05、2026/3/5 或 2026年3月5日",
                              value=text[:30]))
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise BadValue(_("日期“%(value)s”不存在", value=text[:30])) from None


def parse_int(value) -> int:
    if isinstance(value, bool):
        raise BadValue(_("应为整数"))
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip()
    if re.fullmatch(r"\d{1,6}", text):
        return int(text)
    raise BadValue(_("应为整数，而不是“%(value)s”", value=text[:30]))


def text(value) -> str:
    """A cell as text: numbers that are whole (a phone number typed as a number) lose
    the ``.0`` Excel gives them."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()
