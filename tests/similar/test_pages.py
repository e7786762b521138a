"""The pages: similar cases on the case page and at intake (within the user's visibility),
and the clusters pages of the joint-meeting office."""

from __future__ import annotations

import random
import re
from datetime import date

import pytest
from sqlalchemy import select, update

from hub.cases.models import Case
from hub.cases.permissions import scoped
from hub.extensions import db
from hub.similar import clusters
from hub.similar.models import ClusterRun, SimilarCluster, similar_cluster_cases
from tests.cases.factories import registered
from tests.conftest import login, user_named
from tests.similar import corpus
from tests.similar.helpers import add_cases
from tests.similar.test_visibility import family  # noqa: F401 - the shared fixture

NUMBER = re.compile(r"SIM\d{9}")
SINCE, UNTIL = clusters.month_of(date(2026, 3, 2))  # the test cases' month


def _visible(username: str) -> set[str]:
    return set(db.session.scalars(scoped(user_named(username), select(Case.number))[0]))


def _numbers(html: str) -> set[str]:
    return set(NUMBER.findall(html))


def _client(app, username: str):
    client = app.test_client()
    login(client, username)
    return client


def _number(case_id: int) -> str:
    return db.session.get(Case, case_id).number


# --- the case page -----------------------------------------------------------------------

def test_the_case_page_loads_its_similar_cases_lazily(app, ctx):
    first = registered(title="芒市遮放镇弄坎村高速公路连接线征地补偿款未兑付",
                       content="2023年弄坎村约300亩集体土地被征用于高速公路连接线，征地补偿款至今"
                               "未兑付到户，村组账目不公开。")
    second = registered(title="弄坎村村民讨要高速公路连接线征地补偿款",
                        content="我们弄坎村的承包地被高速公路连接线项目占用，当时说好的征地补偿款"
                                "至今没有兑付，村组账目也不公开。")
    lonely = registered(title="瑞丽市某中学学位分配", content="孩子随迁在城区，申请学位被拒。",
                        county="ruili", category="education")
    db.session.commit()
    client = _client(app, "secretariat")
    page = client.get(f"/cases/{second.id}").get_data(as_text=True)
    assert "相似信访件" in page and f'hx-get="/similar/cases/{second.id}"' in page
    part = client.get(f"/similar/cases/{second.id}")
    html = part.get_data(as_text=True)
    assert part.status_code == 200 and "<html" not in html
    assert first.number in html and f'href="/cases/{first.id}"' in html
    assert second.number not in html and lonely.number not in html
    assert re.search(r"相似度 \d{1,3}%", html)
    assert "共同内容" in html and "高速公路连接线" in html and "同一地点" in html
    assert "同一类别" in html and "芒市" in html and "征地拆迁" in html and "已登记" in html
    empty = client.get(f"/similar/cases/{lonely.id}").get_data(as_text=True)
    assert "未发现相似信访件" in empty
    assert client.get("/similar/cases/999999").status_code == 404


def test_the_case_pages_list_never_shows_a_case_outside_ones_visibility(app, family):  # noqa: F811
    db.session.commit()
    every = sorted(set().union(*family.values()))
    for username in ("liaison.jiwei", "liaison.xinfang", "liaison.mangshi", "leader.mangshi",
                     "secretariat", "auditor"):
        client = _client(app, username)
        visible = _visible(username)
        for case_id in every:
            resp = client.get(f"/similar/cases/{case_id}")
            if _number(case_id) not in visible:
                assert resp.status_code == 404, username  # as the case page itself
                continue
            assert resp.status_code == 200
            assert _numbers(resp.get_data(as_text=True)) <= visible, username
    jiwei = _client(app, "liaison.jiwei").get(f"/similar/cases/{family['shared'][0]}")
    shown = _numbers(jiwei.get_data(as_text=True))
    assert {_number(i) for i in family["clue"]} <= shown
    assert not shown & {_number(i) for i in family["bureau"] + family["county_clue"]}


# --- at intake ---------------------------------------------------------------------------

def test_the_intake_form_shows_similar_cases_while_typing(app, family):  # noqa: F811
    db.session.commit()
    client = _client(app, "liaison.xinfang")
    form = client.get("/cases/new").get_data(as_text=True)
    assert 'hx-post="/similar/intake"' in form and "相似信访件" in form
    # The panel comes before the repeat-petition check, inside the registration form.
    assert form.index('id="similar-intake"') < form.index('id="repeats"')
    waiting = client.post("/similar/intake", data={"title": " ", "content": ""})
    assert waiting.status_code == 200 and "填写标题和信访内容后" in waiting.get_data(as_text=True)
    account = db.session.get(Case, family["bureau"][0])
    data = {"title": account.title, "content": account.content, "county": account.county,
            "category": account.category, "township_id": "", "village": account.village or ""}
    html = client.post("/similar/intake", data=data).get_data(as_text=True)
    shown = _numbers(html)
    assert account.number in shown and 'target="_blank"' in html
    assert shown <= _visible("liaison.xinfang")
    assert not shown & {_number(i) for i in family["clue"] + family["county_clue"]}
    # The 芒市 信访局 sees its own restricted clue, and nothing of the prefecture bureau's.
    county = _client(app, "liaison.mangshi").post("/similar/intake", data=data)
    shown = _numbers(county.get_data(as_text=True))
    assert shown <= _visible("liaison.mangshi")
    assert {_number(i) for i in family["county_clue"]} <= shown
    assert not shown & {_number(i) for i in family["bureau"]}
    nothing = client.post("/similar/intake", data={"title": "路灯不亮", "content": "小区路灯坏了",
                                                   "county": "nowhere", "category": "x"})
    assert "未发现相似信访件" in nothing.get_data(as_text=True)
    # Only those who may register use it (as the intake form).
    assert _client(app, "liaison.jiwei").post("/similar/intake", data=data).status_code == 403


# --- the clusters pages ------------------------------------------------------------------

@pytest.fixture
def computed(ctx):
    """Four causes among 60 unrelated petitions, registered in March 2026 by 芒市信访局, and
    the month's clusters computed."""
    rng = random.Random(3)  # noqa: S311 - test data
    ids = add_cases(corpus.planted_groups(rng, 4, 5) + corpus.background(rng, 60),
                    agency="mangshi.xfj")
    run = clusters.new_system_run(SINCE, UNTIL)
    clusters.run_clusters(run.id)
    db.session.commit()
    return run, ids


def _cluster_rows(run) -> list[SimilarCluster]:
    return list(db.session.scalars(select(SimilarCluster).where(SimilarCluster.run_id == run.id)
                                   .order_by(SimilarCluster.position)))


def _member_ids(cluster: SimilarCluster) -> list[int]:
    m = similar_cluster_cases
    return sorted(db.session.scalars(select(m.c.case_id).where(m.c.cluster_id == cluster.id)))


def test_the_clusters_page_lists_the_months_clusters(app, computed):
    run, _ids = computed
    rows = _cluster_rows(run)
    assert len(rows) >= 4
    client = _client(app, "secretariat")
    page = client.get("/similar/clusters?month=2026-03").get_data(as_text=True)
    assert "相似信访件聚类" in page and 'value="2026-03"' in page
    assert "已完成" in page and 'data-testid="recompute"' in page
    for row in rows:
        assert f'data-testid="cluster-{row.id}"' in page
        assert f'href="/similar/clusters/{row.id}"' in page
        assert row.top_words[0] in page
    # Three examples per cluster, each a case of the cluster.
    first = rows[0]
    section = page.split(f'data-testid="cluster-{first.id}"')[1].split("</section>")[0]
    members = {_number(i) for i in _member_ids(first)}
    assert 1 <= len(_numbers(section)) <= 3 and _numbers(section) <= members
    # The nav link (for those who may open the page), the filter and an empty month.
    nav = '<li><a href="/similar/clusters">'
    assert nav in page and nav in _client(app, "auditor").get("/").get_data(as_text=True)
    assert nav not in _client(app, "liaison.xinfang").get("/").get_data(as_text=True)
    clusters.dismiss(user_named("secretariat"), first, "已另案处理")
    db.session.commit()
    dismissed = client.get("/similar/clusters?month=2026-03&status=dismissed")
    text = dismissed.get_data(as_text=True)
    assert f'data-testid="cluster-{first.id}"' in text and "已另案处理" in text
    assert f'data-testid="cluster-{rows[1].id}"' not in text
    empty = client.get("/similar/clusters?month=2026-02").get_data(as_text=True)
    assert "尚未计算过聚类" in empty
    assert client.get("/similar/clusters?month=bogus").status_code == 200  # the current month


def test_a_member_that_became_restricted_is_not_shown(app, computed):
    run, _ids = computed
    cluster = _cluster_rows(run)[0]
    member_ids = _member_ids(cluster)
    hidden = member_ids[-1]  # the newest: among the three examples
    number = _number(hidden)
    client = _client(app, "secretariat")
    assert number in client.get("/similar/clusters?month=2026-03").get_data(as_text=True)
    assert number in client.get(f"/similar/clusters/{cluster.id}").get_data(as_text=True)
    # 芒市信访局 registered it: neither the secretariat nor auditors take part.
    db.session.execute(update(Case).where(Case.id == hidden).values(restricted=True))
    db.session.commit()
    for username in ("secretariat", "auditor"):
        client = _client(app, username)
        listing = client.get("/similar/clusters?month=2026-03").get_data(as_text=True)
        detail = client.get(f"/similar/clusters/{cluster.id}").get_data(as_text=True)
        assert number not in listing and number not in detail, username
        others = {_number(i) for i in member_ids[:-1]}
        assert others <= _numbers(detail)
        assert f"以下为您可查看的 {len(member_ids) - 1} 件" in detail


def test_the_cluster_page_and_its_dismissal(app, computed):
    run, _ids = computed
    cluster = _cluster_rows(run)[0]
    client = _client(app, "secretariat")
    page = client.get(f"/similar/clusters/{cluster.id}").get_data(as_text=True)
    assert "排除理由（必填）" in page and all(_number(i) in page for i in _member_ids(cluster))
    resp = client.post(f"/similar/clusters/{cluster.id}/dismiss", data={"reason": "  "})
    assert resp.status_code == 302
    page = client.get(f"/similar/clusters/{cluster.id}").get_data(as_text=True)
    assert "请填写排除理由" in page
    client.post(f"/similar/clusters/{cluster.id}/dismiss", data={"reason": "个案，不具普遍性"})
    page = client.get(f"/similar/clusters/{cluster.id}").get_data(as_text=True)
    assert "已排除" in page and "个案，不具普遍性" in page and "排除理由（必填）" not in page
    # Auditors read, change nothing.
    auditor = _client(app, "auditor")
    other = _cluster_rows(run)[1]
    assert auditor.get(f"/similar/clusters/{other.id}").status_code == 200
    assert "排除理由（必填）" not in auditor.get(f"/similar/clusters/{other.id}").get_data(
        as_text=True)
    assert auditor.post(f"/similar/clusters/{other.id}/dismiss",
                        data={"reason": "x"}).status_code == 403
    assert 'data-testid="recompute"' not in auditor.get("/similar/clusters?month=2026-03") \
        .get_data(as_text=True)
    assert auditor.post("/similar/clusters/run", data={"month": "2026-03"}).status_code == 403
    for username in ("liaison.xinfang", "leader.mangshi", "admin"):
        client = _client(app, username)
        assert client.get("/similar/clusters").status_code == 403
        assert client.get(f"/similar/clusters/{other.id}").status_code == 403
    assert _client(app, "secretariat").get("/similar/clusters/999999").status_code == 404


def test_recompute_from_the_page_and_the_polled_status(app, ctx, monkeypatch):
    import jobs.queues

    enqueued = []
    monkeypatch.setattr(jobs.queues, "enqueue",
                        lambda func, *args, **kwargs: enqueued.append(args))
    client = _client(app, "secretariat")
    resp = client.post("/similar/clusters/run", data={"month": "2026-03"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("month=2026-03")
    run = db.session.scalar(select(ClusterRun).order_by(ClusterRun.id.desc()))
    assert (run.since.isoformat(), run.status) == ("2026-03-01", "queued")
    assert enqueued == [(run.id,)]
    page = client.get("/similar/clusters?month=2026-03").get_data(as_text=True)
    assert "排队中" in page and "hx-trigger=\"every 2s\"" in page
    assert f"run_id={run.id}" in page and "已提交重新计算" in page
    again = client.post("/similar/clusters/run", data={"month": "2026-03"}, follow_redirects=True)
    assert "正在排队或计算中" in again.get_data(as_text=True)
    status = f"/similar/clusters/status?month=2026-03&run_id={run.id}"
    polled = client.get(status, headers={"HX-Request": "true"})
    assert polled.status_code == 200 and "HX-Refresh" not in polled.headers
    from jobs import similar as jobs

    jobs.run_clusters(run.id)
    done = client.get(status, headers={"HX-Request": "true"})
    assert done.headers.get("HX-Refresh") == "true" and "已完成" in done.get_data(as_text=True)
    assert "every 2s" not in done.get_data(as_text=True)


def test_the_intake_panel_reads_without_waiting_for_a_writer(make_app, backend):
    """The panel is a POST (it carries the form's fields) that only reads: on SQLite it must
    not queue for the write lock behind a registration being saved — were it to, this
    request would wait out the lock timeout and fail with "database is locked"."""
    import sqlite3

    if backend != "sqlite":
        pytest.skip("PostgreSQL has no database-wide write lock")
    app = make_app()
    client = _client(app, "liaison.xinfang")
    with app.app_context():
        path = db.engine.url.database
        db.engine.dispose()
    writer = sqlite3.connect(path)
    writer.execute("PRAGMA busy_timeout=0")
    writer.execute("BEGIN IMMEDIATE")  # another request is writing
    try:
        answer = client.post("/similar/intake", data={
            "title": "勐戛镇征地补偿款未兑付", "content": "公路改扩建征地补偿款至今没有发放"})
        assert answer.status_code == 200
        assert 'id="similar-intake"' in answer.get_data(as_text=True) or \
            "相似" in answer.get_data(as_text=True)
    finally:
        writer.rollback()
        writer.close()
