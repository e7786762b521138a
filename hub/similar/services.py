"""Similar cases (相似信访件): indexing cases and finding the ones like a given case.

Indexing stores each case's signature and its 64 band keys (hub.similar.models); a lookup
then goes, for the acting user:

1. the band keys of the case (or of a text being registered) → the cases sharing a bucket
   with it, the newest ``BUCKET_WINDOW`` of each bucket, **filtered by the user's case
   visibility in the same SQL statement** (``hub.cases.permissions.scoped``), counted by
   the number of bands shared — the ``CANDIDATES`` with most in common;
2. their signatures → the estimated content similarity plus the place and category
   bonuses → the ``engine.NEIGHBOURHOOD`` best;
3. their text → content scored again, exactly, with weights local to that neighbourhood
   (``engine.rerank``) → the ``limit`` best, with the reasons of each match.

Cases the user may not see never enter step 1's counting, so they take no place in any
ranking and no count; the only thing shared by all users is the bucket window, a bound on
how much of a huge bucket (a flood of copies) is read, the same for everyone.

The bucket window and candidate caps keep a lookup's cost independent of the number of
cases: at most 64 × BUCKET_WINDOW index entries are read, CANDIDATES signatures and
NEIGHBOURHOOD texts.

Cases registered or changed through the ORM are indexed in their own transaction
(hub.similar.indexing); a lookup first indexes what this transaction changed so far, so it
sees its own writes.

Services flush, never commit (``index_all`` and ``index_missing`` take a ``commit``
callable, called between batches, so that a long run does not hold one transaction).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import NamedTuple

from sqlalchemy import Integer, delete, exists, func, select, text
from sqlalchemy.dialects import postgresql, sqlite

from hub.cases.models import Case
from hub.cases.permissions import scoped
from hub.extensions import db, in_values
from hub.similar import engine, indexing
from hub.similar.models import CaseSignature, SimilarVocabulary, case_lsh_buckets

BUCKET_WINDOW = 200  # newest entries read from one bucket
CANDIDATES = 300  # candidates (most bands shared) whose signatures are compared
INDEX_CHUNK = 1000  # cases per statement when indexing
VOCABULARY_SAMPLE = 50_000  # most recent cases counted for the frequent shingles


# ---------------------------------------------------------------------------------------
# The vocabulary (frequent shingles)
# ---------------------------------------------------------------------------------------

class Vocabulary(NamedTuple):
    id: int | None
    frequent: frozenset[int]


_NO_VOCABULARY = Vocabulary(None, frozenset())
_vocabularies: dict[tuple, Vocabulary] = {}


def _pack_hashes(hashes: Iterable[int]) -> bytes:
    values = sorted(hashes)
    return struct.pack(f"<{len(values)}Q", *values)


def _unpack_hashes(data: bytes) -> frozenset[int]:
    return frozenset(struct.unpack(f"<{len(data) // 8}Q", data))


def vocabulary() -> Vocabulary:
    """The vocabulary in use (the newest), loaded once per process."""
    row = db.session.execute(select(SimilarVocabulary.id, SimilarVocabulary.built_at)
                             .order_by(SimilarVocabulary.id.desc()).limit(1)).first()
    if row is None:
        return _NO_VOCABULARY
    bind = db.session.get_bind()
    key = (getattr(bind, "engine", bind).url.render_as_string(), row.id, row.built_at)
    found = _vocabularies.get(key)
    if found is None:
        blob = db.session.scalar(select(SimilarVocabulary.shingles)
                                 .where(SimilarVocabulary.id == row.id))
        if len(_vocabularies) >= 4:
            _vocabularies.clear()
        found = _vocabularies[key] = Vocabulary(row.id, _unpack_hashes(blob))
    return found


def build_vocabulary(sample: int = VOCABULARY_SAMPLE, batch: int = 2000) -> SimilarVocabulary:
    """Count the shingles of the ``sample`` most recent cases and store the frequent ones
    as the vocabulary in use.  Signatures computed before keep their old vocabulary until
    re-indexed (``index_all``)."""
    df: dict[int, int] = {}
    counted, before = 0, None
    while counted < sample:
        stmt = select(Case.id, Case.title, Case.content).order_by(Case.id.desc())
        if before is not None:
            stmt = stmt.where(Case.id < before)
        rows = db.session.execute(stmt.limit(min(batch, sample - counted))).all()
        if not rows:
            break
        for _id, title, content in rows:
            for h in engine.text_hashes(title, content):
                df[h] = df.get(h, 0) + 1
        counted += len(rows)
        before = rows[-1].id
    frequent = engine.frequent_hashes(df, counted)
    row = SimilarVocabulary(cases=counted, min_cases=engine.frequent_limit(counted),
                            engine_version=engine.VERSION, shingles=_pack_hashes(frequent))
    db.session.add(row)
    db.session.flush()
    return row


# ---------------------------------------------------------------------------------------
# Indexing
# ---------------------------------------------------------------------------------------

def _dialect():
    return postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite


def _insert_buckets(rows: list[tuple[int, int, int]]) -> None:
    """Insert (band, bucket, case_id) rows, skipping any already there.  On SQLite one
    executemany of plain tuples; on PostgreSQL one statement with an array per column."""
    if not rows:
        return
    rows.sort()  # key order: the rows go into the table's B-tree in order
    if db.session.get_bind().dialect.name == "postgresql":
        bands, buckets, cases = zip(*rows, strict=True)
        db.session.execute(text(
            "INSERT INTO case_lsh_buckets (band, bucket, case_id) "
            "SELECT * FROM unnest(CAST(:bands AS smallint[]), CAST(:buckets AS bigint[]), "
            "CAST(:cases AS integer[])) ON CONFLICT DO NOTHING"),
            {"bands": list(bands), "buckets": list(buckets), "cases": list(cases)})
    else:
        db.session.connection().exec_driver_sql(
            "INSERT INTO case_lsh_buckets (band, bucket, case_id) VALUES (?, ?, ?) "
            "ON CONFLICT DO NOTHING", rows)


def _delete_buckets(rows: list[tuple[int, int, int]]) -> None:
    if not rows:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        bands, buckets, cases = zip(*rows, strict=True)
        db.session.execute(text(
            "DELETE FROM case_lsh_buckets AS b USING unnest(CAST(:bands AS smallint[]), "
            "CAST(:buckets AS bigint[]), CAST(:cases AS integer[])) AS d(band, bucket, case_id) "
            "WHERE b.band = d.band AND b.bucket = d.bucket AND b.case_id = d.case_id"),
            {"bands": list(bands), "buckets": list(buckets), "cases": list(cases)})
    else:
        db.session.connection().exec_driver_sql(
            "DELETE FROM case_lsh_buckets WHERE band = ? AND bucket = ? AND case_id = ?", rows)


def _keys(case_id: int, sig) -> set[tuple[int, int, int]]:
    return {(band, key, case_id) for band, key in enumerate(engine.band_keys(sig))}


def index_cases(case_ids: Iterable[int]) -> int:
    """Compute and store the signature and bucket rows of these cases (new, or changed
    since they were indexed: only the rows that differ are written).  Returns how many
    cases were indexed.  Flushes, never commits."""
    vocab = vocabulary()
    ids = sorted(set(case_ids))
    now = datetime.now(UTC)
    done = 0
    upsert = _dialect().insert(CaseSignature.__table__)
    upsert = upsert.on_conflict_do_update(
        index_elements=["case_id"],
        set_={"signature": upsert.excluded.signature,
              "vocabulary_id": upsert.excluded.vocabulary_id,
              "updated_at": upsert.excluded.updated_at})
    for start in range(0, len(ids), INDEX_CHUNK):
        chunk = ids[start:start + INDEX_CHUNK]
        rows = db.session.execute(select(Case.id, Case.title, Case.content)
                                  .where(in_values(Case.id, chunk))).all()
        old = dict(db.session.execute(
            select(CaseSignature.case_id, CaseSignature.signature)
            .where(in_values(CaseSignature.case_id, chunk))).tuples().all())
        signatures, added, removed, emptied = [], [], [], []
        for case_id, title, content in rows:
            sig = engine.case_signature(title, content, vocab.frequent)
            new_keys = _keys(case_id, sig) if sig else set()
            old_keys = _keys(case_id, engine.unpack(old[case_id])) if case_id in old else set()
            added += new_keys - old_keys
            removed += old_keys - new_keys
            if sig:
                signatures.append({"case_id": case_id, "signature": engine.pack(sig),
                                   "vocabulary_id": vocab.id, "updated_at": now})
            elif case_id in old:
                emptied.append(case_id)
        _delete_buckets(removed)
        if emptied:
            db.session.execute(delete(CaseSignature).where(in_values(CaseSignature.case_id,
                                                                     emptied)))
        if signatures:
            db.session.execute(upsert, signatures)
        _insert_buckets(added)
        done += len(rows)
    return done


def index_all(batch: int = 5000, *, rebuild_vocabulary: bool = False,
              commit: Callable[[], None] | None = None) -> int:
    """Index every case from scratch: the stored signatures and buckets are emptied, then
    the cases are read in id order, ``batch`` at a time, and written with multi-row
    inserts (memory stays flat).  With ``rebuild_vocabulary``, or when there is none yet,
    the frequent shingles are counted first.  ``commit`` (optional) is called after each
    batch; until the run ends a lookup sees part of the index.  Returns the cases
    indexed."""
    if rebuild_vocabulary or vocabulary().id is None:
        build_vocabulary()
    vocab = vocabulary()
    db.session.execute(delete(case_lsh_buckets))
    db.session.execute(delete(CaseSignature))
    if commit:
        commit()
    sig_table = CaseSignature.__table__
    total, last = 0, 0
    while True:
        rows = db.session.execute(select(Case.id, Case.title, Case.content)
                                  .where(Case.id > last).order_by(Case.id).limit(batch)).all()
        if not rows:
            break
        now = datetime.now(UTC)
        for start in range(0, len(rows), INDEX_CHUNK):
            signatures, buckets = [], []
            for case_id, title, content in rows[start:start + INDEX_CHUNK]:
                sig = engine.case_signature(title, content, vocab.frequent)
                if sig is None:
                    continue
                signatures.append({"case_id": case_id, "signature": engine.pack(sig),
                                   "vocabulary_id": vocab.id, "updated_at": now})
                buckets += [(band, key, case_id)
                            for band, key in enumerate(engine.band_keys(sig))]
            if signatures:
                db.session.execute(sig_table.insert(), signatures)
            _insert_buckets(buckets)
        total += len(rows)
        last = rows[-1].id
        if commit:
            commit()
    return total


def index_missing(batch: int = 1000, commit: Callable[[], None] | None = None) -> int:
    """Index the cases that have no signature yet (created by a path that did not index
    them), ``batch`` at a time.  Returns how many were indexed."""
    total, last = 0, 0
    while True:
        ids = list(db.session.scalars(
            select(Case.id).where(Case.id > last,
                                  ~exists().where(CaseSignature.case_id == Case.id))
            .order_by(Case.id).limit(batch)))
        if not ids:
            return total
        index_cases(ids)
        total += len(ids)
        last = ids[-1]
        if commit:
            commit()


def prune() -> int:
    """Remove the bucket rows of cases that have no signature (deleted cases).  A full
    scan of the bucket table: maintenance, not a regular job."""
    b = case_lsh_buckets
    result = db.session.execute(delete(b).where(
        ~exists().where(CaseSignature.case_id == b.c.case_id)))
    return result.rowcount or 0


# ---------------------------------------------------------------------------------------
# Lookups
# ---------------------------------------------------------------------------------------

class Match(NamedTuple):
    """A similar case, its score (content + bonuses, see hub.similar.engine) and why."""

    case: Case
    score: float
    reasons: list[engine.Reason]


def similar_to(user, case: Case, limit: int = 10) -> list[Match]:
    """The cases most like ``case`` that ``user`` may see, best first.  Empty when the
    user may not see ``case`` itself."""
    if not _authenticated(user) or db.session.scalar(
            scoped(user, select(Case.id))[0].where(Case.id == case.id)) is None:
        return []
    profile = engine.Profile(case.county, case.township_id, case.village, case.category)
    return _lookup(user, case.title, case.content, profile, limit, exclude=case.id)


def similar_to_text(user, title: str, content: str, county: str | None,
                    category: str | None, limit: int = 10, *, township_id: int | None = None,
                    village: str | None = None) -> list[Match]:
    """The cases most like a petition not registered yet (at intake), that ``user`` may
    see, best first."""
    if not _authenticated(user):
        return []
    profile = engine.Profile(county, township_id, village, category)
    return _lookup(user, title, content, profile, limit, exclude=None)


def _authenticated(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


# The bucket windows of one lookup, one per band (the newest BUCKET_WINDOW entries of the
# bucket :k<band>, each an index range of the bucket table), as one fixed SQL text: built
# once, so a lookup does not assemble 64 subqueries.
_WINDOWS = text(" UNION ALL ".join(
    f"SELECT case_id FROM (SELECT case_id FROM case_lsh_buckets WHERE band = {band} "  # noqa: S608 # nosec B608
    f"AND bucket = :k{band} ORDER BY case_id DESC LIMIT {BUCKET_WINDOW}) AS w{band}"
    for band in range(engine.BANDS))).columns(case_id=Integer)


def _candidates(user, keys: list[int], exclude: int | None) -> list[int]:
    """The visible cases sharing most bands with ``keys`` (step 1 of the module doc)."""
    found = _WINDOWS.bindparams(**{f"k{band}": key for band, key in enumerate(keys)}) \
        .subquery("similar_candidates")
    stmt = select(found.c.case_id).select_from(found).join(Case, Case.id == found.c.case_id)
    stmt = scoped(user, stmt)[0]
    if exclude is not None:
        stmt = stmt.where(found.c.case_id != exclude)
    stmt = (stmt.group_by(found.c.case_id)
            .order_by(func.count().desc(), found.c.case_id.desc()).limit(CANDIDATES))
    return list(db.session.scalars(stmt))


def _lookup(user, title: str, content: str, profile: engine.Profile, limit: int,
            exclude: int | None) -> list[Match]:
    if limit <= 0:
        return []
    indexing.settle()  # this transaction's own registrations and edits first
    vocab = vocabulary()
    mine = engine.specific(engine.text_hashes(title, content), vocab.frequent)
    sig = engine.signature(mine)
    if sig is None:
        return []
    ids = _candidates(user, engine.band_keys(sig), exclude)
    if not ids:
        return []
    rows = {row.id: row for row in db.session.execute(
        select(Case.id, Case.title, Case.content, Case.county, Case.township_id, Case.village,
               Case.category, CaseSignature.signature)
        .join(CaseSignature, CaseSignature.case_id == Case.id)
        .where(in_values(Case.id, ids)))}
    profiles = {i: engine.Profile(r.county, r.township_id, r.village, r.category)
                for i, r in rows.items()}
    near = engine.prerank(sig, profile, ((i, engine.unpack(r.signature), profiles[i])
                                         for i, r in rows.items()), engine.NEIGHBOURHOOD)
    shingle_sets = {r.key: engine.specific(engine.text_hashes(rows[r.key].title,
                                                              rows[r.key].content),
                                           vocab.frequent) for r in near}
    best = engine.rerank(mine, profile, [(r.key, shingle_sets[r.key], profiles[r.key])
                                         for r in near], limit)
    if not best:
        return []
    # Loaded again through the visibility rule (the ids came from it already).
    cases = {c.id: c for c in db.session.scalars(
        scoped(user, select(Case))[0].where(Case.id.in_([r.key for r in best])))}
    runs = engine.case_runs(title, content)
    out = []
    for r in best:
        case = cases.get(r.key)
        if case is None:
            continue
        reasons = engine.reasons(r.content, profile, profiles[r.key], runs,
                                 engine.case_runs(case.title, case.content), vocab.frequent)
        out.append(Match(case, round(r.score, 3), reasons))
    return out


# ---------------------------------------------------------------------------------------
# Clusters
# ---------------------------------------------------------------------------------------

def cluster_cases(user, since: datetime, until: datetime, **options) -> list[engine.Cluster]:
    """The clusters (engine.cluster) among the cases registered in [since, until) that
    ``user`` may see — only those are read, so sizes and counts are the user's."""
    if not _authenticated(user):
        return []
    stmt = scoped(user, select(Case.id, Case.title, Case.content, Case.county, Case.category,
                               Case.township_id, Case.village))[0]
    stmt = stmt.where(Case.registered_at >= since, Case.registered_at < until)
    items = [engine.Item(*row) for row in db.session.execute(stmt)]
    return engine.cluster(items, **options)
