"""评查 rounds: opening, picking cases by hand and by a seeded random sample, reviewers,
who sees what, closing, and findings sent for 整改 as handoffs that are chased."""

import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from hub.audit.models import AuditEvent
from hub.chase import sweep
from hub.core.errors import ServiceError
from hub.deadlines.services import local_today
from hub.extensions import db
from hub.handoffs import services as handoffs
from hub.notifications.models import Notification
from hub.review import findings, services
from tests.cases.factories import forwarded, in_hand, registered
from tests.conftest import agency_coded, login, user_named


def _round(title="评查", days=30, **scope):
    return services.open_round(user_named("secretariat"), title,
                               local_today() - timedelta(days=days), local_today(), **scope)


def _actions(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_opening_a_round_refuses_bad_input(ctx):
    sec = user_named("secretariat")
    today = local_today()
    with pytest.raises(ServiceError, match="请填写评查名称"):
        services.open_round(sec, "  ", today, today)
    with pytest.raises(ServiceError, match="请填写有效的开始日期"):
        services.open_round(sec, "评查", None, today)
    with pytest.raises(ServiceError, match="结束日期不能早于开始日期"):
        services.open_round(sec, "评查", today, today - timedelta(days=1))
    with pytest.raises(ServiceError, match="开始日期不能晚于今天"):
        services.open_round(sec, "评查", today + timedelta(days=1), today + timedelta(days=9))
    with pytest.raises(ServiceError, match="请选择有效的县"):
        services.open_round(sec, "评查", today, today, counties=["nowhere"])
    with pytest.raises(ServiceError, match="所选单位不存在"):
        services.open_round(sec, "评查", today, today, agency_ids=[999999])
    for other in ("liaison.xinfang", "auditor", "admin"):
        with pytest.raises(ServiceError, match="只有联席办可以开展评查"):
            services.open_round(user_named(other), "评查", today, today)
    rnd = _round(counties=["ruili", "mangshi"])
    assert rnd.is_open and rnd.counties == ["mangshi", "ruili"] and len(rnd.items) == 5
    assert _actions("review.round_opened")[-1].object_id == str(rnd.id)


def test_manual_picks_stay_in_scope_and_are_never_doubled(ctx):
    sec = user_named("secretariat")
    rnd = _round(counties=["mangshi"], agency_ids=[agency_coded("mangshi.xfj").id])
    good = forwarded(lead="mangshi.xfj", assist=())
    other_county = forwarded(lead="mangshi.xfj", assist=(), county="ruili")
    other_lead = forwarded(lead="ruili.xfj", assist=())
    not_routed = registered()
    old = forwarded(lead="mangshi.xfj", assist=(),
                    registered_on=local_today() - timedelta(days=60))
    clue = forwarded(lead="mangshi.xfj", assist=())
    handoffs.send(user_named("liaison.xinfang"), "discipline.clue", agency_coded("dh.jw"),
                  [clue.id], "", {"subject_name": "某干部", "allegation": "反映问题"})
    with pytest.raises(ServiceError, match="请填写要评查的信访事项编号"):
        services.add_cases(sec, rnd, ["", " "])
    with pytest.raises(ServiceError, match="以下编号不存在或无权查看：XF-NOPE"):
        services.add_cases(sec, rnd, [good.number, "XF-NOPE"])
    with pytest.raises(ServiceError, match="所属县（市）不在本轮评查范围内"):
        services.add_cases(sec, rnd, [other_county.number])
    with pytest.raises(ServiceError, match="主办单位不在本轮评查范围内"):
        services.add_cases(sec, rnd, [other_lead.number])
    with pytest.raises(ServiceError, match="尚未确定主办单位"):
        services.add_cases(sec, rnd, [not_routed.number])
    with pytest.raises(ServiceError, match="不在评查期间内"):
        services.add_cases(sec, rnd, [old.number])
    with pytest.raises(ServiceError, match="不存在或无权查看|受限事项"):
        services.add_cases(sec, rnd, [clue.number])
    with pytest.raises(ServiceError, match="不能担任评查人"):
        services.add_cases(sec, rnd, [good.number], user_named("auditor").id)
    [row] = services.add_cases(sec, rnd, [good.number, good.number], user_named("reviewer").id)
    assert (row.picked, row.status, row.agency_id) == ("manual", "pending",
                                                      agency_coded("mangshi.xfj").id)
    with pytest.raises(ServiceError, match="已在本轮评查中"):
        services.add_cases(sec, rnd, [good.number])
    # The reviewer is told.
    assert db.session.scalar(select(Notification.title).where(
        Notification.user_id == user_named("reviewer").id,
        Notification.kind == "review.assigned")) == "评查任务：评查，1 件待评分"


def test_the_random_sample_is_reproducible_from_its_seed(ctx):
    sec, reviewer = user_named("secretariat"), user_named("reviewer")
    cases = [forwarded(lead="ruili.xfj", assist=()) for _ in range(8)]
    in_hand(lead="ruili.xfj", assist=())  # another status: not drawn
    ids = sorted(c.id for c in cases)
    first = _round("第一轮")
    drawn = services.draw_sample(sec, first, 3, ["forwarded"], 42, [sec.id, reviewer.id])
    picked = [r.case_id for r in drawn]
    # The documented draw: the eligible cases in id order, random.Random(seed).sample.
    assert picked == sorted(random.Random(42).sample(ids, 3))  # noqa: S311
    assert [r.reviewer_id for r in drawn] == [sec.id, reviewer.id, sec.id]
    assert (first.sample_seed, first.sample_size, first.sample_statuses) == (42, 3, ["forwarded"])
    event = _actions("review.sample_drawn")[-1]
    assert event.after["case_ids"] == picked and event.after["pool"] == 8
    # The same scope and seed in another round: the same cases.
    second = _round("第二轮")
    assert [r.case_id for r in services.draw_sample(sec, second, 3, ["forwarded"], 42)] == picked
    # A second draw in the same round never picks a case twice.
    more = services.draw_sample(sec, first, 5, ["forwarded"], 7)
    assert sorted(picked + [r.case_id for r in more]) == ids
    with pytest.raises(ServiceError, match="本轮评查范围内没有符合条件的事项可供抽取"):
        services.draw_sample(sec, first, 1, ["forwarded"], 1)
    # Without a seed one is chosen and kept.
    third = _round("第三轮")
    services.draw_sample(sec, third, 2, ["forwarded"])
    assert 0 <= third.sample_seed <= services.SEED_MAX


def test_the_random_sample_refuses_bad_input(ctx):
    sec = user_named("secretariat")
    for _ in range(2):
        forwarded(lead="ruili.xfj", assist=())
    rnd = _round()
    for size in (None, 0, -1):
        with pytest.raises(ServiceError, match="抽取数量应为正整数"):
            services.draw_sample(sec, rnd, size, ["forwarded"], 1)
    with pytest.raises(ServiceError, match="每次最多抽取 500 件"):
        services.draw_sample(sec, rnd, 501, ["forwarded"], 1)
    with pytest.raises(ServiceError, match="符合条件的事项只有 2 件，少于抽取数量 3 件"):
        services.draw_sample(sec, rnd, 3, ["forwarded"], 1)
    with pytest.raises(ServiceError, match="请选择要抽取的办理状态"):
        services.draw_sample(sec, rnd, 1, [], 1)
    with pytest.raises(ServiceError, match="请选择有效的办理状态"):
        services.draw_sample(sec, rnd, 1, ["lost"], 1)
    with pytest.raises(ServiceError, match="随机种子应为 0 至 2147483647 的整数"):
        services.draw_sample(sec, rnd, 1, ["forwarded"], -1)
    with pytest.raises(ServiceError, match="没有符合条件的事项"):
        services.draw_sample(sec, rnd, 1, ["closed"], 1)
    with pytest.raises(ServiceError, match="只有联席办可以抽取评查事项"):
        services.draw_sample(user_named("auditor"), rnd, 1, ["forwarded"], 1)
    # Scope: a period with no cases.
    past = services.open_round(sec, "往年", local_today() - timedelta(days=400),
                               local_today() - timedelta(days=300))
    with pytest.raises(ServiceError, match="没有符合条件的事项"):
        services.draw_sample(sec, past, 1, ["forwarded"], 1)


def test_reviewers_close_and_remove(ctx):
    sec, reviewer = user_named("secretariat"), user_named("reviewer")
    rnd = _round()
    a, b = (forwarded(lead="ruili.xfj", assist=()) for _ in range(2))
    row_a, row_b = services.add_cases(sec, rnd, [a.number, b.number])
    assert row_a.reviewer_id is None
    with pytest.raises(ServiceError, match="请选择评查人"):
        services.assign_reviewer(sec, row_a, None)
    services.assign_reviewer(sec, row_a, reviewer.id)
    with pytest.raises(ServiceError, match="评查人未变化"):
        services.assign_reviewer(sec, row_a, reviewer.id)
    with pytest.raises(ServiceError, match="尚有 2 件事项未评分"):
        services.close_round(sec, rnd)
    services.score(reviewer, row_a, {i.id: (i.max_score, "") for i in rnd.items})
    with pytest.raises(ServiceError, match="已评分，不能移出"):
        services.remove_case(sec, row_a)
    with pytest.raises(ServiceError, match="已评分，不能更换评查人"):
        services.assign_reviewer(sec, row_a, sec.id)
    services.remove_case(sec, row_b)
    assert [r.case_id for r in rnd.cases] == [a.id]
    services.close_round(sec, rnd)
    assert rnd.status == "closed" and rnd.closed_by_id == sec.id
    with pytest.raises(ServiceError, match="本轮评查已经结束"):
        services.close_round(sec, rnd)
    with pytest.raises(ServiceError, match="本轮评查已结束，不能再添加事项"):
        services.add_cases(sec, rnd, [b.number])
    assert {e.action for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.action.like("review.%")))} >= {
        "review.round_opened", "review.cases_added", "review.reviewer_assigned", "review.scored",
        "review.case_removed", "review.round_closed"}


def test_a_finding_goes_to_the_lead_agency_as_a_chased_rectify_handoff(app, login_as):
    with app.test_request_context():
        sec = user_named("secretariat")
        rnd = _round()
        case = in_hand(lead="dh.zrzyj", assist=())
        from hub.cases import lifecycle

        lifecycle.reply(sec, case, "经核实，已依法答复。")
        lifecycle.close(sec, case)
        stage = case.stage
        [row] = services.add_cases(sec, rnd, [case.number], sec.id)
        with pytest.raises(ServiceError, match="评分后才能发送整改通知"):
            findings.send_finding(sec, row, "告知不到位")
        values = {i.id: (i.max_score, "") for i in rnd.items}
        values[rnd.items[3].id] = (12, "未告知复查途径和期限")
        services.score(sec, row, values)
        assert findings.suggested_finding(row) == "依法告知信访人（扣 8 分）：未告知复查途径和期限"
        with pytest.raises(ServiceError, match="请填写需要整改的问题"):
            findings.send_finding(sec, row, " ")
        with pytest.raises(ServiceError, match="只有联席办可以发送整改通知"):
            findings.send_finding(user_named("auditor"), row, "整改")
        finding = findings.send_finding(sec, row, findings.suggested_finding(row))
        handoff = finding.handoff
        assert (handoff.kind, handoff.to_agency.code, handoff.state) == (
            "petition.rectify", "dh.zrzyj", "sent")
        assert handoff.details == {"round_id": rnd.id}
        assert handoff.instructions == "依法告知信访人（扣 8 分）：未告知复查途径和期限"
        assert case.status == "closed" and case.stage == stage  # the card stays where it was
        with pytest.raises(ServiceError, match="已有未办结的整改通知"):
            findings.send_finding(sec, row, "再次整改")
        # Nobody sends a 评查整改 from the 交办 form or the API.
        with pytest.raises(ServiceError, match="“评查整改”不能在此发起"):
            handoffs.send(sec, "petition.rectify", agency_coded("dh.zrzyj"), [case.id], "x",
                          {"round_id": rnd.id})
        # The chase engine chases its sign-for clock.
        due = handoff.sign_deadline.due_on
        assert sweep.run(today=due)["remind_due"] >= 1
        note = db.session.scalar(select(Notification).where(
            Notification.user_id == user_named("liaison.ziranziyuan").id,
            Notification.kind == "handoff.remind"))
        assert "评查整改" in note.title and f"#{handoff.id}" in note.title
    db.session.commit()
    liaison = login_as("liaison.ziranziyuan")
    page = liaison.get(f"/handoffs/{handoff.id}").get_data(as_text=True)
    assert "评查整改" in page and rnd.title in page and "未告知复查途径" in page
    assert "评查整改" in liaison.get("/handoffs?tab=sign").get_data(as_text=True)
    assert "评查整改" not in liaison.get("/handoffs/new").get_data(as_text=True)
    assert "评查整改" not in liaison.get("/handoffs/new?kind=petition.rectify").get_data(
        as_text=True)
    liaison.post(f"/handoffs/{handoff.id}/sign")
    resp = liaison.post(f"/handoffs/{handoff.id}/feedback", data={
        "feedback": "已补充告知并留存送达回证", f"outcome-{case.id}": "rectified"},
        follow_redirects=True)
    assert "已提交反馈" in resp.get_data(as_text=True)
    other = app.test_client()
    login(other, "secretariat")
    body = other.get(f"/review/cases/{row.id}").get_data(as_text=True)
    assert "已反馈待确认" in body and "已整改" in body


def test_pages_for_the_secretariat_reviewer_and_auditor(app, login_as):
    with app.test_request_context():
        reviewer = user_named("reviewer")
        cases = [forwarded(lead="ruili.xfj", assist=(), county="ruili") for _ in range(3)]
    db.session.commit()
    client = login_as("secretariat")
    index = client.get("/review").get_data(as_text=True)
    assert "开展评查" in index and "还没有评查" in index
    bad = client.post("/review", data={"title": "评查", "period_start": "2026-13-01",
                                       "period_end": ""}, follow_redirects=True)
    assert "请填写有效的开始日期" in bad.get_data(as_text=True)
    resp = client.post("/review", data={
        "title": "季度评查", "period_start": (local_today() - timedelta(days=10)).isoformat(),
        "period_end": local_today().isoformat(), "counties": ["ruili"]})
    assert resp.status_code == 302
    round_id = int(resp.headers["Location"].rstrip("/").split("/")[-1])
    page = client.get(f"/review/{round_id}").get_data(as_text=True)
    assert "县（市）：瑞丽市" in page and "尚未选取评查事项" in page
    bad = client.post(f"/review/{round_id}/sample", data={
        "size": "abc", "statuses": ["forwarded"]}, follow_redirects=True)
    assert "抽取数量应为正整数" in bad.get_data(as_text=True)
    bad = client.post(f"/review/{round_id}/sample", data={
        "size": "2", "seed": "x1", "statuses": ["forwarded"]}, follow_redirects=True)
    assert "随机种子应为" in bad.get_data(as_text=True)
    drawn = client.post(f"/review/{round_id}/sample", data={
        "size": "2", "seed": "99", "statuses": ["forwarded"],
        "reviewer_ids": [str(reviewer.id)]}, follow_redirects=True).get_data(as_text=True)
    assert "已随机抽取 2 件，随机种子 99" in drawn
    assert 'data-testid="sample-info">2 件，随机种子 99，办理状态：已交办' in drawn
    left = next(c for c in cases if c.number not in drawn)
    client.post(f"/review/{round_id}/cases", data={"numbers": left.number})
    from hub.review.models import ReviewCase

    rows = db.session.scalars(select(ReviewCase).where(ReviewCase.round_id == round_id)
                              .order_by(ReviewCase.id)).all()
    assert len(rows) == 3 and rows[2].reviewer_id is None
    # The secretariat may not score a case assigned to someone else.
    refused = client.post(f"/review/cases/{rows[0].id}/score", data={},
                          follow_redirects=True).get_data(as_text=True)
    assert "只有分配的评查人可以为该事项评分" in refused

    mine = app.test_client()
    login(mine, "reviewer")
    tasks = mine.get("/review/mine").get_data(as_text=True)
    assert rows[0].case.number in tasks and rows[2].case.number not in tasks
    form = mine.get(f"/review/cases/{rows[0].id}").get_data(as_text=True)
    assert 'data-testid="score-form"' in form and 'data-testid="case-link"' in form
    items = sorted(rows[0].round.items, key=lambda i: i.position)
    data = {f"score-{i.id}": str(i.max_score) for i in items}
    data[f"score-{items[1].id}"] = "15"
    missing = mine.post(f"/review/cases/{rows[0].id}/score", data=data, follow_redirects=True)
    assert "“程序合法及时”扣分须说明理由" in missing.get_data(as_text=True)
    data[f"comment-{items[1].id}"] = "受理告知超期"
    saved = mine.post(f"/review/cases/{rows[0].id}/score", data=data, follow_redirects=True)
    body = saved.get_data(as_text=True)
    assert "已保存评分" in body and "得分 95 / 100" in body
    # Only the case's own page is reachable for a case the viewer may see.
    assert mine.get(f"/cases/{rows[0].case_id}").status_code == 200

    auditor = app.test_client()
    login(auditor, "auditor")
    assert auditor.get(f"/review/{round_id}").status_code == 200
    assert "score-form" not in auditor.get(f"/review/cases/{rows[0].id}").get_data(as_text=True)
    assert auditor.post(f"/review/{round_id}/close").status_code == 403
    assert auditor.post(f"/review/cases/{rows[0].id}/score", data=data).status_code == 403
    liaison = app.test_client()
    login(liaison, "liaison.xinfang")
    assert liaison.get("/review").status_code == 403
    assert liaison.get(f"/review/cases/{rows[0].id}").status_code == 403
    assert client.get("/review/999999").status_code == 404
    assert client.get("/review/cases/999999").status_code == 404


def test_a_reviewed_case_that_became_restricted_answers_404(app, login_as):
    from hub.auth.roles import Role
    from hub.auth.services import create_user
    from tests.conftest import DEMO_PASSWORD

    with app.test_request_context():
        sec = user_named("secretariat")
        # An auditor of a county bureau: sees every ordinary case, no restricted one.
        create_user(user_named("admin"), username="auditor.ruili", display_name="瑞丽审计员",
                    agency=agency_coded("ruili.zfw"), roles={Role.AUDITOR},
                    password=DEMO_PASSWORD, must_change_password=False)
        rnd = _round()
        case = forwarded(lead="ruili.xfj", assist=())
        [row] = services.add_cases(sec, rnd, [case.number], sec.id)
    db.session.commit()
    county = app.test_client()
    login(county, "auditor.ruili")
    assert county.get(f"/review/cases/{row.id}").status_code == 200
    with app.test_request_context():
        handoffs.send(user_named("liaison.xinfang"), "discipline.clue", agency_coded("dh.jw"),
                      [case.id], "", {"subject_name": "某干部", "allegation": "反映问题"})
    db.session.commit()
    assert county.get(f"/review/cases/{row.id}").status_code == 404
    body = county.get(f"/review/{rnd.id}").get_data(as_text=True)
    assert case.number not in body and "另有 1 件事项您无权查看" in body
    report_page = county.get(f"/review/{rnd.id}/report").get_data(as_text=True)
    assert case.number not in report_page
    # The secretariat's agency registered the case and takes part: it still sees it.
    assert login_as("secretariat").get(f"/review/cases/{row.id}").status_code == 200


def test_admins_keep_the_checklist(app, login_as):
    admin = login_as("admin")
    page = admin.get("/admin/review-checklist").get_data(as_text=True)
    for label in ("事实认定清楚", "程序合法及时", "答复意见有据清楚", "依法告知信访人",
                  "获取信访人评价"):
        assert label in page
    bad = admin.post("/admin/review-checklist", data={"label": "卷宗规范", "max_score": "0",
                                                      "position": "6"}, follow_redirects=True)
    assert "满分应为 1 至 100 的整数" in bad.get_data(as_text=True)
    same = admin.post("/admin/review-checklist", data={"label": "事实认定清楚", "max_score": "5",
                                                       "position": "6"}, follow_redirects=True)
    assert "已有同名的评查项目" in same.get_data(as_text=True)
    added = admin.post("/admin/review-checklist", data={
        "label": "卷宗材料规范", "description": "材料齐全、装订规范", "max_score": "10",
        "position": "6"}, follow_redirects=True).get_data(as_text=True)
    assert "已添加评查项目：卷宗材料规范" in added
    from hub.review import checklist

    item = checklist.items()[-1]
    off = admin.post(f"/admin/review-checklist/{item.id}", data={
        "label": item.label, "description": item.description, "max_score": "10",
        "position": "6"}, follow_redirects=True).get_data(as_text=True)
    assert "已保存评查项目" in off
    db.session.refresh(item)
    assert item.active is False
    assert admin.post("/admin/review-checklist/999999", data={}).status_code == 404
    other = app.test_client()
    login(other, "secretariat")
    assert other.get("/admin/review-checklist").status_code == 403
