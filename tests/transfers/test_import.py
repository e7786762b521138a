"""Importing cases: every problem found before anything is written; all or nothing."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select, text

from hub.audit.models import AuditEvent
from hub.audit.services import verify_chain
from hub.cases.models import Case, CaseParticipant, Petitioner
from hub.core.errors import ServiceError
from hub.deadlines.models import Deadline
from hub.extensions import db
from hub.transfers import progress, services
from hub.transfers.layout import parse_date
from hub.transfers.models import FileJob, State
from tests.conftest import user_named
from tests.transfers.files import HEADERS, csv_bytes, row, xlsx_bytes


def _check(data: bytes, name: str = "export.csv", user="liaison.xinfang") -> FileJob:
    job = services.start_import(user_named(user), name, data)
    db.session.commit()
    services.run_validation(job.id)
    return job


def _import(job: FileJob, **kwargs) -> FileJob:
    services.confirm_import(user_named("liaison.xinfang"), job)
    db.session.commit()
    services.run_import(job.id, **kwargs)
    return job


def _cases_from_file() -> int:
    return db.session.scalar(select(func.count()).select_from(Case)
                             .where(Case.external_number.like("T%")))


def test_a_valid_file_is_checked_then_imported_as_registered_cases(ctx):
    rows = [row(1), row(2, 人数="6", 标记="越级访、联名信", 信访人="甲某、乙某",
                       证件号码="53310219800101123x"),
            row(3, 登记日期="2026/3/5", 信访形式="网上信访")]
    job = _check(csv_bytes(rows))
    assert job.state == State.VALID.value, job.result
    assert job.result["rows"] == 3 and _cases_from_file() == 0  # the check writes nothing
    _import(job)
    assert job.state == State.DONE.value and job.result["imported"] == 3
    second = db.session.scalar(select(Case).where(Case.external_number == "T00000002"))
    assert second.status == "registered" and second.stage == "sort"
    assert second.collective and second.skip_level and second.joint_letter
    assert [p.name for p in second.petitioners] == ["甲某", "乙某"]
    assert second.petitioners[0].id_number == "53310219800101123X"
    clock = db.session.get(Deadline, second.current_deadline_id)
    assert clock.kind == "case.forward" and clock.owner_id == second.id
    assert second.due_on == clock.due_on and second.warn_on is not None
    assert db.session.scalar(select(CaseParticipant.agency_id).where(
        CaseParticipant.case_id == second.id)) == user_named("liaison.xinfang").agency_id
    third = db.session.scalar(select(Case).where(Case.external_number == "T00000003"))
    assert third.channel == "online"
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "cases.imported")) == 3
    assert verify_chain().ok


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-03-05", date(2026, 3, 5)), ("2026/3/5", date(2026, 3, 5)),
    ("2026.3.5", date(2026, 3, 5)), ("2026年3月5日", date(2026, 3, 5)),
    ("20260305", date(2026, 3, 5)), ("2026-03-05 14:30:00", date(2026, 3, 5)),
    ("2026/3/5 9:05", date(2026, 3, 5)), (46086, date(2026, 3, 5)),
    (datetime(2026, 3, 5, 8, 0), date(2026, 3, 5)),
])
def test_dates_in_the_formats_people_write(text, expected):
    assert parse_date(text) == expected


def test_every_problem_is_reported_with_row_and_column_and_nothing_is_written(ctx):
    rows = [row(i) for i in range(1, 8)]
    rows[1] = row(2, 登记日期="05/03/2026")  # spreadsheet row 3
    rows[3] = row(4, 问题属地="昆明市", 人数="三")  # row 5: two problems
    rows[5] = row(6, 信访件编号=rows[4]["信访件编号"])  # row 7 repeats row 6's number
    job = _check(csv_bytes(rows))
    assert job.state == State.INVALID.value
    found = {(r, c) for r, c, _m in job.result["problems"]}
    assert found == {(3, "登记日期"), (5, "问题属地"), (5, "人数"), (7, "信访件编号")}
    messages = {c: m for _r, c, m in job.result["problems"]}
    assert "2026-03-05" in messages["登记日期"] and "第 6 行" in messages["信访件编号"]
    with pytest.raises(ServiceError):
        services.confirm_import(user_named("liaison.xinfang"), job)
    assert _cases_from_file() == 0


def test_a_gbk_csv_is_detected_and_read(ctx):
    job = _check(csv_bytes([row(1, 信访人="欧阳某某")], encoding="gbk"))
    assert job.state == State.VALID.value and job.result["encoding"] == "GBK"
    _import(job)
    assert db.session.scalar(select(Petitioner.name).join(Case).where(
        Case.external_number == "T00000001")) == "欧阳某某"


def test_a_csv_in_neither_utf8_nor_gbk_is_refused_with_the_line(ctx):
    data = csv_bytes([row(1)]) + b"\x81\xff\xfe,broken\n"
    job = _check(data)
    assert job.state == State.INVALID.value
    assert "第 3 行" in job.message and "UTF-8" in job.message


def test_an_xlsx_that_is_not_one_is_refused(ctx):
    with pytest.raises(ServiceError, match="不是 Excel"):
        services.start_import(user_named("liaison.xinfang"), "cases.xlsx", b"name,title\n1,2\n")
    with pytest.raises(ServiceError, match=r"\.xls"):
        services.start_import(user_named("liaison.xinfang"), "cases.xls",
                              b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    broken = b"PK\x03\x04" + b"\0" * 200  # a zip header and nothing behind it
    job = _check(broken, "cases.xlsx")
    assert job.state == State.FAILED.value or job.state == State.INVALID.value
    assert "xlsx" in job.message


def test_formulas_are_never_evaluated(ctx):
    rows = [row(1), row(2, 人数="=2+3", 标题='=HYPERLINK("http://x","点我")')]
    job = _check(xlsx_bytes(rows), "cases.xlsx")
    assert job.state == State.INVALID.value
    found = {(r, c): m for r, c, m in job.result["problems"]}
    assert set(found) == {(3, "人数"), (3, "标题")}
    assert "公式" in found[(3, "人数")] and "=2+3" in found[(3, "人数")]


def test_an_xlsx_with_dates_as_date_cells_imports(ctx):
    rows = [row(1, 登记日期=datetime(2026, 3, 5)), row(2, 人数=3, 联系电话=13800001111)]
    job = _check(xlsx_bytes(rows), "cases.xlsx")
    assert job.state == State.VALID.value, job.result
    _import(job)
    case = db.session.scalar(select(Case).where(Case.external_number == "T00000002"))
    assert case.headcount == 3 and case.petitioners[0].phone == "13800001111"


def test_columns_are_found_by_header_and_others_listed(ctx):
    headers = ["备注", *reversed(HEADERS)]
    job = _check(csv_bytes([row(1, 备注="内部")], headers=headers))
    assert job.state == State.VALID.value and job.result["ignored_columns"] == ["备注"]
    job = _check(csv_bytes([row(1)], headers=[h for h in HEADERS if h != "标题"]))
    assert job.state == State.INVALID.value
    assert job.result["problems"] == [[1, "标题", "缺少必填列“标题”"]]


def test_cases_already_in_the_hub_are_skipped_not_loaded_twice(ctx):
    _import(_check(csv_bytes([row(1), row(2)])))
    job = _check(csv_bytes([row(2), row(3)]))
    assert job.state == State.VALID.value
    assert job.result["duplicate_count"] == 1 and job.result["duplicates"][0][:2] == [2, "T00000002"]
    _import(job)
    assert job.result["imported"] == 1 and _cases_from_file() == 3
    again = _check(csv_bytes([row(3)]))
    assert again.state == State.INVALID.value and "没有可以导入" in again.message


def test_a_duplicate_the_user_may_not_see_is_not_named(ctx):
    _import(_check(csv_bytes([row(1)])))  # the prefecture bureau's case
    job = _check(csv_bytes([row(1), row(2)]), user="secretariat")
    assert job.result["duplicates"][0][2] is not None  # the secretariat sees it
    county = _check_as_county(csv_bytes([row(1), row(2)]))
    assert county.result["duplicates"] == [[2, "T00000001", None]]


def _check_as_county(data):
    from hub.auth.roles import Role
    from hub.auth.services import create_user
    from tests.conftest import DEMO_PASSWORD, agency_coded

    user = create_user(None, username="liaison.mangshi.xf", display_name="芒市信访局联络员",
                       agency=agency_coded("mangshi.xfj"), roles={Role.LIAISON},
                       password=DEMO_PASSWORD + "x")
    db.session.flush()
    job = services.start_import(user, "x.csv", data)
    db.session.commit()
    services.run_validation(job.id)
    return job


def test_only_petition_bureau_users_import(ctx):
    with pytest.raises(ServiceError):
        services.start_import(user_named("liaison.jiwei"), "x.csv", csv_bytes([row(1)]))


# ---------------------------------------------------------------------------------------
# 50,000 rows
# ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def big_file() -> bytes:
    return csv_bytes(row(i) for i in range(1, 50_001))


def test_a_50000_row_file_validates_and_imports(ctx, big_file):
    job = _check(big_file)
    assert job.state == State.VALID.value and job.result["rows"] == 50_000
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    _import(job)
    assert job.state == State.DONE.value and job.result["imported"] == 50_000
    assert _cases_from_file() == 50_000
    if db.session.get_bind().dialect.name == "postgresql":
        # The test's transaction never commits, so autovacuum never analyses these rows:
        # without statistics the planner would join 50,000 × 50,000 rows.
        db.session.execute(text("ANALYZE cases, deadlines"))
    assert db.session.scalar(select(func.count()).select_from(Deadline).join(
        Case, Case.current_deadline_id == Deadline.id).where(
        Case.external_number.like("T%"))) == 50_000
    # one audit event per case, and the job's own
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) - before >= 50_001
    assert progress.read(job.id)["done"] == 50_000


def test_errors_in_rows_3_and_40000_are_both_reported_and_nothing_written(ctx, big_file):
    lines = big_file.decode().splitlines()
    # line index = spreadsheet row - 1 (row 1 is the header)
    lines[2] = lines[2].replace("来信", "飞鸽传书", 1)
    lines[39_999] = lines[39_999].replace("芒市", "", 1)
    job = _check(("\n".join(lines) + "\n").encode())
    assert job.state == State.INVALID.value
    assert [(r, c) for r, c, _m in job.result["problems"]] == [(3, "信访形式"), (40_000, "问题属地")]
    assert _cases_from_file() == 0


def test_cancel_mid_import_writes_nothing(ctx, big_file):
    job = _check(big_file)
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    seen = []

    def cancel_at_20000(done):
        seen.append(done)
        if done >= 20_000:
            progress.request_cancel(job.id)  # what the page's 取消 button does

    _import(job, on_batch=cancel_at_20000)
    assert job.state == State.CANCELLED.value
    assert max(seen) < 50_000  # it stopped part-way
    assert _cases_from_file() == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events + 2
    assert db.session.scalar(
        select(func.count()).select_from(Case).where(Case.external_number.is_not(None))) == 0


def test_the_file_is_read_from_bytes_not_trusted_by_name(ctx):
    job = services.start_import(user_named("liaison.xinfang"), "export.txt",
                                xlsx_bytes([row(1)]))
    assert job.source == "xlsx"


def test_an_imported_threat_case_alerts_the_secretariat_at_once(ctx):
    from hub.notifications.models import Notification

    job = _check(csv_bytes([row(1), row(2, 标记="扬言件")]))
    _import(job)
    case = db.session.scalar(select(Case).where(Case.external_number == "T00000002"))
    assert case.threat and case.rank < db.session.scalar(
        select(Case.rank).where(Case.external_number == "T00000001"))  # 扬言件 first
    alerts = db.session.scalars(select(Notification).where(
        Notification.kind == "case.threat", Notification.user_id == user_named("secretariat").id)
    ).all()
    assert [a.link for a in alerts] == [f"/cases/{case.id}"]


def test_a_utf16_tab_separated_export_is_read(ctx):
    """Excel's "Unicode text" is UTF-16 with tabs between the columns."""
    text = csv_bytes([row(1, 信访人="段某某")]).decode().replace(",", "\t")
    job = _check(text.encode("utf-16"))
    assert job.state == State.VALID.value and job.result["encoding"] == "UTF-16"


def test_a_file_over_the_import_limit_is_refused_with_the_limit(app, ctx, monkeypatch):
    monkeypatch.setitem(app.config, "HUB_IMPORT_MAX_BYTES", 2 * 1024 * 1024)
    with pytest.raises(ServiceError, match="2 MB"):
        services.start_import(user_named("liaison.xinfang"), "big.csv",
                              csv_bytes([row(1)]) + b" " * (2 * 1024 * 1024))
