"""The notification outbox: written with the change, delivered after commit by a real RQ
worker, retried with back-off, reconciled when Redis was down, safe to run twice."""

import socket
from datetime import timedelta

import pytest
from rq import SimpleWorker
from sqlalchemy import select

from hub.core.redis import get_redis
from hub.core.types import utcnow
from hub.extensions import db
from hub.notifications import services
from hub.notifications.models import Delivery, Notification
from jobs import notifications as jobs
from jobs.queues import queue
from tests.conftest import user_named
from tests.smtp_server import SMTPServer


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _smtp(port):
    return {"host": "127.0.0.1", "port": port, "user": None, "password": None,
            "sender": "hub@example.invalid", "tls": False}


@pytest.fixture
def mail_app(make_app):
    server = SMTPServer()
    with server:
        app = make_app(HUB_SMTP=_smtp(server.port))
        app.smtp = server
        yield app


def _drain():
    # Each test has its own database but they share one Redis: start from an empty one,
    # so job ids (which name database rows) cannot collide with an earlier test's.
    get_redis().flushdb()


def _notify_secretariat(title="测试提醒"):
    sec = user_named("secretariat")
    sec.email = "secretariat@example.invalid"
    services.notify([sec], "test", title, "正文", "/")
    return sec


def test_delivered_after_commit_by_a_worker_and_safe_to_run_twice(mail_app):
    with mail_app.app_context():
        _drain()
        _notify_secretariat()
        db.session.commit()  # the delivery job is enqueued only now
        delivery = db.session.scalar(select(Delivery))
        assert delivery.status == "pending"
        jobs_waiting = [queue().fetch_job(j) for j in queue().get_job_ids()]
        assert [j.args for j in jobs_waiting] == [([delivery.id],)]
        assert SimpleWorker([queue()], connection=get_redis()).work(burst=True)
        db.session.expire_all()
        assert db.session.get(Delivery, delivery.id).status == "sent"
        assert len(mail_app.smtp.messages) == 1
        assert "secretariat@example.invalid" in mail_app.smtp.messages[0]["to"][0]
        # The job again (a duplicate from the sweep, say): nothing more is sent.
        assert jobs.deliver(delivery.id) == "skipped"
        assert len(mail_app.smtp.messages) == 1


def test_nothing_is_enqueued_for_a_change_that_rolled_back(mail_app):
    with mail_app.app_context():
        _drain()
        _notify_secretariat()
        db.session.rollback()
        assert queue().get_job_ids() == []
        assert db.session.scalar(select(Notification)) is None


def test_failures_retry_with_back_off_then_show_as_failed(make_app):
    app = make_app(HUB_SMTP=_smtp(_free_port()))  # nothing listens there
    with app.app_context():
        _notify_secretariat()
        db.session.commit()
        delivery = db.session.scalar(select(Delivery))
        assert jobs.deliver(delivery.id) == "retry"
        db.session.refresh(delivery)
        assert delivery.status == "pending" and delivery.attempts == 1
        assert delivery.next_attempt_at > utcnow() + timedelta(seconds=50)
        assert jobs.deliver(delivery.id) == "skipped"  # not due yet
        for _ in range(services.MAX_ATTEMPTS - 1):
            delivery.next_attempt_at = utcnow() - timedelta(seconds=1)
            db.session.commit()
            jobs.deliver(delivery.id)
            db.session.refresh(delivery)
        assert delivery.status == "failed" and "ConnectionRefused" in delivery.last_error
        db.session.remove()
    admin = app.test_client()
    from tests.conftest import login

    login(admin, "admin")
    page = admin.get("/inbox/deliveries").get_data(as_text=True)
    assert "ConnectionRefused" in page


def test_redis_down_loses_nothing_and_the_sweep_sends_later(make_app, workdir, redis_url):
    server = SMTPServer()
    with server:
        down = make_app(redis=False, HUB_REDIS_URL=f"unix://{workdir}/no-redis.sock",
                        HUB_SMTP=_smtp(server.port))
        with down.app_context():
            _notify_secretariat("Redis 宕机时的提醒")
            db.session.commit()  # succeeds although nothing could be enqueued
            delivery = db.session.scalar(select(Delivery))
            assert delivery.status == "pending"
            delivery.created_at = utcnow() - timedelta(minutes=5)  # older than the grace
            delivery_id = delivery.id
            db.session.commit()
            db.session.remove()
        # Redis is back: the same database, a working Redis.
        down.config["HUB_REDIS_URL"] = redis_url
        down.extensions.pop("hub_redis", None)
        with down.app_context():
            _drain()
            assert jobs.reconcile() == 1
            assert SimpleWorker([queue()], connection=get_redis()).work(burst=True)
            db.session.expire_all()
            assert db.session.get(Delivery, delivery_id).status == "sent"
            assert len(server.messages) == 1
            assert jobs.reconcile() == 0  # run twice: nothing more


def test_a_delivery_stuck_in_sending_is_picked_up_again(mail_app):
    with mail_app.app_context():
        _notify_secretariat()
        db.session.commit()
        delivery = db.session.scalar(select(Delivery))
        delivery.status, delivery.claimed_at = "sending", utcnow() - timedelta(minutes=30)
        db.session.commit()
        assert services.due_for_delivery(grace=timedelta(0)) == [(delivery.id, 1)]
        db.session.commit()
        assert jobs.deliver(delivery.id) == "sent"


def test_no_outbox_rows_without_smtp_or_email(ctx):
    services.notify([user_named("auditor")], "test", "仅站内消息")
    assert db.session.scalar(select(Delivery)) is None
    assert db.session.scalar(select(Notification).where(Notification.title == "仅站内消息"))


def test_a_web_request_that_notifies_succeeds_with_redis_down(make_app, workdir, redis_url):
    """Registering a 扬言件 tells the secretariat; with Redis down the request still commits,
    and the mail goes out once Redis is back."""
    from datetime import date

    from tests.conftest import login

    server = SMTPServer()
    with server:
        app = make_app(redis=False, HUB_REDIS_URL=f"unix://{workdir}/gone.sock",
                       HUB_SMTP=_smtp(server.port))
        with app.app_context():
            user_named("secretariat").email = "secretariat@example.invalid"
            db.session.commit()
            db.session.remove()
        client = app.test_client()
        login(client, "liaison.xinfang")
        resp = client.post("/cases/new", data={
            "title": "扬言到州政府门口采取过激行为", "content": "信访人情绪激动。", "channel": "visit",
            "category": "land", "headcount": "1", "county": "mangshi", "township_id": "",
            "registered_on": date.today().isoformat(),  # UTC today is never after 北京 today
            "petitioners-0-name": "岳某",
            "flags": "threat"})
        assert resp.status_code == 302  # committed although Redis is unreachable
        with app.app_context():
            delivery = db.session.scalar(select(Delivery))
            assert delivery is not None and delivery.status == "pending"
            delivery.created_at = utcnow() - timedelta(minutes=5)
            db.session.commit()
            db.session.remove()
        app.config["HUB_REDIS_URL"] = redis_url
        app.extensions.pop("hub_redis", None)
        with app.app_context():
            _drain()
            assert jobs.reconcile() == 1
            assert SimpleWorker([queue()], connection=get_redis()).work(burst=True)
            db.session.remove()
        assert len(server.messages) == 1
        assert "<notification-" in server.messages[0]["data"]
