"""The chase ladder, day by day (time travel by giving each sweep its date)."""

from datetime import date, timedelta

from sqlalchemy import func, select

from hub.baoan import services as baoan
from hub.chase import sweep
from hub.chase.ladder import Step, next_step
from hub.chase.models import ChaseStep, CircularEntry, InspectionNotice
from hub.deadlines.services import local_today
from hub.extensions import db
from hub.notifications.models import Notification
from tests.cases.factories import in_hand
from tests.conftest import user_named

LADDER = [Step("remind_before", -3, "remind"), Step("remind_due", 0, "remind"),
          Step("yellow", 1, "warn"), Step("inspect", 7, "escalate"),
          Step("circulate", 15, "escalate")]


def _walk(due, days, skip=()):
    """Run the pure ladder each day (except ``skip``); return {day offset: step}."""
    taken, out = {}, {}
    for offset in days:
        if offset in skip:
            continue
        today = due + timedelta(days=offset)
        step = next_step(LADDER, due, today, taken, gap=3)
        if step:
            taken[step.name] = today
            out[offset] = step.name
    return out


def test_every_step_on_its_day():
    due = date(2026, 6, 1)
    assert _walk(due, range(-10, 30)) == {-3: "remind_before", 0: "remind_due", 1: "yellow",
                                          7: "inspect", 15: "circulate"}


def test_after_an_outage_the_ladder_resumes_with_a_reminder_and_waits_the_gap():
    due = date(2026, 6, 1)
    # Sweeps stopped for 10 days around the due date (from 5 days before to 4 after).
    got = _walk(due, range(-10, 30), skip=range(-5, 5))
    assert got == {5: "remind_due", 6: "yellow", 9: "inspect", 15: "circulate"}


def test_escalation_waits_for_the_gap_after_the_previous_step():
    due = date(2026, 6, 1)
    taken = {"remind_before": due - timedelta(days=3), "remind_due": due,
             "yellow": due + timedelta(days=6)}
    assert next_step(LADDER, due, due + timedelta(days=8), taken, gap=3) is None
    assert next_step(LADDER, due, due + timedelta(days=9), taken, gap=3).name == "inspect"


def _overdue_baoan():
    case = in_hand()
    a = baoan.assign(user_named("secretariat"), case, user_named("leader.prefecture"),
                     local_today() + timedelta(days=90))
    # Keep one duty only, to follow one ladder.
    duty = next(d for d in a.duties if d.template_code == "meet")
    for other in a.duties:
        if other is not duty:
            other.status = "waived"
    db.session.flush()
    return duty


def test_ninety_day_baoan_through_the_database_each_step_once(ctx):
    duty = _overdue_baoan()
    due = duty.due_on
    seen = {}
    for offset in range(-10, 20):
        day = due + timedelta(days=offset)
        done = sweep.run(today=day)
        again = sweep.run(today=day)  # a second sweep the same day takes nothing
        assert not again or set(again) <= {"next_occurrence"}
        for name, n in done.items():
            assert n == 1
            seen.setdefault(name, []).append(offset)
    assert seen == {"remind_before": [-3], "remind_due": [0], "yellow": [1], "inspect": [7],
                    "circulate": [15]}
    steps = db.session.scalars(select(ChaseStep.step).where(ChaseStep.item_id == duty.id)).all()
    assert sorted(steps) == sorted(["remind_before", "remind_due", "yellow", "inspect",
                                    "circulate"])
    notice = db.session.scalar(select(InspectionNotice).where(InspectionNotice.item_id == duty.id))
    assert notice.leader_id == user_named("leader.prefecture").id
    assert notice.response_due_on > notice.issued_on
    entry = db.session.scalar(select(CircularEntry).where(CircularEntry.case_id == notice.case_id))
    assert entry.days_overdue == 15
    leader_inbox = db.session.scalars(select(Notification.kind).where(
        Notification.user_id == user_named("leader.prefecture").id)).all()
    assert leader_inbox.count("baoan.remind") == 2
    sec_inbox = db.session.scalars(select(Notification.kind).where(
        Notification.user_id == user_named("secretariat").id)).all()
    assert sec_inbox.count("baoan.yellow") == 1 and sec_inbox.count("baoan.inspect") == 1


def test_a_done_duty_is_not_chased(ctx):
    duty = _overdue_baoan()
    baoan.complete(user_named("leader.prefecture"), duty, "已约访", local_today())
    assert not sweep.run(today=duty.due_on + timedelta(days=20))


def test_cli_chase_twice_sends_nothing_the_second_time(app):
    with app.test_request_context():
        duty = _overdue_baoan()
        duty.due_on = local_today()  # due today: a reminder now
    db.session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["hub", "chase"]).output
    second = runner.invoke(args=["hub", "chase"]).output
    assert "remind_due 1" in first
    assert second.strip() == "chase: nothing due"


def test_notice_answer_close_and_the_circular_with_xlsx(app, login_as):
    import io

    from openpyxl import load_workbook

    from tests.conftest import login

    with app.test_request_context():
        duty = _overdue_baoan()
        for offset in (-3, 0, 1, 7, 15):
            sweep.run(today=duty.due_on + timedelta(days=offset))
        month = (duty.due_on + timedelta(days=15)).strftime("%Y-%m")
        notice = db.session.scalar(select(InspectionNotice).where(InspectionNotice.item_id == duty.id))
    db.session.commit()
    leader = app.test_client()
    login(leader, "leader.prefecture")
    assert f'data-testid="notice-{notice.id}"' in leader.get("/baoan/mine").get_data(as_text=True)
    sec = login_as("secretariat")
    early = sec.post(f"/baoan/notices/{notice.id}/close", follow_redirects=True)
    assert "尚未收到书面说明" in early.get_data(as_text=True)
    leader.post(f"/baoan/notices/{notice.id}/answer", data={"response": "已于本周约访信访人"})
    sec.post(f"/baoan/notices/{notice.id}/close")
    db.session.refresh(notice)
    assert notice.response == "已于本周约访信访人" and notice.closed_at is not None
    page = sec.get(f"/baoan/circulars?month={month}").get_data(as_text=True)
    assert duty.assignment.case.number in page
    resp = sec.get(f"/baoan/circulars.xlsx?month={month}")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(resp.data)).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert duty.assignment.case.number in values and 15 in values
    # A liaison of another agency sees no such case: its circular stays empty for them.
    other = app.test_client()
    login(other, "liaison.zhengfa")
    assert other.get(f"/baoan/circulars?month={month}").status_code == 403


def test_cases_statutory_steps_are_chased(ctx):
    from hub.cases import lifecycle, steps
    from tests.cases.factories import forwarded

    case = forwarded(lead="dh.jw", assist=())  # the 15-day acceptance clock runs
    deadline = steps.current_deadline(case)
    due = deadline.due_on
    jiwei = user_named("liaison.jiwei")
    assert sweep.run(today=due - timedelta(days=3))["remind_before"] >= 1
    note = db.session.scalar(select(Notification).where(
        Notification.user_id == jiwei.id, Notification.kind == "case.remind"))
    assert case.number in note.title
    assert sweep.run(today=due)["remind_due"] >= 1
    assert sweep.run(today=due + timedelta(days=1))["yellow"] >= 1
    sec_note = db.session.scalar(select(Notification).where(
        Notification.user_id == user_named("secretariat").id, Notification.kind == "case.yellow"))
    assert case.number in sec_note.title
    # Once accepted, the acceptance clock is done and no longer chased.
    lifecycle.accept(jiwei, case)
    taken = db.session.scalar(select(func.count()).select_from(ChaseStep).where(
        ChaseStep.item_type == "case_deadline", ChaseStep.item_id == deadline.id))
    sweep.run(today=due + timedelta(days=20))
    assert db.session.scalar(select(func.count()).select_from(ChaseStep).where(
        ChaseStep.item_type == "case_deadline", ChaseStep.item_id == deadline.id)) == taken


def test_the_database_picks_exactly_the_items_the_ladder_would_chase(ctx):
    """The sweep asks SQL which items' next step has come; over many random histories
    (steps taken by the ladder itself on random sweep days) SQL and ``next_step`` agree."""
    import random

    from sqlalchemy import insert

    from hub.baoan.models import Duty

    rng = random.Random(20261128)  # noqa: S311 (reproducible test data, not secrets)
    assignment = _overdue_baoan().assignment
    today = local_today()
    steps = sweep.ladder()
    expected, rows = set(), []
    for k in range(300):
        due = today + timedelta(days=rng.randint(-25, 6))
        taken = {}
        for offset in sorted(rng.sample(range(-10, 26), rng.randint(0, 12))):
            day = due + timedelta(days=offset)
            if day >= today:
                break
            step = next_step(steps, due, day, taken, gap=3)
            if step:
                taken[step.name] = day
        duty = Duty(assignment_id=assignment.id, template_code=f"prop{k}", element="results",
                    label="性质测试", occurrence=1, start_on=due - timedelta(days=30),
                    due_on=due, status="open")
        db.session.add(duty)
        db.session.flush()
        rows += [{"item_type": sweep.ITEM, "item_id": duty.id, "occurrence": 1, "step": name,
                  "position": [s.name for s in steps].index(name), "taken_on": on}
                 for name, on in taken.items()]
        if next_step(steps, due, today, taken, gap=3):
            expected.add(duty.id)
    if rows:
        db.session.execute(insert(ChaseStep), rows)
    policy = sweep.POLICIES[0]
    picked = set(db.session.scalars(
        select(Duty.id).where(Duty.template_code.like("prop%"),
                              sweep.next_step_due(policy, steps, today, gap=3))))
    assert 50 < len(expected) < 250  # the histories cover both answers
    assert picked == expected
