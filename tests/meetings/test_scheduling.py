"""Meeting scheduling help (pure): conflicts and slot suggestions against a hand-made 2026
calendar with 国庆 (10-01..10-07 off, Thursday to Wednesday) and 调休 Saturday 10-10."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.deadlines.engine import WEEKENDS_ONLY, WorkCalendar
from hub.meetings.scheduling import (
    DEFAULT_HOURS,
    Busy,
    Conflict,
    conflicts,
    suggest_slots,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")

GUOQING = {date(2026, 10, 1) + timedelta(days=i): False for i in range(7)}
CAL = WorkCalendar(known_years=frozenset({2026}),
                   exceptions={**GUOQING, date(2026, 10, 10): True})


def at(day: str, hhmm: str, tz: ZoneInfo = SHANGHAI) -> datetime:
    """A local time as an aware datetime."""
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(hhmm), tzinfo=tz)


def utc(day: str, hhmm: str, tz: ZoneInfo = SHANGHAI) -> datetime:
    return at(day, hhmm, tz).astimezone(UTC)


def busy(user_id: int, day: str, start: str, end: str, title: str = "会") -> Busy:
    return Busy(user_id, utc(day, start), utc(day, end), title)


def check(day: str, start: str, end: str, users=frozenset(), booked=(), **kw) -> list[Conflict]:
    return conflicts(at(day, start), at(day, end), set(users), list(booked), CAL, SHANGHAI, **kw)


def assert_utc(slots):
    for start, end in slots:
        assert start.tzinfo is UTC and end.tzinfo is UTC


def local(slots) -> list[str]:
    return [s.astimezone(SHANGHAI).strftime("%m-%d %H:%M") for s, _ in slots]


# --- conflicts -------------------------------------------------------------------------------


def test_clean_meeting_on_a_working_day():
    assert check("2026-10-09", "09:00", "10:00", {1, 2}) == []
    assert check("2026-10-09", "08:30", "12:00") == []  # a whole window, ends exactly at 12:00
    assert check("2026-10-09", "14:30", "18:00") == []


def test_busy_overlap_and_touching():
    booked = [
        busy(1, "2026-10-09", "09:30", "10:30", "周例会"),
        busy(2, "2026-10-09", "10:00", "11:00", "接访"),  # starts when ours ends: no overlap
        busy(2, "2026-10-09", "08:30", "09:00", "早会"),  # ends when ours starts: no overlap
        busy(3, "2026-10-09", "09:00", "10:00", "不相干"),  # not invited
        busy(1, "2026-10-09", "08:45", "09:15", "碰头会"),
    ]
    got = check("2026-10-09", "09:00", "10:00", {1, 2}, booked)
    assert got == [Conflict("busy", 1, "碰头会"), Conflict("busy", 1, "周例会")]


def test_busy_one_conflict_per_user_per_meeting():
    same = busy(1, "2026-10-09", "09:00", "10:00", "联席会议")
    booked = [same, same, Busy(2, same.starts_at, same.ends_at, "联席会议")]
    got = check("2026-10-09", "09:30", "10:30", {1, 2}, booked)
    assert got == [Conflict("busy", 1, "联席会议"), Conflict("busy", 2, "联席会议")]


def test_busy_given_in_other_timezones():
    # 09:00–10:00 Shanghai is 01:00–02:00 UTC and 11:00–12:00 at +10:00
    plus10 = timezone(timedelta(hours=10))
    booked = [Busy(7, datetime(2026, 10, 9, 11, 30, tzinfo=plus10),
                   datetime(2026, 10, 9, 12, 0, tzinfo=plus10), "视频会"),
              Busy(7, datetime(2026, 10, 9, 12, 0, tzinfo=plus10),  # touching
                   datetime(2026, 10, 9, 13, 0, tzinfo=plus10), "午后")]
    start = datetime(2026, 10, 9, 1, 0, tzinfo=UTC)
    got = conflicts(start, start + timedelta(hours=1), {7}, booked, CAL, SHANGHAI)
    assert got == [Conflict("busy", 7, "视频会")]


def test_holiday_is_not_a_working_day():
    assert check("2026-10-02", "09:00", "10:00") == [
        Conflict("non_working_day", None, "2026-10-02")]


def test_tiaoxiu_saturday_is_a_working_day():
    assert check("2026-10-10", "09:00", "10:00") == []
    assert check("2026-10-17", "09:00", "10:00") == [  # an ordinary Saturday
        Conflict("non_working_day", None, "2026-10-17")]


def test_weekends_only_calendar():
    got = conflicts(at("2026-10-10", "09:00"), at("2026-10-10", "10:00"), set(), [],
                    WEEKENDS_ONLY, SHANGHAI)
    assert got == [Conflict("non_working_day", None, "2026-10-10")]
    assert conflicts(at("2026-10-02", "09:00"), at("2026-10-02", "10:00"), set(), [],
                     WEEKENDS_ONLY, SHANGHAI) == []


@pytest.mark.parametrize(("start", "end"), [
    ("12:00", "14:30"),  # 午休
    ("11:30", "12:30"),  # runs into lunch
    ("11:00", "15:00"),  # spans both windows
    ("17:30", "18:30"),
    ("18:00", "19:00"),
    ("08:00", "09:00"),
])
def test_outside_hours(start, end):
    got = check("2026-10-09", start, end)
    assert [c.kind for c in got] == ["outside_hours"]
    assert got[0].user_id is None
    assert got[0].detail == f"2026-10-09T{start}:00/2026-10-09T{end}:00"


def test_custom_hours():
    hours = ((time(9, 0), time(17, 0)),)
    assert check("2026-10-09", "12:00", "14:30", hours=hours) == []
    assert [c.kind for c in check("2026-10-09", "16:30", "17:30", hours=hours)] == [
        "outside_hours"]


def test_meeting_spanning_midnight_checks_each_local_day():
    # Wednesday 10-07 (holiday) into Thursday 10-08 (working)
    got = conflicts(at("2026-10-07", "23:00"), at("2026-10-08", "01:00"), set(), [], CAL,
                    SHANGHAI)
    assert [(c.kind, c.detail) for c in got] == [
        ("non_working_day", "2026-10-07"),
        ("outside_hours", "2026-10-07T23:00:00/2026-10-08T01:00:00")]
    # Friday into an ordinary Saturday, and into the 调休 Saturday
    got = conflicts(at("2026-10-16", "23:00"), at("2026-10-17", "00:30"), set(), [], CAL,
                    SHANGHAI)
    assert [c.detail for c in got if c.kind == "non_working_day"] == ["2026-10-17"]
    got = conflicts(at("2026-10-09", "23:00"), at("2026-10-10", "00:30"), set(), [], CAL,
                    SHANGHAI)
    assert [c.kind for c in got] == ["outside_hours"]
    # ending exactly at midnight does not touch the next day
    got = conflicts(at("2026-10-16", "23:00"), at("2026-10-17", "00:00"), set(), [], CAL,
                    SHANGHAI)
    assert [c.kind for c in got] == ["outside_hours"]


def test_all_kinds_together():
    booked = [busy(1, "2026-10-03", "11:00", "13:00", "值班")]
    got = check("2026-10-03", "11:30", "12:30", {1}, booked)
    assert [c.kind for c in got] == ["non_working_day", "outside_hours", "busy"]


def test_invalid_when_end_not_after_start():
    expected = [Conflict("invalid", None, "end_not_after_start")]
    assert check("2026-10-09", "10:00", "09:00") == expected
    assert check("2026-10-09", "10:00", "10:00") == expected
    assert check("2026-10-02", "13:00", "12:00") == expected  # nothing else is reported


def test_naive_datetimes_raise():
    naive = datetime(2026, 10, 9, 9, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        conflicts(naive, at("2026-10-09", "10:00"), set(), [], CAL, SHANGHAI)
    with pytest.raises(ValueError, match="timezone-aware"):
        conflicts(at("2026-10-09", "09:00"), naive + timedelta(hours=1), set(), [], CAL,
                  SHANGHAI)
    with pytest.raises(ValueError, match="timezone-aware"):
        conflicts(at("2026-10-09", "09:00"), at("2026-10-09", "10:00"), {1},
                  [Busy(1, naive, naive + timedelta(hours=1), "x")], CAL, SHANGHAI)
    with pytest.raises(ValueError, match="timezone-aware"):
        suggest_slots(timedelta(hours=1), naive, set(), [], CAL, SHANGHAI)
    with pytest.raises(ValueError, match="timezone-aware"):
        suggest_slots(timedelta(hours=1), at("2026-10-09", "09:00"), {1},
                      [Busy(1, naive, naive + timedelta(hours=1), "x")], CAL, SHANGHAI)


def test_bad_arguments_raise():
    after = at("2026-10-09", "09:00")
    with pytest.raises(ValueError):
        suggest_slots(timedelta(0), after, set(), [], CAL, SHANGHAI)
    with pytest.raises(ValueError):
        suggest_slots(timedelta(hours=1), after, set(), [], CAL, SHANGHAI, step=timedelta(0))
    with pytest.raises(ValueError):
        suggest_slots(timedelta(hours=1), after, set(), [], CAL, SHANGHAI, count=-1)
    with pytest.raises(ValueError):
        check("2026-10-09", "09:00", "10:00", hours=((time(12), time(9)),))


# --- suggest_slots ---------------------------------------------------------------------------


def test_suggest_skips_the_holiday_week():
    # Wednesday 09-30 17:10: the next grid point 17:30 + 1 h passes 18:00, then 国庆
    slots = suggest_slots(timedelta(hours=1), at("2026-09-30", "17:10"), {1}, [], CAL,
                          SHANGHAI)
    assert local(slots) == ["10-08 08:30", "10-08 09:00", "10-08 09:30"]
    assert_utc(slots)
    assert slots[0] == (utc("2026-10-08", "08:30"), utc("2026-10-08", "09:30"))
    assert slots[0][0] == datetime(2026, 10, 8, 0, 30, tzinfo=UTC)


def test_suggest_may_end_exactly_at_window_end():
    slots = suggest_slots(timedelta(hours=1), at("2026-09-30", "16:40"), set(), [], CAL,
                          SHANGHAI, count=2)
    assert local(slots) == ["09-30 17:00", "10-08 08:30"]
    assert slots[0][1] == utc("2026-09-30", "18:00")


def test_suggest_uses_the_tiaoxiu_saturday():
    slots = suggest_slots(timedelta(minutes=30), at("2026-10-09", "17:45"), set(), [], CAL,
                          SHANGHAI, count=2)
    assert local(slots) == ["10-10 08:30", "10-10 09:00"]
    # an ordinary weekend is skipped: Friday evening 10-16 → Monday 10-19
    slots = suggest_slots(timedelta(minutes=30), at("2026-10-16", "17:45"), set(), [], CAL,
                          SHANGHAI, count=1)
    assert local(slots) == ["10-19 08:30"]


def test_suggest_starting_inside_the_holiday():
    slots = suggest_slots(timedelta(hours=1), at("2026-10-01", "00:00"), set(), [], CAL,
                          SHANGHAI, count=1)
    assert local(slots) == ["10-08 08:30"]


def test_suggest_skips_invitees_meetings():
    booked = [
        busy(1, "2026-10-08", "08:00", "10:15", "督办"),
        busy(2, "2026-10-08", "10:30", "11:00", "会商"),
        busy(3, "2026-10-08", "11:00", "12:00", "不相干"),  # not invited
    ]
    slots = suggest_slots(timedelta(hours=1), at("2026-10-08", "08:00"), {1, 2}, booked, CAL,
                          SHANGHAI, count=2)
    assert local(slots) == ["10-08 11:00", "10-08 14:30"]
    for start, end in slots:
        assert conflicts(start, end, {1, 2}, booked, CAL, SHANGHAI) == []


def test_suggest_touching_a_booking_is_fine():
    booked = [busy(1, "2026-10-08", "08:30", "09:00", "早会"),
              busy(1, "2026-10-08", "10:00", "11:00", "接访")]
    slots = suggest_slots(timedelta(hours=1), at("2026-10-08", "08:00"), {1}, booked, CAL,
                          SHANGHAI, count=2)
    assert local(slots) == ["10-08 09:00", "10-08 11:00"]


def test_suggest_respects_length():
    # a 2-hour meeting cannot start at 11:00 (it would run into lunch)
    slots = suggest_slots(timedelta(hours=2), at("2026-10-08", "10:45"), set(), [], CAL,
                          SHANGHAI, count=3)
    assert local(slots) == ["10-08 14:30", "10-08 15:00", "10-08 15:30"]
    assert all(end - start == timedelta(hours=2) for start, end in slots)
    # exactly a whole window fits; longer than any window fits nowhere
    whole = suggest_slots(timedelta(hours=3, minutes=30), at("2026-10-08", "08:00"), set(), [],
                          CAL, SHANGHAI, count=3)
    assert local(whole) == ["10-08 08:30", "10-08 14:30", "10-09 08:30"]
    assert suggest_slots(timedelta(hours=4), at("2026-10-08", "08:00"), set(), [], CAL,
                         SHANGHAI) == []


def test_suggest_respects_count():
    after = at("2026-10-08", "08:00")
    assert suggest_slots(timedelta(hours=1), after, set(), [], CAL, SHANGHAI, count=0) == []
    five = suggest_slots(timedelta(hours=1), after, set(), [], CAL, SHANGHAI, count=5)
    assert local(five) == ["10-08 08:30", "10-08 09:00", "10-08 09:30", "10-08 10:00",
                           "10-08 10:30"]
    many = suggest_slots(timedelta(hours=1), after, set(), [], CAL, SHANGHAI, count=20)
    assert len(many) == 20 and len(set(many)) == 20 and many == sorted(many)


def test_suggest_grid_is_aligned_to_the_window_start():
    # after 09:10 → 09:30 (30-min grid from 08:30), 09:15 with a 15-min step
    after = at("2026-10-08", "09:10")
    assert local(suggest_slots(timedelta(hours=1), after, set(), [], CAL, SHANGHAI,
                               count=1)) == ["10-08 09:30"]
    assert local(suggest_slots(timedelta(hours=1), after, set(), [], CAL, SHANGHAI, count=1,
                               step=timedelta(minutes=15))) == ["10-08 09:15"]
    # a start exactly on the grid is included; after lunch the grid restarts at 14:30
    assert local(suggest_slots(timedelta(hours=1), at("2026-10-08", "09:00"), set(), [], CAL,
                               SHANGHAI, count=1)) == ["10-08 09:00"]
    after_lunch = suggest_slots(timedelta(hours=1), at("2026-10-08", "12:05"), set(), [], CAL,
                                SHANGHAI, count=1, step=timedelta(hours=1))
    assert local(after_lunch) == ["10-08 14:30"]


def test_suggest_after_given_in_utc_and_results_in_utc():
    after = datetime(2026, 10, 8, 1, 10, tzinfo=UTC)  # 09:10 Shanghai
    slots = suggest_slots(timedelta(minutes=45), after, set(), [], CAL, SHANGHAI, count=2)
    assert local(slots) == ["10-08 09:30", "10-08 10:00"]
    assert_utc(slots)
    assert all(s.utcoffset() == timedelta(0) for pair in slots for s in pair)


def test_suggest_stops_at_the_horizon():
    after = at("2026-10-01", "08:00")
    assert suggest_slots(timedelta(hours=1), after, set(), [], CAL, SHANGHAI,
                         horizon_days=7) == []
    assert local(suggest_slots(timedelta(hours=1), after, set(), [], CAL, SHANGHAI,
                               horizon_days=8, count=1)) == ["10-08 08:30"]


def test_suggest_jumps_over_a_long_booking_quickly():
    # one invitee booked for a whole month: the next slot is right after it
    booked = [Busy(1, utc("2026-10-08", "00:00"), utc("2026-11-09", "09:40"), "外出")]
    slots = suggest_slots(timedelta(hours=1), at("2026-10-08", "08:00"), {1}, booked, CAL,
                          SHANGHAI, count=1)
    assert local(slots) == ["11-09 10:00"]


def test_suggest_across_a_dst_change():
    # Berlin, Sunday 2026-03-29: 02:00 CET becomes 03:00 CEST.  A 01:00–04:00 window is
    # two real hours long; every slot must still pass conflicts().
    every_day = WorkCalendar(frozenset({2026}), {date(2026, 3, 29): True})
    hours = ((time(1, 0), time(4, 0)),)
    slots = suggest_slots(timedelta(hours=1), at("2026-03-29", "00:00", BERLIN), set(), [],
                          every_day, BERLIN, hours=hours, count=3)
    assert [s for s, _ in slots] == [datetime(2026, 3, 29, 0, 0, tzinfo=UTC),
                                     datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
                                     datetime(2026, 3, 29, 1, 0, tzinfo=UTC)]
    for start, end in slots:
        assert conflicts(start, end, set(), [], every_day, BERLIN, hours=hours) == []


def test_default_hours():
    assert DEFAULT_HOURS == ((time(8, 30), time(12, 0)), (time(14, 30), time(18, 0)))


# --- property: suggestions never conflict, and are exactly the earliest ones ------------------

BASE = at("2026-09-28", "00:00")  # Monday before 国庆
HORIZON = 16


def brute_force(length, after, users, booked, step, count, hours, tz):
    """Every grid point of every window of every day, checked with conflicts()."""
    found = set()
    first = after.astimezone(tz).date()
    for offset in range(HORIZON):
        day = first + timedelta(days=offset)
        for ws, we in hours:
            start = datetime.combine(day, ws, tzinfo=tz).astimezone(UTC)
            window_end = datetime.combine(day, we, tzinfo=tz).astimezone(UTC)
            while start + length <= window_end:
                if start >= after and not conflicts(start, start + length, users, booked, CAL,
                                                    tz, hours):
                    found.add((start, start + length))
                start += step
    return sorted(found)[:count]


minutes = st.integers(0, HORIZON * 24 * 12).map(lambda n: timedelta(minutes=5 * n))
bookings = st.lists(
    st.builds(
        lambda uid, offset, dur, title: Busy(uid, (BASE + offset).astimezone(UTC),
                                             (BASE + offset + dur).astimezone(UTC), title),
        st.integers(1, 5), minutes, st.integers(1, 120).map(lambda n: timedelta(minutes=5 * n)),
        st.sampled_from(["联席会议", "会商", "督办", "x"])),
    max_size=25)
hour_sets = st.sampled_from([
    DEFAULT_HOURS,
    ((time(9, 0), time(17, 0)),),
    ((time(8, 0), time(10, 0)), (time(9, 0), time(11, 15)), (time(13, 0), time(13, 50))),
])


@settings(max_examples=300, deadline=None)
@given(booked=bookings, users=st.sets(st.integers(1, 5)), after=minutes,
       length=st.integers(1, 48).map(lambda n: timedelta(minutes=5 * n)),
       step=st.sampled_from([timedelta(minutes=m) for m in (10, 15, 30, 45, 60)]),
       count=st.integers(0, 8), hours=hour_sets)
def test_suggestions_have_no_conflicts_and_are_the_earliest(booked, users, after, length,
                                                           step, count, hours):
    after = BASE + after
    slots = suggest_slots(length, after, users, booked, CAL, SHANGHAI, hours=hours,
                          count=count, step=step, horizon_days=HORIZON)
    assert len(slots) <= count
    assert slots == sorted(set(slots))
    assert_utc(slots)
    for start, end in slots:
        assert start >= after and end - start == length
        assert conflicts(start, end, users, booked, CAL, SHANGHAI, hours) == []
    assert slots == brute_force(length, after, users, booked, step, count, hours, SHANGHAI)


@settings(max_examples=100, deadline=None)
@given(booked=bookings, users=st.sets(st.integers(1, 5)), after=minutes,
       length=st.integers(1, 24).map(lambda n: timedelta(minutes=10 * n)))
def test_suggestions_have_no_conflicts_in_another_timezone(booked, users, after, length):
    new_york = ZoneInfo("America/New_York")
    after = BASE + after
    slots = suggest_slots(length, after, users, booked, WEEKENDS_ONLY, new_york, count=5,
                          horizon_days=HORIZON)
    for start, end in slots:
        assert conflicts(start, end, users, booked, WEEKENDS_ONLY, new_york) == []
