"""The similar-cases index follows the cases: every intake path indexes what it registers,
in the same transaction, and an edit of a case's text re-indexes it."""

from __future__ import annotations

from sqlalchemy import func, select

from hub.cases.bulk import bulk_cases
from hub.cases.models import Case
from hub.extensions import db
from hub.similar import engine, services
from hub.similar.models import CaseSignature, case_lsh_buckets
from tests.cases.factories import registered
from tests.conftest import user_named

B = case_lsh_buckets
LAND = dict(title="芒市遮放镇弄坎村高速公路连接线征地补偿款未兑付",
            content="信访人反映2023年弄坎村约300亩集体土地被征用于高速公路连接线，征地补偿款"
                    "至今未兑付到户，村组账目不公开。")
LAND_AGAIN = dict(title="弄坎村村民讨要高速公路连接线征地补偿款",
                  content="我们弄坎村的承包地被高速公路连接线项目占用，当时说好的征地补偿款至今"
                          "没有兑付，村组账目也不公开。")
WAGES = "鑫宏建筑工程有限公司承建的芒市工业园区道路工地拖欠五十名农民工工资共计八十万元。"


def _rows(case_id: int) -> set[tuple[int, int]]:
    return set(db.session.execute(select(B.c.band, B.c.bucket).where(B.c.case_id == case_id))
               .tuples())


def _expected(case: Case) -> set[tuple[int, int]]:
    sig = engine.case_signature(case.title, case.content, services.vocabulary().frequent)
    return set(enumerate(engine.band_keys(sig)))


def _count(table) -> int:
    return db.session.scalar(select(func.count()).select_from(table))


def test_a_case_registered_through_the_service_is_found_at_once(ctx):
    first = registered(**LAND)
    second = registered(**LAND_AGAIN)
    # In the registering transaction: a lookup sees its own writes.
    matches = services.similar_to(user_named("secretariat"), second)
    assert [m.case.id for m in matches] == [first.id]
    db.session.commit()
    assert _rows(first.id) == _expected(first) and len(_rows(first.id)) == engine.BANDS
    # Committed without any lookup: indexed before the commit.
    third = registered(title="弄坎村高速公路连接线征地补偿款仍未兑付", content=LAND["content"])
    db.session.commit()
    assert db.session.get(CaseSignature, third.id) is not None
    assert _rows(third.id) == _expected(third)


def test_editing_a_cases_text_reindexes_it(ctx):
    case = registered(**LAND)
    db.session.commit()
    before = _rows(case.id)
    stamp = db.session.get(CaseSignature, case.id).updated_at
    # A change that does not touch the text writes nothing to the index.
    case.to_discuss = True
    db.session.commit()
    assert db.session.get(CaseSignature, case.id).updated_at == stamp
    case.title, case.content = "工业园区道路工地拖欠农民工工资", WAGES
    db.session.commit()
    after = _rows(case.id)
    assert after != before and after == _expected(case)
    found = services.similar_to_text(user_named("secretariat"), "工业园区道路工地欠薪", WAGES,
                                     "mangshi", "wages")
    assert case.id in {m.case.id for m in found}
    assert case.id not in {m.case.id for m in services.similar_to_text(
        user_named("secretariat"), LAND["title"], LAND["content"], "mangshi", "land")}


def test_a_rolled_back_registration_leaves_no_index_rows(ctx):
    signatures, buckets = _count(CaseSignature), _count(B)
    case = registered(**LAND)
    case_id = case.id
    services.similar_to(user_named("secretariat"), case)  # written inside the transaction
    assert len(_rows(case_id)) == engine.BANDS
    db.session.rollback()
    assert _rows(case_id) == set() and db.session.get(CaseSignature, case_id) is None
    assert (_count(CaseSignature), _count(B)) == (signatures, buckets)
    # Rolled back before anything looked: nothing either.
    case = registered(**LAND_AGAIN)
    case_id = case.id
    db.session.rollback()
    assert _rows(case_id) == set() and (_count(CaseSignature), _count(B)) == (signatures, buckets)


def test_the_bulk_paths_index_what_they_write(ctx):
    assert bulk_cases(40) == 40
    assert _count(CaseSignature) == 40
    assert _count(B) == 40 * engine.BANDS
    bulk_cases(10, seed=2, index=False)  # a benchmark that indexes afterwards
    assert _count(CaseSignature) == 40
    assert services.index_missing() == 10


def test_an_import_indexes_the_imported_cases(ctx):
    from hub.transfers import services as transfers
    from tests.transfers.files import csv_bytes, row

    job = transfers.start_import(user_named("liaison.xinfang"), "export.csv",
                                 csv_bytes([row(1), row(2), row(3)]))
    db.session.commit()
    transfers.run_validation(job.id)
    transfers.confirm_import(user_named("liaison.xinfang"), job)
    db.session.commit()
    transfers.run_import(job.id)
    ids = list(db.session.scalars(select(Case.id).where(Case.external_number.like("T%"))))
    assert len(ids) == 3
    assert _count(CaseSignature) == 3
    for case_id in ids:
        assert _rows(case_id) == _expected(db.session.get(Case, case_id))


def test_the_portal_and_the_api_index_what_they_register(app, client):
    from hub.api import tokens
    from hub.deadlines.services import local_today
    from hub.public import services as portal

    with app.test_request_context():
        portal.submit(portal.Submission(
            title=LAND["title"], content=LAND["content"], category="land", county="mangshi",
            name="网民", phone="13800000000", consent=True), "192.0.2.10")
        online = db.session.scalar(select(Case.id).order_by(Case.id.desc()).limit(1))
        text, _row = tokens.create(user_named("liaison.xinfang"), user_named("liaison.xinfang"),
                                   "测试")
    db.session.commit()
    assert _rows(online) == _expected(db.session.get(Case, online))
    created = client.post("/api/v1/cases", headers={"Authorization": f"Bearer {text}"}, json={
        "title": LAND_AGAIN["title"], "content": LAND_AGAIN["content"], "channel": "letter",
        "category": "land", "county": "mangshi", "registered_on": local_today().isoformat(),
        "petitioners": [{"name": "王某", "phone": "13900001111"}]})
    assert created.status_code == 201, created.get_json()
    by_api = db.session.get(Case, created.get_json()["id"])
    assert _rows(by_api.id) == _expected(by_api)
    matches = services.similar_to(user_named("secretariat"), by_api)
    assert online in {m.case.id for m in matches}
