"""Browser: the secretariat opens the 指标看板, changes the period, and the charts draw."""

import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_dashboard_charts_draw_and_the_period_changes(live_server, page):
    login(page, live_server, "secretariat")
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
