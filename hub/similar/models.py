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

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Integer, LargeBinary, SmallInteger
from sqlalchemy.orm import Mapped, mapped_column

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
