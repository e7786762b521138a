"""The monthly screening: the 5th-working-day deadline, the chase of late counties, late
submissions, the three lists and 销号, and key persons seen only by the county and the
secretariat."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from hub.audit.models import AuditEvent
from hub.chase import sweep
from hub.chase.models import ChaseStep, CircularEntry, InspectionNotice
from hub.core.errors import ServiceError
from hub.deadlines.models import Deadline
from hub.deadlines.services import local_today
from hub.extensions import db
from hub.notifications.models import Notification
from hub.screening import chase, services
from hub.screening.models import ScreeningReport
from tests.conftest import agency_coded, login, user_named

OCTOBER = date(2026, 10, 1)  # 国庆: Oct 1–7 off, Sat Oct 10 a 调休 working day


def _report(county="longchuan", month=OCTOBER) -> ScreeningReport:
    services.open_month(month)
    return db.session.scalar(select(ScreeningReport).where(
        ScreeningReport.county_id == agency_coded(f"{county}.xfj").id,
        ScreeningReport.month == month))


def _item(report, clerk="liaison.longchuan", **over):
    args = dict(problem="土地流转租金纠纷", risk="high", responsible_unit="户撒乡人民政府",
                responsible_person="副乡长 金某", task="协调公司补付租金",
                task_due_on=local_today() + timedelta(days=20))
    args.update(over)
    return services.add_item(user_named(clerk), report, **args)


def test_the_deadline_is_the_fifth_working_day_of_the_month(ctx):
    assert services.due_date(OCTOBER).on == date(2026, 10, 13)  # the 调休 Saturday counts
    assert services.due_date(date(2026, 5, 1)).on == date(2026, 5, 11)  # after 劳动节
    assert services.due_date(date(2026, 3, 1)).on == date(2026, 3, 6)
    assert not services.due_date(OCTOBER).provisional


def test_opening_a_month_is_idempotent(ctx):
    opened = services.open_month(OCTOBER)
    assert sorted(r.county.code for r in opened) == [
        "lianghe.xfj", "longchuan.xfj", "mangshi.xfj", "ruili.xfj", "yingjiang.xfj"]
    assert all(r.status == "draft" and r.deadline.due_on == date(2026, 10, 13) for r in opened)
    assert services.open_month(OCTOBER) == []
    assert services.missing_counties(OCTOBER) == []
    deadlines = db.session.scalar(select(func.count()).select_from(Deadline).where(
        Deadline.owner_type == services.DEADLINE_OWNER))
    assert deadlines == 5


def test_a_late_county_is_chased_up_the_ladder_once_per_step(ctx):
    late, submitted = _report("longchuan"), _report("ruili")
    _item(submitted, "liaison.ruili")
    services.submit(user_named("liaison.ruili"), submitted)
    seen = {}
    for offset in range(-6, 25):
        day = date(2026, 10, 13) + timedelta(days=offset)
        sweep.run(today=day)
        again = sweep.run(today=day)  # a second sweep the same day takes nothing more
        assert not again.get("remind_due") and not again.get("inspect")
        steps = db.session.execute(select(ChaseStep.step, ChaseStep.taken_on).where(
            ChaseStep.item_type == chase.ITEM, ChaseStep.item_id == late.deadline_id)).all()
        for name, on in steps:
            seen.setdefault(name, on)
    assert seen == {"remind_before": date(2026, 10, 10), "remind_due": date(2026, 10, 13),
                    "yellow": date(2026, 10, 14), "inspect": date(2026, 10, 20),
                    "circulate": date(2026, 10, 28)}
    # One record per county, month and step; the county that submitted is never chased.
    assert db.session.scalar(select(func.count()).select_from(ChaseStep).where(
        ChaseStep.item_id == late.deadline_id, ChaseStep.item_type == chase.ITEM)) == 5
    assert db.session.scalar(select(func.count()).select_from(ChaseStep).where(
        ChaseStep.item_id == submitted.deadline_id, ChaseStep.item_type == chase.ITEM)) == 0
    inbox = db.session.scalars(select(Notification.kind).where(
        Notification.user_id == user_named("liaison.longchuan").id)).all()
    assert inbox.count("screening.remind") == 2 and inbox.count("screening.inspect") == 1
    assert not db.session.scalars(select(Notification.kind).where(
        Notification.user_id == user_named("liaison.ruili").id)).all()
    secretariat = db.session.scalars(select(Notification.title).where(
        Notification.user_id == user_named("secretariat").id,
        Notification.kind == "screening.yellow")).all()
    assert any("陇川县2026年10月矛盾纠纷排查“三张清单” 逾期 1 天未报送" in t for t in secretariat)
    notice = db.session.scalar(select(InspectionNotice).where(
        InspectionNotice.item_type == chase.ITEM, InspectionNotice.item_id == late.deadline_id))
    assert notice.agency_id == agency_coded("longchuan.xfj").id and notice.leader_id is None
    entry = db.session.scalar(select(CircularEntry).where(
        CircularEntry.agency_id == agency_coded("longchuan.xfj").id))
    assert entry.days_overdue == 15 and entry.month == "2026-10"


def test_a_submitted_report_leaves_the_sweep(ctx):
    report = _report("mangshi")
    sweep.run(today=date(2026, 10, 13))
    _item(report, "liaison.mangshi")
    services.submit(user_named("liaison.mangshi"), report)
    assert report.deadline.done_at is not None
    before = db.session.scalar(select(func.count()).select_from(ChaseStep).where(
        ChaseStep.item_id == report.deadline_id, ChaseStep.item_type == chase.ITEM))
    sweep.run(today=date(2026, 10, 20))
    after = db.session.scalar(select(func.count()).select_from(ChaseStep).where(
        ChaseStep.item_id == report.deadline_id, ChaseStep.item_type == chase.ITEM))
    assert before == after == 1


def test_a_late_submission_is_accepted_and_marked_late(app, login_as):
    with app.test_request_context():
        report = _report("longchuan")
        _item(report)
        report_id = report.id
    db.session.commit()
    client = login_as("liaison.longchuan")
    page = client.get(f"/screening/{report_id}").get_data(as_text=True)
    assert "已逾期" in page and "仍可报送，将记为逾期报送" in page
    resp = client.post(f"/screening/{report_id}/submit", data={"note": ""},
                       follow_redirects=True)
    body = resp.get_data(as_text=True)
    assert "报送期限为 2026-10-13（当月第 5 个工作日），本次记为逾期报送" in body
    assert "逾期报送" in client.get("/screening?month=2026-10").get_data(as_text=True)
    report = db.session.get(ScreeningReport, report_id)
    assert report.status == "submitted" and report.late
    resp = client.post(f"/screening/{report_id}/submit", data={"note": ""},
                       follow_redirects=True)
    assert "不能重复报送" in resp.get_data(as_text=True)


def test_on_time_submission_is_not_late(ctx, monkeypatch):
    report = _report("yingjiang")
    _item(report, "liaison.yingjiang")
    monkeypatch.setattr("hub.screening.services.local_today", lambda: date(2026, 10, 12))
    services.submit(user_named("liaison.yingjiang"), report)
    assert not report.late


def test_the_three_lists_refuse_bad_input(ctx):
    report = _report("longchuan")
    clerk = user_named("liaison.longchuan")
    with pytest.raises(ServiceError, match="只有本县（市）信访局的联络员"):
        _item(report, "liaison.ruili")
    with pytest.raises(ServiceError, match="请选择风险等级"):
        _item(report, risk="extreme")
    with pytest.raises(ServiceError, match="请填写责任人"):
        _item(report, responsible_person="")
    with pytest.raises(ServiceError, match="完成时限不能早于今天"):
        _item(report, task_due_on=local_today() - timedelta(days=1))
    with pytest.raises(ServiceError, match="请至少列入一项问题") as refused:
        services.submit(clerk, report)
    assert refused.value.field == "note"
    item = _item(report)
    with pytest.raises(ServiceError, match="报送后才能销号"):
        services.close_item(clerk, item, "已化解")
    services.submit(clerk, report)
    with pytest.raises(ServiceError, match="已报送，不能再修改"):
        _item(report)
    with pytest.raises(ServiceError, match="销号须写明化解情况和依据"):
        services.close_item(clerk, item, " ")
    services.close_item(clerk, item, "公司已补付租金，村民签字确认")
    assert item.status == "closed" and item.closed_on == local_today()
    with pytest.raises(ServiceError, match="该事项已于"):
        services.close_item(clerk, item, "再次销号")


def test_a_county_with_nothing_to_report_says_so(ctx):
    report = _report("lianghe")
    services.submit(user_named("liaison.lianghe"), report, "本月未排查出突出矛盾风险隐患")
    assert report.status == "submitted" and report.items == []


def test_open_items_are_carried_on_the_ledger(app, login_as):
    with app.test_request_context():
        last = _report("mangshi", OCTOBER)
        item = _item(last, "liaison.mangshi", task="组织勘界")
        services.submit(user_named("liaison.mangshi"), last)
        this = _report("mangshi", date(2026, 11, 1))
        ids = this.id, item.id
    db.session.commit()
    client = login_as("liaison.mangshi")
    page = client.get(f"/screening/{ids[0]}").get_data(as_text=True)
    assert "往月未销号事项" in page and "组织勘界" in page
    resp = client.post(f"/screening/items/{ids[1]}/close",
                       data={"evidence": "已勘界", "report_id": str(ids[0])})
    assert resp.headers["Location"].endswith(f"/screening/{ids[0]}")
    assert "往月未销号事项" not in client.get(f"/screening/{ids[0]}").get_data(as_text=True)


def test_key_persons_are_seen_only_by_the_county_and_the_secretariat(app, login_as):
    with app.test_request_context():
        report = _report("mangshi")
        clerk = user_named("liaison.mangshi")
        with pytest.raises(ServiceError, match="身份证号应为 18 位"):
            services.add_key_person(clerk, report, "王某", "12345", "多次越级访")
        with pytest.raises(ServiceError, match="请填写列管原因"):
            services.add_key_person(clerk, report, "王某", "", "")
        person = services.add_key_person(clerk, report, "王某", "533103198001011234",
                                         "多次越级访", "包村干部每周走访")
        ids = report.id, person.id
    db.session.commit()
    assert "533103198001011234" not in str(db.session.scalars(
        select(AuditEvent.after).where(AuditEvent.action.like("screening.key_person%"))).all())
    county = login_as("liaison.mangshi")
    page = county.get(f"/screening/{ids[0]}").get_data(as_text=True)
    assert "王某" in page and "5331**********1234" in page and "533103198001011234" not in page
    shown = county.post(f"/screening/key-persons/{ids[1]}/reveal",
                        data={"report_id": str(ids[0])}).get_data(as_text=True)
    assert "533103198001011234" in shown
    reveals = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "screening.key_person_revealed",
        AuditEvent.object_id == str(ids[1])))
    assert reveals == 1
    for username, sees in (("secretariat", True), ("leader.mangshi", True), ("auditor", False),
                           ("liaison.xinfang", False)):
        client = app.test_client()
        login(client, username)
        page = client.get(f"/screening/{ids[0]}")
        assert page.status_code == 200, username  # the ledger itself is visible to all four
        assert ("王某" in page.get_data(as_text=True)) is sees, username
        resp = client.post(f"/screening/key-persons/{ids[1]}/reveal",
                           data={"report_id": str(ids[0])})
        assert resp.status_code == (200 if sees else 404), username
    # Another county sees neither the ledger nor the person.
    other = app.test_client()
    login(other, "liaison.ruili")
    assert other.get(f"/screening/{ids[0]}").status_code == 404
    assert other.post(f"/screening/key-persons/{ids[1]}/reveal").status_code == 404
    township = app.test_client()
    login(township, "township.xishan")
    assert township.get(f"/screening/{ids[0]}").status_code == 404


def test_the_county_answers_the_notice_and_the_secretariat_closes_it(app, login_as):
    with app.test_request_context():
        report = _report("longchuan")
        for offset in (-3, 0, 1, 7):
            sweep.run(today=date(2026, 10, 13) + timedelta(days=offset))
        notice = db.session.scalar(select(InspectionNotice).where(
            InspectionNotice.item_type == chase.ITEM,
            InspectionNotice.item_id == report.deadline_id))
        ids = report.id, notice.id
    db.session.commit()
    county = login_as("liaison.longchuan")
    assert "督查通知" in county.get(f"/screening/{ids[0]}").get_data(as_text=True)
    resp = county.post(f"/screening/notices/{ids[1]}/answer",
                       data={"response": "因人员调整延误，已于本周报送", "report_id": str(ids[0])})
    assert resp.headers["Location"].endswith(f"/screening/{ids[0]}")
    assert db.session.get(InspectionNotice, ids[1]).responded_at is not None
    other = app.test_client()
    login(other, "liaison.ruili")
    assert other.post(f"/screening/notices/{ids[1]}/answer",
                      data={"response": "x"}).status_code == 404
    secretariat = app.test_client()
    login(secretariat, "secretariat")
    assert "因人员调整延误" in secretariat.get("/screening?month=2026-10").get_data(as_text=True)
    secretariat.post(f"/screening/notices/{ids[1]}/close")
    assert db.session.get(InspectionNotice, ids[1]).closed_at is not None


def test_the_periodic_process_opens_the_month(ctx):
    from jobs import cron
    from jobs.screening import open_month

    now = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    month = services.month_start(local_today())
    assert cron.screening_month_due(now) == "2026-11"
    assert open_month() == 5
    assert open_month() == 0  # safe to run twice
    assert services.missing_counties(month) == []
    assert any(p.name == "screening-month" for p in cron.periodic_jobs())


def test_a_county_starts_its_month_from_the_page(app, login_as):
    client = login_as("liaison.ruili")
    page = client.get("/screening").get_data(as_text=True)
    assert "开始填报" in page
    resp = client.post("/screening/open", data={"month": local_today().strftime("%Y-%m")})
    assert resp.status_code == 302 and "/screening/" in resp.headers["Location"]
    future = (services.month_start(local_today()) + timedelta(days=40)).strftime("%Y-%m")
    resp = client.post("/screening/open", data={"month": future}, follow_redirects=True)
    assert "不能填报以后月份的排查清单" in resp.get_data(as_text=True)
