"""Meeting plans for tests, through the real services' types."""

from datetime import datetime, time, timedelta

from hub.deadlines.services import local_today, local_zone
from hub.meetings.services import Plan
from tests.conftest import agency_coded, user_named


def at(days: int, hour: int = 9) -> datetime:
    """A local wall time ``days`` from today, as an aware instant."""
    return datetime.combine(local_today() + timedelta(days=days), time(hour),
                            tzinfo=local_zone())


def plan(days=3, hour=9, hours=2, invitees=("liaison.zhengfa", "liaison.jiwei"), **kw):
    agencies = kw.pop("agencies", ("dh.zfw", "dh.jw", "dh.xfj"))
    start = at(days, hour)
    return Plan(kw.pop("kind", "consult"), kw.pop("title", "某村征地补偿会商"), start,
                start + timedelta(hours=hours), kw.pop("place", "州信访局三楼会议室"),
                [agency_coded(a).id for a in agencies], [user_named(u).id for u in invitees],
                kw.pop("optional", []))
