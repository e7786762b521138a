"""相似信访件聚类: the clusters of similar cases behind many petitions, for the joint-meeting
office (联合推动政策完善: a cluster is where a systemic problem may show).

- ``request_run``: the secretariat asks for the clusters of a period (local days, ``until``
  excluded) to be computed again; a queued ``ClusterRun`` is written and its RQ job
  (jobs.similar.run_clusters) is enqueued after the transaction commits.  A second request
  for a period whose run is still queued or running is refused.
- ``run_clusters``: the job's body.  It claims the run, reads the cases of the period that
  are not restricted, clusters them (hub.similar.engine.cluster) and writes the clusters,
  their member cases and the decisions carried over from the previous run in one
  savepoint: a failure leaves the run marked failed with its error and no cluster at all.
- ``dismiss``: 排除 an open cluster, with a reason.
- ``nightly``: the periodic job's body — the similar-cases index caught up
  (``services.index_missing``), then the current month computed again (and last month
  once more after it ended, so that its last days are counted).

Decisions carry over: a new cluster whose members overlap a dismissed (已排除) or proposed
(已形成建议) cluster of the previous finished run of the same period by Jaccard ≥ 0.5
inherits its status, reason and decider.  Every change is audited; the runs act as the
system (actor None) except for the request.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import event, exists, func, select, update
from sqlalchemy.orm import Session, selectinload

from hub.audit.services import record, record_change, record_many
from hub.auth.visibility import visible
from hub.cases.models import Case
from hub.cases.permissions import scoped
from hub.core.errors import ServiceError
from hub.core.types import utcnow
from hub.deadlines.services import local_today, local_zone
from hub.extensions import bulk_insert, db, in_values
from hub.similar import engine
from hub.similar.models import (
    ClusterRun,
    ClusterRunStatus,
    ClusterStatus,
    SimilarCluster,
    similar_cluster_cases,
)
from hub.similar.permissions import manages_clusters

log = logging.getLogger(__name__)

JOB_TIMEOUT = 3600  # seconds an RQ clustering run may take
# A run still queued this long after it was asked for, or running this long after it
# started, lost its job (Redis down when it was enqueued, a worker killed): it is marked
# failed so that the period can be computed again.
QUEUED_STALE = timedelta(minutes=30)
RUNNING_STALE = timedelta(seconds=JOB_TIMEOUT) + timedelta(minutes=10)
CARRY_OVER_JACCARD = 0.5
MAX_PERIOD_DAYS = 366
REASON_MAX = 1000
EXAMPLES = 3  # member cases shown with each cluster on the list
_ENQUEUE = "hub_cluster_runs"  # session.info key: runs to enqueue after commit

QUEUED, RUNNING = ClusterRunStatus.QUEUED.value, ClusterRunStatus.RUNNING.value
DONE, FAILED = ClusterRunStatus.DONE.value, ClusterRunStatus.FAILED.value
OPEN, DISMISSED = ClusterStatus.OPEN.value, ClusterStatus.DISMISSED.value
PROPOSED = ClusterStatus.PROPOSED.value
DECIDED = (DISMISSED, PROPOSED)


# ---------------------------------------------------------------------------------------
# Periods
# ---------------------------------------------------------------------------------------

def month_of(day: date) -> tuple[date, date]:
    """The month of ``day`` as (first day, first day of the next month)."""
    first = day.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1)


def parse_month(text: str | None) -> tuple[date, date] | None:
    """``YYYY-MM`` (an <input type="month">) as a period; None when it is not one."""
    try:
        first = datetime.strptime((text or "").strip(), "%Y-%m").date()
    except ValueError:
        return None
    return month_of(first) if first.year >= 2000 else None


def bounds(since: date, until: date) -> tuple[datetime, datetime]:
    """The UTC moments of [since, until) in local days, as the indicators count them."""
    from hub.indicators.queries import Period

    return Period(since, until - timedelta(days=1)).bounds()


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=local_zone()).astimezone(UTC)


def _check_period(since: date | None, until: date | None) -> None:
    if since is None or until is None:
        raise ServiceError(_("请选择要计算的期间"), "month")
    if until <= since:
        raise ServiceError(_("期间的结束日期必须晚于开始日期"), "month")
    if (until - since).days > MAX_PERIOD_DAYS:
        raise ServiceError(_("一次最多计算一年的信访件"), "month")
    if since > local_today():
        raise ServiceError(_("不能计算尚未开始的期间"), "month")


# ---------------------------------------------------------------------------------------
# Runs
# ---------------------------------------------------------------------------------------

def _run_state(run: ClusterRun) -> dict:
    return {"since": run.since, "until": run.until, "status": run.status, "cases": run.cases,
            "clusters": run.clusters, "error": run.error}


def _of_period(since: date, until: date):
    return select(ClusterRun).where(ClusterRun.since == since, ClusterRun.until == until)


def newest_run(since: date, until: date) -> ClusterRun | None:
    """The newest run of the period, whatever its status."""
    return db.session.scalar(_of_period(since, until).order_by(ClusterRun.id.desc()).limit(1))


def shown_run(since: date, until: date) -> ClusterRun | None:
    """The newest finished run of the period: the clusters shown."""
    return db.session.scalar(_of_period(since, until).where(ClusterRun.status == DONE)
                             .order_by(ClusterRun.id.desc()).limit(1))


def is_stale(run: ClusterRun, now: datetime | None = None) -> bool:
    now = now or utcnow()
    if run.status == QUEUED:
        return run.requested_at < now - QUEUED_STALE
    if run.status == RUNNING:
        return (run.started_at or run.requested_at) < now - RUNNING_STALE
    return False


def _active(since: date, until: date) -> ClusterRun | None:
    """The period's queued or running run, once those that lost their job are marked
    failed."""
    active = None
    for run in db.session.scalars(_of_period(since, until)
                                  .where(ClusterRun.status.in_([QUEUED, RUNNING]))
                                  .order_by(ClusterRun.id)):
        if is_stale(run):
            before = _run_state(run)
            run.status = FAILED
            run.error = _("后台任务未能完成（可能因服务中断），已停止等待")
            run.finished_at = utcnow()
            record(None, "similar.clusters_abandoned", "similar_cluster_runs", run.id,
                   before=before, after=_run_state(run))
        else:
            active = run
    db.session.flush()
    return active


def _new_run(actor, since: date, until: date) -> ClusterRun:
    run = ClusterRun(since=since, until=until, status=QUEUED,
                     requested_by_id=getattr(actor, "id", None), requested_at=utcnow(),
                     cases=0, clusters=0, error="")
    db.session.add(run)
    db.session.flush()
    record(actor, "similar.clusters_requested", "similar_cluster_runs", run.id,
           after=_run_state(run))
    return run


def new_system_run(since: date, until: date) -> ClusterRun:
    """A queued run asked for by the system (the nightly job, the demo), which computes it
    itself with ``run_clusters`` (nothing is enqueued)."""
    return _new_run(None, since, until)


def request_run(actor, since: date, until: date) -> ClusterRun:
    """重新计算: a queued run of [since, until); its job is enqueued once the caller's
    transaction commits.  Refused while the period has a run queued or running."""
    if not manages_clusters(actor):
        raise ServiceError(_("只有联席办可以重新计算相似信访件聚类"))
    _check_period(since, until)
    if _active(since, until) is not None:
        raise ServiceError(_("该期间的聚类正在排队或计算中，请等计算完成后再重新计算"))
    run = _new_run(actor, since, until)
    db.session.info.setdefault(_ENQUEUE, []).append(run.id)
    return run


@event.listens_for(Session, "after_commit")
def _enqueue_after_commit(session) -> None:
    ids = session.info.pop(_ENQUEUE, None)
    if ids:
        from jobs.queues import enqueue
        from jobs.similar import run_clusters as job

        for run_id in ids:
            # Redis down: the run stays queued, is marked failed once stale, and the
            # period can be asked for again (the page says so).
            enqueue(job, run_id, job_timeout=JOB_TIMEOUT, result_ttl=24 * 3600,
                    failure_ttl=7 * 24 * 3600)


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session) -> None:
    session.info.pop(_ENQUEUE, None)


def _claim(run_id: int) -> ClusterRun | None:
    """queued → running, for one worker only."""
    result = db.session.execute(
        update(ClusterRun).where(ClusterRun.id == run_id, ClusterRun.status == QUEUED)
        .values(status=RUNNING, started_at=utcnow()).execution_options(synchronize_session=False))
    if (result.rowcount or 0) != 1:
        return None
    run = db.session.get(ClusterRun, run_id, populate_existing=True)
    return run


def _items(since: date, until: date) -> list[engine.Item]:
    """The cases registered in the period that are not restricted."""
    start, end = bounds(since, until)
    rows = db.session.execute(
        select(Case.id, Case.title, Case.content, Case.county, Case.category,
               Case.township_id, Case.village)
        .where(Case.restricted.is_(False), Case.registered_at >= start,
               Case.registered_at < end).order_by(Case.id))
    return [engine.Item(*row) for row in rows]


def run_clusters(run_id: int, commit: Callable[[], None] | None = None) -> str:
    """Compute a queued run (the RQ job's body; safe to run twice: only a queued run is
    taken).  ``commit`` (the job's) is called once the run is marked running and once it
    ended; without it the caller commits.  Returns the run's final status, or "skipped"."""
    run = _claim(run_id)
    if run is None:
        return "skipped"
    if commit:
        commit()
    try:
        with db.session.begin_nested():
            items = _items(run.since, run.until)
            found = engine.cluster(items)
            carried = _store(run, found)
            before = _run_state(run)
            run.status, run.finished_at = DONE, utcnow()
            run.cases, run.clusters = len(items), len(found)
            db.session.flush()
            record(None, "similar.clusters_computed", "similar_cluster_runs", run.id,
                   before=before, after=_run_state(run) | {"carried": carried})
    except Exception as exc:  # noqa: BLE001 - any failure is recorded on the run
        log.exception("clustering run %s failed", run_id)
        before = _run_state(run)
        run.status, run.finished_at = FAILED, utcnow()
        run.error = f"{type(exc).__name__}: {exc}"[:2000]
        db.session.flush()
        record(None, "similar.clusters_failed", "similar_cluster_runs", run.id,
               before=before, after=_run_state(run))
    log.info("clustering run %s: %s, %d cases, %d clusters", run.id, run.status, run.cases,
             run.clusters)
    status = run.status
    if commit:
        commit()
    return status


def _store(run: ClusterRun, found: list[engine.Cluster]) -> int:
    """Write the clusters and their members, then carry the previous run's decisions over;
    returns how many were carried."""
    clusters = [SimilarCluster(
        run_id=run.id, position=position, size=c.size, cohesion=c.cohesion,
        counties=[[name, n] for name, n in c.counties],
        categories=[[name, n] for name, n in c.categories],
        top_words=list(c.top_words), status=OPEN, dismissed_reason="")
        for position, c in enumerate(found, start=1)]
    db.session.add_all(clusters)
    db.session.flush()
    bulk_insert(similar_cluster_cases, [{"cluster_id": row.id, "case_id": case_id}
                                        for row, c in zip(clusters, found, strict=True)
                                        for case_id in c.ids])
    return _carry_over(run, clusters, found)


def _carry_over(run: ClusterRun, clusters: list[SimilarCluster],
                found: list[engine.Cluster]) -> int:
    previous = db.session.scalar(
        _of_period(run.since, run.until).where(ClusterRun.status == DONE,
                                               ClusterRun.id < run.id)
        .order_by(ClusterRun.id.desc()).limit(1))
    if previous is None:
        return 0
    decided = {c.id: c for c in db.session.scalars(
        select(SimilarCluster).where(SimilarCluster.run_id == previous.id,
                                     SimilarCluster.status.in_(DECIDED)))}
    if not decided:
        return 0
    m = similar_cluster_cases
    owners: dict[int, list[int]] = defaultdict(list)
    sizes: Counter[int] = Counter()
    for cluster_id, case_id in db.session.execute(
            select(m.c.cluster_id, m.c.case_id).where(in_values(m.c.cluster_id, decided))):
        owners[case_id].append(cluster_id)
        sizes[cluster_id] += 1
    carried = []
    for row, c in zip(clusters, found, strict=True):
        overlap = Counter(old for case_id in c.ids for old in owners.get(case_id, ()))
        best, best_j = None, 0.0
        for old, shared in sorted(overlap.items()):
            j = shared / (len(c.ids) + sizes[old] - shared)
            if j > best_j:
                best, best_j = old, j
        if best is None or best_j < CARRY_OVER_JACCARD:
            continue
        source = decided[best]
        row.status, row.dismissed_reason = source.status, source.dismissed_reason
        row.decided_by_id, row.decided_at = source.decided_by_id, source.decided_at
        carried.append((row.id, row.audit_state() | {"from_cluster_id": source.id,
                                                     "jaccard": round(best_j, 3)}))
    db.session.flush()
    record_many(None, "similar.cluster_decision_carried", "similar_clusters", carried)
    return len(carried)


# ---------------------------------------------------------------------------------------
# Decisions
# ---------------------------------------------------------------------------------------

def dismiss(actor, cluster: SimilarCluster, reason: str | None) -> SimilarCluster:
    """排除: an open cluster of the period's current result is not a systemic problem, for
    the reason given (kept, and carried over to the next computation's same cluster)."""
    if not manages_clusters(actor):
        raise ServiceError(_("只有联席办可以排除聚类"))
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("请填写排除理由"), "reason")
    if len(reason) > REASON_MAX:
        raise ServiceError(_("排除理由不能超过 %(n)d 字", n=REASON_MAX), "reason")
    if cluster.status != OPEN:
        raise ServiceError(_("只有待研判的聚类可以排除"))
    current = shown_run(cluster.run.since, cluster.run.until)
    if current is None or current.id != cluster.run_id:
        raise ServiceError(_("该聚类已被新的计算结果取代，请在最新结果中操作"))
    before = cluster.audit_state()
    # Conditional, so that of two people deciding at once only the first one counts.
    result = db.session.execute(
        update(SimilarCluster).where(SimilarCluster.id == cluster.id,
                                     SimilarCluster.status == OPEN)
        .values(status=DISMISSED, dismissed_reason=reason, decided_by_id=actor.id,
                decided_at=utcnow()).execution_options(synchronize_session=False))
    if (result.rowcount or 0) != 1:
        raise ServiceError(_("该聚类已由他人处理，请刷新页面"))
    db.session.refresh(cluster)
    record_change(actor, "similar.cluster_dismissed", cluster, before)
    return cluster


# ---------------------------------------------------------------------------------------
# The nightly job
# ---------------------------------------------------------------------------------------

def nightly_due(now_local: datetime, hour: int) -> str | None:
    """Due once a night after ``hour`` (local): unless the current month was computed — or
    asked for — since then.  Computed from the database, so a missed or doubled tick is
    harmless."""
    start = now_local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if now_local < start:
        start -= timedelta(days=1)
    since, until = month_of(start.date())
    done = db.session.scalar(select(exists().where(
        ClusterRun.since == since, ClusterRun.until == until,
        ClusterRun.requested_at >= start.astimezone(UTC))))
    return None if done else start.date().isoformat()


def _final(since: date, until: date) -> bool:
    """Has the period been computed, with success, after it ended?"""
    return bool(db.session.scalar(select(exists().where(
        ClusterRun.since == since, ClusterRun.until == until, ClusterRun.status == DONE,
        ClusterRun.started_at >= _local_midnight(until)))))


def nightly(commit: Callable[[], None] | None = None, today: date | None = None) -> dict:
    """Catch the index up, then compute the current month's clusters — and last month's
    once more when that was not done since it ended.  A period whose run is queued or
    running already is left to it."""
    from hub.similar.services import index_missing

    indexed = index_missing(commit=commit)
    today = today or local_today()
    current = month_of(today)
    periods = [current]
    previous = month_of(current[0] - timedelta(days=1))
    if not _final(*previous):
        periods.insert(0, previous)
    runs = {}
    for since, until in periods:
        if _active(since, until) is not None:
            continue
        run = new_system_run(since, until)
        if commit:
            commit()
        runs[since.strftime("%Y-%m")] = run_clusters(run.id, commit)
    return {"indexed": indexed, "runs": runs}


# ---------------------------------------------------------------------------------------
# Reading (the pages)
# ---------------------------------------------------------------------------------------

def status_counts(run: ClusterRun) -> dict[str, int]:
    return dict(db.session.execute(
        select(SimilarCluster.status, func.count()).where(SimilarCluster.run_id == run.id)
        .group_by(SimilarCluster.status)).tuples().all())


def clusters_page(user, run: ClusterRun, status: str | None, page: int,
                  per_page: int) -> tuple[list[SimilarCluster], int]:
    """One page of the run's clusters (largest first), with how many there are."""
    stmt = visible(user, SimilarCluster).where(SimilarCluster.run_id == run.id)
    if status:
        stmt = stmt.where(SimilarCluster.status == status)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.session.scalars(stmt.options(selectinload(SimilarCluster.decided_by))
                              .order_by(SimilarCluster.position)
                              .offset((page - 1) * per_page).limit(per_page)).all()
    return list(rows), total


def _member_columns():
    return (Case.id, Case.number, Case.title, Case.county, Case.category, Case.status,
            Case.registered_at)


def examples(user, cluster_ids: list[int], per: int = EXAMPLES) -> dict[int, list]:
    """Up to ``per`` member cases of each cluster that ``user`` may see — for a whole page
    of clusters in one statement (the first ``per`` visible members of each)."""
    if not cluster_ids:
        return {}
    m = similar_cluster_cases
    order = func.row_number().over(partition_by=m.c.cluster_id, order_by=Case.id.desc())
    inner = scoped(user, select(m.c.cluster_id, *_member_columns(), order.label("n"))
                   .select_from(Case).join(m, m.c.case_id == Case.id))[0]
    inner = inner.where(in_values(m.c.cluster_id, cluster_ids)).subquery()
    out: dict[int, list] = {}
    for row in db.session.execute(select(inner).where(inner.c.n <= per)
                                  .order_by(inner.c.cluster_id, inner.c.n)):
        out.setdefault(row.cluster_id, []).append(row)
    return out


def members(user, cluster: SimilarCluster, page: int, per_page: int) -> tuple[list, int]:
    """One page of the cluster's member cases that ``user`` may see (newest first), with
    how many of them the user may see."""
    m = similar_cluster_cases
    stmt = scoped(user, select(*_member_columns()).select_from(Case)
                  .join(m, m.c.case_id == Case.id))[0].where(m.c.cluster_id == cluster.id)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.session.execute(stmt.order_by(Case.registered_at.desc(), Case.id.desc())
                              .offset((page - 1) * per_page).limit(per_page)).all()
    return list(rows), total
