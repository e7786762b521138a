"""The audit chain: every change is recorded, and verify detects edits, deletions and
reordering in a copy of the database."""

from sqlalchemy import select, text

from hub.audit.models import AuditEvent, AuditVerification
from hub.audit.services import record, verify_chain
from hub.extensions import db
from tests.conftest import login, user_named


def _events(n, actor=None):
    return [record(actor, "test.event", "things", i, before={"n": i}, after={"n": i + 1})
            for i in range(n)]


def test_events_chain_each_to_the_previous(ctx):
    first, second = _events(2)
    assert second.prev_hash == first.hash
    assert second.seq == first.seq + 1
    assert verify_chain().ok


def test_changes_record_before_and_after(app, login_as):
    client = login_as("admin")
    target = user_named("liaison.xinfang")
    client.post(f"/admin/users/{target.id}/edit", data={
        "display_name": "新名字", "agency_id": str(target.agency_id), "roles": ["liaison"],
        "leader_rank": ""})
    event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
    assert event.action == "users.updated"
    assert event.actor_name == "admin"
    assert event.before["display_name"] == "信访局联络员 张丽"
    assert event.after["display_name"] == "新名字"
    assert event.address == "127.0.0.1"


def _tampered_app(make_app, sql_list):
    """A copy of the database with events written through the app, then tampered with."""
    copy = make_app()
    with copy.app_context():
        with copy.test_request_context():
            _events(6)
        db.session.commit()
        ids = list(db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.seq)))
        for sql in sql_list(ids):
            db.session.execute(text(sql))
        db.session.commit()
    return copy


def _verify_output(app_):
    with app_.app_context():  # the command runs against this copy of the database
        result = app_.test_cli_runner().invoke(args=["hub", "audit", "verify"])
    return result.exit_code, result.output.strip()


def test_verify_says_ok_on_an_intact_chain(make_app):
    copy = _tampered_app(make_app, lambda ids: [])
    code, out = _verify_output(copy)
    assert code == 0 and out.startswith("OK")
    with copy.app_context():
        stored = db.session.scalar(select(AuditVerification).order_by(AuditVerification.id.desc()))
        assert stored.ok


def test_verify_names_an_edited_event(make_app):
    def edit(ids):
        return [f"UPDATE audit_events SET action = 'forged' WHERE id = {ids[-3]}"]

    copy = _tampered_app(make_app, edit)
    with copy.app_context():
        seq = db.session.scalar(select(AuditEvent.seq).where(AuditEvent.id == db.session.scalar(
            select(AuditEvent.id).where(AuditEvent.action == "forged"))))
    code, out = _verify_output(copy)
    assert code == 1
    assert out.startswith(f"BROKEN at event #{seq}: edited")


def test_verify_names_a_deleted_event(make_app):
    copy = _tampered_app(make_app, lambda ids: [f"DELETE FROM audit_events WHERE id = {ids[-3]}"])
    code, out = _verify_output(copy)
    assert code == 1 and ": deleted" in out


def test_verify_notices_events_cut_from_the_end(make_app):
    copy = _tampered_app(make_app, lambda ids: [f"DELETE FROM audit_events WHERE id = {ids[-1]}"])
    code, out = _verify_output(copy)
    assert code == 1 and ": deleted" in out


def test_verify_names_reordered_events(make_app):
    def swap(ids):
        a, b = ids[-4], ids[-3]  # consecutive events: a before b
        return [
            f"UPDATE audit_events SET seq = -1 WHERE id = {a}",
            f"UPDATE audit_events SET seq = seq - 1 WHERE id = {b}",
            f"UPDATE audit_events SET seq = (SELECT seq + 1 FROM audit_events WHERE id = {b}) "
            f"WHERE id = {a}",
        ]

    copy = _tampered_app(make_app, swap)
    code, out = _verify_output(copy)
    assert code == 1 and ": reordered" in out, out


def test_a_rechained_edit_without_the_key_is_still_detected(make_app):
    """Someone who edits a row and recomputes a plain SHA-256 cannot fake the keyed hash."""
    import hashlib

    fake = hashlib.sha256(b"forged").hexdigest()
    copy = _tampered_app(make_app, lambda ids: [
        f"UPDATE audit_events SET action = 'x', hash = '{fake}' WHERE id = {ids[-1]}",
        f"UPDATE audit_head SET last_hash = '{fake}'",
    ])
    code, out = _verify_output(copy)
    assert code == 1 and "edited" in out


def test_audit_page_lists_and_filters(app, login_as):
    login(app.test_client(), "secretariat")
    client = login_as("auditor")
    page = client.get("/audit?actor=secretariat&action=auth.login").get_data(as_text=True)
    assert "auth.login" in page and "secretariat" in page
    none = client.get("/audit?actor=nobody-at-all").get_data(as_text=True)
    assert "没有符合条件的记录" in none
    bad_date = client.get("/audit?date_from=not-a-date")
    assert bad_date.status_code == 200  # a clear form error, not a crash
    assert "Not a valid date" in bad_date.get_data(as_text=True) or "日期" in bad_date.get_data(as_text=True)


def test_no_code_updates_or_deletes_audit_events():
    """Append-only in the code: nothing outside migrations writes to audit_events except the
    insert in hub.audit.services.record."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2]
    pattern = re.compile(r"(update|delete)\(\s*AuditEvent|AuditEvent\)\.(update|delete)|"
                         r"(UPDATE|DELETE FROM)\s+audit_events")
    offenders = []
    for path in list(root.joinpath("hub").rglob("*.py")) + list(root.joinpath("jobs").rglob("*.py")):
        if pattern.search(path.read_text(encoding="utf-8")):
            offenders.append(str(path.relative_to(root)))
    assert offenders == []
