"""Browser: register a case, find it on the board, move it, see the timeline."""

import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_register_find_on_board_move_and_see_timeline(live_server, page):
    base = live_server
    login(page, base, "secretariat")
    page.get_by_role("link", name="登记信访事项").first.click()
    page.get_by_label("标题").fill("盈江县某村饮水工程长期停水")
    page.get_by_label("信访内容").fill("村民反映饮水工程建成后多次停水，至今未修复。")
    page.get_by_label("所属县（市）").select_option("yingjiang")
    page.get_by_label("人数").fill("6")
    page.locator("#petitioners-0-name").fill("段某")
    page.locator("#petitioners-0-phone").fill("18812345678")
    page.get_by_role("button", name="登记", exact=True).click()
    page.wait_for_url("**/cases/*")
    number = page.locator("h1 .muted").inner_text().strip()
    assert number.startswith("DH")
    assert page.get_by_text("集体访").first.is_visible()

    # 交办 to 盈江县信访局 with 纪委监委 assisting, from the case page.
    forward = page.get_by_test_id("action-forward")
    forward.get_by_label("主办单位").select_option(label="盈江县信访局")
    forward.get_by_label("协办单位").select_option(label="德宏州纪委监委")
    forward.get_by_role("button", name="转送/交办").click()
    page.wait_for_url("**/cases/*")

    # Find it on the 信访+纪委监委 board, in 交办, and move it to 办理.
    page.goto(f"{base}/boards/xf_discipline?q={number}")
    card = page.get_by_test_id(f"card-{number}")
    assert card.is_visible()
    assert page.get_by_test_id("column-assigned").get_by_test_id(f"card-{number}").count() == 1
    card.get_by_role("button", name="移到“办理”").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("column-handling").get_by_test_id(f"card-{number}").count() == 1

    # The timeline on the case page shows each audited step.
    page.get_by_test_id(f"card-{number}").get_by_role("link", name=number).click()
    timeline = page.locator("ol.timeline").inner_text()
    for step in ("登记", "转送/交办", "受理"):
        assert step in timeline
