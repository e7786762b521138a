"""The checklist scoring and the round report on a hand-made data set with known answers."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from hub.core.errors import ServiceError
from hub.deadlines.services import local_today
from hub.extensions import db
from hub.review import report, services
from tests.cases.factories import forwarded
from tests.conftest import agency_coded, user_named

# The default checklist, 20 points each: 事实认定清楚, 程序合法及时, 答复意见有据清楚,
# 依法告知信访人, 获取信访人评价.
FACTS, PROCEDURE, REPLY, INFORMED, RATING = range(5)

# case → lead agency and its five scores (None: picked but not scored)
DATA = {
    "A": ("mangshi.xfj", [20, 20, 20, 20, 20]),  # 100
    "B": ("mangshi.xfj", [15, 20, 10, 20, 20]),  # 85: facts, reply
    "C": ("ruili.xfj", [20, 14, 20, 0, 20]),  # 74: procedure, informed
    "D": ("dh.zrzyj", None),  # not scored yet
    "E": ("ruili.xfj", [20, 20, 16, 18, 16]),  # 90: reply, informed, rating
}


def _round():
    return services.open_round(user_named("secretariat"), "2026年第一季度评查",
                               local_today() - timedelta(days=90), local_today())


def _values(rnd, scores):
    return {item.id: (str(score), "" if score == item.max_score else f"扣{item.label}")
            for item, score in zip(rnd.items, scores, strict=True)}


def build_hand_made():
    sec = user_named("secretariat")
    rnd = _round()
    rows = {}
    for name, (lead, scores) in DATA.items():
        case = forwarded(lead=lead, assist=())
        rows[name] = services.add_cases(sec, rnd, [case.number], sec.id)[0]
        if scores is not None:
            services.score(sec, rows[name], _values(rnd, scores))
    return rnd, rows


def test_scores_are_stored_with_totals(ctx):
    rnd, rows = build_hand_made()
    assert [i.label for i in rnd.items] == ["事实认定清楚", "程序合法及时", "答复意见有据清楚",
                                            "依法告知信访人", "获取信访人评价"]
    assert rnd.max_total == 100
    assert {n: r.total for n, r in rows.items()} == {"A": 100, "B": 85, "C": 74, "D": None,
                                                     "E": 90}
    assert rows["B"].status == "scored" and rows["D"].status == "pending"
    facts = next(s for s in rows["B"].scores if s.round_item_id == rnd.items[FACTS].id)
    assert (facts.score, facts.comment) == (15, "扣事实认定清楚")


def test_the_round_report_has_the_known_answers(ctx):
    rnd, _rows = build_hand_made()
    r = report.build(rnd)
    assert (r.picked, r.scored, r.pending, r.max_total) == (5, 4, 1, 100)
    # (100 + 85 + 74 + 90) / 4 = 87.25, rounded half up
    assert r.average == Decimal("87.3") and r.percent == Decimal("87.3")
    assert (r.lowest, r.highest) == (74, 100)

    by_agency = [(a.name, a.picked, a.scored, a.average, a.percent) for a in r.agencies]
    assert by_agency == [
        ("芒市信访局", 2, 2, Decimal("92.5"), Decimal("92.5")),  # (100 + 85) / 2
        ("瑞丽市信访局", 2, 2, Decimal("82.0"), Decimal("82.0")),  # (74 + 90) / 2
        ("德宏州自然资源局", 1, 0, None, None),  # nothing scored: "—", last
    ]

    # The most frequent problems first: the share of scored cases that lost points.
    items = [(i.label, i.lost, i.share, i.average) for i in r.items]
    assert items == [
        ("答复意见有据清楚", 2, Decimal("50.0"), Decimal("16.5")),  # B, E; (20+10+20+16)/4
        ("依法告知信访人", 2, Decimal("50.0"), Decimal("14.5")),  # C, E; (20+20+0+18)/4
        ("事实认定清楚", 1, Decimal("25.0"), Decimal("18.8")),  # B; 18.75
        ("程序合法及时", 1, Decimal("25.0"), Decimal("18.5")),  # C
        ("获取信访人评价", 1, Decimal("25.0"), Decimal("19.0")),  # E
    ]
    assert r.items[0].comments == ["扣答复意见有据清楚", "扣答复意见有据清楚"]


def test_rounding_is_half_up_to_one_decimal():
    assert report._ratio(1, 3, 100) == Decimal("33.3")
    assert report._ratio(2, 3, 100) == Decimal("66.7")
    assert report._ratio(1, 8) == Decimal("0.1")  # 0.125
    assert report._ratio(3, 8) == Decimal("0.4")  # 0.375
    assert report._ratio(5, 0) is None
    assert report.shown(None) == "—" and report.shown(Decimal("87.3")) == "87.3"


def test_a_round_with_nothing_scored_shows_dashes(app, login_as):
    with app.test_request_context():
        sec = user_named("secretariat")
        empty = _round()
        pending = _round()
        services.add_cases(sec, pending, [forwarded(lead="ruili.xfj", assist=()).number])
        for rnd in (empty, pending):
            r = report.build(rnd)
            assert r.scored == 0 and r.average is None and r.percent is None
            assert r.lowest is None and r.highest is None
            assert all(i.share is None and i.average is None and i.lost == 0 for i in r.items)
        assert [(a.name, a.average) for a in report.build(pending).agencies] == [
            ("瑞丽市信访局", None)]
    db.session.commit()
    client = login_as("auditor")
    for rnd in (empty, pending):
        page = client.get(f"/review/{rnd.id}/report")
        assert page.status_code == 200
        body = page.get_data(as_text=True)
        assert 'data-testid="summary-average">—<' in body
        assert 'data-testid="summary-percent">—<' in body
        book = load_workbook(io.BytesIO(client.get(f"/review/{rnd.id}/report.xlsx").data))
        overview = {row[0]: row[1] for row in book["概况"].iter_rows(values_only=True)}
        assert overview["平均得分"] == "—" and overview["已评分"] == 0


def test_report_page_and_xlsx_show_the_same_numbers(app, login_as):
    with app.test_request_context():
        rnd, rows = build_hand_made()
        numbers = {n: r.case.number for n, r in rows.items()}
        agencies = {code: agency_coded(code).id for code in ("mangshi.xfj", "ruili.xfj")}
    db.session.commit()
    client = login_as("auditor")
    body = client.get(f"/review/{rnd.id}/report").get_data(as_text=True)
    assert 'data-testid="summary-picked">5<' in body
    assert 'data-testid="summary-average">87.3<' in body
    mangshi = body.split(f'data-testid="agency-{agencies["mangshi.xfj"]}"')[1].split("</tr>")[0]
    assert "芒市信访局" in mangshi and "92.5" in mangshi
    problems = body.split('data-testid="report-items"')[1]
    assert problems.index("答复意见有据清楚") < problems.index("事实认定清楚") \
        < problems.index("获取信访人评价")
    assert numbers["C"] in body

    resp = client.get(f"/review/{rnd.id}/report.xlsx")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(resp.data))
    assert book.sheetnames == ["概况", "按单位", "常见问题", "评分明细"]
    overview = {row[0]: row[1] for row in book["概况"].iter_rows(values_only=True)}
    assert overview["已评分"] == 4 and overview["平均得分"] == 87.3
    agency_rows = list(book["按单位"].iter_rows(values_only=True))
    assert agency_rows[1] == ("芒市信访局", 2, 2, 92.5, 92.5)
    assert agency_rows[3] == ("德宏州自然资源局", 1, 0, "—", "—")
    item_rows = list(book["常见问题"].iter_rows(values_only=True))
    assert item_rows[1] == ("答复意见有据清楚", 20, 4, 2, 50.0, 16.5)
    detail = {row[0]: row for row in book["评分明细"].iter_rows(values_only=True)}
    assert detail[numbers["C"]][4:10] == (20, 14, 20, 0, 20, 74)
    assert detail[numbers["D"]][3] == "待评分"


def test_scoring_refuses_bad_input_with_clear_messages(ctx):
    sec = user_named("secretariat")
    rnd = _round()
    row = services.add_cases(sec, rnd, [forwarded(lead="ruili.xfj", assist=()).number],
                             sec.id)[0]
    full = [20, 20, 20, 20, 20]
    values = _values(rnd, full)
    with pytest.raises(ServiceError, match="只有分配的评查人可以为该事项评分"):
        services.score(user_named("reviewer"), row, values)
    with pytest.raises(ServiceError, match="请为“事实认定清楚”评分"):
        services.score(sec, row, {**values, rnd.items[FACTS].id: ("", "")})
    for bad in ("21", "-1", "abc", "2.5"):
        with pytest.raises(ServiceError, match="“程序合法及时”的得分应为 0 至 20 的整数"):
            services.score(sec, row, {**values, rnd.items[PROCEDURE].id: (bad, "理由")})
    with pytest.raises(ServiceError, match="“依法告知信访人”扣分须说明理由"):
        services.score(sec, row, {**values, rnd.items[INFORMED].id: ("10", "  ")})
    assert row.status == "pending" and row.scores == []
    services.score(sec, row, values, "规范")
    assert row.total == 100
    # The reviewer corrects a score while the round is open.
    services.score(sec, row, {**values, rnd.items[RATING].id: ("5", "未请信访人评价")})
    assert row.total == 85 and len(row.scores) == 5 and row.comments is None
    services.close_round(sec, rnd)
    with pytest.raises(ServiceError, match="本轮评查已结束，不能再评分"):
        services.score(sec, row, values)


def test_checklist_edits_leave_opened_rounds_as_they_were(ctx):
    from hub.review import checklist

    admin = user_named("admin")
    rnd = _round()
    first = checklist.items()[0]
    checklist.update_item(admin, first, "事实清楚", "新的说明", 30, first.position, True)
    rating = checklist.items()[-1]
    checklist.update_item(admin, rating, rating.label, rating.description, rating.max_score,
                          rating.position, False)
    db.session.refresh(rnd)
    assert [(i.label, i.max_score) for i in rnd.items][0] == ("事实认定清楚", 20)
    assert rnd.max_total == 100 and len(rnd.items) == 5
    later = _round()
    assert [(i.label, i.max_score) for i in later.items] == [
        ("事实清楚", 30), ("程序合法及时", 20), ("答复意见有据清楚", 20), ("依法告知信访人", 20)]
    assert later.max_total == 90
