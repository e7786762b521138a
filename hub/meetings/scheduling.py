"""Pure scheduling help for meetings (no database, no Flask app): what is wrong with a
proposed time, and the earliest free slots.

Working days come from a calendar with ``is_working(day)`` (normally
``hub.deadlines.engine.WorkCalendar``: weekends off, holidays and 调休 by year).  Days and
working hours are judged in local time ``tz``; every datetime handed in must be
timezone-aware (naive ones raise ``ValueError``) and every datetime handed back is aware UTC.

``Conflict.detail`` values are language-neutral (a meeting title, an ISO date, an ISO local
interval or a short code); the caller translates and formats them.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

__all__ = [
    "DEFAULT_HOURS",
    "Busy",
    "Conflict",
    "WorkingDays",
    "conflicts",
    "suggest_slots",
]


class WorkingDays(Protocol):
    """Anything that says whether a local date is a working day (e.g. ``WorkCalendar``)."""

    def is_working(self, day: date) -> bool: ...


@dataclass(frozen=True)
class Busy:
    """Another meeting an invitee is already booked for."""

    user_id: int
    starts_at: datetime  # timezone-aware (UTC as stored)
    ends_at: datetime
    title: str


@dataclass(frozen=True)
class Conflict:
    kind: str  # "busy" | "non_working_day" | "outside_hours" | "invalid"
    user_id: int | None
    detail: str  # busy: the other meeting's title; non_working_day: ISO date;
    # outside_hours: local "start/end" in ISO; invalid: a short code


BUSY = "busy"
NON_WORKING_DAY = "non_working_day"
OUTSIDE_HOURS = "outside_hours"
INVALID = "invalid"

INVALID_END_NOT_AFTER_START = "end_not_after_start"

# 上午 08:30–12:00, 下午 14:30–18:00
DEFAULT_HOURS = ((time(8, 30), time(12, 0)), (time(14, 30), time(18, 0)))

Hours = Sequence[tuple[time, time]]


# --- helpers -----------------------------------------------------------------------------


def _aware(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value


def _utc(value: datetime, name: str) -> datetime:
    return _aware(value, name).astimezone(UTC)


def _check_hours(hours: Hours) -> tuple[tuple[time, time], ...]:
    windows = tuple(hours)
    for start, end in windows:
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError("working-hours windows are local wall times (naive time)")
        if not start < end:
            raise ValueError(f"working-hours window {start}–{end} is empty")
    return tuple(sorted(windows))


def _local_days(start_local: datetime, end_local: datetime) -> Iterable[date]:
    """Local dates touched by [start, end); a meeting ending at 00:00 does not touch the
    day it ends on."""
    last = end_local.date()
    if end_local.time() == time(0) and last > start_local.date():
        last -= timedelta(days=1)
    day = start_local.date()
    while day <= last:
        yield day
        day += timedelta(days=1)


def _inside_hours(start_local: datetime, end_local: datetime,
                  windows: Sequence[tuple[time, time]]) -> bool:
    """Is the local interval entirely inside one window of one day (wall-clock times)?"""
    if start_local.date() != end_local.date():
        return False
    s, e = start_local.time(), end_local.time()
    return any(ws <= s and e <= we for ws, we in windows)


def _overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open intervals: touching (a_end == b_start) is not an overlap."""
    return a_start < b_end and b_start < a_end


def _ceil_steps(delta: timedelta, step: timedelta) -> int:
    """Smallest k >= 0 with k * step >= delta."""
    if delta <= timedelta(0):
        return 0
    return -(-delta // step)


def _merged_busy(user_ids: set[int], busy: Iterable[Busy]) -> tuple[list[datetime], list[datetime]]:
    """The union of the invitees' busy intervals in UTC, sorted and disjoint, as parallel
    lists (starts, ends); both lists are increasing, so they can be bisected."""
    intervals = sorted(
        (_utc(b.starts_at, "Busy.starts_at"), _utc(b.ends_at, "Busy.ends_at"))
        for b in busy
        if b.user_id in user_ids
    )
    starts: list[datetime] = []
    ends: list[datetime] = []
    for start, end in intervals:
        if end <= start:
            continue  # empty: overlaps nothing
        if ends and start <= ends[-1]:
            if end > ends[-1]:
                ends[-1] = end
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends


# --- public ------------------------------------------------------------------------------


def conflicts(starts_at: datetime, ends_at: datetime, user_ids: set[int], busy: list[Busy],
              calendar: WorkingDays, tz: ZoneInfo, hours: Hours = DEFAULT_HOURS,
              ) -> list[Conflict]:
    """Everything wrong with holding a meeting from ``starts_at`` to ``ends_at`` (aware).

    When ``ends_at <= starts_at`` the only answer is one ``invalid`` conflict (nothing else
    is meaningful).  Otherwise, in this order:

    * ``non_working_day`` (user None, detail the ISO date) for each local day the meeting
      touches that the calendar says is not a working day;
    * ``outside_hours`` (user None, detail ``"<local start>/<local end>"`` in ISO) unless the
      local interval lies entirely inside ONE of the ``hours`` windows of one day;
    * ``busy`` (detail the other meeting's title), one per invitee per overlapping booking,
      ordered by the booking's start then user id; touching (end == start) is no overlap.
    """
    start = _utc(starts_at, "starts_at")
    end = _utc(ends_at, "ends_at")
    windows = _check_hours(hours)
    if end <= start:
        return [Conflict(INVALID, None, INVALID_END_NOT_AFTER_START)]

    out: list[Conflict] = []
    start_local, end_local = start.astimezone(tz), end.astimezone(tz)
    for day in _local_days(start_local, end_local):
        if not calendar.is_working(day):
            out.append(Conflict(NON_WORKING_DAY, None, day.isoformat()))

    if not _inside_hours(start_local, end_local, windows):
        detail = (f"{start_local.replace(tzinfo=None).isoformat()}"
                  f"/{end_local.replace(tzinfo=None).isoformat()}")
        out.append(Conflict(OUTSIDE_HOURS, None, detail))

    clashes = []
    seen: set[tuple[int, datetime, datetime, str]] = set()
    for b in busy:
        b_start, b_end = _utc(b.starts_at, "Busy.starts_at"), _utc(b.ends_at, "Busy.ends_at")
        if b.user_id not in user_ids or not _overlaps(start, end, b_start, b_end):
            continue
        key = (b.user_id, b_start, b_end, b.title)
        if key in seen:  # the same booking listed twice
            continue
        seen.add(key)
        clashes.append((b_start, b.user_id, b_end, b.title))
    clashes.sort()
    out.extend(Conflict(BUSY, user_id, title) for _, user_id, _, title in clashes)
    return out


def suggest_slots(length: timedelta, after: datetime, user_ids: set[int], busy: list[Busy],
                  calendar: WorkingDays, tz: ZoneInfo, hours: Hours = DEFAULT_HOURS,
                  count: int = 3, step: timedelta = timedelta(minutes=30),
                  horizon_days: int = 60) -> list[tuple[datetime, datetime]]:
    """The earliest ``count`` slots of ``length`` starting at or after ``after``.

    A slot lies on a working day, entirely inside one working-hours window, starts on the
    ``step`` grid counted from that window's start (08:30, 09:00, …), may end exactly at the
    window's end, and overlaps no booking of any user in ``user_ids``.  Only the local days
    from ``after``'s local date through ``horizon_days`` days are searched (fewer slots may
    come back).  Slots are ``(start, end)`` pairs of aware UTC datetimes, earliest first.

    Every slot returned has no conflicts by :func:`conflicts`.  The busy list is merged and
    sorted once; candidates are looked up by bisection and a clash jumps straight to the
    first grid point after the clashing booking, so the work is bounded by days × windows
    plus the number of bookings and slots, not by minutes.
    """
    if not isinstance(length, timedelta) or length <= timedelta(0):
        raise ValueError("length must be a positive timedelta")
    if not isinstance(step, timedelta) or step <= timedelta(0):
        raise ValueError("step must be a positive timedelta")
    if count < 0 or horizon_days < 0:
        raise ValueError("count and horizon_days cannot be negative")
    after_utc = _utc(after, "after")
    windows = _check_hours(hours)
    starts, ends = _merged_busy(user_ids, busy)
    if count == 0:
        return []

    found: list[tuple[datetime, datetime]] = []
    first_day = after_utc.astimezone(tz).date()
    for offset in range(horizon_days):
        day = first_day + timedelta(days=offset)
        if not calendar.is_working(day):
            continue
        todays: set[tuple[datetime, datetime]] = set()
        for window in windows:
            todays.update(_window_slots(day, window, length, step, after_utc, starts, ends,
                                        calendar, tz, windows, count))
        for slot in sorted(todays):
            found.append(slot)
            if len(found) == count:
                return found
    return found


def _window_slots(day: date, window: tuple[time, time], length: timedelta, step: timedelta,
                  after: datetime, starts: list[datetime], ends: list[datetime],
                  calendar: WorkingDays, tz: ZoneInfo, windows: Sequence[tuple[time, time]],
                  limit: int) -> list[tuple[datetime, datetime]]:
    """Up to ``limit`` earliest free slots in one window of one (working) day."""
    window_start = datetime.combine(day, window[0], tzinfo=tz).astimezone(UTC)
    window_end = datetime.combine(day, window[1], tzinfo=tz).astimezone(UTC)
    if window_start + length > window_end:
        return []  # the meeting does not fit in this window at all
    out: list[tuple[datetime, datetime]] = []
    k = _ceil_steps(after - window_start, step)
    while len(out) < limit:
        start = window_start + k * step
        end = start + length
        if end > window_end:
            break
        i = bisect_right(ends, start)  # first merged booking ending after the start
        if i < len(starts) and starts[i] < end:
            k = max(k + 1, _ceil_steps(ends[i] - window_start, step))  # jump past it
            continue
        # The wall-clock check matters only around DST changes; it keeps every slot
        # consistent with conflicts().
        start_local, end_local = start.astimezone(tz), end.astimezone(tz)
        if _inside_hours(start_local, end_local, windows) and all(
            calendar.is_working(d) for d in _local_days(start_local, end_local)
        ):
            out.append((start, end))
        k += 1
    return out
