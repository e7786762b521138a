"""The 指标看板 page: the period's numbers within the user's visibility, bad input explained."""

from __future__ import annotations

import re

from tests.indicators.test_indicators import YEAR, march  # noqa: F401 - the data fixture


def _cell(html: str, code: str) -> str:
    row = re.search(rf'data-testid="count-{code}">.*?<td>(\d+)</td>', html, re.S)
    return row.group(1)


def test_the_secretariat_sees_the_periods_numbers(march, login_as):  # noqa: F811
    client = login_as("secretariat")
    html = client.get(f"/indicators?from={YEAR}-03&to={YEAR}-03").get_data(as_text=True)
    assert _cell(html, "total") == "6" and _cell(html, "accepted") == "4"
    rate = re.search(r'data-testid="rate-acceptance_rate">.*?tile-value">([^<]+)<', html, re.S)
    assert rate.group(1) == "80.0%"
    assert f"{YEAR}-03-01 至 {YEAR}-03-31" in html
    assert 'id="chart-data"' in html and "echarts.min.js" in html


def test_a_partner_agency_sees_only_its_own_cases(march, login_as):  # noqa: F811
    html = login_as("liaison.jiwei").get(f"/indicators?from={YEAR}-03&to={YEAR}-03")
    assert _cell(html.get_data(as_text=True), "total") == "1"


def test_an_empty_period_shows_no_rate_rather_than_zero(march, login_as):  # noqa: F811
    html = login_as("secretariat").get(f"/indicators?from={YEAR}-01&to={YEAR}-01")
    text = html.get_data(as_text=True)
    assert _cell(text, "total") == "0"
    assert re.search(r'data-testid="rate-satisfaction_rate">.*?tile-value">—<', text, re.S)


def test_bad_months_are_explained_and_the_default_used(login_as):
    client = login_as("secretariat")
    text = client.get("/indicators?from=2026-13&to=abc").get_data(as_text=True)
    assert "月份应写成 2026-03 这样的格式" in text
    text = client.get("/indicators?from=2026-05&to=2026-02").get_data(as_text=True)
    assert "起始月份不能晚于截止月份" in text


def test_the_admin_has_no_dashboard(login_as):
    assert login_as("admin").get("/indicators").status_code == 403


def test_breakdowns_on_the_page(march, login_as):  # noqa: F811
    client = login_as("secretariat")
    html = client.get(f"/indicators?from={YEAR}-03&to={YEAR}-03").get_data(as_text=True)
    assert 'data-testid="by-mechanism"' in html and 'data-testid="by-agency"' in html
    assert 'data-testid="by-township"' not in html  # only within one county
    html = client.get(f"/indicators?from={YEAR}-03&to={YEAR}-03&county=mangshi")
    text = html.get_data(as_text=True)
    assert 'data-testid="by-township"' in text and "（未填乡镇）" in text
    assert _cell(text, "total") == "5"
