"""Similar cases (hub.similar): thin RQ entry points, ids in."""

from __future__ import annotations

from jobs.context import in_app


@in_app
def index_cases(case_ids: list[int]) -> int:
    """Index these cases (new or changed) in the similar-cases index."""
    from hub.similar.services import index_cases as run

    return run(case_ids)


@in_app
def index_missing() -> int:
    """Index the cases not indexed yet (a catch-up after imports or bulk loads)."""
    from hub.extensions import db
    from hub.similar.services import index_missing as run

    return run(commit=db.session.commit)


@in_app
def index_all(rebuild_vocabulary: bool = False) -> int:
    """Rebuild the whole index (optionally counting the frequent shingles again first);
    committed batch by batch."""
    from hub.extensions import db
    from hub.similar.services import index_all as run

    return run(rebuild_vocabulary=rebuild_vocabulary, commit=db.session.commit)


@in_app
def run_clusters(run_id: int) -> str:
    """Compute one queued clustering run (相似信访件聚类); safe to run twice."""
    from hub.extensions import db
    from hub.similar.clusters import run_clusters as run

    return run(run_id, commit=db.session.commit)


@in_app
def nightly() -> dict:
    """The nightly similar-cases job: the index caught up, then the current month's
    clusters computed again (and last month's once after it ended)."""
    from hub.extensions import db
    from hub.similar.clusters import nightly as run

    return run(commit=db.session.commit)
