"""Browser: the secretariat schedules a 联合会商研判 with two 待会商 cases on the agenda,
政法委's liaison accepts, the meeting is held, and the task it sets shows up for its owner."""

import re
from datetime import datetime, time, timedelta

import pytest
from playwright.sync_api import expect

from hub.cases import lifecycle
from hub.deadlines.calendar import current_calendar
from hub.deadlines.services import local_today, local_zone
from hub.extensions import db
from hub.meetings import services
from tests.browser.conftest import login, serve
from tests.cases.factories import registered
from tests.conftest import user_named

pytestmark = pytest.mark.browser

TITLE = "两起涉法涉诉信访事项联合会商"
TASK = "引导两案信访人依法申请再审并跟踪答复"
CASE_TITLES = ("盈江县某村宅基地纠纷多次进京访", "陇川县某企业拖欠工程款集体访")


def _slot(day):
    start = datetime.combine(day, time(9), tzinfo=local_zone())
    return start, start + timedelta(hours=2)


@pytest.fixture
def meeting_server(make_app):
    """A live server whose database holds two cases the secretariat marked 待会商; yields
    the base URL, the agenda options of the two cases, and the meeting day."""
    app = make_app()
    with app.app_context(), app.test_request_context():
        secretariat = user_named("secretariat")
        options = []
        for title in CASE_TITLES:
            case = registered(title=title)
            lifecycle.set_to_discuss(secretariat, case, True)
            options.append(f"{case.number} {case.title}")
        # A working day at least two days ahead (weekends and holidays skipped) on which
        # 刘强 has no other meeting at 09:00–11:00, so the time check finds no conflict.
        zhengfa = user_named("liaison.zhengfa").id
        day = local_today() + timedelta(days=2)
        while not current_calendar().is_working(day) or services.busy_for(
                [zhengfa], *_slot(day)):
            day += timedelta(days=1)
        db.session.commit()
        db.session.remove()
    for base in serve(app):
        yield base, options, day


def _logout(page):
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url("**/login")


def _open_meetings(page):
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="会议", exact=True).click()
    expect(page.get_by_role("heading", name="我的会议", level=1)).to_be_visible()


def test_consultation_scheduled_held_and_task_reaches_its_owner(meeting_server, page):
    base, options, day = meeting_server
    flashes = page.get_by_role("status")
    state = page.get_by_test_id("meeting-state")
    heading = f"联合会商研判：{TITLE}"
    due = (local_today() + timedelta(days=7)).isoformat()

    # 1. The secretariat drafts the meeting, checks the time, saves the draft.
    login(page, base, "secretariat")
    _open_meetings(page)
    page.get_by_role("link", name="安排会议").click()
    page.wait_for_url("**/meetings/new")
    expect(page.get_by_role("heading", name="安排会议")).to_be_visible()
    page.get_by_label("会议类型").select_option(label="联合会商研判")
    page.get_by_label("会议名称").fill(TITLE)
    page.get_by_label("开始时间").fill(f"{day.isoformat()}T09:00")
    page.get_by_label("结束时间").fill(f"{day.isoformat()}T11:00")
    page.get_by_label(re.compile("^地点")).fill("州信访局三楼会议室")
    invitees = page.get_by_test_id("invitees")
    invitees.get_by_label("中共德宏州委政法委员会", exact=True).check()
    invitees.get_by_label("德宏州信访局", exact=True).check()
    invitees.get_by_label("政法委联络员 刘强", exact=True).check()
    page.get_by_role("button", name="检查冲突并建议时间").click()
    conflicts = page.get_by_test_id("conflicts")
    expect(conflicts.get_by_role("heading", name="时间检查")).to_be_visible()
    expect(conflicts).to_contain_text("没有冲突")
    # The check keeps what was entered.
    expect(page.get_by_label("会议名称")).to_have_value(TITLE)
    expect(page.get_by_label("开始时间")).to_have_value(f"{day.isoformat()}T09:00")
    expect(invitees.get_by_label("政法委联络员 刘强", exact=True)).to_be_checked()
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_url(re.compile(r".*/meetings/\d+$"))
    meeting_id = page.url.rsplit("/", 1)[1]
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(state).to_contain_text(f"{day.isoformat()} 09:00–11:00 · 州信访局三楼会议室 · 草稿")

    # Both 待会商 cases go on the agenda, then the invitations go out.
    agenda = page.get_by_role("region", name="议程")
    for option in options:
        agenda.get_by_label("待会商事项").select_option(label=option)
        agenda.get_by_role("button", name="加入议程").click()
        expect(flashes).to_have_text("已加入议程")
    expect(page.get_by_test_id("agenda-item-1")).to_contain_text(options[0])
    expect(page.get_by_test_id("agenda-item-2")).to_contain_text(options[1])
    for option in options:  # no longer offered
        expect(agenda.get_by_label("待会商事项").locator("option", has_text=option)).to_have_count(0)
    page.get_by_role("button", name="发出会议通知").click()
    expect(flashes).to_have_text("会议通知已发出")
    expect(state).to_contain_text("已通知")
    expect(page.get_by_test_id("invitee-liaison.zhengfa").get_by_role("cell").nth(1)).to_have_text("未答复")
    _logout(page)

    # 2. 政法委's liaison finds the meeting and accepts.
    login(page, base, "liaison.zhengfa")
    _open_meetings(page)
    row = page.get_by_test_id(f"meeting-{meeting_id}")
    expect(row).to_contain_text(f"{day.isoformat()} 09:00")
    expect(row).to_contain_text("已通知")
    row.get_by_role("link", name=heading).click()
    page.wait_for_url(f"**/meetings/{meeting_id}")
    rsvp = page.get_by_role("region", name=re.compile("^我的答复"))
    expect(rsvp.get_by_role("heading")).to_have_text("我的答复：未答复")
    rsvp.get_by_role("group", name="是否参加").get_by_label("参加", exact=True).check()
    rsvp.get_by_role("button", name="提交答复").click()
    expect(flashes).to_have_text("已答复")
    expect(rsvp.get_by_role("heading")).to_have_text("我的答复：参加")
    expect(page.get_by_test_id("invitee-liaison.zhengfa").get_by_role("cell").nth(1)).to_have_text("参加")
    # Invitees see the steps but cannot run them.
    expect(page.get_by_role("button", name="开始会议")).to_have_count(0)
    _logout(page)

    # 3. The secretariat holds the meeting and sets a task on the first agenda item.
    login(page, base, "secretariat")
    page.goto(f"{base}/meetings/{meeting_id}")
    page.get_by_role("button", name="开始会议").click()
    expect(flashes).to_have_text("会议开始")
    expect(state).to_contain_text("进行中")
    item = page.get_by_test_id("agenda-item-1")
    item.get_by_label("结果类型").select_option(label="交办任务")
    item.get_by_label("内容").fill(TASK)
    item.get_by_label("责任人（交办任务）").select_option(label="政法委联络员 刘强")
    item.get_by_label("完成期限").fill(due)
    item.get_by_role("button", name="记录结果").click()
    expect(flashes).to_have_text("已记录")
    expect(item.get_by_role("listitem")).to_have_text(
        f"交办任务：{TASK}（中共德宏州委政法委员会 政法委联络员 刘强，{due} 前）")
    page.get_by_role("button", name="结束会议").click()
    expect(flashes).to_have_text("会议已结束")
    expect(state).to_contain_text("已召开")
    _logout(page)

    # 4. The task is on its owner's list and in the meeting's task table.
    login(page, base, "liaison.zhengfa")
    _open_meetings(page)
    mine = page.get_by_test_id("my-tasks")
    expect(page.get_by_role("heading", name="我的会议任务")).to_be_visible()
    expect(mine.get_by_role("listitem").filter(has_text=TASK)).to_have_text(f"{TASK} · 期限 {due}")
    mine.get_by_role("link", name=TASK).click()
    page.wait_for_url(f"**/meetings/{meeting_id}#tasks")
    tasks = page.get_by_role("region", name="会议任务")
    task_row = tasks.get_by_role("row").filter(has_text=TASK)
    expect(task_row.get_by_role("cell")).to_have_text([
        TASK, "中共德宏州委政法委员会 政法委联络员 刘强", due, re.compile("^办理中")])
    expect(task_row.get_by_role("button", name="办结")).to_be_visible()
