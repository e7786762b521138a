"""Request ids and JSON request logs, the token-guarded /metrics endpoint, and the admins'
任务队列 page with its retries — against the real Redis of the test session."""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from rq import Queue, SimpleWorker
from sqlalchemy import select

from hub.audit.models import AuditEvent
from hub.core.redis import get_redis
from hub.deadlines.models import Deadline
from hub.deadlines.services import local_today
from hub.extensions import db
from hub.observability.logs import JsonFormatter
from jobs.logs import JobIdFilter
from tests.conftest import login, user_named

TOKEN = "metrics-token-for-the-tests-0123456789"
TEST_QUEUE = "observe-test"


# Job functions (RQ imports them by name).
def logs_a_line():
    logging.getLogger("jobs.observe_test").info("inside the job")


def failing_job():
    raise ValueError("故意失败 for the test")


@pytest.fixture
def test_queue(app):
    with app.app_context():
        q = Queue(TEST_QUEUE, connection=get_redis())
    yield q
    for job_id in q.failed_job_registry.get_job_ids():
        q.failed_job_registry.remove(job_id, delete_job=True)
    q.delete(delete_jobs=True)


@pytest.fixture
def metrics_token(app, monkeypatch):
    monkeypatch.setitem(app.config, "HUB_METRICS_TOKEN", TOKEN)
    return TOKEN


def _scrape(client, token=TOKEN) -> dict:
    resp = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200
    assert resp.content_type.startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(resp.get_data(as_text=True)):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def _fail_jobs(q, n=1):
    jobs = [q.enqueue(failing_job) for _ in range(n)]
    SimpleWorker([q], connection=q.connection).work(burst=True)
    return jobs


# --- request ids and logs ---------------------------------------------------------------

def test_every_response_carries_a_fresh_request_id(client):
    first = client.get("/healthz").headers.get("X-Request-Id")
    second = client.get("/login").headers.get("X-Request-Id")
    missing = client.get("/no-such-page").headers.get("X-Request-Id")
    for rid in (first, second, missing):
        assert rid and re.fullmatch(r"[0-9a-f]{32}", rid)
    assert len({first, second, missing}) == 3


def test_an_incoming_request_id_is_trusted_only_behind_proxies(app, client, monkeypatch):
    given = {"X-Request-Id": "edge-7f3a.b_c"}
    assert client.get("/healthz", headers=given).headers["X-Request-Id"] != "edge-7f3a.b_c"
    monkeypatch.setitem(app.config, "HUB_PROXY_HOPS", 1)
    assert client.get("/healthz", headers=given).headers["X-Request-Id"] == "edge-7f3a.b_c"
    for bad in ("a" * 65, "has space", "semi;colon", "张三", ""):
        rid = client.get("/healthz", headers={"X-Request-Id": bad}).headers["X-Request-Id"]
        assert rid != bad and re.fullmatch(r"[0-9a-f]{32}", rid)


def _request_lines(caplog):
    formatter = JsonFormatter()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == "hub.request"]


def test_one_json_log_line_per_request(client, caplog):
    with caplog.at_level(logging.INFO, logger="hub.request"):
        resp = client.get("/healthz?name=张三&phone=13800000000")
    lines = _request_lines(caplog)
    assert len(lines) == 1
    line = lines[0]
    assert {"time", "request_id", "method", "path", "endpoint", "status", "duration_ms",
            "user_id"} <= set(line)
    assert line["request_id"] == resp.headers["X-Request-Id"]
    assert line["method"] == "GET" and line["status"] == 200
    assert line["path"] == "/healthz" and line["endpoint"] == "core.healthz"
    assert "张三" not in json.dumps(line, ensure_ascii=False) and "13800000000" not in str(line)
    assert isinstance(line["duration_ms"], int | float) and line["duration_ms"] >= 0
    assert line["user_id"] is None


def test_the_log_line_names_the_signed_in_user(client, caplog):
    login(client, "admin")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="hub.request"):
        client.get("/")
        client.get("/no-such-page")
    home, missing = _request_lines(caplog)
    assert home["user_id"] == user_named("admin").id and home["endpoint"] == "core.home"
    assert missing["status"] == 404 and missing["endpoint"] is None


def test_lines_logged_inside_a_job_carry_its_id(test_queue, caplog):
    job = test_queue.enqueue(logs_a_line)
    caplog.handler.addFilter(JobIdFilter())
    with caplog.at_level(logging.INFO, logger="jobs.observe_test"):
        SimpleWorker([test_queue], connection=test_queue.connection).work(burst=True)
    mine = [r for r in caplog.records if r.name == "jobs.observe_test"]
    assert [r.job_id for r in mine] == [job.id]
    assert json.loads(JsonFormatter().format(mine[0]))["job_id"] == job.id


# --- /metrics -------------------------------------------------------------------------

def test_metrics_is_hidden_without_a_configured_token(client):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer anything"}).status_code == 404


def test_metrics_refuses_a_wrong_token(client, metrics_token):
    for header in (None, "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x", TOKEN):
        headers = {"Authorization": header} if header else {}
        assert client.get("/metrics", headers=headers).status_code == 404


def test_metrics_has_the_request_histogram(client, metrics_token):
    for _ in range(3):
        client.get("/healthz")
    client.get("/no-such-page")
    samples = _scrape(client)
    count = samples[("hub_request_duration_seconds_count",
                     (("endpoint", "core.healthz"), ("status", "2xx")))]
    assert count >= 3
    assert samples[("hub_request_duration_seconds_count",
                    (("endpoint", "<unmatched>"), ("status", "4xx")))] >= 1
    assert ("hub_request_duration_seconds_bucket",
            (("endpoint", "core.healthz"), ("le", "+Inf"), ("status", "2xx"))) in samples


def test_metrics_counts_queued_and_failed_jobs(client, metrics_token, test_queue):
    _fail_jobs(test_queue, 2)
    test_queue.enqueue(logs_a_line)
    test_queue.enqueue(logs_a_line)
    test_queue.enqueue(logs_a_line)
    samples = _scrape(client)
    assert samples[("hub_redis_up", ())] == 1
    assert samples[("hub_rq_queue_length", (("queue", TEST_QUEUE),))] == 3
    assert samples[("hub_rq_failed_jobs", (("queue", TEST_QUEUE),))] == 2
    assert ("hub_rq_queue_length", (("queue", "default"),)) in samples


def _deadline(kind, due_on, done=False):
    return Deadline(owner_type="test", owner_id=1, kind=kind, start_on=due_on - timedelta(days=10),
                    days=10, unit="calendar", due_on=due_on, yellow_on=due_on, stale_on=due_on,
                    done_at=db.func.now() if done else None)


def test_metrics_counts_overdue_deadlines_by_kind(client, metrics_token):
    today = local_today()
    db.session.add_all([
        _deadline("test.overdue_a", today - timedelta(days=1)),
        _deadline("test.overdue_a", today - timedelta(days=30)),
        _deadline("test.overdue_a", today),  # due today: not yet overdue
        _deadline("test.overdue_a", today - timedelta(days=3), done=True),  # done: not open
        _deadline("test.overdue_b", today - timedelta(days=2)),
        _deadline("test.on_time", today + timedelta(days=5)),
    ])
    db.session.commit()
    samples = _scrape(client)
    assert samples[("hub_deadlines_overdue", (("kind", "test.overdue_a"),))] == 2
    assert samples[("hub_deadlines_overdue", (("kind", "test.overdue_b"),))] == 1
    assert ("hub_deadlines_overdue", (("kind", "test.on_time"),)) not in samples
    assert ("hub_notification_deliveries", (("status", "failed"),)) in samples


def test_metrics_answer_when_redis_is_down(make_app, workdir):
    down = make_app(redis=False, HUB_REDIS_URL=f"unix://{workdir}/no-such.sock",
                    HUB_METRICS_TOKEN=TOKEN)
    samples = _scrape(down.test_client())
    assert samples[("hub_redis_up", ())] == 0
    assert not any(name.startswith("hub_rq_") for name, _labels in samples)
    assert any(name == "hub_notification_deliveries" for name, _labels in samples)


def test_metrics_token_setting_is_checked():
    from hub.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match="HUB_METRICS_TOKEN"):
        load_settings({"HUB_METRICS_TOKEN": "short", "HUB_SECRET_KEY": "x" * 40,
                       "HUB_INSTANCE_PATH": "/nonexistent-hub-instance"})


# --- the 任务队列 page ------------------------------------------------------------------

def test_admin_sees_a_failed_job_and_retries_it(login_as, test_queue):
    (job,) = _fail_jobs(test_queue)
    client = login_as("admin")
    page = client.get("/admin/queues")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert job.id in html and "tests.test_observability.failing_job" in html
    assert "ValueError: 故意失败 for the test" in html
    assert "Traceback" not in html and ".py" not in html
    assert TEST_QUEUE in html
    resp = client.post("/admin/queues/retry", data={"job_id": job.id})
    assert resp.status_code == 302
    assert job.id in test_queue.job_ids
    assert job.id not in test_queue.failed_job_registry.get_job_ids()
    event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
    assert event.action == "jobs.retried" and event.object_id == job.id
    assert event.actor_name == "admin" and event.after["queue"] == TEST_QUEUE
    # Retrying it again: no longer failed, a message, nothing audited.
    again = client.post("/admin/queues/retry", data={"job_id": job.id}, follow_redirects=True)
    assert "已不在失败列表中" in again.get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc())).id == event.id


def test_admin_retries_all_failed_jobs(login_as, test_queue):
    jobs = _fail_jobs(test_queue, 2)
    client = login_as("admin")
    resp = client.post("/admin/queues/retry-all", follow_redirects=True)
    assert "已重新排队 2 个失败的任务" in resp.get_data(as_text=True)
    assert sorted(test_queue.job_ids) == sorted(j.id for j in jobs)
    assert test_queue.failed_job_registry.count == 0
    event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
    assert event.action == "jobs.retried_all" and event.after["count"] == 2


def test_queues_page_is_for_admins_only(login_as, test_queue):
    (job,) = _fail_jobs(test_queue)
    client = login_as("secretariat")
    assert client.get("/admin/queues").status_code == 403
    assert client.post("/admin/queues/retry", data={"job_id": job.id}).status_code == 403
    assert client.post("/admin/queues/retry-all").status_code == 403
    assert job.id in test_queue.failed_job_registry.get_job_ids()
    assert "/admin/queues" not in client.get("/").get_data(as_text=True)


def test_admin_navigation_links_the_queues_page(login_as):
    assert "/admin/queues" in login_as("admin").get("/").get_data(as_text=True)


def test_queues_page_explains_when_redis_is_down(make_app, workdir):
    down = make_app(redis=False, HUB_REDIS_URL=f"unix://{workdir}/no-such.sock")
    client = down.test_client()
    login(client, "admin")
    page = client.get("/admin/queues")
    assert page.status_code == 200
    assert "无法连接任务队列服务（Redis）" in page.get_data(as_text=True)
    resp = client.post("/admin/queues/retry", data={"job_id": "x"}, follow_redirects=True)
    assert "暂时无法连接" in resp.get_data(as_text=True)
    resp = client.post("/admin/queues/retry-all", follow_redirects=True)
    assert "暂时无法连接" in resp.get_data(as_text=True)
