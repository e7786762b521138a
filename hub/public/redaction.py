"""Removing personal data from texts before they are published (公开前去除个人信息).

What is found and what it becomes:

- 身份证号: 18 characters (17 digits and a digit or X) or the old 15 digits → 〔身份证号已隐去〕;
- phone numbers: mobiles 1[3-9]x xxxx xxxx (with +86, spaces or hyphens) and landlines
  with an area code (0692-1234567, （0692）1234567) → 〔电话已隐去〕;
- any other run of 12 or more digits (bank cards and the like) → 〔号码已隐去〕;
- e-mail addresses → 〔邮箱已隐去〕;
- exact addresses: house numbers and what follows them (12号, 3栋, 2单元, 501室, 12号院,
  5号楼, 8弄) → 〔门牌号已隐去〕; the road, village or estate name stays.  Not a house
  number: a date (5月12号), a document number (〔2023〕12号, 第12号), 12号文件, or one
  "12栋" alone (more often a count of buildings);
- names: the petitioners' names wherever they appear, and a name introduced as one
  ("我叫…", "本人…", "姓名：…", "联系人…", "信访人…", "申请人…", "户主…") when it starts with
  a common surname → the surname and 某 (张建国 → 张某).  A name already written with 某
  is left alone.

``redact`` is the automatic first pass shown to the officer; ``findings`` is the same
detection used to refuse a confirmed text that still holds personal data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容",
                     "长孙", "令狐", "夏侯", "司徒", "申屠", "端木")
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾"
    "毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰"
    "焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲"
    # names of the prefecture's Dai, Jingpo and other peoples
    "刀线寸番思排岩玉早勒雷木"
)

_HAN = "\u4e00-\u9fff"
_ID = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![\d+])(?:\+?86[-\s]?)?1[3-9]\d(?:[-\s]?\d{4}){2}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(?:[(（]0\d{2,3}[)）]|0\d{2,3}[-\s]?)\d{7,8}(?!\d)")
_LONG_NUMBER = re.compile(r"(?<!\d)\d{12,}(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_SEGMENT = re.compile(r"\d+(?:[-－]\d+)?(?:号院|号楼|号|栋|幢|单元|室|弄)")
_HOUSE = re.compile(rf"(?<![\d〕\]】第月])(?:{_SEGMENT.pattern})+(?!文|令|公告|通知|意见|线)")
_SURNAME = "(?:" + "|".join(COMPOUND_SURNAMES) + "|[" + SURNAMES + "])"
_NAME_BOUNDARY = ("(?=反映|称|说|于|在|因|向|等|的|和|与|及|是|系|家|同志|先生|女士|"
                  r"，|。|、|；|,|;|\s|（|\(|：|:|$)")
_INTRODUCED = re.compile(
    r"(?:我叫|本人|姓名[:：]?|联系人[:：]?|信访人[:：]?|申请人[:：]?|户主[:：]?)\s*"
    rf"(?P<name>{_SURNAME}[{_HAN}]{{1,2}}?){_NAME_BOUNDARY}")

# What replaces each kind in the published text (part of the text, not of the interface).
MARKERS = {"id_number": "〔身份证号已隐去〕", "phone": "〔电话已隐去〕", "number": "〔号码已隐去〕",
           "email": "〔邮箱已隐去〕", "address": "〔门牌号已隐去〕"}
KIND_LABELS = {"id_number": _l("身份证号"), "phone": _l("电话"), "number": _l("号码"),
               "email": _l("邮箱"), "address": _l("门牌号"), "name": _l("姓名")}


@dataclass(frozen=True)
class Finding:
    kind: str  # id_number | phone | number | email | address | name
    text: str  # what was found
    replacement: str


@dataclass
class Redacted:
    text: str
    findings: list[Finding] = field(default_factory=list)


def surname_of(name: str) -> str:
    for compound in COMPOUND_SURNAMES:
        if name.startswith(compound):
            return compound
    return name[:1]


def pseudonym(name: str) -> str:
    """张建国 → 张某 (the way published replies name people)."""
    return surname_of(name) + "某"


def _known_names(names) -> list[str]:
    """The petitioners' names worth looking for: two characters or more, not already
    written with 某; longest first, so 欧阳明华 goes before 欧阳明."""
    cleaned = {"".join(n.split()) for n in names if n}
    return sorted((n for n in cleaned if len(n) >= 2 and "某" not in n), key=len, reverse=True)


def _is_house_number(found: str) -> bool:
    """One "12栋" or "3幢" alone is more often a count of buildings than an address."""
    return len(_SEGMENT.findall(found)) > 1 or not found.endswith(("栋", "幢"))


def redact(text: str, names=(), *, heuristic: bool = True) -> Redacted:
    """The text with personal data replaced, and what was replaced (in order found).
    ``heuristic=False`` leaves out the introduced-name guess (its misses and false alarms
    are for the officer's review, not grounds to refuse a text)."""
    findings: list[Finding] = []

    def substitute(pattern: re.Pattern, kind: str, value: str, keep=None) -> str:
        def replace(match: re.Match) -> str:
            if keep is not None and not keep(match.group(0)):
                return match.group(0)
            findings.append(Finding(kind, match.group(0), MARKERS[kind]))
            return MARKERS[kind]

        return pattern.sub(replace, value)

    out = text or ""
    out = substitute(_ID, "id_number", out)
    out = substitute(_MOBILE, "phone", out)
    out = substitute(_LANDLINE, "phone", out)
    out = substitute(_LONG_NUMBER, "number", out)
    out = substitute(_EMAIL, "email", out)
    out = substitute(_HOUSE, "address", out, _is_house_number)
    for name in _known_names(names):
        if name in out:
            replacement = pseudonym(name)
            findings.extend(Finding("name", name, replacement) for _ in range(out.count(name)))
            out = out.replace(name, replacement)

    def introduced(match: re.Match) -> str:
        name = match.group("name")
        if "某" in name:
            return match.group(0)
        replacement = pseudonym(name)
        findings.append(Finding("name", name, replacement))
        whole = match.group(0)
        start, end = (i - match.start() for i in match.span("name"))
        return whole[:start] + replacement + whole[end:]

    if heuristic:
        out = _INTRODUCED.sub(introduced, out)
    return Redacted(out, findings)


def findings(text: str, names=()) -> list[Finding]:
    """The personal data still in ``text`` that forbids publishing it: every rule but the
    introduced-name guess (empty when it may be published)."""
    return redact(text, names, heuristic=False).findings


def describe(found: list[Finding]) -> str:
    """'电话 2 处、姓名 1 处' — for messages and the preview."""
    counts: dict[str, int] = {}
    for item in found:
        counts[item.kind] = counts.get(item.kind, 0) + 1
    return "、".join(_("%(kind)s %(n)d 处", kind=KIND_LABELS[kind], n=n)
                    for kind, n in counts.items())
