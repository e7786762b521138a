"""The 交办 list (one inbox tab) as an export source: the page's own query and columns."""

from __future__ import annotations

from collections.abc import Iterator

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from hub.auth.capabilities import Capability
from hub.cases.labels import COLOUR_LABELS
from hub.deadlines.services import colour_of, days_left, local_today
from hub.extensions import db
from hub.handoffs import services
from hub.handoffs.models import STATE_LABELS
from hub.transfers.exporting import Source, partitions, source


def _params(args) -> dict:
    tab = str(args.get("tab") or "sign")
    return {"tab": tab if tab in services.INBOX_TABS else "sign"}


def _tab(user, params: dict) -> str:
    """The tab asked for, if the user has it (as on the page: else 待签收)."""
    tab = params.get("tab")
    return tab if tab in services.inbox_tabs(user) else "sign"


def _headers() -> list[str]:
    return [_("编号"), _("交办类型"), _("退回重办"), _("信访事项"), _("交办单位"), _("接收单位"),
            _("状态"), _("预警"), _("期限"), _("剩余天数")]


def _count(user, params: dict) -> int:
    query = services.inbox_query(user, _tab(user, params), local_today())
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def _rows(user, params: dict) -> Iterator[list]:
    today = local_today()
    for partition in partitions(services.inbox_list(user, _tab(user, params), today)):
        chunk = []
        for h in partition:
            clock = services.open_clock(h)
            shade = colour_of(clock, today) if clock else None
            chunk.append([
                h.id, services.kind_label(h.kind), _("是") if h.sent_back_count else "",
                # Case numbers only: the handoff's page lists them all to whoever sees it.
                "、".join(item.case.number for item in h.items),
                h.from_agency.name, h.to_agency.name, str(STATE_LABELS.get(h.state, h.state)),
                str(COLOUR_LABELS[shade.value]) if shade else "",
                clock.due_on if clock else None,
                days_left(clock, today) if clock else None,
            ])
        yield chunk


def _filename(params: dict) -> str:
    tab = services.inbox_tabs().get(params.get("tab"), "")
    return _("交办-%(tab)s", tab=tab)


source(Source("handoffs", _l("交办"), Capability.HANDOFFS_VIEW, _params, _headers, _count,
              _rows, _filename))
