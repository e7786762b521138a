"""Browser: the secretariat opens the 指标看板, changes the period, and downloads the
monthly circular."""

import pytest
from openpyxl import load_workbook

from tests.browser.conftest import login, serve

pytestmark = pytest.mark.browser

@pytest.fixture
def hub_with_circular(make_app):
    app = make_app()
    with app.app_context():
        from hub.deadlines.services import local_today
        from hub.extensions import db
        from hub.indicators import reports

        reports.generate("circular", reports.previous_month(local_today()))
        db.session.commit()
        db.session.remove()
    yield from serve(app)

def test_dashboard_period_and_the_monthly_circular(hub_with_circular, page, tmp_path):
    base = hub_with_circular
    login(page, base, "secretariat")
    page.get_by_role("link", name="指标", exact=True).click()
    page.wait_for_url("**/indicators")
    for name in ("trend", "county", "colour", "channel"):
        page.locator(f'[data-chart="{name}"][data-chart-ready="1"] canvas').first.wait_for()
    assert "期间：" in page.locator("main").inner_text()
    page.get_by_label("起始月份").fill("2020-01")
    page.get_by_label("截止月份").fill("2020-02")
    page.get_by_role("button", name="查看").click()
    page.wait_for_url("**/indicators?*")
    assert "2020-01-01 至 2020-02-29" in page.locator("main").inner_text()
    assert page.get_by_test_id("count-total").locator("td").first.inner_text() == "0"

    page.get_by_role("link", name="通报", exact=True).click()
    page.wait_for_url("**/reports")
    with page.expect_download() as info:
        page.get_by_test_id("xlsx-circular").click()
    path = tmp_path / "circular.xlsx"
    info.value.save_as(path)
    book = load_workbook(path, read_only=True)
    assert "总体" in book.sheetnames
    rows = list(book["总体"].iter_rows(values_only=True))
    book.close()
    assert rows[1][0] == "指标" and rows[2][0] == "信访总量"
