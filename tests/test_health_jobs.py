"""Health check, Redis outages, the nightly audit job through a real RQ worker, the cron
loop, plug-ins and demo data."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rq import SimpleWorker
from sqlalchemy import func, select

from agencies import registry
from hub.audit.models import AuditVerification
from hub.core.redis import get_redis
from hub.extensions import db
from jobs import cron
from jobs.queues import queue
from tests.conftest import login

TZ = ZoneInfo("Asia/Shanghai")


def test_healthz_ok_with_database_and_redis(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok", "database": "ok", "redis": "ok"}


def test_redis_down_degrades_health_but_pages_work(make_app, workdir):
    down = make_app(redis=False, HUB_REDIS_URL=f"unix://{workdir}/no-such.sock")
    client = down.test_client()
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.get_json() == {"status": "degraded", "database": "ok", "redis": "unavailable"}
    login(client, "secretariat")
    assert client.get("/").status_code == 200
    with down.app_context():
        from jobs.audit import verify_audit_chain
        from jobs.queues import enqueue_once

        assert enqueue_once(verify_audit_chain, "periodic-test") is False


def _drain():
    q = queue()
    q.empty()
    for job_id in q.finished_job_registry.get_job_ids():
        q.finished_job_registry.remove(job_id, delete_job=True)


def test_nightly_verification_runs_through_rq_and_is_shown(app, login_as, monkeypatch):
    _drain()
    monkeypatch.setitem(app.config, "HUB_AUDIT_VERIFY_HOUR", 0)  # due from midnight, so "now" is always past it
    now = datetime.now(TZ)
    enqueued = cron.tick(now)
    assert f"periodic-audit-verify-{now.date().isoformat()}" in enqueued
    assert any(j.startswith("periodic-notifications-reconcile-") for j in enqueued)
    # A doubled tick enqueues nothing more.
    assert cron.tick(now) == []
    worker = SimpleWorker([queue()], connection=get_redis())
    assert worker.work(burst=True)
    stored = db.session.scalar(select(AuditVerification).order_by(AuditVerification.id.desc()))
    assert stored is not None and stored.ok
    # Once it has run for the period, it is not due again until the next night.
    assert cron.audit_verify_due(now) is None
    assert cron.audit_verify_due(now + timedelta(days=1)) is not None
    page = login_as("auditor").get("/audit").get_data(as_text=True)
    assert "最近一次校验" in page and "完整" in page
    _drain()


def test_verification_job_is_safe_to_run_twice(ctx):
    from jobs.audit import verify_audit_chain

    before = db.session.scalar(select(func.count()).select_from(AuditVerification))
    assert verify_audit_chain().startswith("OK")
    assert verify_audit_chain().startswith("OK")
    assert db.session.scalar(select(func.count()).select_from(AuditVerification)) == before + 2


def test_before_the_hour_the_previous_night_counts(app):
    with app.test_request_context():
        at_1am = datetime(2026, 11, 27, 1, 0, tzinfo=TZ)
        assert cron.audit_verify_due(at_1am) in (None, "2026-11-26")


def test_the_five_joint_agencies_are_registered_plugins():
    codes = {p.code for p in registry.all_plugins()}
    assert codes == {"petition", "discipline", "inspection", "organization", "political_legal"}
    names = {m.name for m, _p in registry.mechanisms()}
    assert names == {"信访+纪委监委", "信访+巡察", "信访+组织", "信访+政法"}
    assert registry.for_kind("discipline").name == "纪委监委"


def test_hub_never_imports_a_plugin_by_name():
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[1] / "hub"
    plugin_modules = ["petition", "discipline", "inspection", "organization", "political_legal"]
    offenders = []
    for path in root.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for mod in plugin_modules:
            if f"import agencies.{mod}" in source or f"from agencies.{mod}" in source:
                offenders.append(f"{path.name}: {mod}")
    assert offenders == []


def test_registry_refuses_a_clash():
    import pytest

    from agencies.base import AgencyPlugin
    from agencies.registry import RegistryError, register

    class Clash(AgencyPlugin):
        code = "discipline2"
        name = "重复"
        kind = "discipline"

    with pytest.raises(RegistryError):
        register(Clash)


def test_demo_data_is_idempotent(ctx):
    from hub.demo import load_demo

    again = load_demo()
    assert again["agencies"] == 0 and again["users"] == 0


def test_english_locale_switch(login_as):
    client = login_as("liaison.jiwei")
    client.post("/locale", data={"locale": "en", "next": "/"})
    page = client.get("/").get_data(as_text=True)
    assert "My workspace" in page and "我的工作台" not in page
    client.post("/locale", data={"locale": "zh_CN", "next": "/"})
    assert "我的工作台" in client.get("/").get_data(as_text=True)
