"""Each indicator's formula on a small hand-made data set with known answers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import update

from hub.cases import lifecycle, steps
from hub.deadlines.models import Deadline
from hub.deadlines.services import local_today
from hub.extensions import db
from hub.indicators import queries
from hub.indicators.queries import Period
from tests.cases.factories import forwarded, in_hand, registered
from tests.conftest import agency_coded, user_named

YEAR = date.today().year - 4  # a period no demo case falls in
MARCH = Period(date(YEAR, 3, 1), date(YEAR, 3, 31))


def _day(d: int, month: int = 3) -> date:
    return date(YEAR, month, d)


def _reply(case, *, late=False, rating=None, close=False):
    if late:  # the handling clock ran out before the reply
        db.session.execute(update(Deadline).where(Deadline.id == case.current_deadline_id)
                           .values(due_on=local_today() - timedelta(days=3)))
        db.session.refresh(steps.current_deadline(case))
    secretariat = user_named("secretariat")
    lifecycle.reply(secretariat, case, "经核查，已依法处理。")
    if rating:
        lifecycle.rate(secretariat, case, rating)
    if close:
        lifecycle.close(secretariat, case)


@pytest.fixture
def march(ctx):
    """Six cases registered in March (five in 芒市, one in 瑞丽市) and one in April."""
    cases = {
        "A": registered(registered_on=_day(2), flags={"skip_level"}, channel="letter"),
        "B": forwarded(registered_on=_day(3), assist=()),
        "C": in_hand(registered_on=_day(4), headcount=6, assist=("dh.jw",)),
        "D": in_hand(registered_on=_day(5), assist=()),
        "E": in_hand(registered_on=_day(6), assist=()),
        "F": in_hand(registered_on=_day(7), county="ruili", assist=(), lead="ruili.xfj"),
        "G": registered(registered_on=_day(8, month=4)),
    }
    lifecycle.refuse(user_named("secretariat"), cases["B"], "不属于信访事项受理范围")
    _reply(cases["D"], rating="satisfied", close=True)
    _reply(cases["E"], late=True, rating="unsatisfied")
    _reply(cases["F"], rating="basically")
    from hub.public import publication

    draft = publication.draft(cases["F"])  # 公开: one of the three replies
    publication.publish(user_named("secretariat"), cases["F"], draft.title, draft.content,
                        draft.reply)
    db.session.flush()
    return cases


def test_case_counts_and_rates_have_the_known_answers(march):
    counts = queries.case_counts(user_named("secretariat"), MARCH)["all"]
    expected = {"total": 6, "decided": 5, "accepted": 4, "replied": 3, "replied_on_time": 2,
                "resolved": 1, "rated": 3, "satisfied": 2, "collective": 1, "skip_level": 1,
                "channel_letter": 1, "channel_visit": 5, "threat": 0, "published": 1}
    assert {k: counts[k] for k in expected} == expected
    assert queries.rates(counts) == {
        "acceptance_rate": 4 / 5, "on_time_rate": 2 / 3, "completion_rate": 3 / 4,
        "resolution_rate": 1 / 4, "satisfaction_rate": 2 / 3, "disclosure_rate": 1 / 3}


def test_open_cases_by_colour_today(march):
    counts = queries.case_counts(user_named("secretariat"), MARCH)["all"]
    # A waits to be forwarded since March (red); C is in hand, E and F wait for a 复查
    # request (green); B and D are closed and not counted.
    assert (counts["open_red"], counts["open_yellow"], counts["open_green"]) == (1, 0, 3)


def test_grouped_by_county_and_by_month(march):
    secretariat = user_named("secretariat")
    by_county = queries.case_counts(secretariat, MARCH, by="county")
    assert {k: v["total"] for k, v in by_county.items()} == {"mangshi": 5, "ruili": 1}
    spring = Period(date(YEAR, 3, 1), date(YEAR, 4, 30))
    by_month = queries.case_counts(secretariat, spring, by="month")
    assert {k: v["total"] for k, v in by_month.items()} == {f"{YEAR}-03": 6, f"{YEAR}-04": 1}
    ruili = queries.case_counts(secretariat, MARCH, county="ruili")["all"]
    assert ruili["total"] == 1 and ruili["satisfied"] == 1


def test_an_empty_period_has_zero_counts_and_no_rates(march):
    empty = Period(date(YEAR, 1, 1), date(YEAR, 1, 31))
    counts = queries.case_counts(user_named("secretariat"), empty)["all"]
    assert counts["total"] == 0 and counts["decided"] == 0
    assert set(queries.rates(counts).values()) == {None}  # never a division by zero


def test_an_agency_counts_only_the_cases_it_may_see(march):
    counts = queries.case_counts(user_named("liaison.jiwei"), MARCH)["all"]
    assert counts["total"] == 1 and counts["collective"] == 1  # C, where 纪委 assists
    assert queries.case_counts(user_named("liaison.zhengfa"), MARCH)["all"]["total"] == 0


def _today_period() -> Period:
    return Period(local_today() - timedelta(days=1), local_today())


def test_handoffs_per_receiving_agency(ctx):
    from hub.handoffs.services import send

    secretariat, period = user_named("secretariat"), _today_period()
    zzb = agency_coded("dh.zzb").id
    before = queries.handoff_counts(secretariat, period).get(zzb, {"sent": 0, "signed": 0,
                                                                   "overdue": 0})
    case = forwarded(assist=("dh.jw",))
    first = send(user_named("liaison.jiwei"), "organization.cadre", agency_coded("dh.zzb"),
                 [case.id], "", {"cadre_name": "某干部"})
    other = forwarded(assist=("dh.jw",))
    send(user_named("liaison.jiwei"), "organization.cadre", agency_coded("dh.zzb"),
         [other.id], "", {"cadre_name": "另一干部"})
    db.session.execute(update(Deadline).where(Deadline.id == first.sign_deadline_id)
                       .values(due_on=local_today() - timedelta(days=1)))
    after = queries.handoff_counts(secretariat, period)[zzb]
    assert (after["sent"] - before["sent"], after["signed"] - before["signed"],
            after["overdue"] - before["overdue"]) == (2, 0, 1)
    # 组织部 sees both (it receives them); 巡察 sees neither
    assert queries.handoff_counts(user_named("liaison.xuncha"), period).get(zzb) is None


def test_baoan_by_leader_rank(ctx):
    from hub.baoan.services import assign

    secretariat, period = user_named("secretariat"), _today_period()
    before = queries.baoan_counts(secretariat, period).get("xianchu", {"assigned": 0})
    assign(secretariat, in_hand(), user_named("leader.mangshi"),
           local_today() + timedelta(days=30))
    after = queries.baoan_counts(secretariat, period)["xianchu"]
    assert after["assigned"] - before["assigned"] == 1


def test_meeting_tasks_on_time(ctx):
    from hub.meetings import services as meetings
    from tests.meetings.factories import plan

    secretariat = user_named("secretariat")
    period = Period(local_today(), local_today() + timedelta(days=10))
    before = queries.task_counts(secretariat, period)
    meeting = meetings.create(secretariat, plan(days=2))
    meetings.schedule(secretariat, meeting)
    item = meetings.add_item(secretariat, meeting, "议题", None)
    meetings.start(secretariat, meeting)
    for days in (2, 5):
        meetings.add_outcome(secretariat, item, "task", f"核实情况{days}",
                             owner=user_named("liaison.jiwei"),
                             due_on=local_today() + timedelta(days=days))
    meetings.complete_task(secretariat, meeting.tasks[0], "已核实")
    after = queries.task_counts(secretariat, period)
    assert (after["due"] - before["due"], after["on_time"] - before["on_time"],
            after["late"] - before["late"]) == (2, 1, 0)


def test_breakdowns_by_mechanism_agency_and_township(march):
    secretariat = user_named("secretariat")
    by_agency = queries.case_counts(secretariat, MARCH, by="agency")
    # every case counts for the registering 信访局 (督办); C also for 纪委 (协办)
    assert by_agency[agency_coded("dh.xfj").id]["total"] == 6
    assert by_agency[agency_coded("dh.jw").id]["total"] == 1
    assert by_agency[agency_coded("ruili.xfj").id]["total"] == 1  # F's lead
    by_mechanism = queries.case_counts(secretariat, MARCH, by="mechanism")
    assert by_mechanism["xf_discipline"]["total"] == 1  # C, on the 信访+纪委监委 board
    by_township = queries.case_counts(secretariat, MARCH, by="township")
    assert by_township == {None: by_township[None]} and by_township[None]["total"] == 6


def test_the_month_by_county_grid_adds_up_to_the_other_views(march):
    secretariat = user_named("secretariat")
    spring = Period(date(YEAR, 3, 1), date(YEAR, 4, 30))
    grid = queries.case_counts(secretariat, spring, by="month_county")
    assert set(grid) == {(f"{YEAR}-03", "mangshi"), (f"{YEAR}-03", "ruili"),
                         (f"{YEAR}-04", "mangshi")}
    assert queries.roll_up(grid, None) == queries.case_counts(secretariat, spring)
    assert queries.roll_up(grid, 0) == queries.case_counts(secretariat, spring, by="month")
    assert queries.roll_up(grid, 1) == queries.case_counts(secretariat, spring, by="county")
