"""Indexing and lookups through the services, on the test database (SQLite or PostgreSQL)."""

from __future__ import annotations

import random

from sqlalchemy import func, insert, select, update

from hub.cases.models import Case
from hub.extensions import db
from hub.similar import engine, services
from hub.similar.models import CaseSignature, SimilarVocabulary, case_lsh_buckets
from tests.cases.factories import registered
from tests.conftest import user_named
from tests.similar import corpus
from tests.similar.helpers import add_cases

B = case_lsh_buckets


def _rows(case_id: int) -> set[tuple[int, int]]:
    return set(db.session.execute(select(B.c.band, B.c.bucket).where(B.c.case_id == case_id))
               .tuples())


def _petitions(n: int, seed: int = 3):
    return corpus.background(random.Random(seed), n)  # noqa: S311 - test data


def test_index_cases_stores_the_signature_and_one_row_per_band(ctx):
    [case_id] = add_cases(_petitions(1))
    assert services.index_cases([case_id]) == 1
    case = db.session.get(Case, case_id)
    stored = db.session.get(CaseSignature, case_id)
    sig = engine.case_signature(case.title, case.content)
    assert engine.unpack(stored.signature) == sig
    assert stored.vocabulary_id is None  # no vocabulary built yet
    assert _rows(case_id) == set(enumerate(engine.band_keys(sig)))
    # Again: nothing changes, nothing is duplicated.
    assert services.index_cases([case_id, case_id]) == 1
    assert len(_rows(case_id)) == engine.BANDS


def test_a_changed_text_replaces_its_rows(ctx):
    [case_id] = add_cases(_petitions(1))
    services.index_cases([case_id])
    before = _rows(case_id)
    db.session.execute(update(Case.__table__).where(Case.__table__.c.id == case_id)
                       .values(content="鑫宏建筑工程有限公司拖欠弄坎村五十名农民工工资。"))
    services.index_cases([case_id])
    after = _rows(case_id)
    case = db.session.get(Case, case_id)
    db.session.refresh(case)
    assert after == set(enumerate(engine.band_keys(engine.case_signature(case.title,
                                                                         case.content))))
    assert after != before and len(after) == engine.BANDS
    # A text with nothing left to index drops the case from the index.
    db.session.execute(update(Case.__table__).where(Case.__table__.c.id == case_id)
                       .values(title="123", content="（！）"))
    services.index_cases([case_id])
    assert _rows(case_id) == set() and db.session.get(CaseSignature, case_id) is None


def test_index_all_builds_the_vocabulary_and_indexes_everything(ctx):
    # 250 cases that all use one phrase: frequent (in ≥ 200 of them).
    petitions = _petitions(250)
    for p in petitions:
        p.content += "涉及集体经济组织成员资格认定。"
    ids = add_cases(petitions)
    assert services.index_all(batch=100, rebuild_vocabulary=True) == 250
    vocab = db.session.scalar(select(SimilarVocabulary).order_by(SimilarVocabulary.id.desc()))
    assert vocab.cases == 250 and vocab.min_cases == 200
    frequent = services.vocabulary().frequent
    assert engine.shingle_hash("员资格") in frequent
    assert db.session.scalar(select(func.count()).select_from(CaseSignature)) == 250
    assert db.session.scalar(select(func.count()).select_from(B)) == 250 * engine.BANDS
    stored = db.session.get(CaseSignature, ids[0])
    case = db.session.get(Case, ids[0])
    assert stored.vocabulary_id == vocab.id
    assert engine.unpack(stored.signature) == engine.case_signature(case.title, case.content,
                                                                    frequent)


def test_index_missing_and_prune(ctx):
    ids = add_cases(_petitions(30))
    services.index_cases(ids[:10])
    assert services.index_missing(batch=7) == 20
    assert services.index_missing() == 0
    # A bucket row left by a case that is gone.
    db.session.execute(insert(B).values(band=0, bucket=12345, case_id=ids[0] + 100_000))
    assert services.prune() == 1
    assert db.session.scalar(select(func.count()).select_from(B)) == 30 * engine.BANDS


def test_a_registered_case_is_found_without_indexing_by_hand(ctx):
    """Registration indexes the case in its own transaction (hub.similar.indexing)."""
    first = registered(title="芒市遮放镇弄坎村高速公路连接线征地补偿款未兑付",
                       content="信访人反映2023年弄坎村约300亩集体土地被征用于高速公路连接线，"
                               "征地补偿款至今未兑付到户，村组账目不公开。")
    second = registered(title="弄坎村村民讨要高速公路连接线征地补偿款",
                        content="我们弄坎村的承包地被高速公路连接线项目占用，当时说好的征地"
                                "补偿款至今没有兑付，村组账目也不公开。", registered_on=None
                        or first.registered_at.date())
    other = registered(title="瑞丽市某中学学位分配", content="孩子随迁在城区，申请学位被拒。",
                       county="ruili", category="education")
    secretariat = user_named("secretariat")
    matches = services.similar_to(secretariat, second)
    assert [m.case.id for m in matches] == [first.id]
    match = matches[0]
    assert [r.code for r in match.reasons] == ["content", "place", "category"]
    assert match.reasons[1].level == "county"
    assert any("高速公路连接线" in p for p in match.reasons[0].phrases)
    # At intake, before the petition is registered.
    found = services.similar_to_text(secretariat, "弄坎村高速公路连接线征地补偿款",
                                     "高速公路连接线占用弄坎村土地，补偿款未兑付。",
                                     "mangshi", "land")
    assert {m.case.id for m in found} == {first.id, second.id}
    assert other.id not in {m.case.id for m in services.similar_to(secretariat, first)}
    assert services.similar_to(secretariat, second, limit=0) == []


def test_the_jobs_index(ctx):
    from jobs import similar as jobs

    ids = add_cases(_petitions(12))
    assert jobs.index_cases(ids[:5]) == 5
    assert jobs.index_missing() == 7
    assert jobs.index_all(rebuild_vocabulary=True) == 12
    assert db.session.scalar(select(func.count()).select_from(CaseSignature)) == 12
