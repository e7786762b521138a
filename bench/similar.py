"""Benchmark: similar cases (相似信访件) at 1,000,000 cases.

    .venv/bin/python bench/similar.py [--cases 1000000] [--backends sqlite,postgresql]
                                      [--lookups 50] [--cluster 30000] [--planted 100]

For each backend it migrates a fresh database, loads the demo data, builds ``--cases``
cases with ``hub.cases.bulk.bulk_cases`` and then gives them varied texts: bulk_cases
writes a handful of template texts, under which every case would look like thousands of
others, so each case's title, content, category, county and village are replaced by a
petition of the synthetic corpus of the tests (tests/similar/corpus.py: each petition its
own cause, told in its own words), the first ``--planted`` × 5 being planted groups of
paraphrases (one cause told by five petitioners).  Then it reports

- indexing: ``hub.similar.services.index_all`` over every case (the frequent shingles
  counted first), in cases per second;
- lookup: p50/p95 of ``similar_to(user, case, 10)`` for ``--lookups`` random cases each
  user may see, as the secretariat and as a 纪委监委 liaison (``liaison.jiwei``), each
  lookup in its own transaction — target p95 ≤ 200 ms;
- quality at that size: for every planted case, whether all four partners are in its top
  10 (secretariat);
- clustering: ``hub.similar.engine.cluster`` over the ``--cluster`` most recent cases (a
  month of a province's intake), time (target ≤ 60 s) and, in a second run under
  tracemalloc, the peak Python memory.

PostgreSQL is started from the machine's binaries (``tests.servers``, as bench/board.py)
when it is available, and stopped at the end whatever happens.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGET_LOOKUP_P95_MS = 200
TARGET_CLUSTER_S = 60
USERS = ("secretariat", "liaison.jiwei")
SECRET = "benchmark-secret-key-0123456789abcdef"
BATCH = 5000


def vary_texts(app, cases: int, planted_groups: int, seed: int) -> list[list[int]]:
    """Give every case a petition of the synthetic corpus; the planted groups' case ids."""
    from sqlalchemy import bindparam, select, text, update

    from hub.cases.models import Case
    from hub.extensions import db
    from tests.similar import corpus

    rng = random.Random(seed)  # noqa: S311 - benchmark data
    planted = corpus.planted_groups(rng, planted_groups, 5)
    groups: list[list[int]] = [[] for _ in range(planted_groups)]
    table = Case.__table__
    with app.app_context():
        postgres = db.session.get_bind().dialect.name == "postgresql"
        last, done = 0, 0
        while True:
            ids = list(db.session.scalars(select(Case.id).where(Case.id > last)
                                          .order_by(Case.id).limit(BATCH)))
            if not ids:
                break
            petitions = []
            for case_id in ids:
                if done < len(planted):
                    p = planted[done]
                    groups[p.group].append(case_id)
                else:
                    p = corpus.background(rng, 1)[0]
                petitions.append(p)
                done += 1
            if postgres:
                db.session.execute(text(
                    "UPDATE cases AS c SET title = v.title, content = v.content, "
                    "category = v.category, county = v.county, village = v.village "
                    "FROM unnest(CAST(:ids AS integer[]), CAST(:titles AS varchar[]), "
                    "CAST(:contents AS text[]), CAST(:categories AS varchar[]), "
                    "CAST(:counties AS varchar[]), CAST(:villages AS varchar[])) "
                    "AS v(id, title, content, category, county, village) WHERE c.id = v.id"),
                    {"ids": ids, "titles": [p.title[:200] for p in petitions],
                     "contents": [p.content for p in petitions],
                     "categories": [p.category for p in petitions],
                     "counties": [p.county for p in petitions],
                     "villages": [p.village for p in petitions]})
            else:
                stmt = (update(table).where(table.c.id == bindparam("case_id"))
                        .values(title=bindparam("t"), content=bindparam("c"),
                                category=bindparam("k"), county=bindparam("y"),
                                village=bindparam("v")))
                db.session.connection().execute(stmt, [
                    {"case_id": i, "t": p.title[:200], "c": p.content, "k": p.category,
                     "y": p.county, "v": p.village} for i, p in zip(ids, petitions, strict=True)])
            db.session.commit()
            last = ids[-1]
        db.session.remove()
    return groups


def build(app, backend: str, args) -> list[list[int]]:
    from hub.cases.bulk import bulk_cases
    from hub.extensions import db
    from hub.similar import services

    with app.app_context():
        start = time.perf_counter()
        bulk_cases(args.cases, seed=args.cases, index=False)  # indexed below
        db.session.commit()
        built = time.perf_counter() - start
        db.session.remove()
    start = time.perf_counter()
    groups = vary_texts(app, args.cases, args.planted, seed=args.cases + 1)
    varied = time.perf_counter() - start
    print(f"{backend}: {args.cases:,} cases built in {built:,.0f} s, texts varied in "
          f"{varied:,.0f} s", flush=True)
    with app.app_context():
        start = time.perf_counter()
        indexed = services.index_all(batch=BATCH, rebuild_vocabulary=True,
                                     commit=db.session.commit)
        spent = time.perf_counter() - start
        vocab = services.vocabulary()
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        db.session.remove()
    print(f"{backend}: indexed {indexed:,} cases in {spent:,.0f} s ({indexed / spent:,.0f} "
          f"cases/s; {len(vocab.frequent):,} frequent shingles), ANALYZE done", flush=True)
    return groups


def sample_visible(app, username: str, n: int, seed: int) -> list[int]:
    from sqlalchemy import func, select

    from hub.auth.models import User
    from hub.cases.models import Case
    from hub.cases.permissions import scoped
    from hub.extensions import db

    rng = random.Random(seed)  # noqa: S311 - benchmark sampling
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        top = db.session.scalar(select(func.max(Case.id)))
        chosen: list[int] = []
        while len(chosen) < n:
            wanted = sorted({rng.randint(1, top) for _ in range(200)})
            seen = set(db.session.scalars(scoped(user, select(Case.id))[0]
                                          .where(Case.id.in_(wanted))))
            chosen += [i for i in wanted if i in seen and i not in chosen]
        db.session.remove()
    rng.shuffle(chosen)
    return chosen[:n]


def time_lookups(app, username: str, ids: list[int]) -> tuple[list[float], int]:
    """Each lookup in its own transaction (as each request is); one warm-up first."""
    from sqlalchemy import select

    from hub.auth.models import User
    from hub.cases.models import Case
    from hub.extensions import db
    from hub.similar import services

    out, found = [], 0
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        for k, case_id in enumerate([ids[0], *ids]):
            case = db.session.get(Case, case_id)
            start = time.perf_counter()
            matches = services.similar_to(user, case, 10)
            spent = (time.perf_counter() - start) * 1000
            db.session.rollback()
            if k:
                out.append(spent)
                found += len(matches)
        db.session.remove()
    return out, found


def planted_quality(app, groups: list[list[int]]) -> tuple[int, int]:
    from sqlalchemy import select

    from hub.auth.models import User
    from hub.cases.models import Case
    from hub.extensions import db
    from hub.similar import services

    complete = total = 0
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "secretariat"))
        for members in groups:
            for case_id in members:
                top = {m.case.id for m in services.similar_to(
                    user, db.session.get(Case, case_id), 10)}
                complete += set(members) - {case_id} <= top
                total += 1
            db.session.rollback()
        db.session.remove()
    return complete, total


def time_cluster(app, backend: str, n: int) -> None:
    from sqlalchemy import select

    from hub.cases.models import Case
    from hub.extensions import db
    from hub.similar import engine

    with app.app_context():
        start = time.perf_counter()
        rows = db.session.execute(
            select(Case.id, Case.title, Case.content, Case.county, Case.category,
                   Case.township_id, Case.village).order_by(Case.id.desc()).limit(n)).all()
        items = [engine.Item(*row) for row in rows]
        del rows
        loaded = time.perf_counter() - start
        db.session.remove()
    start = time.perf_counter()
    clusters = engine.cluster(items)
    spent = time.perf_counter() - start
    engine._cache.clear()  # the second run starts as cold as the first
    tracemalloc.start()
    engine.cluster(items)
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    sizes = [c.size for c in clusters]
    print(f"{backend}: cluster {len(items):,} cases: {spent:.1f} s (target <= "
          f"{TARGET_CLUSTER_S} s: {'met' if spent <= TARGET_CLUSTER_S else 'NOT met'}), "
          f"peak Python memory {peak:.0f} MB (second run, under tracemalloc); "
          f"{len(clusters):,} clusters of {sum(sizes):,} cases, largest {sizes[:5]}; "
          f"loading the cases {loaded:.1f} s", flush=True)


def pct(values, p):
    values = sorted(values)
    return values[max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))]


def run(backend: str, args) -> None:
    from bench.board import bench_app

    with bench_app(backend, "similar", SECRET) as app:
        if app is None:
            return
        groups = build(app, backend, args)
        for username in USERS:
            ids = sample_visible(app, username, args.lookups, seed=len(username))
            times, found = time_lookups(app, username, ids)
            p95 = pct(times, 95)
            print(f"{backend} {username}: lookup p50 {pct(times, 50):.1f} ms p95 {p95:.1f} ms "
                  f"max {max(times):.1f} ms over {len(times)} random visible cases "
                  f"({found / len(times):.1f} matches each; target p95 <= "
                  f"{TARGET_LOOKUP_P95_MS} ms: "
                  f"{'met' if p95 <= TARGET_LOOKUP_P95_MS else 'NOT met'})", flush=True)
        if groups:
            complete, total = planted_quality(app, groups)
            print(f"{backend}: planted cases with all 4 partners in their top 10: "
                  f"{complete}/{total} ({complete / total:.1%}) among {args.cases:,} cases",
                  flush=True)
        if args.cluster:
            time_cluster(app, backend, args.cluster)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--lookups", type=int, default=50)
    parser.add_argument("--cluster", type=int, default=30_000)
    parser.add_argument("--planted", type=int, default=100, help="planted groups of 5")
    args = parser.parse_args()
    for backend in args.backends.split(","):
        run(backend.strip(), args)


if __name__ == "__main__":
    main()
