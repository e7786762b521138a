"""Deadlines in the database: extension, pause/resume, provisional years, the calendar
admin pages and the ``hub deadline`` command."""

from datetime import date

import pytest
from sqlalchemy import select

from hub.audit.models import AuditEvent
from hub.core.errors import ServiceError
from hub.deadlines import services
from hub.deadlines.calendar import current_calendar, load_year, parse_year_file
from hub.deadlines.models import CalendarYear
from hub.extensions import db


def _last_action():
    return db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.seq.desc()).limit(1))


def test_calendar_is_seeded_from_the_package(ctx):
    cal = current_calendar()
    assert 2026 in cal.known_years and 2027 not in cal.known_years
    assert cal.is_working(date(2026, 10, 10)) and not cal.is_working(date(2026, 10, 5))


def test_extension_once_up_to_thirty_days_with_reason_and_approver(ctx):
    d = services.start("test", 1, "case.handle", date(2026, 3, 2), 60, "calendar")
    assert d.due_on == date(2026, 5, 6)  # 05-01 is in the 劳动节 holiday → 05-06
    with pytest.raises(ServiceError, match="1 到 30"):
        services.extend(None, d, 31, "理由", "局长")
    with pytest.raises(ServiceError) as err:
        services.extend(None, d, 10, " ", "局长")
    assert err.value.field == "reason"
    services.extend(None, d, 30, "案情复杂，需要实地调查", "张局长")
    assert d.due_on == date(2026, 5, 31) + (date(2026, 6, 1) - date(2026, 5, 31))  # Sun → Mon
    assert _last_action() == "deadlines.extended"
    with pytest.raises(ServiceError, match="只能延期一次"):
        services.extend(None, d, 5, "再次延期", "张局长")


def test_pause_and_resume_move_the_due_date(ctx):
    d = services.start("test", 2, "case.recheck", date(2026, 3, 2), 30, "calendar")
    assert d.due_on == date(2026, 4, 1)
    services.pause(None, d, date(2026, 3, 10), "组织听证")
    assert d.paused and services.colour_of(d, date(2026, 3, 12)).value == "paused"
    with pytest.raises(ServiceError, match="已经暂停"):
        services.pause(None, d, date(2026, 3, 11), "again")
    services.resume(None, d, date(2026, 3, 17))  # 7 days of hearing do not count
    assert d.due_on == date(2026, 4, 8)
    assert _last_action() == "deadlines.resumed"


def test_loading_a_missing_year_recomputes_provisional_deadlines(ctx):
    d = services.start("test", 3, "case.object", date(2026, 12, 28), 5, "working")
    assert d.provisional and d.due_on == date(2027, 1, 4)
    days = parse_year_file(
        "# 2027 假期（测试用）\n2027-01-01,holiday,元旦\n2027-01-04,holiday,元旦调休放假\n"
        "2027-01-09,workday,元旦调休上班\n", 2027)
    recomputed = load_year(None, 2027, days)
    assert recomputed >= 1
    db.session.refresh(d)
    # 12-29, 12-30, 12-31, (01-01 and 01-04 off) 01-05, 01-06.
    assert d.due_on == date(2027, 1, 6) and not d.provisional
    assert _last_action() == "calendar.year_loaded"


@pytest.mark.parametrize(("text", "message"), [
    ("2027-13-01,holiday,x", "日期格式"),
    ("2026-10-01,holiday,x", "不在 2027 年"),
    ("2027-10-01,party,x", "类型应为"),
    ("2027-10-01", "应为"),
    ("2027-10-01,holiday\n2027-10-01,holiday", "日期重复"),
    ("# nothing", "没有任何日期"),
])
def test_bad_calendar_files_are_refused_with_the_line(ctx, text, message):
    with pytest.raises(ServiceError, match=message):
        parse_year_file(text, 2027)


def test_admin_loads_a_year_from_a_file_and_corrects_a_day(login_as):
    from io import BytesIO

    admin = login_as("admin")
    data = {"year": "2027", "text": "",
            "file": (BytesIO("2027-10-01,holiday,国庆节\n2027-09-26,workday,国庆调休\n".encode()),
                     "2027.csv")}
    resp = admin.post("/admin/calendar", data=data, content_type="multipart/form-data")
    assert resp.status_code == 302 and resp.headers["Location"] == "/admin/calendar/2027"
    assert db.session.get(CalendarYear, 2027).loaded_by == "admin"
    page = admin.get("/admin/calendar/2027").get_data(as_text=True)
    assert "国庆节" in page and "调休上班" in page
    fix = admin.post("/admin/calendar/2027", data={"day": "2027-10-08", "kind": "holiday",
                                                   "name": "国庆节"})
    assert fix.status_code == 302
    assert not current_calendar().is_working(date(2027, 10, 8))
    assert _last_action() == "calendar.day_changed"
    wrong = admin.post("/admin/calendar/2027", data={"day": "2026-10-08", "kind": "holiday"})
    assert "不在 2027 年" in wrong.get_data(as_text=True)


def test_banner_from_october_when_next_year_is_missing(login_as, monkeypatch):
    from hub.deadlines import services as svc

    admin = login_as("admin")
    monkeypatch.setattr(svc, "local_today", lambda: date(2026, 10, 1))
    assert "尚未载入 2027 年" in admin.get("/").get_data(as_text=True)
    monkeypatch.setattr(svc, "local_today", lambda: date(2026, 9, 30))
    assert 'data-testid="calendar-banner"' not in admin.get("/").get_data(as_text=True)


def test_deadline_command_prints_official_dates(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["hub", "deadline", "2026-09-20", "15", "calendar"]).output.strip() == "2026-10-08"
    assert runner.invoke(args=["hub", "deadline", "2026-09-28", "5", "working"]).output.strip() == "2026-10-10"
    later = runner.invoke(args=["hub", "deadline", "2027-03-01", "10", "working"]).output
    assert "暂定" in later
    bad = runner.invoke(args=["hub", "deadline", "2026-02-30", "5", "working"])
    assert bad.exit_code != 0


def test_loading_a_year_updates_the_cases_on_the_boards(app):
    """A provisional case deadline is recomputed, and the case's board copy follows."""
    from hub.cases.models import Case, CaseParticipant
    from tests.cases.factories import forwarded

    with app.test_request_context():
        case = forwarded(lead="dh.jw", assist=())
        from hub.cases import steps

        deadline = steps.current_deadline(case)
        # Pretend the 15-day acceptance clock started late in 2026 so it ends in 2027.
        deadline.start_on = date(2026, 12, 28)
        services._apply(deadline)
        steps.mirror(case, deadline)
        steps.sync_index(case)
        assert case.due_provisional and case.due_on == date(2027, 1, 12)
        load_year(None, 2027, parse_year_file("2027-01-12,holiday,测试假日\n", 2027))
        db.session.refresh(case)
        assert case.due_on == date(2027, 1, 13) and not case.due_provisional
        row = db.session.scalar(select(CaseParticipant).where(
            CaseParticipant.case_id == case.id, CaseParticipant.role == "lead"))
        assert row.rank == db.session.get(Case, case.id).rank == date(2027, 1, 13).toordinal() + 10**7
        assert db.session.get(Case, case.id).due_on == date(2027, 1, 13)
