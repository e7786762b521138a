"""The report of a 评查 round: scores by agency, the most frequent problems, the total —
as a page and as an .xlsx.

Numbers count the scored cases only (a case still waiting for its score counts in
"picked" and nowhere else).  An agency is the case's lead agency when it was picked.  A
figure without any scored case is ``None`` and shown as "—", never a division by zero.
Averages and shares are rounded half up to one decimal.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from hub.cases.intake import COUNTIES
from hub.core.exports import append_row
from hub.extensions import db
from hub.review.models import ReviewCase, ReviewRound

ONE_DECIMAL = Decimal("0.1")
DASH = "—"


def _ratio(part: int, whole: int, scale: int = 1) -> Decimal | None:
    if whole == 0:
        return None
    return (Decimal(part) * scale / Decimal(whole)).quantize(ONE_DECIMAL, ROUND_HALF_UP)


def shown(value) -> str:
    """How the page and the spreadsheet show a figure: "—" when there is none."""
    return DASH if value is None else str(value)


@dataclass
class AgencyLine:
    agency_id: int
    name: str
    picked: int = 0
    scored: int = 0
    points: int = 0
    average: Decimal | None = None  # mean total of the scored cases
    percent: Decimal | None = None  # the mean as a share of the full marks


@dataclass
class ItemLine:
    """One checklist item: how many scored cases lost points on it (a problem found)."""

    item_id: int
    label: str
    max_score: int
    position: int
    scored: int = 0
    lost: int = 0  # cases that scored below the item's maximum
    points: int = 0
    share: Decimal | None = None  # lost / scored, in per cent
    average: Decimal | None = None
    comments: list[str] = field(default_factory=list)


@dataclass
class RoundReport:
    round: ReviewRound
    max_total: int
    picked: int
    scored: int
    average: Decimal | None
    percent: Decimal | None
    lowest: int | None
    highest: int | None
    agencies: list[AgencyLine]
    items: list[ItemLine]
    cases: list[ReviewCase]

    @property
    def pending(self) -> int:
        return self.picked - self.scored


def build(rnd: ReviewRound) -> RoundReport:
    rows = list(db.session.scalars(
        select(ReviewCase).where(ReviewCase.round_id == rnd.id).order_by(ReviewCase.id)))
    max_total = rnd.max_total
    scored = [r for r in rows if r.is_scored]
    totals = [r.total for r in scored]

    agencies: dict[int, AgencyLine] = {}
    for r in rows:
        line = agencies.setdefault(r.agency_id, AgencyLine(r.agency_id, r.agency.name))
        line.picked += 1
        if r.is_scored:
            line.scored += 1
            line.points += r.total
    for line in agencies.values():
        line.average = _ratio(line.points, line.scored)
        line.percent = _ratio(line.points, line.scored * max_total, 100)

    items = {i.id: ItemLine(i.id, i.label, i.max_score, i.position) for i in rnd.items}
    for r in scored:
        for s in r.scores:
            line = items.get(s.round_item_id)
            if line is None:
                continue
            line.scored += 1
            line.points += s.score
            if s.score < line.max_score:
                line.lost += 1
                if s.comment:
                    line.comments.append(s.comment)
    for line in items.values():
        line.share = _ratio(line.lost, line.scored, 100)
        line.average = _ratio(line.points, line.scored)

    return RoundReport(
        round=rnd, max_total=max_total, picked=len(rows), scored=len(scored),
        average=_ratio(sum(totals), len(totals)),
        percent=_ratio(sum(totals), len(totals) * max_total, 100),
        lowest=min(totals) if totals else None, highest=max(totals) if totals else None,
        # Best average first; agencies without a scored case last.
        agencies=sorted(agencies.values(), key=lambda a: (
            a.average is None, -(a.average or 0), a.name)),
        # The most frequent problems first.
        items=sorted(items.values(), key=lambda i: (-i.lost, i.position)),
        cases=rows,
    )


def scope_text(rnd: ReviewRound, agency_names: dict[int, str]) -> str:
    parts = [_("登记日期 %(start)s 至 %(end)s", start=rnd.period_start.isoformat(),
               end=rnd.period_end.isoformat())]
    parts.append(_("主办单位：%(names)s", names="、".join(
        agency_names.get(i, str(i)) for i in rnd.agency_ids)) if rnd.agency_ids
        else _("主办单位：全部"))
    parts.append(_("县（市）：%(names)s", names="、".join(
        str(COUNTIES.get(c, c)) for c in rnd.counties)) if rnd.counties
        else _("县（市）：全部"))
    return "；".join(parts)


def write_xlsx(report: RoundReport, scope: str, visible_case_ids: set[int]) -> bytes:
    """The report as a workbook: overview, by agency, frequent problems, and the scores of
    the cases the reader may see."""
    from openpyxl import Workbook

    rnd = report.round
    book = Workbook(write_only=True)

    sheet = book.create_sheet(_("概况"))
    append_row(sheet, [_("评查报告：%(title)s", title=rnd.title)])
    append_row(sheet, [_("评查范围"), scope])
    append_row(sheet, [_("评查项目满分"), report.max_total])
    append_row(sheet, [_("抽取/选取事项"), report.picked])
    append_row(sheet, [_("已评分"), report.scored])
    append_row(sheet, [_("未评分"), report.pending])
    append_row(sheet, [_("平均得分"), _cell(report.average)])
    append_row(sheet, [_("平均得分率（%）"), _cell(report.percent)])
    append_row(sheet, [_("最低分"), _cell(report.lowest)])
    append_row(sheet, [_("最高分"), _cell(report.highest)])

    sheet = book.create_sheet(_("按单位"))
    append_row(sheet, [_("主办单位"), _("评查事项"), _("已评分"), _("平均得分"),
                       _("平均得分率（%）")])
    for a in report.agencies:
        append_row(sheet, [a.name, a.picked, a.scored, _cell(a.average), _cell(a.percent)])

    sheet = book.create_sheet(_("常见问题"))
    append_row(sheet, [_("评查项目"), _("满分"), _("已评分"), _("扣分事项"),
                       _("扣分比例（%）"), _("平均得分")])
    for i in report.items:
        append_row(sheet, [i.label, i.max_score, i.scored, i.lost, _cell(i.share),
                           _cell(i.average)])

    sheet = book.create_sheet(_("评分明细"))
    items = list(rnd.items)
    append_row(sheet, [_("信访事项编号"), _("主办单位"), _("评查人"), _("状态"),
                       *[f"{i.label}（{i.max_score}）" for i in items], _("总分"),
                       _("扣分理由"), _("评查意见")])
    for r in report.cases:
        if r.case_id not in visible_case_ids:
            continue
        by_item = {s.round_item_id: s for s in r.scores}
        reasons = "；".join(f"{i.label}：{by_item[i.id].comment}" for i in items
                           if i.id in by_item and by_item[i.id].comment)
        append_row(sheet, [r.case.number, r.agency.name,
                           r.reviewer.display_name if r.reviewer else "",
                           _("已评分") if r.is_scored else _("待评分"),
                           *[by_item[i.id].score if i.id in by_item else None for i in items],
                           r.total, reasons, r.comments or ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value):
    """Numbers stay numbers in the spreadsheet; a missing figure is "—"."""
    if value is None:
        return DASH
    return float(value) if isinstance(value, Decimal) else value
