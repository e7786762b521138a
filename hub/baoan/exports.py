"""The 领导包案 list as an export source: the page's own query and filters, one row per duty
(the table of each 包案's card), the 包案's columns repeated on each."""

from __future__ import annotations

from collections.abc import Iterator

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from hub.auth.capabilities import Capability
from hub.auth.roles import RANK_LABELS
from hub.baoan import services
from hub.cases.labels import COLOUR_LABELS
from hub.deadlines.services import local_today
from hub.transfers.exporting import Source, partitions, source


def _headers() -> list[str]:
    return [_("信访事项编号"), _("标题"), _("包案领导"), _("职级"), _("目标化解日期"),
            _("包案进展"), _("化解情况"), _("预警"), _("职责"), _("截止日"), _("剩余天数"),
            _("职责状态"), _("完成日期"), _("完成情况或免除理由")]


def _assignments(user, params: dict) -> Iterator[list[dict]]:
    """The list's rows (``services.overview``) in chunks, the colour filter applied."""
    today = local_today()
    stmt = services.overview_query(user, params).options(*services.OVERVIEW_OPTIONS)
    for partition in partitions(stmt):
        yield services.with_colour(services.overview(partition, today), params.get("colour"))


def _count(user, params: dict) -> int:
    # A 包案's colour comes from its duties, so the count walks the same rows (包案 are
    # few: one per leader and case).
    return sum(max(len(row["duties"]), 1) for rows in _assignments(user, params)
               for row in rows)


def _duty_state(duty, shade) -> str:
    if duty.status == "open":
        return str(COLOUR_LABELS[shade.value])
    return {"done": _("已完成"), "waived": _("已免除")}.get(duty.status, _("已随销号关闭"))


def _rows(user, params: dict) -> Iterator[list]:
    today = local_today()
    for rows in _assignments(user, params):
        chunk = []
        for row in rows:
            a = row["assignment"]
            progress = (_("已销号") if a.closed_at else
                        _("已报告化解，待核验") if a.resolved_at else "")
            head = [a.case.number, a.case.title, a.leader.display_name,
                    str(RANK_LABELS.get(a.rank, a.rank)), a.target_on, progress,
                    a.resolution_note or "", str(COLOUR_LABELS[row["colour"].value])]
            for duty, shade in row["duties"] or [(None, None)]:
                if duty is None:
                    chunk.append(head + [""] * 6)
                    continue
                label = duty.label + (_("（第 %(n)d 次）", n=duty.occurrence)
                                      if duty.occurrence > 1 else "")
                chunk.append(head + [
                    label, duty.due_on,
                    (duty.due_on - today).days if duty.status == "open" else None,
                    _duty_state(duty, shade), duty.evidence_on,
                    duty.evidence or duty.waiver_reason or "",
                ])
        yield chunk


source(Source("baoan", _l("领导包案"), Capability.BAOAN_VIEW, services.overview_filters,
              _headers, _count, _rows))
