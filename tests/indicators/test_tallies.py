"""The tallies the dashboard reads give the same numbers as aggregating the cases directly,
for every account, after every kind of change, and are corrected by reconcile."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select, update

from hub.cases import lifecycle
from hub.cases.models import Case, CaseBoard, CaseParticipant
from hub.cases.vocab import Stage, Status
from hub.deadlines.services import local_today
from hub.demo import ACCOUNTS
from hub.extensions import db
from hub.indicators import queries, tallies
from hub.indicators.models import case_tallies
from hub.indicators.queries import Period
from tests.cases.factories import forwarded, in_hand, registered
from tests.conftest import agency_coded, user_named

USERNAMES = [a[0] for a in ACCOUNTS]
COLOURS = ("open_red", "open_yellow", "open_green")
YEAR = date.today().year - 4  # no demo case falls in it


def _all_time() -> Period:
    return Period(date(date.today().year - 6, 1, 1), local_today())


def assert_same(users, period: Period, today: date | None = None) -> None:
    assert tallies.covers(period)
    for user in users:
        for by in (None, "month", "county", "month_county", *queries.BREAKDOWNS):
            direct = queries.direct_case_counts(user, period, by=by, today=today)
            who = user.username if user else "reports"
            assert queries.case_counts(user, period, by=by, today=today) == direct, (who, by)


def _users():
    return [None, *(user_named(u) for u in USERNAMES)]


def test_the_demo_cases_give_the_same_counts_for_every_account(ctx):
    from hub.cases.demo import load_demo_cases

    load_demo_cases(120)
    db.session.commit()
    assert queries.case_counts(user_named("secretariat"), _all_time())["all"]["total"] > 100
    for today in (local_today(), local_today() + timedelta(days=20)):
        assert_same(_users(), _all_time(), today)


def test_a_period_of_part_of_a_month_is_counted_from_the_cases(ctx):
    part = Period(local_today().replace(day=1), local_today() - timedelta(days=1)) \
        if local_today().day > 2 else Period(date(YEAR, 3, 3), date(YEAR, 3, 20))
    if part.end < local_today() and (part.end + timedelta(days=1)).day != 1:
        assert not tallies.covers(part)
    user = user_named("secretariat")
    assert queries.case_counts(user, part) == queries.direct_case_counts(user, part)


def test_every_step_of_a_case_is_counted_as_it_happens(ctx):
    users = [None, *(user_named(u) for u in ("secretariat", "liaison.jiwei",
                                             "liaison.xinfang", "liaison.zuzhi"))]
    month = Period(date(YEAR, 3, 1), date(YEAR, 3, 31))
    secretariat = user_named("secretariat")
    case = registered(registered_on=date(YEAR, 3, 9), flags={"threat"})
    assert_same(users, month)
    lifecycle.forward(user_named("liaison.xinfang"), case, agency_coded("mangshi.xfj"),
                      [agency_coded("dh.jw"), agency_coded("dh.zzb")])
    assert_same(users, month)
    lifecycle.accept(secretariat, case)
    lifecycle.extend(secretariat, case, 30, "情况复杂", "州信访局局长")
    assert_same(users, month, local_today() + timedelta(days=70))
    lifecycle.reply(secretariat, case, "经核查，已依法处理。")
    lifecycle.rate(secretariat, case, "basically")
    db.session.commit()  # the commit settles too
    assert_same(users, month)
    lifecycle.close(secretariat, case)
    refused = forwarded(registered_on=date(YEAR, 3, 12), assist=())
    lifecycle.refuse(secretariat, refused, "不属于信访事项受理范围")
    assert_same(users, month)
    counts = queries.case_counts(user_named("liaison.jiwei"), month)["all"]
    assert (counts["total"], counts["resolved"], counts["satisfied"]) == (1, 1, 1)


def test_supervision_and_a_paused_clock(ctx):
    month = Period(date(YEAR, 4, 1), date(YEAR, 4, 30))
    secretariat = user_named("secretariat")
    case = in_hand(registered_on=date(YEAR, 4, 2))
    lifecycle.supervise(secretariat, case, True)
    assert_same([secretariat, user_named("liaison.jiwei")], month)
    before = queries.case_counts(secretariat, month)["all"]
    case.paused = True  # as a hearing does (听证: the clock stops)
    after = queries.case_counts(secretariat, month)["all"]
    assert sum(before[c] for c in COLOURS) - sum(after[c] for c in COLOURS) == 1
    assert_same([secretariat, user_named("liaison.jiwei")], month)


def test_rolled_back_changes_leave_the_tallies_as_they_were(ctx):
    month = Period(date(YEAR, 5, 1), date(YEAR, 5, 31))
    secretariat = user_named("secretariat")
    nested = db.session.begin_nested()
    in_hand(registered_on=date(YEAR, 5, 6))
    assert queries.case_counts(secretariat, month)["all"]["total"] == 1
    nested.rollback()
    assert queries.case_counts(secretariat, month)["all"]["total"] == 0
    assert_same([secretariat], month)


def test_reconcile_corrects_a_change_made_behind_the_tallies_back(ctx):
    month = Period(date(YEAR, 6, 1), date(YEAR, 6, 30))
    secretariat = user_named("secretariat")
    case = in_hand(registered_on=date(YEAR, 6, 3))
    assert tallies.reconcile() == 0  # nothing to correct
    db.session.execute(update(Case).where(Case.id == case.id).values(skip_level=True))
    assert queries.case_counts(secretariat, month)["all"]["skip_level"] == 0  # not told
    assert tallies.reconcile() == 1
    assert queries.case_counts(secretariat, month)["all"]["skip_level"] == 1
    assert_same([secretariat], month)
    tallies.rebuild()
    assert_same(_users(), _all_time())
    # no row that counts nothing is left behind
    assert db.session.scalar(select(db.func.count()).select_from(case_tallies)
                             .where(case_tallies.c.total == 0)) == 0


def test_bulk_cases_are_counted(ctx):
    from hub.cases.bulk import bulk_cases

    bulk_cases(300, seed=7)
    assert_same([None, user_named("secretariat"), user_named("liaison.jiwei")], _all_time())


# ---------------------------------------------------------------------------------------
# Any combination of a case's state, participants and boards (hypothesis)
# ---------------------------------------------------------------------------------------

STATES = [(Stage.SORT, Status.REGISTERED), (Stage.ASSIGNED, Status.FORWARDED),
          (Stage.HANDLING, Status.ACCEPTED), (Stage.SUPERVISED, Status.ACCEPTED),
          (Stage.RESOLVED, Status.REPLIED), (Stage.CLOSED, Status.CLOSED)]
AGENCIES = ("dh.xfj", "dh.jw", "dh.zzb", "mangshi.xfj", "ruili.xfj")
BOARDS = ("xf_discipline", "xf_organization", "xf_politics")

case_state = st.fixed_dictionaries({
    "state": st.sampled_from(STATES),
    "day": st.integers(0, 58),  # March to April of YEAR
    "county": st.sampled_from(["mangshi", "ruili"]),
    "restricted": st.booleans(), "threat": st.booleans(), "paused": st.booleans(),
    "skip_level": st.booleans(), "refused": st.booleans(),
    "rating": st.sampled_from([None, "satisfied", "basically", "unsatisfied"]),
    "due": st.one_of(st.none(), st.integers(-10, 10)),
    "warn_before": st.integers(0, 5),
    "agencies": st.sets(st.sampled_from(AGENCIES), max_size=3),
    "boards": st.sets(st.sampled_from(BOARDS), max_size=2),
})


@pytest.fixture
def blanks(ctx):
    """Three cases registered in the test year, to be given any state."""
    return [registered(registered_on=date(YEAR, 3, 1)).id for _ in range(3)]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(states=st.lists(case_state, min_size=3, max_size=3))
def test_any_states_give_the_same_counts(blanks, states):
    today = local_today()
    nested = db.session.begin_nested()
    try:
        for case_id, s in zip(blanks, states, strict=True):
            stage, status = s["state"]
            day = date(YEAR, 3, 1) + timedelta(days=s["day"])
            due = None if s["due"] is None else today + timedelta(days=s["due"])
            db.session.execute(update(Case).where(Case.id == case_id).values(
                registered_at=datetime.combine(day, time(3), tzinfo=UTC),
                county=s["county"], restricted=s["restricted"], threat=s["threat"],
                paused=s["paused"], skip_level=s["skip_level"], stage=stage.value,
                status=status.value, rating=s["rating"],
                not_accepted_reason="不予受理" if s["refused"] else None,
                replied_at=datetime.now(UTC) if stage in (Stage.RESOLVED, Stage.CLOSED)
                else None,
                due_on=due, warn_on=None if due is None
                else due - timedelta(days=s["warn_before"])))
            db.session.execute(delete(CaseParticipant).where(CaseParticipant.case_id == case_id))
            db.session.execute(delete(CaseBoard).where(CaseBoard.case_id == case_id))
            for code in s["agencies"]:
                db.session.execute(insert(CaseParticipant).values(
                    case_id=case_id, agency_id=agency_coded(code).id, role="assist",
                    stage=stage.value, rank=0))
            for board in s["boards"]:
                db.session.execute(insert(CaseBoard).values(
                    case_id=case_id, board=board, stage=stage.value, rank=0))
        tallies.touch(blanks)
        spring = Period(date(YEAR, 3, 1), date(YEAR, 4, 30))
        assert_same([None, user_named("secretariat"), user_named("liaison.jiwei"),
                     user_named("liaison.zuzhi")], spring, today)
    finally:
        nested.rollback()


def test_the_check_runs_first_at_once_then_nightly(app, ctx, monkeypatch):
    from zoneinfo import ZoneInfo

    from jobs import cron
    from jobs.reports import tallies_check

    zone = ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])
    monkeypatch.setitem(app.config, "HUB_TALLIES_CHECK_HOUR", 3)
    now = datetime.now(zone)
    assert tallies.last_check() is None and cron.tallies_check_due(now) == "first"
    case = in_hand(registered_on=date(YEAR, 7, 1))
    db.session.commit()
    db.session.execute(update(Case).where(Case.id == case.id).values(foreign=True))
    assert tallies_check() == 1  # the job: one case corrected
    last = tallies.last_check()
    assert last.corrected == 1 and last.cases >= 1
    assert tallies_check() == 0
    at = last.ran_at.astimezone(zone)
    assert cron.tallies_check_due(at) is None
    next_night = (at + timedelta(days=1)).replace(hour=3, minute=5)
    assert cron.tallies_check_due(next_night) == next_night.date().isoformat()


def test_the_commands_check_and_rebuild(make_app):
    other = make_app(redis=False)
    runner = other.test_cli_runner()
    result = runner.invoke(args=["hub", "tallies", "check"])
    assert result.exit_code == 0, result.output
    assert "corrected" in result.output
    result = runner.invoke(args=["hub", "tallies", "rebuild"])
    assert result.exit_code == 0 and "tallies rebuilt" in result.output


def test_writers_at_the_same_moment_keep_the_tallies_right(make_app):
    """Four transactions change cases counted in the same tally rows at once (row locks
    taken in one order: none waits forever, none is lost)."""
    import threading

    from hub.extensions import begin_write

    app = make_app(redis=False)
    month = Period(date(YEAR, 8, 1), date(YEAR, 8, 31))
    with app.app_context(), app.test_request_context():
        ids = [registered(registered_on=date(YEAR, 8, 3 + k)).id for k in range(8)]
        db.session.commit()
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            with app.app_context(), app.test_request_context():
                barrier.wait(timeout=30)
                for case_id in ids[2 * k:2 * k + 2]:
                    begin_write()  # as every POST request does (SQLite: BEGIN IMMEDIATE)
                    case = db.session.get(Case, case_id)
                    lifecycle.forward(user_named("liaison.xinfang"), case,
                                      agency_coded("mangshi.xfj"), [agency_coded("dh.jw")])
                    lifecycle.accept(user_named("secretariat"), case)
                    db.session.commit()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    with app.app_context(), app.test_request_context():
        assert_same([None, user_named("secretariat"), user_named("liaison.jiwei")], month)
        assert queries.case_counts(user_named("liaison.jiwei"), month)["all"]["accepted"] == 8
