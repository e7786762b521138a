"""三·三制: three attempts at a level before moving up (or a township-approved exception),
resolution closed where it happened, township failures turned into cases, visibility and
the indicators."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from hub.audit.models import AuditEvent
from hub.cases.models import Case
from hub.core.errors import ServiceError
from hub.deadlines.services import local_today
from hub.extensions import db
from hub.mediation import indicators, services
from hub.mediation.models import Dispute
from tests.conftest import agency_coded, login, user_named

YINGPAN = "mangshi.xishan.yingjiang"  # 西山乡营盘村 (village.yingpan works here)


def _data(**over) -> services.DisputeData:
    fields = dict(title="承包地界线纠纷", summary="两户因承包地地界发生争执", category="land",
                  parties="李某、王某", village_id=agency_coded(YINGPAN).id,
                  group_name="营盘村一组", reported_on=local_today() - timedelta(days=30))
    fields.update(over)
    return services.DisputeData(**fields)


def _dispute(actor="village.yingpan", **over) -> Dispute:
    return services.register(user_named(actor), _data(**over))


def _fail(dispute, actor, n=1, held_on=None):
    for _ in range(n):
        services.record_attempt(user_named(actor), dispute, held_on or local_today(),
                                "调解员甲、调解员乙", "李某、王某", "unresolved", "分歧较大")


def _to_township(dispute):
    _fail(dispute, "village.yingpan", 3)
    services.escalate(user_named("village.yingpan"), dispute)
    _fail(dispute, "village.yingpan", 3)
    services.escalate(user_named("village.yingpan"), dispute)
    assert dispute.level == "township"


def test_registering_refuses_bad_input(ctx):
    with pytest.raises(ServiceError, match="请填写纠纷标题"):
        _dispute(title=" ")
    with pytest.raises(ServiceError, match="请选择纠纷类别"):
        _dispute(category="nonsense")
    with pytest.raises(ServiceError, match="请填写当事人"):
        _dispute(parties="")
    with pytest.raises(ServiceError, match="发现日期不能晚于今天"):
        _dispute(reported_on=local_today() + timedelta(days=1))
    with pytest.raises(ServiceError, match="只能登记本辖区的矛盾纠纷"):
        _dispute(village_id=agency_coded("mangshi.xishan.maojiang").id)
    with pytest.raises(ServiceError, match="请选择纠纷发生的村"):
        _dispute(village_id=agency_coded("mangshi.xishan").id)  # a township, not a village
    with pytest.raises(ServiceError, match="只有村、乡镇或县信访局的联络员"):
        _dispute(actor="liaison.jiwei")
    dispute = _dispute()
    assert (dispute.level, dispute.status) == ("group", "open")
    assert dispute.township_id == agency_coded("mangshi.xishan").id
    assert dispute.county_id == agency_coded("mangshi.xfj").id


def test_three_attempts_at_a_level_before_moving_up(ctx):
    dispute = _dispute()
    _fail(dispute, "village.yingpan", 2, local_today() - timedelta(days=5))
    with pytest.raises(ServiceError, match="在村民小组一级只调解了 2 次") as refused:
        services.escalate(user_named("village.yingpan"), dispute)
    assert refused.value.field == "reason"
    _fail(dispute, "village.yingpan", 1)
    step = services.escalate(user_named("village.yingpan"), dispute)
    assert (step.from_level, step.to_level, step.attempts, step.exception) == (
        "group", "village", 3, False)
    assert dispute.level == "village"
    # Attempts at the new level start from the day it moved up.
    with pytest.raises(ServiceError, match="调解日期不能早于纠纷到达本级的日期"):
        _fail(dispute, "village.yingpan", 1, local_today() - timedelta(days=1))
    # The next level counts its own attempts.
    with pytest.raises(ServiceError, match="在村委会一级只调解了 0 次"):
        services.escalate(user_named("village.yingpan"), dispute)
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.action.like("mediation.%"))).all()
    assert actions.count("mediation.attempt_recorded") == 3
    assert "mediation.escalated" in actions and "mediation.level_changed" in actions


def test_an_early_move_up_needs_a_reason_and_a_township_approver(ctx):
    dispute = _dispute()
    _fail(dispute, "village.yingpan", 1)
    with pytest.raises(ServiceError, match="请选择批准人"):
        services.escalate(user_named("village.yingpan"), dispute, "矛盾有激化风险")
    with pytest.raises(ServiceError, match="请写明提前上移的理由"):
        services.escalate(user_named("village.yingpan"), dispute, "",
                          user_named("township.xishan").id)
    with pytest.raises(ServiceError, match="批准人须是芒市西山乡的工作人员"):
        services.escalate(user_named("village.yingpan"), dispute, "矛盾有激化风险",
                          user_named("village.yingpan").id)
    assert services.approvers(dispute) == [user_named("township.xishan")]
    step = services.escalate(user_named("village.yingpan"), dispute, "矛盾有激化风险",
                             user_named("township.xishan").id)
    assert step.exception and step.attempts == 1
    assert step.approved_by_id == user_named("township.xishan").id
    assert dispute.level == "village"


def test_there_is_no_level_above_the_township(ctx):
    dispute = _dispute()
    _to_township(dispute)
    _fail(dispute, "township.xishan", 3)
    with pytest.raises(ServiceError, match="乡镇已是三·三制的最高一级，不能再上移"):
        services.escalate(user_named("township.xishan"), dispute)
    # The village works below the township only.
    with pytest.raises(ServiceError, match="您不能在乡镇一级记录"):
        _fail(dispute, "village.yingpan")


def test_a_resolved_dispute_is_closed_where_it_was_solved(ctx):
    dispute = _dispute()
    _fail(dispute, "village.yingpan", 3)
    services.escalate(user_named("village.yingpan"), dispute)
    with pytest.raises(ServiceError, match="请填写调解协议或化解结果"):
        services.record_attempt(user_named("village.yingpan"), dispute, local_today(), "主任",
                                "双方", "resolved", "")
    services.record_attempt(user_named("village.yingpan"), dispute, local_today(), "村调委会主任",
                            "李某、王某", "resolved", "重新测量地界，签订协议")
    assert (dispute.status, dispute.resolved_level) == ("resolved", "village")
    assert dispute.resolved_on == local_today()
    with pytest.raises(ServiceError, match="该纠纷已在村委会一级化解"):
        _fail(dispute, "village.yingpan")
    with pytest.raises(ServiceError, match="该纠纷已在村委会一级化解"):
        services.escalate(user_named("village.yingpan"), dispute)


def test_attempts_refuse_bad_input(ctx):
    dispute = _dispute()
    actor = user_named("village.yingpan")

    def attempt(**over):
        args = dict(held_on=local_today(), mediators="组长", parties_present="双方",
                    result="unresolved", note="")
        args.update(over)
        return services.record_attempt(actor, dispute, **args)

    with pytest.raises(ServiceError, match="请填写有效的调解日期"):
        attempt(held_on=None)
    with pytest.raises(ServiceError, match="调解日期不能晚于今天"):
        attempt(held_on=local_today() + timedelta(days=1))
    with pytest.raises(ServiceError, match="不能早于纠纷到达本级的日期"):
        attempt(held_on=local_today() - timedelta(days=31))
    with pytest.raises(ServiceError, match="请填写调解员"):
        attempt(mediators=" ")
    with pytest.raises(ServiceError, match="请填写到场当事人"):
        attempt(parties_present="")
    with pytest.raises(ServiceError, match="请选择调解结果"):
        attempt(result="maybe")
    with pytest.raises(ServiceError, match="页面已过期"):
        services.record_attempt(actor, dispute, local_today(), "组长", "双方", "unresolved",
                                expected_level="village")
    assert dispute.attempts == []


def test_an_unresolved_township_dispute_becomes_a_case(ctx):
    dispute = _dispute()
    problem = services.conversion_problem(dispute)
    assert "须逐级上移到乡镇" in problem
    with pytest.raises(ServiceError, match="须逐级上移到乡镇"):
        services.convert_to_case(user_named("liaison.mangshi"), dispute, "李某")
    _to_township(dispute)
    _fail(dispute, "township.xishan", 2)
    with pytest.raises(ServiceError, match="乡镇一级已调解 2 次"):
        services.convert_to_case(user_named("liaison.mangshi"), dispute, "李某")
    _fail(dispute, "township.xishan", 1)
    # Turning it into a case is 登记: a 信访局's work, not the township's.
    with pytest.raises(ServiceError, match="请由县（市）信访局联络员或联席办办理"):
        services.convert_to_case(user_named("township.xishan"), dispute, "李某")
    with pytest.raises(ServiceError, match="请由县（市）信访局联络员或联席办办理"):
        services.convert_to_case(user_named("liaison.ruili"), dispute, "李某")
    with pytest.raises(ServiceError, match="请填写信访人姓名"):
        services.convert_to_case(user_named("liaison.mangshi"), dispute, " ")
    case = services.convert_to_case(user_named("liaison.mangshi"), dispute, "李某",
                                    "13812345678", headcount=2)
    assert dispute.status == "case" and dispute.case_id == case.id
    assert (case.county, case.township_id, case.village) == (
        "mangshi", dispute.township_id, "西山乡营盘村")
    assert case.category == "land" and case.status == "registered"
    assert "三·三制调处经过" in case.content and case.content.count("未化解") == 9
    assert services.dispute_of_case(user_named("liaison.mangshi"), case) == dispute
    with pytest.raises(ServiceError, match="已转为信访事项"):
        _fail(dispute, "township.xishan")


def test_the_dispute_and_its_case_link_both_ways(app, login_as):
    with app.test_request_context():
        dispute = _dispute()
        _to_township(dispute)
        _fail(dispute, "township.xishan", 3)
        dispute_id = dispute.id
    db.session.commit()
    client = login_as("liaison.mangshi")
    resp = client.post(f"/mediation/{dispute_id}/case", data={
        "petitioner_name": "李某", "petitioner_phone": "", "channel": "visit", "headcount": "1"})
    assert resp.status_code == 302
    case = db.session.scalar(select(Case).order_by(Case.id.desc()).limit(1))
    page = client.get(f"/mediation/{dispute_id}").get_data(as_text=True)
    assert case.number in page and "已转为信访事项" in page
    case_page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f"/mediation/{dispute_id}" in case_page and "三·三制矛盾纠纷调处" in case_page


def test_pages_answer_bad_input_clearly(app, login_as):
    client = login_as("village.yingpan")
    assert client.get("/mediation").status_code == 200
    resp = client.post("/mediation", data={"title": "", "summary": "x", "category": "land",
                                           "parties": "甲", "village_id": "",
                                           "group_name": "一组", "reported_on": ""})
    assert resp.status_code == 422 and "请填写纠纷标题" in resp.get_data(as_text=True)
    resp = client.post("/mediation", data={
        "title": "邻里纠纷", "summary": "排水沟", "category": "neighbour", "parties": "甲、乙",
        "village_id": str(agency_coded(YINGPAN).id), "group_name": "三组",
        "reported_on": local_today().isoformat()})
    assert resp.status_code == 302
    dispute_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    resp = client.post(f"/mediation/{dispute_id}/escalate", data={"level": "group"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "在村民小组一级只调解了 0 次" in body
    resp = client.post(f"/mediation/{dispute_id}/attempts", data={
        "level": "group", "held_on": local_today().isoformat(), "mediators": "",
        "parties_present": "甲、乙", "result": "unresolved"})
    assert resp.status_code == 422 and "请填写调解员" in resp.get_data(as_text=True)
    resp = client.post(f"/mediation/{dispute_id}/attempts", data={
        "level": "group", "held_on": local_today().isoformat(), "mediators": "组长",
        "parties_present": "甲、乙", "result": "resolved", "note": "双方握手言和"})
    assert resp.status_code == 302
    page = client.get(f"/mediation/{dispute_id}").get_data(as_text=True)
    assert "已在村民小组一级化解" in page


def test_each_territory_sees_its_own_disputes(app, login_as):
    with app.test_request_context():
        mine = _dispute()
        other = _dispute(actor="township.xishan", village_id=agency_coded(
            "mangshi.xishan.maojiang").id, title="灌溉用水纠纷")
        ids = mine.id, other.id
    db.session.commit()
    village = login_as("village.yingpan")
    assert village.get(f"/mediation/{ids[0]}").status_code == 200
    assert village.get(f"/mediation/{ids[1]}").status_code == 404
    assert "灌溉用水纠纷" not in village.get("/mediation").get_data(as_text=True)
    for username, sees in (("township.xishan", True), ("liaison.mangshi", True),
                           ("leader.mangshi", True), ("liaison.ruili", False),
                           ("secretariat", True), ("auditor", True)):
        client = app.test_client()
        login(client, username)
        assert client.get(f"/mediation/{ids[1]}").status_code == (200 if sees else 404), username
    # Agencies off the territorial line do not have these pages at all.
    client = app.test_client()
    login(client, "liaison.jiwei")
    assert client.get("/mediation").status_code == 403


def test_indicators_count_where_disputes_were_resolved(app, login_as):
    with app.test_request_context():
        actor = user_named("village.yingpan")
        at_group = _dispute(title="甲")
        services.record_attempt(actor, at_group, local_today(), "组长", "双方", "resolved", "和解")
        at_village = _dispute(title="乙")
        _fail(at_village, "village.yingpan", 3)
        services.escalate(actor, at_village)
        services.record_attempt(actor, at_village, local_today(), "主任", "双方", "resolved", "和解")
        at_township = _dispute(title="丙")
        _to_township(at_township)
        services.record_attempt(user_named("township.xishan"), at_township, local_today(),
                                "司法所", "双方", "resolved", "和解")
        _dispute(title="丁")
        rows, total = indicators.by_county(user_named("township.xishan"))
        assert [name for name, _c in rows] == ["芒市"]
        assert (total.total, total.resolved_group, total.resolved_village,
                total.resolved_township, total.open) == (4, 1, 1, 1, 1)
        assert total.village_rate == 0.5 and total.township_rate == 0.25
        assert indicators.by_county(user_named("liaison.ruili"))[1].village_rate is None
    db.session.commit()
    page = login_as("township.xishan").get("/mediation/indicators").get_data(as_text=True)
    assert "50.0%" in page and "25.0%" in page and "75.0%" in page
    other = app.test_client()
    login(other, "liaison.ruili")
    assert "—" in other.get("/mediation/indicators").get_data(as_text=True)
