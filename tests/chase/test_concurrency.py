"""Two sweeps at once, in two processes, take each step once."""

import os
import subprocess
import sys
from datetime import timedelta

from sqlalchemy import func, select

from hub.baoan import services as baoan
from hub.chase.models import ChaseStep
from hub.deadlines.services import local_today
from hub.extensions import db
from hub.notifications.models import Notification
from tests.cases.factories import in_hand
from tests.conftest import SECRET, user_named

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SWEEP = """
import sys
from datetime import date
from hub import create_app
from hub.extensions import db
app = create_app()
with app.app_context():
    from hub.chase.sweep import run
    done = run(today=date.fromisoformat(sys.argv[1]))
    db.session.commit()
    print(dict(done))
"""


def test_two_sweep_processes_take_each_step_once(make_app, workdir):
    app = make_app()
    with app.app_context(), app.test_request_context():
        duties = []
        for _ in range(12):
            a = baoan.assign(user_named("secretariat"), in_hand(), user_named("leader.prefecture"),
                             local_today() + timedelta(days=90))
            duties += a.duties
        today = local_today()
        for duty in duties:
            duty.due_on = today  # every duty's 提醒 is due now
        db.session.commit()
        leader_id = user_named("leader.prefecture").id
        before = db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == leader_id))
        db.session.remove()
    env = {**os.environ, "HUB_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "HUB_INSTANCE_PATH": str(workdir / "instance"), "HUB_SECRET_KEY": SECRET,
           "HUB_REDIS_URL": app.config["HUB_REDIS_URL"] or ""}
    procs = [subprocess.Popen([sys.executable, "-c", SWEEP, today.isoformat()], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    with app.app_context():
        steps = db.session.scalar(select(func.count()).select_from(ChaseStep))
        after = db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == leader_id))
        db.session.remove()
    assert steps == len(duties)
    assert after - before == len(duties)  # one 提醒 per duty, not two
