"""Browser: upload a national-system export, watch the check and the import reach 100%, find
an imported case on the board.  A real `rq worker` process does the work."""

import os
import signal
import subprocess
import sys

import pytest

from tests.browser.conftest import login, serve
from tests.conftest import SECRET
from tests.transfers.files import csv_bytes, row

pytestmark = pytest.mark.browser

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def hub_with_worker(make_app, workdir, redis_url):
    # A Redis database of its own, so the worker takes only this test's jobs.
    own_redis = f"{redis_url}?db=7"
    app = make_app(HUB_REDIS_URL=own_redis)
    from hub.core.redis import get_redis

    get_redis(app).flushdb()
    env = {**os.environ, "HUB_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "HUB_INSTANCE_PATH": str(workdir / "instance"), "HUB_SECRET_KEY": SECRET,
           "HUB_REDIS_URL": own_redis}
    worker = subprocess.Popen([sys.executable, "-m", "jobs.worker"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        yield from serve(app)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=20)


def test_upload_watch_progress_to_100_and_find_the_case(hub_with_worker, page):
    base = hub_with_worker
    login(page, base, "liaison.xinfang")

    page.get_by_role("link", name="导入", exact=True).click()
    rows = [row(i) for i in range(1, 3001)]
    rows[6] = row(7, 标题="芒市某工地拖欠农民工工资（导入）")
    page.get_by_label("文件（.xlsx 或 .csv，CSV 可为 UTF-8 或 GBK 编码）").set_input_files(
        {"name": "国家系统导出.csv", "mimeType": "text/csv", "buffer": csv_bytes(rows)})
    page.get_by_role("button", name="上传并检查").click()
    page.wait_for_url("**/imports/*")

    # The check runs in the worker; the page polls until it is done.
    page.locator('#job-status[data-state="valid"]').wait_for(timeout=60_000)
    assert "共 3,000 行全部检查通过" in page.get_by_test_id("valid-summary").inner_text()
    page.get_by_role("button", name="确认导入").click()
    page.locator('#job-status[data-state="done"]').wait_for(timeout=120_000)
    assert page.get_by_test_id("job-percent").inner_text() == "100%"
    assert page.locator("progress").get_attribute("value") == "100"
    assert "已导入 3,000 件" in page.get_by_test_id("done-summary").inner_text()

    page.get_by_role("link", name="到联合看板查看").click()
    page.goto(f"{base}/boards/all?q=芒市某工地拖欠农民工工资")
    card = page.locator("[data-testid^=card-]").filter(has_text="芒市某工地拖欠农民工工资（导入）")
    assert card.count() == 1
    assert page.get_by_test_id("column-sort").locator("[data-testid^=card-]").count() == 1
