"""The holiday calendar: stored in the database, seeded from ``chinesecalendar``, editable
by admins, loadable from a simple file."""

from __future__ import annotations

import csv
import io
from datetime import date

from flask import g, has_app_context
from flask_babel import gettext as _
from sqlalchemy import delete, select

from hub.audit.services import record
from hub.core.errors import ServiceError
from hub.core.types import utcnow
from hub.deadlines.engine import WorkCalendar
from hub.deadlines.models import CalendarDay, CalendarYear
from hub.extensions import db


def current_calendar() -> WorkCalendar:
    """The calendar from the database, read once per request or job."""
    cached = g.get("hub_calendar") if has_app_context() else None
    if cached is not None:
        return cached
    years = frozenset(db.session.scalars(select(CalendarYear.year)))
    rows = db.session.execute(select(CalendarDay.day, CalendarDay.is_working)).all()
    calendar = WorkCalendar(years, {day: working for day, working in rows})
    if has_app_context():
        g.hub_calendar = calendar
    return calendar


def forget_cached_calendar() -> None:
    if has_app_context():
        g.pop("hub_calendar", None)


def package_years() -> dict[int, list[tuple[date, bool, str]]]:
    """Years the ``chinesecalendar`` package knows, with their exception days."""
    import chinese_calendar

    by_year: dict[int, list[tuple[date, bool, str]]] = {}
    for day, name in chinese_calendar.holidays.items():
        by_year.setdefault(day.year, []).append((day, False, str(name)))
    for day, name in chinese_calendar.workdays.items():
        if day.weekday() >= 5:  # only 调休 weekends are exceptions among its "workdays"
            by_year.setdefault(day.year, []).append((day, True, str(name)))
    return by_year


def seed_from_package() -> list[int]:
    """Load every year the package knows that the database does not have yet."""
    have = set(db.session.scalars(select(CalendarYear.year)))
    added = []
    for year, days in sorted(package_years().items()):
        if year in have:
            continue
        _store_year(year, days, source="package", actor=None)
        added.append(year)
    return added


def _store_year(year: int, days, *, source: str, actor) -> None:
    db.session.execute(
        delete(CalendarDay).where(CalendarDay.day >= date(year, 1, 1),
                                  CalendarDay.day <= date(year, 12, 31))
    )
    for day, working, name in days:
        db.session.add(CalendarDay(day=day, is_working=working, name=name[:60]))
    existing = db.session.get(CalendarYear, year)
    if existing is None:
        db.session.add(CalendarYear(year=year, source=source, loaded_at=utcnow(),
                                    loaded_by=getattr(actor, "username", None)))
    else:
        existing.source = source
        existing.loaded_at = utcnow()
        existing.loaded_by = getattr(actor, "username", None)
    db.session.flush()
    forget_cached_calendar()


KINDS = {"holiday": False, "假日": False, "休": False, "workday": True, "调休": True, "班": True}


def parse_year_file(text: str, year: int) -> list[tuple[date, bool, str]]:
    """Parse lines ``YYYY-MM-DD,holiday|workday,name`` (# comments and blank lines allowed).

    Every line must be in ``year``; errors name the line.
    """
    out: dict[date, tuple[date, bool, str]] = {}
    reader = csv.reader(io.StringIO(text))
    for lineno, row in enumerate(reader, start=1):
        if not row or not row[0].strip() or row[0].strip().startswith("#"):
            continue
        if len(row) < 2:
            raise ServiceError(_("第 %(n)d 行：应为“日期,类型,名称”", n=lineno), "file")
        try:
            day = date.fromisoformat(row[0].strip())
        except ValueError:
            raise ServiceError(_("第 %(n)d 行：日期格式应为 YYYY-MM-DD", n=lineno), "file") from None
        if day.year != year:
            raise ServiceError(_("第 %(n)d 行：日期不在 %(year)d 年", n=lineno, year=year), "file")
        kind = row[1].strip().lower()
        if kind not in KINDS:
            raise ServiceError(
                _("第 %(n)d 行：类型应为 holiday（放假）或 workday（调休上班）", n=lineno), "file"
            )
        if day in out:
            raise ServiceError(_("第 %(n)d 行：日期重复", n=lineno), "file")
        name = row[2].strip() if len(row) > 2 else ""
        out[day] = (day, KINDS[kind], name)
    if not out:
        raise ServiceError(_("文件中没有任何日期"), "file")
    return sorted(out.values())


def load_year(actor, year: int, days: list[tuple[date, bool, str]], source: str = "file") -> int:
    """Replace a year's schedule (admin), then recompute provisional deadlines."""
    from hub.deadlines.services import recompute_provisional

    if not 2000 <= year <= 2100:
        raise ServiceError(_("年份无效"), "year")
    before = {"days": len(db.session.scalars(select(CalendarDay.day).where(
        CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))).all())}
    _store_year(year, days, source=source, actor=actor)
    recomputed = recompute_provisional(actor)
    record(actor, "calendar.year_loaded", "calendar_years", year, before=before,
           after={"days": len(days), "source": source, "deadlines_recomputed": recomputed})
    return recomputed


def set_day(actor, day: date, is_working: bool | None, name: str = "") -> None:
    """Mark one day (admin correction).  ``is_working=None`` removes the exception."""
    from hub.deadlines.services import recompute_open_in_year

    if db.session.get(CalendarYear, day.year) is None:
        raise ServiceError(_("请先载入 %(year)d 年的节假日安排", year=day.year), "day")
    row = db.session.get(CalendarDay, day)
    before = row.audit_state() if row else None
    if is_working is None:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        row = CalendarDay(day=day, is_working=is_working, name=name[:60])
        db.session.add(row)
    else:
        row.is_working = is_working
        row.name = name[:60]
    db.session.flush()
    forget_cached_calendar()
    recompute_open_in_year(day.year)
    record(actor, "calendar.day_changed", "calendar_days", day.isoformat(), before=before,
           after=row.audit_state() if is_working is not None else None)


def year_rows(year: int) -> list[CalendarDay]:
    return list(db.session.scalars(
        select(CalendarDay).where(CalendarDay.day >= date(year, 1, 1),
                                  CalendarDay.day <= date(year, 12, 31)).order_by(CalendarDay.day)
    ))


def missing_next_year(today: date) -> int | None:
    """From 1 October, the coming year if its schedule is not loaded (admin banner)."""
    if today.month < 10:
        return None
    nxt = today.year + 1
    return None if db.session.get(CalendarYear, nxt) is not None else nxt
