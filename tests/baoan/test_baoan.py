"""领导包案: assignment, the 五包 duties, recording, waiving, 化解 and 销号, and the pages."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from hub.audit.models import AuditEvent
from hub.baoan import services
from hub.baoan.models import Duty
from hub.core.errors import ServiceError
from hub.deadlines.services import local_today
from hub.extensions import db
from tests.cases.factories import in_hand
from tests.conftest import login, user_named


def _assign(case=None, leader="leader.prefecture", days=90):
    case = case or in_hand()
    return services.assign(user_named("secretariat"), case, user_named(leader),
                           local_today() + timedelta(days=days))


def _duty(assignment, code, occurrence=1):
    return next(d for d in assignment.duties
                if d.template_code == code and d.occurrence == occurrence)


def test_assignment_generates_the_five_duties(ctx):
    a = _assign()
    db.session.refresh(a)
    codes = [d.template_code for d in a.duties]
    assert sorted(codes) == sorted(["plan", "meet", "resolve", "assist", "screening",
                                    "progress", "verify"])
    elements = {d.element for d in a.duties}
    assert elements == {"responsibility", "resolution", "assistance", "screening", "results"}
    plan = _duty(a, "plan")
    assert plan.due_on >= local_today() + timedelta(days=7)  # 7 days, moved off a holiday
    assert _duty(a, "verify").due_on == a.target_on
    last = db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.seq.desc()).limit(1))
    assert last == "baoan.assigned"


def test_assignment_rules(ctx):
    case = in_hand()
    _assign(case)
    with pytest.raises(ServiceError, match="同一级别只能有一位"):
        services.assign(user_named("secretariat"), case, user_named("leader.prefecture"),
                        local_today() + timedelta(days=30))
    # Another rank is fine: 县处级 beside 厅级.
    _assign(case, leader="leader.mangshi")
    with pytest.raises(ServiceError, match="只有联席办"):
        services.assign(user_named("liaison.xinfang"), in_hand(), user_named("leader.mangshi"),
                        local_today() + timedelta(days=30))
    with pytest.raises(ServiceError, match="包案领导"):
        services.assign(user_named("secretariat"), in_hand(), user_named("auditor"),
                        local_today() + timedelta(days=30))
    with pytest.raises(ServiceError, match="须晚于今天"):
        _assign(in_hand(), days=0)


def test_no_baoan_on_a_closed_case(ctx):
    from hub.cases import lifecycle

    case = in_hand()
    sec = user_named("secretariat")
    lifecycle.reply(sec, case, "答复")
    lifecycle.close(sec, case)
    with pytest.raises(ServiceError, match="已办结"):
        _assign(case)


def test_recording_a_duty_with_evidence(ctx):
    a = _assign()
    meet = _duty(a, "meet")
    leader = user_named("leader.prefecture")
    with pytest.raises(ServiceError, match="不能晚于今天"):
        services.complete(leader, meet, "约访", local_today() + timedelta(days=1))
    with pytest.raises(ServiceError, match="请填写完成情况"):
        services.complete(leader, meet, " ", local_today())
    with pytest.raises(ServiceError, match="只能记录本人"):
        services.complete(user_named("leader.mangshi"), meet, "代记", local_today())
    services.complete(leader, meet, "在芒市信访接待中心约访信访人", local_today())
    assert meet.status == "done" and meet.done_by_id == leader.id
    with pytest.raises(ServiceError, match="不能重复记录"):
        services.complete(leader, meet, "再次", local_today())


def test_recurring_duty_creates_its_next_occurrence_once(ctx):
    a = _assign()
    progress = _duty(a, "progress")
    services.complete(user_named("leader.prefecture"), progress, "第一次进展报告", local_today())
    db.session.refresh(a)
    nxt = _duty(a, "progress", 2)
    assert nxt.status == "open" and nxt.due_on >= progress.due_on + timedelta(days=15)
    assert len([d for d in a.duties if d.template_code == "progress"]) == 2


def test_waiver_needs_the_secretariat_and_a_reason(ctx):
    a = _assign()
    assist = _duty(a, "assist")
    with pytest.raises(ServiceError, match="只有联席办"):
        services.waive(user_named("leader.prefecture"), assist, "不需要")
    with pytest.raises(ServiceError, match="须说明理由"):
        services.waive(user_named("secretariat"), assist, "")
    services.waive(user_named("secretariat"), assist, "信访人生活无困难，无需帮扶")
    assert assist.status == "waived"


def test_resolution_then_closing_closes_the_remaining_duties(ctx):
    a = _assign()
    with pytest.raises(ServiceError, match="尚未报告化解"):
        services.close(user_named("secretariat"), a)
    with pytest.raises(ServiceError, match="只有包案领导本人"):
        services.report_resolved(user_named("secretariat"), a, "已化解")
    services.report_resolved(user_named("leader.prefecture"), a, "补偿款已发放，信访人签字息诉")
    services.close(user_named("secretariat"), a)
    assert not a.active and all(d.status in ("closed", "done", "waived") for d in a.duties)


def test_leader_page_secretariat_page_and_board_card(app, login_as):
    with app.test_request_context():
        a = _assign(in_hand(lead="dh.jw", assist=()))
        # One overdue duty, one nearly due, the rest on time: all three colours.
        plan, meet = _duty(a, "plan"), _duty(a, "meet")
        plan.start_on, plan.due_on = local_today() - timedelta(days=10), local_today() - timedelta(days=3)
        meet.start_on, meet.due_on = local_today() - timedelta(days=25), local_today() + timedelta(days=2)
        case_number = a.case.number
    db.session.commit()
    leader = app.test_client()
    login(leader, "leader.prefecture")
    page = leader.get("/baoan/mine").get_data(as_text=True)
    assert case_number in page
    for colour in ("colour-red", "colour-yellow", "colour-green"):
        assert colour in page
    resp = leader.post(f"/baoan/duties/{meet.id}/done", data={
        "evidence": "下访到户", "done_on": local_today().isoformat()})
    assert resp.status_code == 302
    db.session.refresh(meet)
    assert meet.status == "done"
    sec = login_as("secretariat")
    overview = sec.get("/baoan").get_data(as_text=True)
    assert "厅级领导包案 1 件，已化解 0 件" in overview
    assert case_number in sec.get("/baoan?colour=red").get_data(as_text=True)
    assert case_number not in sec.get("/baoan?rank=xiangke").get_data(as_text=True)
    board = sec.get(f"/boards/all?q={case_number}").get_data(as_text=True)
    assert "包案：州领导 孙建国" in board


def test_a_leader_cannot_record_someone_elses_duty_over_http(app):
    with app.test_request_context():
        hidden = _assign(in_hand(lead="dh.jw", assist=()))
        seen = _assign(in_hand(lead="mangshi.xfj", assist=()))
    db.session.commit()
    other = app.test_client()
    login(other, "leader.mangshi")
    data = {"evidence": "x", "done_on": local_today().isoformat()}
    # Not their 包案 and not their agency's case: it does not exist for them.
    duty = _duty(hidden, "plan")
    assert other.post(f"/baoan/duties/{duty.id}/done", data=data).status_code == 404
    # Their agency's case but another leader's 包案: refused with the reason.
    duty2 = _duty(seen, "plan")
    page = other.post(f"/baoan/duties/{duty2.id}/done", data=data, follow_redirects=True)
    assert "只能记录本人包案的职责" in page.get_data(as_text=True)
    assert db.session.get(Duty, duty.id).status == "open"
    assert db.session.get(Duty, duty2.id).status == "open"


def test_demo_baoan_shows_every_colour_for_the_prefecture_leader(ctx):
    from hub.baoan.demo import load_demo_baoan
    from hub.baoan.models import Assignment
    from hub.cases.demo import load_demo_cases

    load_demo_cases(count=60)
    assert load_demo_baoan() >= 4
    leader = user_named("leader.prefecture")
    duties = db.session.scalars(select(Duty).join(Assignment).where(
        Assignment.leader_id == leader.id, Duty.status == "open")).all()
    colours = {services.duty_colour(d).value for d in duties}
    assert {"red", "yellow", "green"} <= colours
    from hub.chase.models import CircularEntry, InspectionNotice
    from hub.notifications.models import Notification

    assert db.session.scalar(select(InspectionNotice.id).limit(1)) is not None
    assert db.session.scalar(select(CircularEntry.id).limit(1)) is not None
    assert db.session.scalar(select(Notification.id).where(
        Notification.user_id == leader.id, Notification.kind == "baoan.remind").limit(1))
    assert load_demo_baoan() == 0


def test_admin_edits_the_template_and_new_baoan_follow_it(login_as):
    from hub.baoan.models import DutyTemplate

    admin = login_as("admin")
    plan = db.session.scalar(select(DutyTemplate).where(DutyTemplate.code == "plan"))
    bad = admin.post(f"/admin/duty-templates/{plan.id}", data={
        "label": "阅卷", "offset_days": "abc", "recurrence_days": "", "active": "on"},
        follow_redirects=True)
    assert "请填写整数天数" in bad.get_data(as_text=True)
    ok = admin.post(f"/admin/duty-templates/{plan.id}", data={
        "label": "阅卷并审定化解方案", "offset_days": "10", "recurrence_days": "", "active": "on"})
    assert ok.status_code == 302
    screening = db.session.scalar(select(DutyTemplate).where(DutyTemplate.code == "screening"))
    admin.post(f"/admin/duty-templates/{screening.id}", data={
        "label": screening.label, "offset_days": "30", "recurrence_days": "30"})  # inactive now
    db.session.refresh(plan)
    db.session.refresh(screening)
    assert plan.offset_days == 10 and not screening.active
    a = _assign()
    db.session.refresh(a)
    codes = {d.template_code for d in a.duties}
    assert "screening" not in codes
    assert _duty(a, "plan").due_on >= local_today() + timedelta(days=10)
