"""我的会议 as an export source: the page's upcoming and past meetings (all of them)."""

from __future__ import annotations

from collections.abc import Iterator

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from hub.auth.capabilities import Capability
from hub.core.types import utcnow
from hub.deadlines.services import local_zone
from hub.extensions import db
from hub.meetings import services
from hub.meetings.models import KIND_LABELS, STATE_LABELS, Meeting
from hub.transfers.exporting import Source, partitions, source

COLUMNS = (Meeting.starts_at, Meeting.kind, Meeting.title, Meeting.place, Meeting.state)


def _params(args) -> dict:
    return {}  # the page has no filters


def _headers() -> list[str]:
    return [_("分类"), _("时间"), _("会议类型"), _("会议"), _("地点"), _("状态")]


def _count(user, params: dict) -> int:
    now = utcnow()
    return sum(db.session.scalar(select(func.count()).select_from(
        services.my_meetings(user, now, upcoming=upcoming).order_by(None).subquery()))
        for upcoming in (True, False))


def _rows(user, params: dict) -> Iterator[list]:
    now = utcnow()
    zone = local_zone()
    for upcoming, group in ((True, _("即将召开")), (False, _("已召开"))):
        stmt = services.my_meetings(user, now, upcoming=upcoming).with_only_columns(*COLUMNS)
        for partition in partitions(stmt, entities=False):
            # Local wall time, as the page shows it (a spreadsheet has no time zones).
            yield [[group, starts.astimezone(zone).replace(tzinfo=None),
                    str(KIND_LABELS.get(kind, kind)), title, place,
                    str(STATE_LABELS.get(state, state))]
                   for starts, kind, title, place, state in partition]


source(Source("meetings", _l("我的会议"), Capability.MEETINGS_VIEW, _params, _headers, _count,
              _rows))
