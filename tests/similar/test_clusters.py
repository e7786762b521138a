"""Clusters of similar cases (相似信访件聚类): the clustering job, carried-over decisions,
failures, dismissals, requests and the nightly job."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from hub.audit.models import AuditEvent
from hub.core.errors import ServiceError
from hub.deadlines.services import local_today
from hub.extensions import db
from hub.similar import clusters
from hub.similar.models import ClusterRun, SimilarCluster, similar_cluster_cases
from tests.conftest import user_named
from tests.similar import corpus
from tests.similar.helpers import add_cases

SINCE, UNTIL = date(2026, 3, 1), date(2026, 4, 1)  # the month of tests.similar.helpers.MARCH
GROUPS, SIZE, BACKGROUND = 6, 5, 150


@pytest.fixture
def planted(ctx):
    """Six causes told by five petitioners each, among 150 unrelated petitions, registered
    in March by 芒市信访局; returns {group: case ids}, the background's ids and one extra
    account of group 0 kept back (registered by the caller when wanted)."""
    rng = random.Random(11)  # noqa: S311 - test data
    accounts = corpus.planted_groups(rng, GROUPS, SIZE + 1)
    kept_back = accounts[SIZE]  # the sixth account of group 0
    told = [p for i, p in enumerate(accounts) if i % (SIZE + 1) != SIZE]
    noise = corpus.background(rng, BACKGROUND)
    ids = add_cases(told, agency="mangshi.xfj")
    groups: dict[int, set[int]] = {}
    for case_id, p in zip(ids, told, strict=True):
        groups.setdefault(p.group, set()).add(case_id)
    return groups, set(add_cases(noise, agency="mangshi.xfj")), kept_back


def _run(since=SINCE, until=UNTIL) -> ClusterRun:
    run = clusters.new_system_run(since, until)
    assert clusters.run_clusters(run.id) == "done"
    return run


def _members(run: ClusterRun) -> dict[int, set[int]]:
    m = similar_cluster_cases
    out: dict[int, set[int]] = {}
    for cluster_id, case_id in db.session.execute(
            select(m.c.cluster_id, m.c.case_id).join(SimilarCluster,
                                                     SimilarCluster.id == m.c.cluster_id)
            .where(SimilarCluster.run_id == run.id)):
        out.setdefault(cluster_id, set()).add(case_id)
    return out


def _cluster_of(run: ClusterRun, case_ids: set[int]) -> SimilarCluster:
    """The run's cluster holding most of ``case_ids``."""
    best = max(_members(run).items(), key=lambda item: len(item[1] & case_ids))
    return db.session.get(SimilarCluster, best[0])


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                   .order_by(AuditEvent.seq)))


def test_the_job_finds_the_planted_groups_and_leaves_unrelated_cases_out(planted):
    groups, background, _kept = planted
    run = _run()
    assert run.status == "done" and run.cases == GROUPS * SIZE + BACKGROUND
    assert run.error == "" and run.started_at is not None and run.finished_at is not None
    found = _members(run)
    assert run.clusters == len(found) >= GROUPS
    group_of = {case_id: g for g, members in groups.items() for case_id in members}
    best: Counter[int] = Counter()
    for members in found.values():
        labels = Counter(group_of.get(case_id) for case_id in members)
        assert len([g for g in labels if g is not None]) <= 1, labels  # never two causes
        for g, n in labels.items():
            if g is not None:
                best[g] = max(best[g], n)
    assert all(best[g] >= 4 for g in groups), best  # each cause found, most of it together
    clustered_noise = set().union(*found.values()) & background
    assert len(clustered_noise) <= 3  # unrelated petitions stay out
    rows = db.session.scalars(select(SimilarCluster).where(SimilarCluster.run_id == run.id)
                              .order_by(SimilarCluster.position)).all()
    assert [r.position for r in rows] == list(range(1, len(rows) + 1))
    assert [r.size for r in rows] == sorted((r.size for r in rows), reverse=True)
    for r in rows:
        assert r.size == len(found[r.id]) and r.status == "open" and r.top_words
        assert sum(n for _c, n in r.counties) <= r.size and r.categories
        assert r.cohesion >= 0.35
    computed = _events("similar.clusters_computed")[-1]
    assert computed.object_id == str(run.id) and computed.after["clusters"] == run.clusters
    # Run twice (RQ may): a run already taken is skipped.
    assert clusters.run_clusters(run.id) == "skipped"


def test_only_the_periods_unrestricted_cases_are_read(planted):
    groups, _background, _kept = planted
    rng = random.Random(5)  # noqa: S311 - test data
    restricted = add_cases(corpus.planted_groups(rng, 1, 5), restricted=True)
    april = add_cases(corpus.planted_groups(rng, 1, 5),
                      registered_at=datetime(2026, 4, 1, 1, tzinfo=UTC))
    # 23:30 on 31 March in 德宏 is 15:30 UTC: still March.
    late = add_cases(corpus.planted_groups(rng, 1, 3),
                     registered_at=datetime(2026, 3, 31, 15, 30, tzinfo=UTC))
    run = _run()
    seen = set().union(*_members(run).values())
    assert not seen & (set(restricted) | set(april))
    assert run.cases == GROUPS * SIZE + BACKGROUND + 3
    assert set(late) <= seen  # a group of three from the last evening of the month


def test_a_dismissal_carries_over_to_the_next_computation(planted):
    groups, _background, kept_back = planted
    first = _run()
    target = _cluster_of(first, groups[0])
    proposed = _cluster_of(first, groups[1])
    clusters.dismiss(user_named("secretariat"), target, "同一工程的补偿问题已在专项整治中处理")
    # A policy proposal (hub/proposals) marks its cluster as proposed.
    proposed.status, proposed.decided_by_id = "proposed", user_named("secretariat").id
    db.session.flush()
    # A new petition about the same cause arrives; the month is computed again.
    [extra] = add_cases([kept_back], agency="mangshi.xfj")
    second = _run()
    again = _cluster_of(second, groups[0] | {extra})
    assert again.run_id == second.id and again.id != target.id
    assert again.status == "dismissed"
    assert again.dismissed_reason == "同一工程的补偿问题已在专项整治中处理"
    assert again.decided_by_id == user_named("secretariat").id
    assert again.decided_at == target.decided_at
    assert _cluster_of(second, groups[1]).status == "proposed"
    others = db.session.scalars(select(SimilarCluster).where(
        SimilarCluster.run_id == second.id,
        SimilarCluster.id.notin_([again.id, _cluster_of(second, groups[1]).id]))).all()
    assert others and {c.status for c in others} == {"open"}
    carried = _events("similar.cluster_decision_carried")
    assert {e.object_id for e in carried} >= {str(again.id)}
    assert carried[0].after["from_cluster_id"] in (target.id, proposed.id)
    # Another period inherits nothing.
    other = _run(date(2026, 2, 1), SINCE)
    assert other.clusters == 0


def test_a_failed_run_keeps_no_cluster_and_says_why(planted, monkeypatch):
    def broken(*_args):
        raise RuntimeError("磁盘空间不足")

    # Clusters and members are written before the carry-over fails: all of it goes.
    monkeypatch.setattr(clusters, "_carry_over", broken)
    run = clusters.new_system_run(SINCE, UNTIL)
    assert clusters.run_clusters(run.id) == "failed"
    db.session.refresh(run)
    assert run.status == "failed" and "磁盘空间不足" in run.error
    assert run.clusters == 0 and run.finished_at is not None
    assert db.session.scalar(select(func.count()).select_from(SimilarCluster)) == 0
    assert db.session.scalar(select(func.count()).select_from(similar_cluster_cases)) == 0
    assert _events("similar.clusters_failed")[-1].object_id == str(run.id)
    assert clusters.shown_run(SINCE, UNTIL) is None
    monkeypatch.undo()
    assert _run().clusters >= GROUPS  # the next run works


def test_dismissing_needs_a_reason_an_open_current_cluster_and_the_secretariat(planted):
    first = _run()
    cluster = db.session.scalar(select(SimilarCluster).where(SimilarCluster.run_id == first.id)
                                .order_by(SimilarCluster.position))
    sec = user_named("secretariat")
    for blank in ("", "   ", None):
        with pytest.raises(ServiceError, match="请填写排除理由"):
            clusters.dismiss(sec, cluster, blank)
    for other in ("auditor", "liaison.xinfang", "admin"):
        with pytest.raises(ServiceError, match="只有联席办可以排除聚类"):
            clusters.dismiss(user_named(other), cluster, "理由")
    assert cluster.status == "open" and _events("similar.cluster_dismissed") == []
    clusters.dismiss(sec, cluster, "  同一信访人就同一事项多次反映  ")
    assert cluster.status == "dismissed" and cluster.dismissed_reason == "同一信访人就同一事项多次反映"
    assert cluster.decided_by_id == sec.id and cluster.decided_at is not None
    [event] = _events("similar.cluster_dismissed")
    assert event.actor_id == sec.id and event.object_id == str(cluster.id)
    assert event.before["status"] == "open" and event.after["status"] == "dismissed"
    assert event.after["dismissed_reason"] == "同一信访人就同一事项多次反映"
    with pytest.raises(ServiceError, match="只有待研判的聚类可以排除"):
        clusters.dismiss(sec, cluster, "再次排除")
    # A cluster of a superseded run is decided in the newest result only.
    _run()
    old_open = db.session.scalar(select(SimilarCluster).where(
        SimilarCluster.run_id == first.id, SimilarCluster.status == "open").limit(1))
    with pytest.raises(ServiceError, match="已被新的计算结果取代"):
        clusters.dismiss(sec, old_open, "理由")


def test_a_request_is_queued_enqueued_after_commit_and_never_doubled(ctx, monkeypatch):
    import jobs.queues

    enqueued = []
    monkeypatch.setattr(jobs.queues, "enqueue",
                        lambda func, *args, **kwargs: enqueued.append((func.__name__, args)))
    sec = user_named("secretariat")
    since, until = clusters.month_of(local_today())
    for other in ("auditor", "liaison.xinfang"):
        with pytest.raises(ServiceError, match="只有联席办可以重新计算"):
            clusters.request_run(user_named(other), since, until)
    with pytest.raises(ServiceError, match="尚未开始"):
        clusters.request_run(sec, *clusters.month_of(local_today() + timedelta(days=40)))
    # Rolled back: nothing is enqueued.
    clusters.request_run(sec, since, until)
    db.session.rollback()
    assert enqueued == []
    run = clusters.request_run(sec, since, until)
    assert run.status == "queued" and run.requested_by_id == sec.id
    assert enqueued == []  # not before the commit
    db.session.commit()
    assert enqueued == [("run_clusters", (run.id,))]
    with pytest.raises(ServiceError, match="正在排队或计算中"):
        clusters.request_run(sec, since, until)
    # Another period is independent.
    previous = clusters.month_of(since - timedelta(days=1))
    clusters.request_run(sec, *previous)
    db.session.commit()
    # The job (ids in) computes it.
    from jobs import similar as jobs

    assert jobs.run_clusters(run.id) == "done"
    db.session.refresh(run)
    assert run.status == "done" and clusters.shown_run(since, until).id == run.id
    assert _events("similar.clusters_requested")[-2].actor_id == sec.id
    clusters.request_run(sec, since, until)  # finished: may be asked again


def test_a_run_that_lost_its_job_does_not_block_the_period(ctx, monkeypatch):
    import jobs.queues

    monkeypatch.setattr(jobs.queues, "enqueue", lambda *args, **kwargs: False)  # Redis down
    sec = user_named("secretariat")
    since, until = clusters.month_of(local_today())
    lost = clusters.request_run(sec, since, until)
    db.session.commit()
    assert not clusters.is_stale(lost)
    db.session.execute(update(ClusterRun).where(ClusterRun.id == lost.id).values(
        requested_at=datetime.now(UTC) - clusters.QUEUED_STALE - timedelta(minutes=1)))
    db.session.refresh(lost)
    assert clusters.is_stale(lost)
    again = clusters.request_run(sec, since, until)
    db.session.refresh(lost)
    assert lost.status == "failed" and lost.error and again.status == "queued"
    assert _events("similar.clusters_abandoned")[-1].object_id == str(lost.id)


def test_the_nightly_job_runs_once_a_night(app, planted):
    from zoneinfo import ZoneInfo

    from jobs import cron
    from jobs import similar as jobs

    zone = ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])
    hour = app.config["HUB_SIMILAR_NIGHTLY_HOUR"]
    now = datetime.now(zone)
    key = cron.similar_nightly_due(now)
    assert key is not None
    today = local_today()
    # Cases the other paths did not index: caught up first.
    result = jobs.nightly()
    assert result["indexed"] == GROUPS * SIZE + BACKGROUND
    month = today.strftime("%Y-%m")
    assert result["runs"][month] == "done"
    previous = clusters.month_of(today.replace(day=1) - timedelta(days=1))[0].strftime("%Y-%m")
    assert result["runs"][previous] == "done"  # last month, once after it ended
    assert cron.similar_nightly_due(now) is None
    again = jobs.nightly()
    assert again["indexed"] == 0 and list(again["runs"]) == [month]
    tomorrow = (now + timedelta(days=1)).replace(hour=hour, minute=5)
    assert cron.similar_nightly_due(tomorrow) == tomorrow.date().isoformat()
    assert "similar-nightly" in {p.name for p in cron.periodic_jobs()}
