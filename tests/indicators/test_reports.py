"""The monthly 通报 and 台账: figures on a known data set, kept as generated, on schedule."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from rq import SimpleWorker
from sqlalchemy import func, select

from hub.core.redis import get_redis
from hub.deadlines.services import local_zone
from hub.extensions import db
from hub.indicators import reports
from hub.indicators.models import Report
from jobs import cron
from jobs.queues import queue
from tests.cases.factories import registered
from tests.conftest import login
from tests.indicators.test_indicators import YEAR, march  # noqa: F401 - the data fixture

MONTH = date(YEAR, 3, 1)


def _rows(report, sheet_index=0):
    book = load_workbook(reports.folder() / report.stored_name, read_only=True)
    rows = list(book.worksheets[sheet_index].iter_rows(values_only=True))
    book.close()
    return rows


def test_the_circular_has_the_months_figures(march):  # noqa: F811
    report = reports.generate("circular", MONTH)
    snap = report.snapshot
    assert snap["period"] == [f"{YEAR}-03-01", f"{YEAR}-03-31"]
    assert snap["totals"]["total"] == 6 and snap["rates"]["acceptance_rate"] == 0.8
    assert [row[0] for row in snap["counties"]] == ["芒市", "瑞丽市"]
    overview = {row[0]: row[1] for row in _rows(report)[2:]}
    assert overview["信访总量"] == 6 and overview["受理率"] == "80.0%"
    assert overview["满意率"] == "66.7%"
    # the case waiting since March to be forwarded is listed as overdue
    assert [row[0] for row in snap["overdue"]] == [march["A"].number]


def test_the_ledger_lists_key_cases_and_key_persons(march):  # noqa: F811
    report = reports.generate("ledger", MONTH)
    cases = {row[0]: row for row in report.snapshot["cases"]}
    assert set(cases) == {march["C"].number}  # the only key case (集体访) of the month
    assert cases[march["C"].number][3] == "集体访" and cases[march["C"].number][7] == "未销号"
    persons = report.snapshot["persons"]
    assert len(persons) == 1  # every factory case has the same petitioner
    name, masked, count, _last, status = persons[0]
    assert name == "李某" and masked.startswith("5331") and "*" in masked and count >= 6
    assert "未销号" in status


def test_a_report_is_kept_as_generated(march):  # noqa: F811
    first = reports.generate("circular", MONTH)
    before = _rows(first)
    registered(registered_on=date(YEAR, 3, 20))
    db.session.flush()
    second = reports.generate("circular", MONTH)
    assert second.snapshot["totals"]["total"] == 7
    assert first.snapshot["totals"]["total"] == 6 and _rows(first) == before
    assert second.generated_at >= first.generated_at


def test_generated_on_the_first_working_day_for_the_month_before(ctx):
    october = date(2026, 10, 1)  # 国庆: the first days of October are holidays
    first = reports.first_working_day(october)
    assert first > october
    at = datetime.combine(first, datetime.min.time(), tzinfo=local_zone()).replace(hour=9)
    assert cron.monthly_reports_due(at - timedelta(days=1)) is None
    assert cron.monthly_reports_due(at) == "2026-09"
    for kind in ("circular", "ledger"):
        reports.generate(kind, date(2026, 9, 1))
    assert cron.monthly_reports_due(at) is None  # done: not due again


def test_reports_pages_and_on_demand_generation(app, login_as):
    other = app.test_client()
    login(other, "liaison.xinfang")
    assert other.get("/reports").status_code == 403
    client = login_as("secretariat")
    before = db.session.scalar(select(func.count()).select_from(Report))
    resp = client.post("/reports", data={"month": "2026-13"})
    assert "请选择已经开始的月份" in client.get(resp.headers["Location"]).get_data(as_text=True)
    client.post("/reports", data={"month": f"{YEAR}-03"})
    with app.app_context():
        assert SimpleWorker([queue()], connection=get_redis()).work(burst=True)
    assert db.session.scalar(select(func.count()).select_from(Report)) == before + 2
    page = client.get("/reports").get_data(as_text=True)
    assert "月度通报" in page and "重点事项台账" in page
    report = db.session.scalar(select(Report).where(Report.kind == "circular")
                               .order_by(Report.id.desc()))
    html = client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert "信访总量" in html and f"{YEAR}-03-01" in html
    download = client.get(f"/reports/{report.id}.xlsx")
    book = load_workbook(io.BytesIO(download.data), read_only=True)
    download.close()
    assert "总体" in book.sheetnames and "超期事项" in book.sheetnames
    book.close()


def test_the_xlsx_files_open_in_libreoffice(march, tmp_path):  # noqa: F811
    """LibreOffice (the office suite the offices use) reads every sheet of both reports:
    converted headless to CSV, each sheet has its title and the month's figures."""
    import csv
    import os
    import shutil
    import subprocess

    soffice = shutil.which("soffice")
    if soffice is None:
        message = "LibreOffice (soffice) is not installed; .ci/run installs it"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    for kind in ("circular", "ledger"):
        report = reports.generate(kind, MONTH)
        source = reports.folder() / report.stored_name
        # -1: every sheet to its own CSV (name-Sheet.csv); 76 = UTF-8
        subprocess.run(  # noqa: S603 - a fixed program and our own file
            [soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
             "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,"
             "false,false,-1", "--outdir", str(tmp_path / kind), str(source)],
            check=True, capture_output=True, timeout=120)
        outputs = sorted((tmp_path / kind).glob("*.csv"))
        assert len(outputs) == len(reports.sheets(report)), outputs
        sheets = {path: list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
                  for path in outputs}
        for rows in sheets.values():
            assert rows[0][0] == f"{reports.kind_label(kind)} {YEAR}-03"
        first_sheet = reports.sheets(report)[0][0]
        [overview] = [p for p in outputs if p.stem.endswith(f"-{first_sheet}")]
        first = sheets[overview]
        if kind == "circular":
            assert {"信访总量": "6", "受理率": "80.0%"}.items() <= {
                r[0]: r[1] for r in first[2:] if len(r) > 1}.items()
        else:
            assert any(march["C"].number in row for row in first)
