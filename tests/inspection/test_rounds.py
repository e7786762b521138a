"""巡察 rounds: a batch of petition issues handed to the round's team, feedback per case,
and the 整改 items tracked to completion."""

from datetime import timedelta

import pytest

from hub.core.errors import ServiceError
from hub.deadlines.services import local_today
from hub.extensions import db
from hub.handoffs import services as handoffs
from hub.inspection import services
from tests.cases.factories import registered
from tests.conftest import agency_coded, login, user_named


def _round(**overrides):
    args = dict(unit="芒市自然资源局", team="州委第一巡察组",
                starts_on=local_today() - timedelta(days=5),
                ends_on=local_today() + timedelta(days=40))
    args.update(overrides)
    return services.open_round(user_named("liaison.xuncha"), **args)


def test_opening_a_round_refuses_bad_input(ctx):
    with pytest.raises(ServiceError, match="被巡察单位"):
        _round(unit=" ")
    with pytest.raises(ServiceError, match="结束日期不能早于开始日期"):
        _round(ends_on=local_today() - timedelta(days=30))
    with pytest.raises(ServiceError, match="只有巡察办联络员或联席办"):
        services.open_round(user_named("liaison.zhengfa"), "某单位", "某组", local_today(),
                            local_today())
    assert _round().agency_id == agency_coded("dh.xc").id


def test_the_batch_names_a_running_round(ctx):
    cases = [registered(), registered()]
    ended = _round(starts_on=local_today() - timedelta(days=60),
                   ends_on=local_today() - timedelta(days=1))

    def send(round_id):
        return handoffs.send(user_named("liaison.xinfang"), "inspection.issues",
                             agency_coded("dh.xc"), [c.id for c in cases], "",
                             {"round_id": round_id})

    with pytest.raises(ServiceError, match="巡察轮次：该巡察轮次已结束"):
        send(str(ended.id))
    with pytest.raises(ServiceError, match="巡察轮次：巡察轮次不存在"):
        send("99999")
    with pytest.raises(ServiceError, match="巡察轮次：请选择"):
        send("")
    rnd = _round()
    batch = send(str(rnd.id))
    assert services.round_handoffs(rnd, handoffs.visible(user_named("liaison.xuncha"),
                                                         handoffs.Handoff)) == [batch]


def test_round_page_with_batch_outcomes_and_rectification(app, login_as):
    with app.test_request_context():
        rnd = _round()
        cases = [registered(), registered()]
        batch = handoffs.send(user_named("liaison.xinfang"), "inspection.issues",
                              agency_coded("dh.xc"), [c.id for c in cases], "请纳入巡察",
                              {"round_id": str(rnd.id)})
        xuncha = user_named("liaison.xuncha")
        handoffs.sign(xuncha, batch)
        handoffs.submit_feedback(xuncha, batch, "已纳入巡察反馈",
                                 {cases[0].id: "finding", cases[1].id: "rectify"})
    db.session.commit()
    client = login_as("liaison.xuncha")
    page = client.get(f"/inspection/{rnd.id}").get_data(as_text=True)
    assert f'data-testid="batch-{batch.id}"' in page
    assert f"{cases[0].number}（纳入巡察反馈问题）" in page and "督促整改" in page
    bad = client.post(f"/inspection/{rnd.id}/items", data={
        "description": "补偿款发放台账不全", "responsible": "芒市自然资源局",
        "due_on": (local_today() - timedelta(days=1)).isoformat()}, follow_redirects=True)
    assert "整改期限不能早于今天" in bad.get_data(as_text=True)
    client.post(f"/inspection/{rnd.id}/items", data={
        "description": "补偿款发放台账不全", "responsible": "芒市自然资源局",
        "due_on": (local_today() + timedelta(days=30)).isoformat()})
    db.session.refresh(rnd)
    item = rnd.items[0]
    assert item.status == "open"
    page = client.get("/inspection").get_data(as_text=True)
    assert "共 1 项，未完成 1 项" in page
    empty = client.post(f"/inspection/items/{item.id}/done", data={"result": ""},
                        follow_redirects=True)
    assert "请填写整改结果" in empty.get_data(as_text=True)
    client.post(f"/inspection/items/{item.id}/done", data={"result": "已补齐台账并公示"})
    db.session.refresh(item)
    assert item.status == "done" and item.result == "已补齐台账并公示"
    other = app.test_client()
    login(other, "liaison.zhengfa")
    assert other.get(f"/inspection/{rnd.id}").status_code == 404
    assert other.post(f"/inspection/items/{item.id}/done", data={"result": "x"}).status_code == 404
