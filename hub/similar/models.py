"""Stored signatures, the LSH bucket index and the frequent-shingle vocabulary.

Storage at 1,000,000 cases: a signature is 512 bytes (128 × uint32), so about 0.5 GB of
signatures, and the bucket index has 64 rows per case (one per band).  The bucket table is
keyed by (band, bucket, case_id) — on SQLite a WITHOUT ROWID table, so the key *is* the table
(about 21 bytes a row, 1.3 GB) and a lookup reads each bucket as one range of it.  It has no
index on case_id and no foreign key: the only lookups by case are re-indexing, which finds
a case's old rows from its stored signature (the keys are computed from it), and deleting a
case, which the hub never does (cases are records kept under the 条例) — were one deleted,
its signature goes with it (ON DELETE CASCADE) and its bucket rows, which every lookup joins
to ``cases``, are never returned and are removed by ``services.prune``.  Doing without that
index halves the size and the write cost of the largest table.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.auth.models import User
from hub.core.types import UTCDateTime, utcnow
from hub.extensions import db


class CaseSignature(db.Model):
    """A case's MinHash signature (hub.similar.engine), as indexed."""

    __tablename__ = "case_signatures"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         primary_key=True, autoincrement=False)
    # 128 little-endian uint32 (engine.pack / engine.unpack).
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    # The vocabulary (frequent shingles left out) it was computed with; NULL: none.
    vocabulary_id: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# One row per case and band: the band's key (engine.band_keys).  See the module docstring.
case_lsh_buckets = db.Table(
    "case_lsh_buckets",
    Column("band", SmallInteger, primary_key=True, autoincrement=False),
    Column("bucket", BigInteger, primary_key=True, autoincrement=False),
    Column("case_id", Integer, primary_key=True, autoincrement=False),
    sqlite_with_rowid=False,
)


class SimilarVocabulary(db.Model):
    """The frequent shingles of the indexed cases (engine.frequent_hashes), counted over a
    sample of them; the newest row is the one in use."""

    __tablename__ = "similar_vocabularies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cases: Mapped[int] = mapped_column(Integer)  # cases counted
    min_cases: Mapped[int] = mapped_column(Integer)  # a shingle in this many was frequent
    engine_version: Mapped[int] = mapped_column(SmallInteger)  # engine.VERSION
    # The frequent shingles' hashes: sorted little-endian uint64.
    shingles: Mapped[bytes] = mapped_column(LargeBinary)


# ---------------------------------------------------------------------------------------
# Clusters of similar cases (相似信访件聚类), as computed by the clustering job
# ---------------------------------------------------------------------------------------

class ClusterRunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ClusterStatus(StrEnum):
    OPEN = "open"  # 待研判
    DISMISSED = "dismissed"  # 已排除 (with a reason)
    PROPOSED = "proposed"  # 已形成政策完善建议


CLUSTER_STATUS_LABELS = {ClusterStatus.OPEN: _l("待研判"), ClusterStatus.DISMISSED: _l("已排除"),
                         ClusterStatus.PROPOSED: _l("已形成建议")}
RUN_STATUS_LABELS = {ClusterRunStatus.QUEUED: _l("排队中"), ClusterRunStatus.RUNNING: _l("计算中"),
                     ClusterRunStatus.DONE: _l("已完成"), ClusterRunStatus.FAILED: _l("失败")}


class ClusterRun(db.Model):
    """One computation of the clusters among the cases registered in [since, until) (local
    days, ``until`` excluded) that are not restricted — the secretariat's view.  The newest
    finished run of a period is the one shown."""

    __tablename__ = "similar_cluster_runs"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),
        Index("ix_similar_cluster_runs_period", "since", "until", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    since: Mapped[date] = mapped_column(Date)
    until: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=ClusterRunStatus.QUEUED)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cases: Mapped[int] = mapped_column(Integer, default=0)  # cases read
    clusters: Mapped[int] = mapped_column(Integer, default=0)  # clusters found
    error: Mapped[str] = mapped_column(Text, default="")

    requested_by: Mapped[User | None] = relationship()


class SimilarCluster(db.Model):
    """A group of cases that tell the same matter, found by a run.  Dismissals and
    proposals carry over to the next run's cluster with mostly the same members
    (``hub.similar.clusters``)."""

    __tablename__ = "similar_clusters"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'dismissed', 'proposed')", name="status"),
        Index("ix_similar_clusters_run", "run_id", "position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("similar_cluster_runs.id",
                                                   ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)  # largest first
    size: Mapped[int] = mapped_column(Integer)
    cohesion: Mapped[float] = mapped_column(Float)
    counties: Mapped[list] = mapped_column(JSON, default=list)  # [[county, n], …]
    categories: Mapped[list] = mapped_column(JSON, default=list)  # [[category, n], …]
    top_words: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default=ClusterStatus.OPEN)
    dismissed_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    run: Mapped[ClusterRun] = relationship()
    decided_by: Mapped[User | None] = relationship()

    def audit_state(self) -> dict:
        return {"size": self.size, "status": self.status,
                "dismissed_reason": self.dismissed_reason}


# The member cases of a cluster.
similar_cluster_cases = db.Table(
    "similar_cluster_cases",
    Column("cluster_id", Integer, ForeignKey("similar_clusters.id", ondelete="CASCADE"),
           primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), primary_key=True, index=True),
)
