"""Admin pages for users."""

from sqlalchemy import select

from hub.auth.models import User
from hub.extensions import db
from tests.conftest import agency_coded, login, user_named


def test_create_user_shows_the_temporary_password_once(app, login_as):
    admin = login_as("admin")
    resp = admin.post("/admin/users/new", data={
        "username": "liaison.new", "display_name": "新联络员",
        "agency_id": str(agency_coded("ruili.jw").id), "roles": ["liaison"], "leader_rank": "",
        "password": ""})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    temporary = page.split('data-testid="temporary-password">')[1].split("<")[0]
    user = user_named("liaison.new")
    assert user.must_change_password and user.password_hash != temporary
    person = app.test_client()
    assert person.post("/login", data={"username": "liaison.new", "password": temporary}
                       ).headers["Location"] == "/account/password"


def test_leader_needs_a_rank_and_username_must_be_unique(login_as):
    admin = login_as("admin")
    base = {"display_name": "X", "agency_id": str(agency_coded("dh.xfj").id), "password": ""}
    page = admin.post("/admin/users/new", data={**base, "username": "leader.x",
                      "roles": ["leader"], "leader_rank": ""}).get_data(as_text=True)
    assert "包案领导须选择职级" in page
    dup = admin.post("/admin/users/new", data={**base, "username": "admin",
                     "roles": ["liaison"], "leader_rank": ""}).get_data(as_text=True)
    assert "用户名已存在" in dup
    none = admin.post("/admin/users/new", data={**base, "username": "x.y", "leader_rank": ""}
                      ).get_data(as_text=True)
    assert "至少选择一个角色" in none


def test_changing_roles_makes_the_user_log_in_again(app, login_as):
    person = app.test_client()
    login(person, "liaison.xinfang")
    admin = login_as("admin")
    target = user_named("liaison.xinfang")
    admin.post(f"/admin/users/{target.id}/edit", data={
        "display_name": target.display_name, "agency_id": str(target.agency_id),
        "roles": ["liaison", "secretariat"], "leader_rank": ""})
    db.session.refresh(target)
    assert {r.role for r in target.role_rows} == {"liaison", "secretariat"}
    assert person.get("/").status_code == 302


def test_admin_cannot_lock_themself_out(login_as):
    admin = login_as("admin")
    me = user_named("admin")
    page = admin.post(f"/admin/users/{me.id}/disable", follow_redirects=True).get_data(as_text=True)
    assert "不能停用自己的账号" in page
    assert db.session.scalar(select(User.active).where(User.id == me.id))


def test_user_list_filters(login_as):
    admin = login_as("admin")
    page = admin.get("/admin/users?role=leader").get_data(as_text=True)
    assert "leader.mangshi" in page and "liaison.jiwei" not in page
