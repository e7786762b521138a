"""政策完善建议: drafting (from chosen cases and from a cluster), the lifecycle and each
refusal, the effect check on a hand-made data set, visibility, the meeting agenda and the
chase of the answer clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from hub.audit.models import AuditEvent
from hub.chase import sweep
from hub.chase.models import ChaseStep, InspectionNotice
from hub.core.errors import ServiceError
from hub.deadlines.services import local_today
from hub.extensions import db
from hub.notifications.models import Notification
from hub.proposals import services
from hub.proposals.chase import ITEM
from hub.proposals.models import PolicyProposal, Status
from hub.similar.models import ClusterRun, SimilarCluster, similar_cluster_cases
from tests.cases.factories import registered
from tests.conftest import agency_coded, login, user_named


def _data(cases, **overrides) -> services.ProposalData:
    fields = dict(title="关于征地补偿款兑付问题的政策完善建议", problem="多件信访反映补偿款未兑付",
                  suggestion="建立补偿款专户监管制度", addressee_id=agency_coded("mangshi.zrzyj").id,
                  counties=["mangshi"], categories=["land"], case_ids=[c.id for c in cases])
    fields.update(overrides)
    return services.ProposalData(**fields)


def _sec():
    return user_named("secretariat")


def _actions(proposal_id: int) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "policy_proposals", AuditEvent.object_id == str(proposal_id))
        .order_by(AuditEvent.seq)))


@pytest.fixture
def cases(ctx):
    return [registered(title=f"勐戛镇征地补偿款未兑付（{i}）") for i in range(3)]


@pytest.fixture
def cluster(ctx, cases):
    """A finished clustering run with one open cluster of the three cases."""
    today = local_today()
    run = ClusterRun(since=today.replace(day=1), until=today + timedelta(days=1), status="done",
                     cases=3, clusters=1, error="")
    db.session.add(run)
    db.session.flush()
    row = SimilarCluster(run_id=run.id, position=1, size=3, cohesion=0.6,
                         counties=[["mangshi", 3]], categories=[["land", 3]],
                         top_words=["勐戛镇征地补偿款", "未兑付"], status="open",
                         dismissed_reason="")
    db.session.add(row)
    db.session.flush()
    db.session.execute(similar_cluster_cases.insert(), [
        {"cluster_id": row.id, "case_id": c.id} for c in cases])
    return row


# --- drafting ----------------------------------------------------------------------------

def test_a_draft_from_a_cluster_takes_its_cases_and_marks_it_proposed(cluster, cases):
    data = services.from_cluster(_sec(), cluster)
    assert data.case_ids == [c.id for c in cases]
    assert data.counties == ["mangshi"] and data.categories == ["land"]
    assert "勐戛镇征地补偿款" in data.title
    data.addressee_id = agency_coded("mangshi.zrzyj").id
    data.suggestion = "建议"
    proposal = services.draft(_sec(), data, cluster)
    assert proposal.cluster_id == cluster.id and proposal.status == Status.DRAFT.value
    assert cluster.status == "proposed" and cluster.decided_by_id == _sec().id
    # A cluster already turned into a proposal is not drafted from again.
    with pytest.raises(ServiceError, match="已形成建议"):
        services.draft(_sec(), data, cluster)
    # Withdrawing the draft opens the cluster again.
    services.withdraw(_sec(), proposal, "重复起草")
    assert cluster.status == "open" and proposal.status == Status.WITHDRAWN.value


def test_drafting_refuses_bad_input_with_the_field(cases):
    sec = _sec()
    for overrides, field in (({"title": " "}, "title"), ({"problem": ""}, "problem"),
                             ({"suggestion": ""}, "suggestion"), ({"addressee_id": None},
                                                                  "addressee_id"),
                             ({"addressee_id": agency_coded("mangshi.xishan.yingjiang").id},
                              "addressee_id"),
                             ({"counties": ["atlantis"]}, "counties"),
                             ({"categories": ["nonsense"]}, "categories"),
                             ({"answer_days": 0}, "answer_days"),
                             ({"case_ids": []}, "case_numbers"),
                             ({"case_numbers": ["XF000000000"]}, "case_numbers")):
        with pytest.raises(ServiceError) as refused:
            services.draft(sec, _data(cases, **overrides))
        assert refused.value.field == field, overrides
    with pytest.raises(ServiceError, match="只有联席办"):
        services.draft(user_named("liaison.xinfang"), _data(cases))


def test_a_case_the_drafter_may_not_see_cannot_be_listed(cases):
    from hub.cases import intake
    from tests.cases.factories import intake_data

    # Registered by 芒市信访局 and restricted (a 纪委 clue): the secretariat takes no part.
    hidden = intake.register(user_named("liaison.mangshi"), intake_data())
    hidden.restricted = True
    db.session.flush()
    with pytest.raises(ServiceError, match="不存在或无权查看"):
        services.draft(_sec(), _data([*cases, hidden]))
    with pytest.raises(ServiceError, match=hidden.number):
        services.draft(_sec(), _data(cases, case_numbers=[hidden.number]))


# --- the lifecycle -----------------------------------------------------------------------

def test_the_whole_lifecycle_with_its_refusals(cases):
    sec, liaison = _sec(), user_named("liaison.ziranziyuan")
    proposal = services.draft(sec, _data(cases, addressee_id=agency_coded("dh.zrzyj").id,
                                         answer_days=10))
    with pytest.raises(ServiceError, match="不在待答复"):
        services.answer(liaison, proposal, True, "")
    services.update(sec, proposal, _data(cases, title="修改后的标题",
                                         addressee_id=agency_coded("dh.zrzyj").id))
    services.send(sec, proposal)
    assert proposal.answer_deadline.due_on == local_today() + timedelta(days=30)
    assert proposal.answer_deadline.kind == "proposal.answer"
    inbox = db.session.scalars(select(Notification.title).where(
        Notification.user_id == liaison.id, Notification.kind == "proposal.sent")).all()
    assert any("修改后的标题" in t for t in inbox)
    with pytest.raises(ServiceError, match="不能再修改"):
        services.update(sec, proposal, _data(cases))
    # Someone of another agency cannot answer; a rejection needs its reasons.
    with pytest.raises(ServiceError, match="主送单位的联络员"):
        services.answer(user_named("liaison.jiwei"), proposal, True, "")
    with pytest.raises(ServiceError, match="不采纳须写明理由"):
        services.answer(liaison, proposal, False, " ")
    with pytest.raises(ServiceError, match="采纳后才能登记"):
        services.add_measure(liaison, proposal, "措施", local_today())
    services.answer(liaison, proposal, True, "采纳")
    assert proposal.status == Status.ACCEPTED.value
    assert proposal.answer_deadline.done_at is not None
    assert proposal.measures_deadline.due_on == local_today() + timedelta(days=60)
    with pytest.raises(ServiceError, match="已答复的建议不能撤回"):
        services.withdraw(sec, proposal, "x")
    with pytest.raises(ServiceError, match="评估效果后才能办结"):
        services.close(sec, proposal)
    with pytest.raises(ServiceError, match="尚未登记采取的措施"):
        services.check_effect(sec, proposal, "结论")
    with pytest.raises(ServiceError, match="不能晚于今天"):
        services.add_measure(liaison, proposal, "措施", local_today() + timedelta(days=1))
    services.add_measure(liaison, proposal, "出台补偿款监管办法", local_today())
    assert proposal.measures_deadline.done_at is not None
    with pytest.raises(ServiceError, match="评估窗口"):
        services.check_effect(sec, proposal, "结论", 3)
    services.check_effect(sec, proposal, "成效明显")
    services.close(sec, proposal)
    assert proposal.status == Status.CLOSED.value
    assert _actions(proposal.id) == [
        "proposals.drafted", "proposals.updated", "proposals.sent", "proposals.accepted",
        "proposals.closed"]


def test_the_secretariat_answering_on_behalf_is_recorded(cases):
    proposal = services.draft(_sec(), _data(cases))
    services.send(_sec(), proposal)
    services.answer(_sec(), proposal, False, "现行政策已有规定，由属地加强落实")
    assert proposal.status == Status.REJECTED.value
    assert "proposals.answered_on_behalf" in _actions(proposal.id)
    services.close(_sec(), proposal)  # a rejected proposal is closed without an effect check
    assert proposal.status == Status.CLOSED.value


def test_the_effect_check_counts_the_area_before_and_after_the_first_measure(cases):
    """Hand-made: measure 10 days ago, 30-day windows.  Before = [today-40, today-10),
    after = [today-10, today] (11 days)."""
    today = local_today()
    base = {"county": "mangshi", "category": "land"}

    def on(days_ago, **fields):
        return registered(**{**base, **fields, "registered_on": today - timedelta(days=days_ago)})

    for d in (39, 25, 11):  # before
        on(d)
    for d in (10, 0):  # after (the measure's day counts after)
        on(d)
    on(45)  # outside the windows
    on(20, county="ruili")  # another county
    on(20, category="wages")  # another category
    on(5).restricted = True  # restricted: never counted
    db.session.flush()
    proposal = services.draft(_sec(), _data(cases, addressee_id=agency_coded("dh.zrzyj").id))
    services.send(_sec(), proposal)
    # The fixture's three cases were registered yesterday: after the measure too.
    services.answer(user_named("liaison.ziranziyuan"), proposal, True, "")
    services.add_measure(user_named("liaison.ziranziyuan"), proposal, "后一项措施",
                         today - timedelta(days=2))
    services.add_measure(user_named("liaison.ziranziyuan"), proposal, "首项措施",
                         today - timedelta(days=10))
    check = services.check_effect(_sec(), proposal, "待观察", 30)
    assert check.measure_on == today - timedelta(days=10)
    assert (check.before_count, check.after_count) == (3, 2 + 3)
    assert (check.window_days, check.after_days) == (30, 11)
    assert round(check.before_rate, 1) == 3.0 and round(check.after_rate, 1) == 13.6


# --- visibility and pages ----------------------------------------------------------------

def test_only_the_addressee_sees_a_sent_proposal_and_never_a_draft(app, cases):
    proposal = services.draft(_sec(), _data(cases, addressee_id=agency_coded("dh.zrzyj").id))
    db.session.commit()
    owner, other = app.test_client(), app.test_client()
    login(owner, "liaison.ziranziyuan")
    login(other, "liaison.jiwei")
    assert owner.get(f"/proposals/{proposal.id}").status_code == 404  # a draft
    services.send(_sec(), proposal)
    db.session.commit()
    page = owner.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert proposal.title in page and 'data-testid="answer-form"' in page
    assert other.get(f"/proposals/{proposal.id}").status_code == 404
    assert other.post(f"/proposals/{proposal.id}/answer",
                      data={"accepted": "yes"}).status_code == 404
    assert proposal.title not in other.get("/proposals").get_data(as_text=True)
    assert proposal.title in owner.get("/proposals").get_data(as_text=True)
    # The member cases go through the case visibility rule: 州自然资源局 takes no part in
    # them, so they are counted, not shown.
    assert 'data-testid="hidden-cases"' in page
    assert cases[0].number not in page


def test_the_pages_draft_send_and_answer(app, cases):
    db.session.commit()
    sec = app.test_client()
    login(sec, "secretariat")
    form = sec.get(f"/proposals/new?case={cases[0].id}").get_data(as_text=True)
    assert cases[0].number in form
    bad = sec.post("/proposals", data={"title": "", "case_ids": [cases[0].id]})
    assert bad.status_code == 422 and "请填写建议标题" in bad.get_data(as_text=True)
    made = sec.post("/proposals", data={
        "title": "关于补偿款的建议", "problem": "问题", "suggestion": "建议",
        "addressee_id": agency_coded("dh.zrzyj").id, "counties": ["mangshi"],
        "case_ids": [cases[0].id], "case_numbers": f"{cases[1].number}\n", "answer_days": "15"})
    assert made.status_code == 302
    proposal = db.session.scalar(select(PolicyProposal).order_by(PolicyProposal.id.desc()))
    assert [c.id for c in proposal.cases] == [cases[0].id, cases[1].id]
    assert proposal.answer_days == 15
    sec.post(f"/proposals/{proposal.id}/send")
    liaison = app.test_client()
    login(liaison, "liaison.ziranziyuan")
    liaison.post(f"/proposals/{proposal.id}/answer", data={"accepted": "no", "note": "不采纳理由"})
    db.session.expire_all()
    assert proposal.status == Status.REJECTED.value and proposal.answer_note == "不采纳理由"


# --- the joint meeting -------------------------------------------------------------------

def test_a_proposal_goes_on_a_meeting_agenda_and_the_meeting_links_it(app, cases):
    from hub.meetings import services as meetings

    sec = _sec()
    proposal = services.draft(sec, _data(cases, addressee_id=agency_coded("dh.jw").id))
    services.send(sec, proposal)
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    meeting = meetings.create(sec, meetings.Plan(
        "joint", "联席会议", starts, starts + timedelta(hours=2), "会议室",
        [agency_coded("dh.jw").id], [user_named("liaison.jiwei").id], []))
    item = services.put_on_agenda(sec, proposal, meeting)
    assert item.proposal_id == proposal.id and item.title.startswith("政策完善建议：")
    with pytest.raises(ServiceError, match="已在此次会议的议程中"):
        services.put_on_agenda(sec, proposal, meeting)
    assert services.agenda_items(proposal) == [item]
    db.session.commit()
    client = app.test_client()
    login(client, "liaison.jiwei")
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert f'href="/proposals/{proposal.id}"' in page
    shown = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert f'href="/meetings/{meeting.id}"' in shown


# --- chased like other obligations -------------------------------------------------------

def test_the_answer_clock_is_chased_day_by_day_until_answered(cases):
    sec = _sec()
    proposal = services.draft(sec, _data(cases, addressee_id=agency_coded("dh.zrzyj").id,
                                         answer_days=5))
    services.send(sec, proposal)
    due = proposal.answer_deadline.due_on

    def mine(on) -> list[str]:
        """The proposal's steps taken by the sweep of day ``on`` (other clocks, such as the
        cases' own, are chased by the same sweep)."""
        sweep.run(today=on)
        return list(db.session.scalars(select(ChaseStep.step).where(
            ChaseStep.item_type == ITEM, ChaseStep.taken_on == on)))

    taken = {day: mine(due + timedelta(days=day)) for day in range(-2, 9)}
    assert taken[-2] == [] and taken[-1] == ["remind_before"] and taken[0] == ["remind_due"]
    assert taken[1] == ["yellow"] and taken[5] == ["inspect"]
    assert all(taken[d] == [] for d in (2, 3, 4, 6, 7, 8))
    steps = db.session.scalars(select(ChaseStep.step).where(ChaseStep.item_type == ITEM)
                               .order_by(ChaseStep.position)).all()
    assert steps == ["remind_before", "remind_due", "yellow", "inspect"]
    notice = db.session.scalar(select(InspectionNotice).where(InspectionNotice.item_type == ITEM))
    assert notice.agency_id == agency_coded("dh.zrzyj").id
    # Answering (late) completes the clock; the measures clock is chased next.
    services.answer(user_named("liaison.ziranziyuan"), proposal, True, "")
    measures_due = proposal.measures_deadline.due_on
    assert mine(measures_due - timedelta(days=2)) == []
    assert mine(measures_due) == ["remind_due"]
    services.add_measure(user_named("liaison.ziranziyuan"), proposal, "措施", local_today())
    assert mine(measures_due + timedelta(days=10)) == []
