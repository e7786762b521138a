"""Login, lockout, rate limit, idle and absolute timeouts, and ending sessions."""

from datetime import timedelta

from sqlalchemy import func, select

from hub.audit.models import AuditEvent
from hub.auth.models import UserSession
from hub.core.types import utcnow
from hub.extensions import db
from tests.conftest import DEMO_PASSWORD, login, user_named


def _actions():
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def test_login_success_shows_workspace_and_is_audited(client):
    resp = client.post("/login", data={"username": "secretariat", "password": DEMO_PASSWORD})
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "我的工作台" in page and "联席办" in page
    assert _actions()[-1] == "auth.login"


def test_wrong_password_is_refused_and_audited(client):
    resp = client.post("/login", data={"username": "secretariat", "password": "Wrong-pass-1"})
    assert resp.status_code == 200
    assert "用户名或密码错误" in resp.get_data(as_text=True)
    assert _actions()[-1] == "auth.login_failed"
    assert client.get("/").status_code == 302


def test_unknown_user_gets_the_same_message(client):
    resp = client.post("/login", data={"username": "nobody", "password": "Wrong-pass-1"})
    assert "用户名或密码错误" in resp.get_data(as_text=True)
    event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
    assert event.action == "auth.login_failed" and event.actor_name == "nobody"


def test_five_failures_lock_the_account_with_unlock_time(client):
    for _ in range(4):
        body = client.post("/login", data={"username": "auditor", "password": "Bad-pass-1"})
        assert "用户名或密码错误" in body.get_data(as_text=True)
    fifth = client.post("/login", data={"username": "auditor", "password": "Bad-pass-1"})
    text = fifth.get_data(as_text=True)
    assert "账号已锁定" in text
    user = user_named("auditor")
    assert user.locked_until is not None
    local_unlock = (user.locked_until + timedelta(hours=8)).strftime("%H:%M")
    assert local_unlock in text  # the unlock time, in 北京时间
    # Even the right password is refused while locked.
    right = client.post("/login", data={"username": "auditor", "password": DEMO_PASSWORD})
    assert right.status_code == 200 and "账号已锁定" in right.get_data(as_text=True)
    # After the lock expires the right password works again.
    user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    login(client, "auditor")


def test_many_failures_from_one_address_are_rate_limited(app, client):
    limit = app.config["HUB_ADDRESS_FAILURE_LIMIT"]
    for i in range(limit):
        client.post("/login", data={"username": f"ghost{i}", "password": "Bad-pass-1"})
    resp = client.post("/login", data={"username": "secretariat", "password": DEMO_PASSWORD})
    assert resp.status_code == 429
    assert "登录失败次数过多" in resp.get_data(as_text=True)
    # Another address is not affected.
    other = client.post("/login", data={"username": "secretariat", "password": DEMO_PASSWORD},
                        environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 302


def _current_session(username):
    user = user_named(username)
    return db.session.scalar(
        select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    )


def test_idle_timeout_ends_the_session_with_a_message(app, login_as):
    client = login_as("liaison.jiwei")
    row = _current_session("liaison.jiwei")
    row.last_seen_at = utcnow() - timedelta(seconds=app.config["HUB_IDLE_TIMEOUT_SECONDS"] + 5)
    db.session.commit()
    resp = client.get("/")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "30 分钟没有操作" in page
    db.session.refresh(row)
    assert row.ended_at is not None and row.end_reason == "idle"


def test_activity_within_the_idle_window_keeps_the_session(app, login_as):
    client = login_as("liaison.jiwei")
    row = _current_session("liaison.jiwei")
    row.last_seen_at = utcnow() - timedelta(seconds=app.config["HUB_IDLE_TIMEOUT_SECONDS"] - 60)
    db.session.commit()
    assert client.get("/").status_code == 200
    db.session.refresh(row)
    assert utcnow() - row.last_seen_at < timedelta(seconds=10)


def test_extend_session_moves_the_deadline(app, login_as):
    client = login_as("liaison.jiwei")
    row = _current_session("liaison.jiwei")
    row.last_seen_at = utcnow() - timedelta(minutes=20)
    db.session.commit()
    resp = client.post("/session/extend")
    assert resp.status_code == 200
    db.session.refresh(row)
    assert utcnow() - row.last_seen_at < timedelta(seconds=10)
    assert "deadline" in resp.get_json()


def test_absolute_lifetime_of_twelve_hours(login_as):
    client = login_as("liaison.jiwei")
    row = _current_session("liaison.jiwei")
    row.created_at = utcnow() - timedelta(hours=12, minutes=1)
    db.session.commit()
    resp = client.get("/")
    assert resp.status_code == 302
    assert "12 小时" in client.get(resp.headers["Location"]).get_data(as_text=True)


def test_password_change_ends_every_session(app):
    first, second = app.test_client(), app.test_client()
    login(first, "leader.mangshi")
    login(second, "leader.mangshi")
    resp = first.post("/account/password", data={
        "current_password": DEMO_PASSWORD, "new_password": "New-Pass-2027",
        "confirm_password": "New-Pass-2027"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/login"
    # The other browser is logged out too.
    other = second.get("/")
    assert other.status_code == 302 and other.headers["Location"].startswith("/login")
    assert first.get("/").status_code == 302
    login(first, "leader.mangshi", "New-Pass-2027")
    user = user_named("leader.mangshi")
    assert db.session.scalar(
        select(func.count()).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    ) == 1


def test_weak_new_password_is_refused_with_the_rule(login_as):
    client = login_as("leader.mangshi")
    resp = client.post("/account/password", data={
        "current_password": DEMO_PASSWORD, "new_password": "alllowercase",
        "confirm_password": "alllowercase"})
    text = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "至少三类" in text and 'href="#new_password"' in text


def test_disabling_a_user_ends_their_sessions(app, login_as):
    victim = app.test_client()
    login(victim, "liaison.zuzhi")
    admin = login_as("admin")
    user = user_named("liaison.zuzhi")
    assert admin.post(f"/admin/users/{user.id}/disable").status_code == 302
    resp = victim.get("/")
    assert resp.status_code == 302
    assert "已停用" in victim.get(resp.headers["Location"]).get_data(as_text=True)
    refused = victim.post("/login", data={"username": "liaison.zuzhi", "password": DEMO_PASSWORD})
    assert "已停用" in refused.get_data(as_text=True)


def test_admin_can_end_a_users_sessions(app, login_as):
    victim = app.test_client()
    login(victim, "liaison.xuncha")
    admin = login_as("admin")
    user = user_named("liaison.xuncha")
    assert admin.post(f"/admin/users/{user.id}/end-sessions").status_code == 302
    assert victim.get("/").status_code == 302


def test_reset_password_forces_a_change_at_next_login(app, login_as):
    admin = login_as("admin")
    user = user_named("liaison.zhengfa")
    page = admin.post(f"/admin/users/{user.id}/reset-password").get_data(as_text=True)
    temporary = page.split('data-testid="temporary-password">')[1].split("<")[0]
    person = app.test_client()
    resp = person.post("/login", data={"username": "liaison.zhengfa", "password": temporary})
    assert resp.headers["Location"] == "/account/password"
    # Every other page sends them back to the password form.
    assert person.get("/agencies").headers["Location"] == "/account/password"
    person.post("/account/password", data={"current_password": temporary,
                "new_password": "Fresh-Pass-99", "confirm_password": "Fresh-Pass-99"})
    login(person, "liaison.zhengfa", "Fresh-Pass-99")
    assert person.get("/").status_code == 200


def test_logout_ends_the_session(login_as):
    client = login_as("secretariat")
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302
    assert _actions()[-1] == "auth.logout"


def test_open_redirect_after_login_is_ignored(client):
    resp = client.post("/login", data={"username": "secretariat", "password": DEMO_PASSWORD,
                                       "next": "//evil.example/x"})
    assert resp.headers["Location"] == "/"
