"""Exporting list views to .xlsx: exactly what the page shows its user, in chunks, personal
data masked, text never a live formula; cancelling; the pages and the download."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook
from rq import SimpleWorker
from sqlalchemy import func, select

from hub.audit.models import AuditEvent
from hub.auth.visibility import visible
from hub.baoan import services as baoan
from hub.cases import intake
from hub.cases.intake import PetitionerData
from hub.cases.models import Case, CaseParticipant
from hub.core.errors import ServiceError
from hub.core.redis import get_redis
from hub.core.types import utcnow
from hub.deadlines.services import local_today, local_zone
from hub.extensions import db
from hub.handoffs import services as handoffs
from hub.meetings import services as meetings
from hub.meetings.models import Meeting
from hub.transfers import exporting, progress
from hub.transfers.models import FileJob, State
from hub.transfers.services import stored_path
from jobs.queues import queue
from tests.cases.factories import forwarded, in_hand, intake_data, registered
from tests.conftest import agency_coded, login, user_named
from tests.meetings.factories import plan

CLUE = {"subject_name": "某镇干部", "allegation": "截留征地补偿款"}


def _export(username: str, name: str, args: dict | None = None) -> FileJob:
    job = exporting.start_export(user_named(username), name, args or {})
    db.session.commit()
    assert exporting.run_export(job.id) == State.DONE.value, job.message
    return job


def _book(data: bytes):
    return load_workbook(io.BytesIO(data))


def _sheet(job: FileJob):
    """The export's only sheet (cells, with their data types)."""
    book = _book(stored_path(job).read_bytes())
    assert len(book.worksheets) == 1
    return book.worksheets[0]


def _table(job: FileJob) -> tuple[list, list[dict]]:
    """(headers, rows as dicts by header)."""
    rows = list(_sheet(job).iter_rows(values_only=True))
    headers = list(rows[0])
    return headers, [dict(zip(headers, r, strict=True)) for r in rows[1:]]


def _numbers(stmt) -> set[str]:
    return set(db.session.scalars(stmt.with_only_columns(Case.number)))


# ---------------------------------------------------------------------------------------
# Board
# ---------------------------------------------------------------------------------------

def test_a_board_export_holds_exactly_what_the_liaison_sees_and_masks_people(app):
    with app.test_request_context():
        clue = intake.register(user_named("liaison.xinfang"), intake_data(
            title="反映某镇干部截留补偿款",
            petitioners=[PetitionerData("岳明远", "13987654321", "533102198502023456")]))
        handoffs.send(user_named("liaison.xinfang"), "discipline.clue", agency_coded("dh.jw"),
                      [clue.id], "请核查", CLUE)
        formula = forwarded(title="=HYPERLINK(\"http://evil.example\",\"点击\")",
                            assist=("dh.jw",))
        elsewhere = registered(title="只有信访局参与的件")
        ids = {"clue": clue.id, "formula": formula.id, "elsewhere": elsewhere.id}
        numbers = {k: db.session.get(Case, v).number for k, v in ids.items()}
        jiwei = user_named("liaison.jiwei")
        seen = _numbers(visible(jiwei, Case))
        job = _export("liaison.jiwei", "board", {"board": "all"})
        headers, rows = _table(job)
        assert headers[:3] == ["编号", "信访件编号", "标题"]
        assert headers[-4:] == ["信访人", "联系电话", "证件号码", "人数"]
        exported = [r["编号"] for r in rows]
        assert len(exported) == len(set(exported)) == job.rows_done == len(seen)
        assert set(exported) == seen
        assert {numbers["clue"], numbers["formula"]} <= seen
        assert numbers["elsewhere"] not in exported
        # Never a case of another agency: dh.jw takes part in every exported case.
        ours = set(db.session.scalars(
            select(Case.number).join(CaseParticipant, CaseParticipant.case_id == Case.id)
            .where(CaseParticipant.agency_id == agency_coded("dh.jw").id)))
        assert set(exported) <= ours
        by_number = {r["编号"]: r for r in rows}
        restricted = by_number[numbers["clue"]]
        assert [restricted[h] for h in ("信访人", "联系电话", "证件号码")] == ["（保密）"] * 3
        ordinary = by_number[numbers["formula"]]
        assert ordinary["信访人"] == "李某"
        assert ordinary["联系电话"] == "138****5678"
        assert ordinary["证件号码"] == "5331**********1234"
        text = "\n".join(str(v) for r in rows for v in r.values() if v is not None)
        assert "13987654321" not in text and "13812345678" not in text
        assert "岳明远" not in text and "533101198001011234" not in text
        # The formula title is text, with the apostrophe that keeps Excel from running it.
        sheet = _sheet(job)
        row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == numbers["formula"])
        assert row[2].value == "'=HYPERLINK(\"http://evil.example\",\"点击\")"
        assert row[2].data_type == "s"


def test_a_board_export_keeps_the_board_filter(app):
    with app.test_request_context():
        there = registered(county="yingjiang", title="盈江县的件")
        here = registered(county="mangshi", title="芒市的件")
        there_number, here_number = there.number, here.number
        xinfang = user_named("liaison.xinfang")
        expected = _numbers(visible(xinfang, Case).where(Case.county == "yingjiang"))
        job = _export("liaison.xinfang", "board", {"board": "all", "county": "yingjiang",
                                                    "colour": "nonsense"})
        assert job.params == {"board": "all", "county": "yingjiang"}
        _headers, rows = _table(job)
        assert {r["编号"] for r in rows} == expected
        assert there_number in expected and here_number not in expected
        assert {r["问题属地"] for r in rows} == {"盈江县"}


def test_a_cancelled_export_ends_without_a_file(app):
    with app.test_request_context():
        registered()
        job = exporting.start_export(user_named("liaison.xinfang"), "board", {})
        db.session.commit()
        progress.request_cancel(job.id)
        assert exporting.run_export(job.id) == State.CANCELLED.value
        db.session.expire_all()
        job = db.session.get(FileJob, job.id)
        assert job.state == State.CANCELLED.value and job.finished_at is not None
        assert not stored_path(job).exists()
        assert not stored_path(job).with_suffix(".part").exists()


def test_a_list_is_exported_only_with_its_capability(app):
    with app.test_request_context():
        for name in ("baoan", "nonsense"):
            with pytest.raises(ServiceError):
                exporting.start_export(user_named("liaison.jiwei"), name, {})
        with pytest.raises(ServiceError):
            exporting.start_export(user_named("leader.prefecture"), "handoffs", {})


# ---------------------------------------------------------------------------------------
# 交办
# ---------------------------------------------------------------------------------------

def _page_ids(client, url: str, pattern: str) -> list[str]:
    return re.findall(pattern, client.get(url).get_data(as_text=True))


def test_the_handoff_export_is_the_inbox_tab(app, login_as):
    with app.test_request_context():
        case = registered()
        clue = handoffs.send(user_named("liaison.xinfang"), "discipline.clue",
                             agency_coded("dh.jw"), [case.id], "请核查", CLUE)
        cadre = handoffs.send(user_named("liaison.xinfang"), "organization.cadre",
                              agency_coded("dh.zzb"), [registered().id], "请处理",
                              {"cadre_name": "某局科长"})
        clue_id, cadre_id = clue.id, cadre.id
        due = clue.sign_deadline.due_on
        number = case.number
        db.session.commit()
        job = _export("liaison.jiwei", "handoffs", {"tab": "sign"})
        headers, rows = _table(job)
        assert headers == ["编号", "交办类型", "退回重办", "信访事项", "交办单位", "接收单位",
                           "状态", "预警", "期限", "剩余天数"]
        row = next(r for r in rows if r["编号"] == clue_id)
        assert row["交办类型"] == "问题线索移送" and row["状态"] == "待签收"
        assert row["信访事项"] == number
        assert row["交办单位"] == agency_coded("dh.xfj").name
        assert row["接收单位"] == agency_coded("dh.jw").name
        assert isinstance(row["期限"], datetime) and row["期限"].date() == due
        assert row["剩余天数"] == (due - local_today()).days
        assert row["预警"] in ("绿色（正常）", "黄色（预警）", "红色（超期）")
        assert cadre_id not in [r["编号"] for r in rows]  # sent to another agency
        # An agency not involved: no row; a bad tab is the 待签收 tab.
        zfw = _export("liaison.zhengfa", "handoffs", {"tab": "nonsense"})
        assert zfw.params == {"tab": "sign"}
        assert clue_id not in [r["编号"] for r in _table(zfw)[1]]
        sent = _export("liaison.xinfang", "handoffs", {"tab": "sent"})
        sent_rows = _table(sent)[1]
        assert {clue_id, cadre_id} <= {r["编号"] for r in sent_rows}
        jiwei_rows = [r["编号"] for r in rows]
        sent_ids = [r["编号"] for r in sent_rows]
    # The same handoffs, in the same order, as the page shows that user.
    pattern = r'<tr data-testid="handoff-(\d+)"'
    jiwei = login_as("liaison.jiwei")
    assert [int(i) for i in _page_ids(jiwei, "/handoffs?tab=sign", pattern)] == jiwei_rows
    xinfang = app.test_client()
    login(xinfang, "liaison.xinfang")
    assert [int(i) for i in _page_ids(xinfang, "/handoffs?tab=sent", pattern)] == sent_ids
    assert 'data-testid="export-handoffs"' in jiwei.get("/handoffs?tab=sign").get_data(
        as_text=True)


# ---------------------------------------------------------------------------------------
# 领导包案
# ---------------------------------------------------------------------------------------

def _baoan_page(client, query: str) -> tuple[set[str], int]:
    """(case numbers, number of duty rows) of the 包案 page with ``query``."""
    page = client.get(f"/baoan?{query}").get_data(as_text=True)
    numbers = set(re.findall(r'<h2 id="baoan-\d+"><a href="[^"]+">([^<]+)</a>', page))
    return numbers, page.count('data-testid="duty-')


def test_the_baoan_export_is_the_filtered_list(app, login_as):
    with app.test_request_context():
        ruili = baoan.assign(user_named("secretariat"), in_hand(county="ruili"),
                             user_named("leader.prefecture"), local_today() + timedelta(days=60))
        mangshi = baoan.assign(user_named("secretariat"), in_hand(county="mangshi"),
                               user_named("leader.mangshi"), local_today() + timedelta(days=90))
        db.session.refresh(ruili)
        db.session.refresh(mangshi)
        late = mangshi.duties[0]  # overdue: the 包案 is red
        late.start_on = local_today() - timedelta(days=20)
        late.due_on = local_today() - timedelta(days=1)
        number, other = ruili.case.number, mangshi.case.number
        target, duties = ruili.target_on, len(ruili.duties)
        db.session.commit()
        job = _export("secretariat", "baoan", {"county": "ruili", "rank": "bogus"})
        assert job.params == {"county": "ruili"}
        headers, rows = _table(job)
        assert headers[:8] == ["信访事项编号", "标题", "包案领导", "职级", "目标化解日期",
                               "包案进展", "化解情况", "预警"]
        assert headers[8:] == ["职责", "截止日", "剩余天数", "职责状态", "完成日期",
                               "完成情况或免除理由"]
        mine = [r for r in rows if r["信访事项编号"] == number]
        assert len(mine) == duties and other not in {r["信访事项编号"] for r in rows}
        assert {r["包案领导"] for r in mine} == {"州领导 孙建国"}
        assert {r["职级"] for r in mine} == {"厅级"}
        assert {r["目标化解日期"].date() for r in mine} == {target}
        assert all(isinstance(r["截止日"], datetime) for r in mine)
        assert job.rows_done == len(rows)
        exports = {}
        for query, args in (("county=ruili", {"county": "ruili"}),
                            ("colour=green", {"colour": "green"}),
                            ("leader=" + str(user_named("leader.mangshi").id),
                             {"leader": str(user_named("leader.mangshi").id)})):
            found = _table(_export("secretariat", "baoan", args))[1]
            exports[query] = ({r["信访事项编号"] for r in found}, len(found))
        assert other in exports["leader=" + str(user_named("leader.mangshi").id)][0]
        assert number in exports["colour=green"][0] and other not in exports["colour=green"][0]
        red = _table(_export("secretariat", "baoan", {"colour": "red"}))[1]
        assert other in {r["信访事项编号"] for r in red}
        assert {r["预警"] for r in red} == {"红色（超期）"}
    secretariat = login_as("secretariat")
    for query, expected in exports.items():
        assert _baoan_page(secretariat, query) == expected, query
    assert 'data-testid="export-baoan"' in secretariat.get("/baoan?county=ruili").get_data(
        as_text=True)


# ---------------------------------------------------------------------------------------
# 我的会议
# ---------------------------------------------------------------------------------------

def test_the_meetings_export_has_every_meeting_of_the_page(app, login_as):
    with app.test_request_context():
        sec = user_named("secretariat")
        upcoming = meetings.create(sec, plan(days=4, title="=SUM(A1:A9) 会商"))
        start = upcoming.starts_at
        jiwei = user_named("liaison.jiwei")
        now = utcnow()
        for i in range(55):  # more than the page's 50 past meetings
            at = now - timedelta(days=i + 2)
            db.session.add(Meeting(kind="joint", title=f"往期联席会议{i}", starts_at=at,
                                   ends_at=at + timedelta(hours=1), place="会议室",
                                   organizer_id=jiwei.id, state="held"))
        db.session.commit()
        total = sum(db.session.scalar(select(func.count()).select_from(
            meetings.my_meetings(jiwei, now, upcoming=u).subquery())) for u in (True, False))
        job = _export("liaison.jiwei", "meetings")
        headers, rows = _table(job)
        assert headers == ["分类", "时间", "会议类型", "会议", "地点", "状态"]
        assert len(rows) == job.rows_done == total
        past = [r for r in rows if r["分类"] == "已召开"]
        assert len(past) >= 55  # all of them, not the page's 50
        row = next(r for r in rows if r["会议"] == "'=SUM(A1:A9) 会商")
        assert row["分类"] == "即将召开" and row["会议类型"] == "联合会商研判"
        assert row["状态"] == "草稿"
        assert row["时间"] == start.astimezone(local_zone()).replace(tzinfo=None)
        shown = [(r["时间"].strftime("%Y-%m-%d %H:%M"), f"{r['会议类型']}：{r['会议']}")
                 for r in rows]
        upcoming_count = len(rows) - len(past)
    # The page: the same meetings in the same order (it shows the first 100 and 50).
    page = login_as("liaison.jiwei").get("/meetings").get_data(as_text=True)
    found = re.findall(r'<tr data-testid="meeting-\d+"><td>([^<]+)</td>\s*<td><a href="[^"]+">'
                       r'([^<]+)</a>', page)
    found = [(t, title.replace("&#39;", "'")) for t, title in found]
    expected = shown[:upcoming_count] + shown[upcoming_count:upcoming_count + 50]
    expected = [(t, title.replace("：'=", "：=")) for t, title in expected]
    assert found == expected
    assert 'data-testid="export-meetings"' in page


def test_another_users_meetings_are_not_exported(app):
    with app.test_request_context():
        meeting = meetings.create(user_named("secretariat"), plan(
            days=5, title="只请了政法委的会", invitees=("liaison.zhengfa",), agencies=("dh.zfw",)))
        assert meeting.id
        db.session.commit()
        titles = [r["会议"] for r in _table(_export("liaison.zuzhi", "meetings"))[1]]
        assert "只请了政法委的会" not in titles
        titles = [r["会议"] for r in _table(_export("liaison.zhengfa", "meetings"))[1]]
        assert "只请了政法委的会" in titles


# ---------------------------------------------------------------------------------------
# Every source: rows come in chunks, as many as counted
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "username", "args"), [
    ("board", "liaison.xinfang", {}), ("handoffs", "liaison.xinfang", {"tab": "sent"}),
    ("baoan", "secretariat", {}), ("meetings", "liaison.jiwei", {}),
])
def test_rows_come_in_chunks(app, monkeypatch, name, username, args):
    with app.test_request_context():
        sec = user_named("secretariat")
        for i in range(3):
            handoffs.send(user_named("liaison.xinfang"), "organization.cadre",
                          agency_coded("dh.zzb"), [registered().id], "请处理",
                          {"cadre_name": "某局科长"})
            baoan.assign(sec, in_hand(), user_named("leader.prefecture"),
                         local_today() + timedelta(days=60))
            meetings.create(sec, plan(days=3 + i, title=f"第{i}次会商"))
        db.session.commit()
        monkeypatch.setattr(exporting, "CHUNK", 2)
        src = exporting.SOURCES[name]
        user = user_named(username)
        params = src.params(args)
        chunks = list(src.rows(user, params))
        sizes = [len(c) for c in chunks]
        assert sum(sizes) == src.count(user, params) > 2
        assert len(chunks) >= 2 and all(len(row) == len(src.headers()) for c in chunks
                                         for row in c)
        if name != "baoan":  # a 包案 is one row per duty: a chunk of 2 包案 has more rows
            assert max(sizes) <= 2


# ---------------------------------------------------------------------------------------
# Through the pages and a real RQ worker
# ---------------------------------------------------------------------------------------

def test_export_through_the_pages_and_the_worker(app, login_as):
    get_redis().flushdb()  # a shared Redis: no job of an earlier test is waiting
    client = login_as("liaison.xinfang")
    resp = client.post("/exports", data={"source": "board", "board": "all",
                                         "county": "mangshi", "back": "/boards/all"})
    assert resp.status_code == 302
    match = re.search(r"/exports/(\d+)$", resp.headers["Location"])
    assert match, resp.headers["Location"]
    job_id = int(match.group(1))
    with app.app_context():
        assert SimpleWorker([queue()], connection=get_redis()).work(burst=True)
    db.session.expire_all()
    job = db.session.get(FileJob, job_id)
    assert job.state == State.DONE.value and job.params == {"board": "all", "county": "mangshi"}
    page = client.get(f"/exports/{job_id}").get_data(as_text=True)
    assert f"/exports/{job_id}/download" in page
    download = client.get(f"/exports/{job_id}/download")
    assert download.status_code == 200
    assert download.mimetype.endswith("spreadsheetml.sheet")
    data = download.data
    download.close()
    rows = list(_book(data).worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "编号" and len(rows) - 1 == job.rows_done
    with app.test_request_context():
        expected = _numbers(visible(user_named("liaison.xinfang"), Case)
                            .where(Case.county == "mangshi"))
    assert {r[0] for r in rows[1:]} == expected
    other = app.test_client()
    login(other, "liaison.jiwei")
    assert other.get(f"/exports/{job_id}").status_code == 404
    assert other.get(f"/exports/{job_id}/download").status_code == 404
    assert other.get(f"/exports/{job_id}/status").status_code == 404


def test_the_audit_export_keeps_the_page_filter(app):
    with app.app_context():  # as in the worker: no request
        job = _export("auditor", "audit", {"action": "auth.login", "object_type": "", "x": "1"})
        assert job.params == {"action": "auth.login"}
        header, rows = _table(job)
        assert header[3] == "操作"
        expected = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "auth.login"))
        assert len(rows) == expected
        assert {r["操作"] for r in rows} <= {"auth.login"}
        with pytest.raises(ServiceError):
            exporting.start_export(user_named("liaison.xinfang"), "audit", {})
