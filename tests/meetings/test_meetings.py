"""Meetings through the services and pages: the states, bad input, answers and delegates,
reminders once per start time (also after a move), tasks chased, minutes with revisions."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from hub.chase import sweep
from hub.chase.models import ChaseStep
from hub.core.errors import ServiceError
from hub.deadlines.services import local_today, local_zone
from hub.extensions import db
from hub.meetings import services
from hub.meetings.models import State
from hub.notifications.models import Notification
from tests.cases.factories import registered
from tests.conftest import agency_coded, user_named
from tests.meetings.factories import plan as _plan


def _scheduled(**kw):
    meeting = services.create(user_named("secretariat"), _plan(**kw))
    services.schedule(user_named("secretariat"), meeting)
    return meeting


def _inbox(username, kind):
    return db.session.scalars(select(Notification.title).where(
        Notification.user_id == user_named(username).id, Notification.kind == kind)).all()


def test_draft_sends_nothing_scheduling_invites_and_cancelling_tells_everyone(ctx):
    meeting = services.create(user_named("secretariat"), _plan())
    assert meeting.state == State.DRAFT.value and not _inbox("liaison.zhengfa", "meeting.invited")
    services.schedule(user_named("secretariat"), meeting)
    assert meeting.state == State.SCHEDULED.value
    assert _inbox("liaison.zhengfa", "meeting.invited")
    with pytest.raises(ServiceError, match="取消原因"):
        services.cancel(user_named("secretariat"), meeting, "")
    services.cancel(user_named("secretariat"), meeting, "领导另有公务")
    assert meeting.state == State.CANCELLED.value and meeting.sequence == 1
    assert any("领导另有公务" in t for t in _inbox("liaison.jiwei", "meeting.cancelled"))


def test_bad_plans_are_refused(ctx):
    sec = user_named("secretariat")
    with pytest.raises(ServiceError, match="结束时间必须晚于开始时间"):
        services.create(sec, _plan(hours=-1))
    with pytest.raises(ServiceError, match="不能早于现在"):
        services.create(sec, _plan(days=-2))
    with pytest.raises(ServiceError, match="不是参会单位的在职人员"):
        services.create(sec, _plan(agencies=("dh.jw",)))  # 政法委's liaison, 政法委 not invited
    with pytest.raises(ServiceError, match="只有联席办可以安排会议"):
        services.create(user_named("liaison.jiwei"), _plan())


def test_answers_and_a_delegate_of_the_same_agency(ctx):
    from hub.auth.roles import Role
    from hub.auth.services import create_user
    from tests.conftest import DEMO_PASSWORD

    meeting = _scheduled()
    zhengfa = user_named("liaison.zhengfa")
    colleague = create_user(user_named("admin"), username="zhengfa.deputy",
                            display_name="政法委 副科长", agency=agency_coded("dh.zfw"),
                            roles={Role.LIAISON}, password=DEMO_PASSWORD,
                            must_change_password=False)
    with pytest.raises(ServiceError, match="只能委派本单位"):
        services.answer(zhengfa, meeting, "delegate", user_named("liaison.jiwei"))
    with pytest.raises(ServiceError, match="不在本次会议的邀请名单"):
        services.answer(user_named("liaison.zuzhi"), meeting, "attend")
    services.answer(zhengfa, meeting, "delegate", colleague)
    invitee = next(i for i in meeting.invitees if i.user_id == zhengfa.id)
    assert invitee.attendee.id == colleague.id
    assert _inbox("zhengfa.deputy", "meeting.delegated")
    assert _inbox("secretariat", "meeting.answer")
    # The delegate now sees the meeting.
    assert db.session.scalar(services.visible(colleague, type(meeting)).where(
        type(meeting).id == meeting.id)) is not None


def test_conflicts_and_suggested_slots(ctx):
    first = _scheduled(days=5, hour=9)
    plan = _plan(days=5, hour=10, invitees=("liaison.zhengfa",))
    texts = [services.conflict_text(c, {user_named("liaison.zhengfa").id: "刘强"})
             for c in services.check(plan)]
    assert any("刘强 该时段已有会议" in t and first.title in t for t in texts)
    lunch = _plan(days=5, hour=12, hours=1, invitees=())
    assert any(c.kind == "outside_hours" for c in services.check(lunch))
    slots = services.suggest(plan)
    assert slots and all(not services.check(services.Plan(
        plan.kind, plan.title, a, b, "", plan.agency_ids, plan.invitee_ids, []))
        for a, b in slots)


def test_reminders_once_per_start_time_even_after_a_move(ctx):
    meeting = _scheduled(days=1, hour=15)
    start = meeting.starts_at.astimezone(UTC)
    day_before = start - timedelta(hours=23)
    assert sweep.run(now=day_before)["remind_24h"] == 1
    assert not sweep.run(now=day_before + timedelta(minutes=5)).get("remind_24h")
    # Moved two days later: reminders for the new time only, once each.
    plan = _plan(days=3, hour=15)
    services.update(user_named("secretariat"), meeting, plan)
    assert meeting.sequence == 1 and meeting.time_version == 2
    assert not sweep.run(now=day_before + timedelta(minutes=10)).get("remind_24h")
    new_start = meeting.starts_at.astimezone(UTC)
    assert sweep.run(now=new_start - timedelta(hours=20))["remind_24h"] == 1
    assert sweep.run(now=new_start - timedelta(minutes=50))["remind_1h"] == 1
    assert not sweep.run(now=new_start - timedelta(minutes=45))
    titles = _inbox("liaison.jiwei", "meeting.reminder")
    assert len(titles) == 3 and sum("1 小时后开始" in t for t in titles) == 1


def test_a_late_sweep_sends_only_the_reminder_due_now(ctx):
    meeting = _scheduled(days=1, hour=15)
    start = meeting.starts_at.astimezone(UTC)
    done = sweep.run(now=start - timedelta(minutes=30))  # the 24-hour one was missed
    assert dict(done) == {"remind_1h": 1}
    assert db.session.scalar(select(func.count()).select_from(ChaseStep).where(
        ChaseStep.item_type == sweep.REMINDER_ITEM)) == 1


def test_running_the_meeting_tasks_are_chased_and_minutes_keep_revisions(ctx):
    sec = user_named("secretariat")
    case = registered()
    meeting = _scheduled()
    item = services.add_item(sec, meeting, case=case)
    with pytest.raises(ServiceError, match="已在议程中"):
        services.add_item(sec, meeting, case=case)
    free = services.add_item(sec, meeting, "其他事项")
    services.move_item(sec, meeting, free.id, -1)
    assert [i.id for i in sorted(meeting.items, key=lambda i: i.position)] == [free.id, item.id]
    services.start(sec, meeting)
    services.record_attendance(sec, meeting, {user_named("liaison.zhengfa").id})
    with pytest.raises(ServiceError, match="责任人"):
        services.add_outcome(sec, item, "task", "导入诉讼程序")
    with pytest.raises(ServiceError, match="完成期限"):
        services.add_outcome(sec, item, "task", "导入诉讼程序", owner=user_named("liaison.zhengfa"))
    services.add_outcome(sec, item, "decision", "依法分类处理")
    services.add_outcome(sec, item, "task", "导入诉讼程序", owner=user_named("liaison.zhengfa"),
                         due_on=local_today() + timedelta(days=10))
    task = meeting.tasks[0]
    assert task.case_id == case.id and _inbox("liaison.zhengfa", "meeting.task")
    assert services.open_tasks_of(user_named("liaison.zhengfa")) == [task]
    assert services.tasks_for_case(user_named("secretariat"), case) == [task]
    # Chased like a 包案 duty.
    assert sweep.run(today=task.due_on)["remind_due"] >= 1
    assert sweep.run(today=task.due_on + timedelta(days=1))["yellow"] >= 1
    services.finish(sec, meeting)
    services.save_minutes(sec, meeting, "一、会议听取了情况汇报。")
    services.save_minutes(sec, meeting, "一、会议听取了情况汇报。\n二、议定依法分类处理。")
    assert [r.number for r in meeting.revisions] == [1, 2]
    services.approve_minutes(sec, meeting)
    assert meeting.state == State.APPROVED.value
    assert _inbox("liaison.zhengfa", "meeting.minutes")
    with pytest.raises(ServiceError, match="纪要已批准，不能修改"):
        services.save_minutes(sec, meeting, "改动")
    services.reopen_minutes(sec, meeting)
    services.save_minutes(sec, meeting, "改动后的纪要")
    assert meeting.revisions[-1].number == 3
    services.complete_task(user_named("liaison.zhengfa"), task, "已引导当事人起诉")
    assert task.status == "done"
    assert not sweep.run(today=task.due_on + timedelta(days=8)).get("inspect")


def test_series_monthly_each_occurrence_on_its_own(ctx):
    meetings = services.create_series(user_named("secretariat"), _plan(kind="joint"), "monthly", 3)
    assert len({m.series_id for m in meetings}) == 1 and len(meetings) == 3
    months = [m.starts_at.astimezone(local_zone()).month for m in meetings]
    assert len(set(months)) == 3
    services.cancel(user_named("secretariat"), meetings[1], "与专项会议合并")
    assert [m.state for m in meetings] == ["draft", "cancelled", "draft"]


# --- pages -------------------------------------------------------------------------------

def test_the_pages_and_the_ics(app, login_as):
    from icalendar import Calendar

    from tests.conftest import login

    with app.test_request_context():
        meeting = _scheduled()
    db.session.commit()
    sec = login_as("secretariat")
    assert f'data-testid="cal-meeting-{meeting.id}"' in sec.get(
        f"/meetings/calendar?day={meeting.starts_at.astimezone(local_zone()).date()}").get_data(
        as_text=True)
    zhengfa = app.test_client()
    login(zhengfa, "liaison.zhengfa")
    assert f'data-testid="meeting-{meeting.id}"' in zhengfa.get("/meetings").get_data(as_text=True)
    resp = zhengfa.get(f"/meetings/{meeting.id}/invitation.ics")
    cal = Calendar.from_ical(resp.data)
    event = next(c for c in cal.walk("VEVENT"))
    assert str(cal["METHOD"]) == "REQUEST" and str(event["UID"]) == meeting.uid
    zhengfa.post(f"/meetings/{meeting.id}/answer", data={"answer": "attend"})
    page = sec.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "参加" in page
    outsider = app.test_client()
    login(outsider, "liaison.zuzhi")
    assert outsider.get(f"/meetings/{meeting.id}").status_code == 404
    bad = sec.post("/meetings/new", data={"kind": "consult", "title": "x",
                                          "starts_at": "2020-01-01T09:00",
                                          "ends_at": "2020-01-01T08:00"})
    assert bad.status_code == 422 and "结束时间必须晚于开始时间" in bad.get_data(as_text=True)


def test_a_task_shows_on_its_owners_workbench_and_on_the_case(app, login_as):
    with app.test_request_context():
        sec = user_named("secretariat")
        case = registered()
        meeting = _scheduled()
        item = services.add_item(sec, meeting, case=case)
        services.start(sec, meeting)
        services.add_outcome(sec, item, "task", "约谈信访人并答复", owner=user_named("liaison.zhengfa"),
                             due_on=local_today() + timedelta(days=7))
        task = meeting.tasks[0]
    db.session.commit()
    zhengfa = login_as("liaison.zhengfa")
    home = zhengfa.get("/").get_data(as_text=True)
    assert 'data-testid="home-tasks"' in home and "约谈信访人并答复" in home
    zhengfa.post(f"/meetings/tasks/{task.id}/done", data={"result": "已约谈并书面答复"})
    from tests.conftest import login

    secretary = app.test_client()
    login(secretary, "secretariat")
    page = secretary.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'data-testid="case-meeting-tasks"' in page and "已完成：已约谈并书面答复" in page


def test_demo_calendar_has_every_kind_past_and_upcoming_and_approved_minutes(app, login_as):
    from hub.cases.demo import load_demo_cases
    from hub.meetings.demo import load_demo_meetings
    from hub.meetings.models import Meeting

    with app.test_request_context():
        load_demo_cases(count=40)
        assert load_demo_meetings() > 0
        assert load_demo_meetings() == 0
        meetings = db.session.scalars(select(Meeting)).all()
        now = datetime.now(UTC)
        assert {m.kind for m in meetings if m.starts_at < now} >= {"consult", "joint"}
        assert {m.kind for m in meetings if m.starts_at > now} == {"consult", "joint", "visit"}
        approved = [m for m in meetings if m.state == State.APPROVED.value]
        assert approved and any(t.status == "open" for t in approved[0].tasks)
    db.session.commit()
    sec = login_as("secretariat")
    month = sec.get("/meetings/calendar?view=month").get_data(as_text=True)
    assert month.count('data-testid="cal-meeting-') >= 3
