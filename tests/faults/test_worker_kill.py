"""A real `rq worker` process killed with SIGKILL in the middle of a delivery batch and of
a chase sweep: after a restart nothing is lost and nothing is taken twice."""

import os
import re
import signal
import subprocess
import sys
import time
from datetime import timedelta

import psutil
from sqlalchemy import func, select

from hub.baoan import services as baoan
from hub.chase.models import ChaseStep
from hub.core.redis import get_redis
from hub.core.types import utcnow
from hub.deadlines.services import local_today
from hub.extensions import db
from hub.notifications import services
from hub.notifications.models import Delivery, Notification
from jobs import notifications as jobs
from jobs.queues import queue
from tests.cases.factories import in_hand
from tests.conftest import SECRET, user_named
from tests.servers import wait_for
from tests.smtp_server import SMTPServer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _worker(app, workdir, smtp_port=None):
    env = {**os.environ, "HUB_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "HUB_INSTANCE_PATH": str(workdir / "instance"), "HUB_SECRET_KEY": SECRET,
           "HUB_REDIS_URL": app.config["HUB_REDIS_URL"]}
    if smtp_port:
        env.update(HUB_SMTP_HOST="127.0.0.1", HUB_SMTP_PORT=str(smtp_port),
                   HUB_SMTP_SENDER="hub@example.invalid")
    return subprocess.Popen([sys.executable, "-m", "jobs.worker"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def _kill(proc):
    """SIGKILL the worker and its work-horse (which leaves the process group)."""
    family = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
    for p in family:
        try:
            p.send_signal(signal.SIGKILL)
        except psutil.NoSuchProcess:
            pass
    proc.wait(timeout=10)


def _drain():
    # Each test has its own database but they share one Redis: start from an empty one,
    # so job ids (which name database rows) cannot collide with an earlier test's.
    get_redis().flushdb()


def test_worker_killed_mid_delivery_batch_loses_nothing(make_app, workdir):
    smtp = SMTPServer(delay=0.05)
    with smtp:
        app = make_app(HUB_SMTP={"host": "127.0.0.1", "port": smtp.port, "user": None,
                                 "password": None, "sender": "hub@example.invalid",
                                 "tls": False})
        with app.app_context():
            _drain()
            sec = user_named("secretariat")
            sec.email = "secretariat@example.invalid"
            for n in range(40):
                services.notify([sec], "test", f"批量提醒 {n}")
            db.session.commit()  # 40 delivery jobs are enqueued now
            total = db.session.scalar(select(func.count()).select_from(Delivery))
            db.session.remove()
        worker = _worker(app, workdir, smtp.port)
        assert wait_for(lambda: len(smtp.messages) >= 8, timeout=60)
        _kill(worker)
        sent_before = len(smtp.messages)
        assert sent_before < total  # killed in the middle of the batch
        with app.app_context():
            # Time passes: a row the dead worker had claimed becomes stale and is retried.
            db.session.execute(db.update(Delivery).where(Delivery.status == "sending")
                               .values(claimed_at=utcnow() - timedelta(minutes=30)))
            db.session.execute(db.update(Delivery).values(created_at=utcnow() - timedelta(minutes=5)))
            db.session.commit()
            jobs.reconcile()
            db.session.remove()
        worker = _worker(app, workdir, smtp.port)
        try:
            def all_sent():
                with app.app_context():
                    n = db.session.scalar(select(func.count()).select_from(Delivery)
                                          .where(Delivery.status == "sent"))
                    db.session.remove()
                return n == total
            ok = wait_for(all_sent, timeout=90, interval=0.2)
            with app.app_context():
                states = dict(db.session.execute(select(Delivery.status, func.count())
                                                 .group_by(Delivery.status)).all())
                db.session.remove()
            assert ok, (states, len(smtp.messages), queue().count, queue().get_job_ids()[:5])
        finally:
            _kill(worker)
        ids = [re.search(r"<notification-(\d+)@", m["data"]).group(1) for m in smtp.messages]
        with app.app_context():
            expected = {str(i) for i in db.session.scalars(select(Notification.id))}
            db.session.remove()
        assert set(ids) == expected  # nothing lost
        # At most the one mail in flight at the kill is sent again (same Message-ID).
        assert len(ids) - len(set(ids)) <= 1


def test_worker_killed_mid_sweep_then_each_step_once(make_app, workdir):
    app = make_app()
    with app.app_context(), app.test_request_context():
        _drain()
        duties = []
        for _ in range(20):
            a = baoan.assign(user_named("secretariat"), in_hand(), user_named("leader.prefecture"),
                             local_today() + timedelta(days=90))
            duties += a.duties
        for duty in duties:
            duty.due_on = local_today()
        db.session.commit()
        n_duties = len(duties)
        leader_id = user_named("leader.prefecture").id
        db.session.remove()
    from jobs.chase import sweep

    with app.app_context():
        for n in range(3):  # a few sweeps queued, as after a doubled tick
            queue().enqueue(sweep, job_id=f"test-sweep-{n}")
    worker = _worker(app, workdir)
    time.sleep(1.0)  # let it start, and probably be inside the first sweep
    _kill(worker)
    worker = _worker(app, workdir)
    try:
        with app.app_context():
            queue().enqueue(sweep, job_id="test-sweep-after")

        def finished():
            with app.app_context():
                n = db.session.scalar(select(func.count()).select_from(ChaseStep))
                db.session.remove()
            return n == n_duties and queue().count == 0
        assert wait_for(finished, timeout=90, interval=0.3)
    finally:
        _kill(worker)
    with app.app_context():
        reminders = db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == leader_id, Notification.kind == "baoan.remind"))
        db.session.remove()
    assert reminders == n_duties  # one 提醒 per duty
