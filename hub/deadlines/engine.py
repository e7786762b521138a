"""Pure date arithmetic of deadlines (no database): periods, pauses and colours.

Counting convention (民法典 第二百零一条、第二百零三条): the day of the event is not counted;
a period that ends on a non-working day ends on the next working day instead (a setting,
default on).  "日" means calendar days; 工作日 means working days by the holiday calendar.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class Unit(StrEnum):
    CALENDAR = "calendar"  # 日
    WORKING = "working"  # 工作日


class Colour(StrEnum):
    GREEN = "green"  # 正常
    YELLOW = "yellow"  # 预警
    RED = "red"  # 超期 (and every open 扬言件)
    PAUSED = "paused"  # 暂停计时 (听证)
    DONE = "done"  # 已完成


@dataclass(frozen=True)
class WorkCalendar:
    """Working days: weekends off, except what a known year's schedule says (holidays on
    weekdays, 调休 working weekends).  Years not in ``known_years`` use weekends only, and
    any date computed from them is provisional (暂定)."""

    known_years: frozenset[int]
    exceptions: Mapping[date, bool]  # date → is it a working day

    def knows(self, day: date) -> bool:
        return day.year in self.known_years

    def is_working(self, day: date) -> bool:
        if day.year in self.known_years and day in self.exceptions:
            return self.exceptions[day]
        return day.weekday() < 5

    def next_working(self, day: date) -> date:
        while not self.is_working(day):
            day += timedelta(days=1)
        return day


WEEKENDS_ONLY = WorkCalendar(frozenset(), {})


@dataclass(frozen=True)
class Due:
    on: date
    provisional: bool  # some day it depends on lies in a year the calendar does not know


def excluded_days(pauses: Iterable[tuple[date, date | None]], until: date) -> frozenset[date]:
    """Days that do not count: each pause covers ``paused_on`` up to the day before
    ``resumed_on`` (an open pause runs until ``until``)."""
    out: set[date] = set()
    for start, end in pauses:
        stop = end or until
        day = start
        while day < stop:
            out.add(day)
            day += timedelta(days=1)
    return frozenset(out)


def add_period(
    calendar: WorkCalendar,
    start: date,
    days: int,
    unit: Unit | str,
    *,
    end_on_workday: bool = True,
    excluded: frozenset[date] = frozenset(),
) -> Due:
    """The due date of a period of ``days`` counted from the event on ``start``."""
    if days < 0:
        raise ValueError("a period cannot be negative")
    unit = Unit(unit)
    provisional = False
    day = start
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if day in excluded:
            continue
        if unit is Unit.WORKING:
            provisional |= not calendar.knows(day)
            if not calendar.is_working(day):
                continue
        counted += 1
    if unit is Unit.CALENDAR and end_on_workday:
        provisional |= not calendar.knows(day)
        while not calendar.is_working(day) or day in excluded:
            day += timedelta(days=1)
            provisional |= not calendar.knows(day)
    return Due(day, provisional)


@dataclass(frozen=True)
class Thresholds:
    """红黄绿 thresholds (DESIGN §5): yellow when at most ``remaining`` of the allowed time
    is left, or when ``no_progress`` of it has passed with no progress recorded."""

    remaining: float = 1 / 3
    no_progress: float = 1 / 2


def warning_dates(start: date, due: date, thresholds: Thresholds) -> tuple[date, date]:
    """(yellow_on, stale_on): from ``yellow_on`` at most the threshold of time remains;
    from ``stale_on`` the no-progress threshold has passed."""
    total = (due - start).days
    remaining_days = int(total * thresholds.remaining)  # floor: "one third or less remains"
    yellow_on = due - timedelta(days=remaining_days)
    elapsed_days = -(-total * thresholds.no_progress // 1)  # ceil: half has passed
    stale_on = start + timedelta(days=int(elapsed_days))
    return yellow_on, stale_on


def colour(
    today: date,
    due: date | None,
    yellow_on: date | None,
    stale_on: date | None,
    *,
    progressed: bool,
    done: bool = False,
    paused: bool = False,
    threat: bool = False,
) -> Colour:
    """The colour of an open item today.  Computed from data, never stored by hand."""
    if done:
        return Colour.DONE
    if threat:
        return Colour.RED  # 扬言件: always red while open
    if paused:
        return Colour.PAUSED
    if due is None:
        return Colour.GREEN
    if today > due:
        return Colour.RED
    if yellow_on is not None and today >= yellow_on:
        return Colour.YELLOW
    if not progressed and stale_on is not None and today >= stale_on:
        return Colour.YELLOW
    return Colour.GREEN
