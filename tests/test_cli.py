"""Command-line tools: create-admin, demo, check."""

from hub.auth.roles import Role
from hub.extensions import db
from tests.conftest import login, user_named


def test_create_admin_makes_a_working_administrator(make_app):
    app = make_app()
    with app.app_context():
        result = app.test_cli_runner().invoke(args=[
            "hub", "create-admin", "--username", "root.admin", "--name", "首任管理员",
            "--agency", "dh.xfj", "--password", "Strong-Pass-1"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = user_named("root.admin")
        assert user.roles == {Role.ADMIN} and not user.must_change_password
        db.session.remove()
    client = app.test_client()
    login(client, "root.admin", "Strong-Pass-1")
    assert client.get("/admin/users").status_code == 200


def test_create_admin_refuses_a_weak_password(make_app):
    app = make_app()
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["hub", "create-admin", "--username", "x",
                                                    "--name", "x", "--agency", "dh.xfj",
                                                    "--password", "weak"])
    assert result.exit_code == 1 and "error" in result.output


def test_proxy_hops_record_the_client_address(make_app):
    app = make_app(HUB_PROXY_HOPS=1)
    client = app.test_client()
    client.post("/login", data={"username": "nobody", "password": "x"},
                headers={"X-Forwarded-For": "203.0.113.9"})
    with app.app_context():
        from sqlalchemy import select

        from hub.audit.models import AuditEvent

        event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
        assert event.address == "203.0.113.9"
        db.session.remove()
