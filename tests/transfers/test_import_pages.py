"""The import pages: upload, check by the worker, confirm, progress, and who may see a job."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from rq import SimpleWorker
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from hub.cases.models import Case
from hub.core.redis import get_redis
from hub.extensions import db
from hub.transfers.layout import COLUMNS
from hub.transfers.models import FileJob
from jobs.queues import queue
from tests.transfers.files import csv_bytes, row


def _work(app):
    with app.app_context():
        assert SimpleWorker([queue()], connection=get_redis()).work(burst=True)


def _upload(client, data: bytes, name: str):
    # Encoded in memory (the test client would spool a large body to a file it never closes).
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), filename=name)})
    return client.post("/imports", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def test_upload_check_confirm_and_import_through_the_pages(app, login_as):
    client = login_as("liaison.xinfang")
    resp = _upload(client, csv_bytes([row(1), row(2)]), "导出.csv")
    assert resp.status_code == 302
    page = resp.headers["Location"]
    assert "排队中" in client.get(page).get_data(as_text=True)
    _work(app)
    html = client.get(page).get_data(as_text=True)
    assert 'data-state="valid"' in html and "确认导入" in html
    assert "hx-trigger" not in html  # a finished check is not polled
    assert client.post(f"{page}/confirm").status_code == 302
    html = client.get(f"{page}/status").get_data(as_text=True)
    assert 'data-state="importing"' in html and 'hx-trigger="every 1s"' in html
    _work(app)
    html = client.get(page).get_data(as_text=True)
    assert 'data-state="done"' in html and "已导入 2 件" in html and 'value="100"' in html
    numbers = db.session.scalars(select(Case.number).where(
        Case.external_number.in_(["T00000001", "T00000002"])).order_by(Case.number)).all()
    assert len(numbers) == 2
    assert f"{numbers[0]} 至 {numbers[1]}" in html  # the range of numbers given


def test_problems_are_listed_and_downloadable(app, login_as):
    client = login_as("liaison.xinfang")
    page = _upload(client, csv_bytes([row(1), row(2, 问题类别="不存在的类别")]), "x.csv")
    page = page.headers["Location"]
    _work(app)
    html = client.get(page).get_data(as_text=True)
    assert 'data-state="invalid"' in html and "不存在的类别" in html and "确认导入" not in html
    download = client.get(f"{page}/problems.csv")
    text = download.get_data().decode("utf-8-sig")
    download.close()
    assert "3,问题类别" in text


def test_a_job_is_its_owners_alone(app, login_as, client):
    owner = login_as("liaison.xinfang")
    page = _upload(owner, csv_bytes([row(1)]), "x.csv").headers["Location"]
    _work(app)
    other = app.test_client()
    other.post("/login", data={"username": "secretariat", "password": "Demo-Pass-2026"})
    for url in (page, f"{page}/status", f"{page}/problems.csv"):
        resp = other.get(url)
        resp.close()
        assert resp.status_code == 404
    for url in (f"{page}/confirm", f"{page}/cancel", f"{page}/retry"):
        assert other.post(url).status_code == 404
    job = db.session.get(FileJob, int(page.rsplit("/", 1)[1]))
    assert job.state == "valid"


def test_cancel_before_confirming_ends_the_job(app, login_as):
    client = login_as("liaison.xinfang")
    page = _upload(client, csv_bytes([row(1)]), "x.csv").headers["Location"]
    _work(app)
    client.post(f"{page}/cancel")
    html = client.get(page).get_data(as_text=True)
    assert 'data-state="cancelled"' in html
    assert client.post(f"{page}/confirm").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Case).where(
        Case.external_number == "T00000001")) == 0


def test_bad_uploads_get_a_clear_message(app, login_as):
    client = login_as("liaison.xinfang")
    resp = _upload(client, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old.xls")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/imports")
    assert ".xls" in client.get("/imports").get_data(as_text=True)
    resp = client.post("/imports", data={}, content_type="multipart/form-data")
    assert "请选择要导入的文件" in client.get("/imports").get_data(as_text=True)


def test_a_file_larger_than_an_attachment_may_be_imported(app, login_as):
    """The import form takes files above the attachment limit (its own limit)."""
    client = login_as("liaison.xinfang")
    limit = app.config["HUB_UPLOAD_MAX_BYTES"]
    padding = "说明" * (limit // 6 + 10)  # > attachment limit in UTF-8
    data = csv_bytes([row(1, 信访内容=padding)])
    assert len(data) > limit
    resp = _upload(client, data, "big.csv")
    assert resp.status_code == 302 and "/imports/" in resp.headers["Location"]


def test_the_template_is_the_documented_layout(login_as):
    client = login_as("liaison.xinfang")
    page = client.get("/imports").get_data(as_text=True)
    for column in COLUMNS:
        assert column.header in page
    resp = client.get("/imports/template.xlsx")
    book = load_workbook(io.BytesIO(resp.data), read_only=True)
    resp.close()
    header = next(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    assert list(header) == [c.header for c in COLUMNS]
    text = client.get("/imports/template.csv").data.decode("utf-8-sig")
    assert text.splitlines()[0] == ",".join(c.header for c in COLUMNS)


def test_only_the_petition_bureau_sees_the_import_page(login_as):
    assert login_as("liaison.jiwei").get("/imports").status_code == 403


def test_a_job_whose_worker_went_away_can_be_started_again(app, login_as):
    """A worker killed mid-import leaves the state "importing" and nothing written (the
    transaction died with it): the page says so and offers to start again."""
    client = login_as("liaison.xinfang")
    page = _upload(client, csv_bytes([row(1)]), "x.csv").headers["Location"]
    _work(app)
    client.post(f"{page}/confirm")
    get_redis().delete(*[k for k in get_redis().keys("rq:*")])  # the queued job is lost
    html = client.get(page).get_data(as_text=True)
    assert 'data-state="importing"' in html and "重新开始" in html and "hx-trigger" not in html
    assert client.post(f"{page}/retry").status_code == 302
    _work(app)
    assert 'data-state="done"' in client.get(page).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Case).where(
        Case.external_number == "T00000001")) == 1
