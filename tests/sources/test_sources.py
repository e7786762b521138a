"""Collection points and work teams: requests recorded and handled, 办结率 per source, a
request turned into a case that remembers its source, and the intake form's source."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from hub.cases.models import Case
from hub.core.errors import ServiceError
from hub.deadlines.services import local_today
from hub.extensions import db
from hub.sources import services
from hub.sources.models import CaseSource
from tests.conftest import agency_coded, login, user_named


def _source(actor="liaison.mangshi", **over):
    args = dict(name="营盘村民情民意收集点", kind="point",
                county_id=agency_coded("mangshi.xfj").id,
                township_id=agency_coded("mangshi.xishan").id, location="营盘村党群服务中心",
                contact="李春 13800000000")
    args.update(over)
    return services.create_source(user_named(actor), **args)


def _request(source, actor="liaison.mangshi", **over):
    args = dict(received_on=local_today() - timedelta(days=3), requester="岩保",
                summary="村内道路塌方，影响出行")
    args.update(over)
    return services.record_request(user_named(actor), source, **args)


def test_setting_up_a_source_refuses_bad_input(ctx):
    with pytest.raises(ServiceError, match="请填写名称"):
        _source(name=" ")
    with pytest.raises(ServiceError, match="请选择类型"):
        _source(kind="kiosk")
    with pytest.raises(ServiceError, match="请选择所在县"):
        _source(county_id=agency_coded("mangshi.xishan").id)
    with pytest.raises(ServiceError, match="请选择芒市的乡镇") as refused:
        _source(township_id=agency_coded("ruili.huyu").id)
    assert refused.value.field == "township_id"
    with pytest.raises(ServiceError, match="只能在本辖区设立"):
        _source(actor="liaison.ruili")
    with pytest.raises(ServiceError, match="只能在本辖区设立"):
        _source(actor="township.xishan", township_id=None)  # a county-wide team
    with pytest.raises(ServiceError, match="请填写负责人及联系方式"):
        _source(contact="")
    team = _source(actor="township.xishan", name="西山片区群众工作队", kind="team")
    assert team.label == "西山片区群众工作队（群众工作队）"


def test_requests_are_recorded_handled_and_counted(app, login_as):
    with app.test_request_context():
        source = _source()
        with pytest.raises(ServiceError, match="收集日期不能晚于今天"):
            _request(source, received_on=local_today() + timedelta(days=1))
        with pytest.raises(ServiceError, match="请填写诉求内容"):
            _request(source, summary="")
        with pytest.raises(ServiceError, match="只能为本辖区"):
            _request(source, actor="liaison.ruili")
        done = [_request(source, summary=f"诉求 {n}") for n in range(3)]
        _request(source, summary="还在办")
        with pytest.raises(ServiceError, match="请填写办理结果"):
            services.handle(user_named("township.xishan"), done[0], "")
        for item in done[:2]:
            services.handle(user_named("township.xishan"), item, "已解决")
        with pytest.raises(ServiceError, match="该诉求已于"):
            services.handle(user_named("liaison.mangshi"), done[0], "再办一次")
        rows, total = services.stats(user_named("liaison.mangshi"))
        assert [(r.received, r.done, r.open, r.rate) for r in rows] == [(4, 2, 2, 0.5)]
        empty = _source(name="空收集点")
        rates = {r.source.id: r.rate for r in services.stats(user_named("liaison.mangshi"))[0]}
        assert rates == {source.id: 0.5, empty.id: None}
        source_id, empty_id = source.id, empty.id
    db.session.commit()
    client = login_as("liaison.mangshi")
    page = client.get("/sources").get_data(as_text=True)
    assert "50.0%" in page and "—" in page and "办结率 = 已办结的诉求 ÷ 收集的诉求" in page
    assert "50.0%" in client.get(f"/sources/{source_id}").get_data(as_text=True)
    resp = client.post(f"/sources/{empty_id}/requests", data={"received_on": "", "summary": "x"})
    assert resp.status_code == 422 and "请填写有效的收集日期" in resp.get_data(as_text=True)


def test_a_disabled_source_takes_no_requests(ctx):
    source = _source()
    services.set_active(user_named("liaison.mangshi"), source, False)
    with pytest.raises(ServiceError, match="已停用"):
        _request(source)
    with pytest.raises(ServiceError, match="已经停用"):
        services.set_active(user_named("liaison.mangshi"), source, False)


def test_a_request_becomes_a_case_that_remembers_its_source(app, login_as):
    with app.test_request_context():
        source = _source()
        request = _request(source, requester="赵德明", summary="承包工程款长期拖欠")
        data = services.CaseData("承包工程款拖欠", "wages", "赵德明")
        with pytest.raises(ServiceError, match="请由县（市）信访局联络员或联席办办理"):
            services.convert_to_case(user_named("township.xishan"), request, data)
        with pytest.raises(ServiceError, match="请选择有效的问题类别"):
            services.convert_to_case(user_named("liaison.mangshi"), request,
                                     services.CaseData("标题", "nonsense", "赵德明"))
        case = services.convert_to_case(user_named("liaison.mangshi"), request, data)
        assert request.status == "case" and request.case_id == case.id
        assert (case.county, case.township_id) == ("mangshi", agency_coded("mangshi.xishan").id)
        link = db.session.get(CaseSource, case.id)
        assert (link.source_id, link.request_id) == (source.id, request.id)
        with pytest.raises(ServiceError, match="已转为信访事项"):
            services.handle(user_named("liaison.mangshi"), request, "办结")
        # A case counts as handed on, not as 办结.
        assert services.stats(user_named("liaison.mangshi"))[0][0].cases == 1
        case_id, source_id = case.id, source.id
    db.session.commit()
    page = login_as("liaison.mangshi").get(f"/cases/{case_id}").get_data(as_text=True)
    assert "营盘村民情民意收集点（民情民意收集点）" in page and f"/sources/{source_id}" in page


def test_the_intake_form_records_the_source(app, login_as):
    with app.test_request_context():
        source = _source(actor="secretariat", county_id=agency_coded("ruili.xfj").id,
                         township_id=None, name="瑞丽市群众工作队", kind="team")
        source_id = source.id
    db.session.commit()
    client = login_as("liaison.xinfang")
    assert "瑞丽市群众工作队（群众工作队）" in client.get("/cases/new").get_data(as_text=True)
    form = {
        "title": "瑞丽市某工地拖欠农民工工资", "content": "工人反映工资被拖欠。",
        "channel": "visit", "category": "wages", "headcount": "1", "county": "ruili",
        "township_id": "", "village": "", "registered_on": local_today().isoformat(),
        "petitioners-0-name": "赵某", "source_id": "999999",
    }
    resp = client.post("/cases/new", data=form)
    assert resp.status_code == 200 and "请选择有效的来源" in resp.get_data(as_text=True)
    resp = client.post("/cases/new", data={**form, "source_id": str(source_id)})
    assert resp.status_code == 302
    case = db.session.scalar(select(Case).order_by(Case.id.desc()).limit(1))
    assert db.session.get(CaseSource, case.id).source_id == source_id


def test_sources_are_seen_within_the_territory(app, login_as):
    with app.test_request_context():
        source = _source()
        request = _request(source)
        ids = source.id, request.id
    db.session.commit()
    for username, sees in (("liaison.mangshi", True), ("township.xishan", True),
                           ("secretariat", True), ("liaison.ruili", False),
                           ("village.yingpan", False)):
        client = app.test_client()
        login(client, username)
        assert client.get(f"/sources/{ids[0]}").status_code == (200 if sees else 404), username
    other = app.test_client()
    login(other, "liaison.ruili")
    assert other.post(f"/sources/requests/{ids[1]}/handle",
                      data={"result": "x"}).status_code == 404
