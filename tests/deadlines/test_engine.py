"""The deadline rules with concrete dates from the official 2026 schedule, and properties."""

from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.deadlines.engine import (
    Colour,
    Thresholds,
    Unit,
    WorkCalendar,
    add_period,
    colour,
    excluded_days,
    warning_dates,
)

CAL = WorkCalendar(
    frozenset(range(2004, 2027)),
    {**{d: False for d in chinese_calendar.holidays},
     **{d: True for d in chinese_calendar.workdays if d.weekday() >= 5}},
)


def test_calendar_days_do_not_count_the_event_day():
    # 2026-03-02 (Mon) + 15 days = 2026-03-17 (Tue).
    assert add_period(CAL, date(2026, 3, 2), 15, Unit.CALENDAR).on == date(2026, 3, 17)


def test_period_ending_in_national_day_moves_to_the_next_working_day():
    # 2026-09-20 + 15 = 2026-10-05, inside 国庆 (10-01…10-07); next working day 10-08.
    due = add_period(CAL, date(2026, 9, 20), 15, Unit.CALENDAR)
    assert due.on == date(2026, 10, 8) and not due.provisional


def test_end_on_holiday_rule_can_be_switched_off():
    due = add_period(CAL, date(2026, 9, 20), 15, Unit.CALENDAR, end_on_workday=False)
    assert due.on == date(2026, 10, 5)


def test_period_ending_on_a_weekend_moves_to_monday():
    # 2026-03-06 (Fri) + 15 = 2026-03-21 (Sat) → Monday 2026-03-23.
    assert add_period(CAL, date(2026, 3, 6), 15, Unit.CALENDAR).on == date(2026, 3, 23)


def test_working_days_skip_the_holiday_and_count_the_adjusted_saturday():
    # 5 working days from 2026-09-28 (Mon): 09-29, 09-30, (国庆) 10-08, 10-09, and
    # Saturday 10-10, an adjusted working day (调休).
    due = add_period(CAL, date(2026, 9, 28), 5, Unit.WORKING)
    assert due.on == date(2026, 10, 10) and not due.provisional


def test_adjusted_working_sunday_counts():
    # 2026-09-20 (Sun) is a 调休 working day: 1 working day from Saturday 09-19 is 09-20.
    assert add_period(CAL, date(2026, 9, 19), 1, Unit.WORKING).on == date(2026, 9, 20)


def test_an_unknown_year_is_provisional_weekends_only():
    due = add_period(CAL, date(2026, 12, 28), 5, Unit.WORKING)
    # 12-29, 12-30, 12-31 (2026, known), 2027-01-01 (Fri, unknown: counted), 01-04 (Mon).
    assert due.on == date(2027, 1, 4) and due.provisional
    assert add_period(CAL, date(2026, 12, 1), 15, Unit.CALENDAR).provisional is False


def test_pause_days_are_not_counted():
    pauses = excluded_days([(date(2026, 3, 10), date(2026, 3, 15))], until=date(2026, 4, 1))
    # 5 paused days (03-10 … 03-14) push 2026-03-02 + 15 = 03-17 to 03-22 (Sun) → 03-23.
    assert add_period(CAL, date(2026, 3, 2), 15, Unit.CALENDAR, excluded=pauses).on == date(2026, 3, 23)


def test_colours():
    start, due = date(2026, 3, 1), date(2026, 3, 31)
    yellow_on, stale_on = warning_dates(start, due, Thresholds())
    assert yellow_on == date(2026, 3, 21) and stale_on == date(2026, 3, 16)

    def at(day, **kw):
        return colour(day, due, yellow_on, stale_on, progressed=kw.pop("progressed", True), **kw)

    assert at(date(2026, 3, 10)) == Colour.GREEN
    assert at(date(2026, 3, 16)) == Colour.GREEN  # half passed, but progress recorded
    assert at(date(2026, 3, 16), progressed=False) == Colour.YELLOW  # half passed, none
    assert at(date(2026, 3, 21)) == Colour.YELLOW  # a third or less remains
    assert at(date(2026, 3, 31)) == Colour.YELLOW  # the due day itself is not overdue
    assert at(date(2026, 4, 1)) == Colour.RED
    assert at(date(2026, 3, 2), threat=True) == Colour.RED  # 扬言件
    assert at(date(2026, 4, 1), done=True) == Colour.DONE
    assert at(date(2026, 3, 2), paused=True) == Colour.PAUSED


def test_negative_period_is_refused():
    with pytest.raises(ValueError):
        add_period(CAL, date(2026, 1, 1), -1, Unit.CALENDAR)


days_2004_2026 = st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 9, 30))


@settings(max_examples=300, deadline=None)
@given(start=days_2004_2026, days=st.integers(1, 90))
def test_working_day_deadline_is_a_working_day(start, days):
    due = add_period(CAL, start, days, Unit.WORKING)
    assert CAL.is_working(due.on)
    assert due.on > start


@settings(max_examples=300, deadline=None)
@given(start=days_2004_2026, days=st.integers(1, 89), unit=st.sampled_from(list(Unit)),
       rule=st.booleans())
def test_deadlines_grow_with_the_number_of_days(start, days, unit, rule):
    shorter = add_period(CAL, start, days, unit, end_on_workday=rule).on
    longer = add_period(CAL, start, days + 1, unit, end_on_workday=rule).on
    assert longer >= shorter
    if unit is Unit.CALENDAR and rule:
        assert CAL.is_working(shorter)


@settings(max_examples=300, deadline=None)
@given(start=days_2004_2026, days=st.integers(1, 60), unit=st.sampled_from(list(Unit)),
       offset=st.integers(0, 40), length=st.integers(1, 20))
def test_paused_time_is_never_counted(start, days, unit, offset, length):
    pause_from = start + timedelta(days=offset)
    pause_to = pause_from + timedelta(days=length)
    excluded = excluded_days([(pause_from, pause_to)], until=pause_to)
    plain = add_period(CAL, start, days, unit).on
    paused = add_period(CAL, start, days, unit, excluded=excluded).on
    assert paused >= plain
    assert paused not in excluded
    # Counting again while skipping the paused days gives exactly the requested period.
    counted, day = 0, start
    while day < paused:
        day += timedelta(days=1)
        if day in excluded:
            continue
        if unit is Unit.WORKING and not CAL.is_working(day):
            continue
        counted += 1
    assert counted >= days
