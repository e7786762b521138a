"""Agency admin: create, edit, move, deactivate, delete only when it owns nothing."""

from sqlalchemy import select

from hub.agencies.models import Agency
from hub.audit.models import AuditEvent
from hub.extensions import db
from tests.conftest import agency_coded


def _last_action():
    return db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.seq.desc()).limit(1))


def _new(client, **fields):
    data = {"code": "mangshi.test", "name": "芒市测试局", "kind": "handling_unit",
            "level": "county", "parent_id": str(agency_coded("mangshi.xfj").id), **fields}
    return client.post("/admin/agencies/new", data=data)


def test_create_agency_is_audited(login_as):
    client = login_as("admin")
    resp = _new(client)
    assert resp.status_code == 302
    created = agency_coded("mangshi.test")
    assert created.parent.code == "mangshi.xfj"
    assert _last_action() == "agencies.created"


def test_bad_input_gets_a_clear_message(login_as):
    client = login_as("admin")
    dup = _new(client, code="dh.xfj").get_data(as_text=True)
    assert "编码已被其他单位使用" in dup and 'href="#code"' in dup
    bad = _new(client, code="带中文").get_data(as_text=True)
    assert "编码只能使用" in bad
    upward = _new(client, level="prefecture").get_data(as_text=True)
    assert "上级单位的层级不能低于本单位" in upward


def test_move_agency_and_refuse_a_cycle(login_as):
    client = login_as("admin")
    township = agency_coded("mangshi.xishan")
    target = agency_coded("ruili.xfj")
    data = {"code": township.code, "name": township.name, "kind": township.kind,
            "level": township.level, "parent_id": str(target.id)}
    assert client.post(f"/admin/agencies/{township.id}/edit", data=data).status_code == 302
    db.session.refresh(township)
    assert township.parent_id == target.id and _last_action() == "agencies.moved"
    county = agency_coded("mangshi.xfj")
    village = agency_coded("mangshi.xishan.yingjiang")
    cycle = client.post(f"/admin/agencies/{county.id}/edit", data={
        "code": county.code, "name": county.name, "kind": county.kind, "level": "county",
        "parent_id": str(village.id)}).get_data(as_text=True)
    assert "上级单位的层级不能低于本单位" in cycle or "不能把单位移到" in cycle


def test_cannot_move_under_own_descendant(ctx):
    from hub.agencies.services import update_agency
    from hub.core.errors import ServiceError

    parent = agency_coded("dh.jw")
    child = agency_coded("mangshi.jw")
    try:
        update_agency(None, parent, code=parent.code, name=parent.name, kind=parent.kind,
                      level="prefecture", parent=child)
    except ServiceError as exc:
        assert exc.field == "parent_id"
    else:
        raise AssertionError("a cycle was accepted")


def test_agency_with_users_cannot_be_deleted_or_deactivated(login_as):
    client = login_as("admin")
    jw = agency_coded("dh.jw")
    page = client.post(f"/admin/agencies/{jw.id}/delete", follow_redirects=True)
    assert "不能删除" in page.get_data(as_text=True)
    assert agency_coded("dh.jw") is not None
    deact = client.post(f"/admin/agencies/{jw.id}/deactivate", follow_redirects=True)
    assert "启用的账号" in deact.get_data(as_text=True)
    db.session.refresh(jw)
    assert jw.active


def test_empty_agency_can_be_deactivated_and_deleted(login_as):
    client = login_as("admin")
    _new(client)
    created = agency_coded("mangshi.test")
    assert client.post(f"/admin/agencies/{created.id}/deactivate").status_code == 302
    db.session.refresh(created)
    assert not created.active and _last_action() == "agencies.deactivated"
    assert client.post(f"/admin/agencies/{created.id}/delete").status_code == 302
    assert db.session.scalar(select(Agency).where(Agency.code == "mangshi.test")) is None
    assert _last_action() == "agencies.deleted"


def test_tree_page_lists_the_demo_prefecture(login_as):
    page = login_as("secretariat").get("/agencies").get_data(as_text=True)
    for name in ("芒市西山乡", "瑞丽市户育乡", "陇川县户撒乡", "梁河县芒东乡", "盈江县信访局"):
        assert name in page
