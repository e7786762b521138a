"""Browser: a 问题线索移送 from 信访局 to 纪委监委, signed, answered and confirmed."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser

SUBJECT = "某乡镇干部李某"
ALLEGATION = "反映李某在饮水工程建设中优亲厚友、虚报工程量。"
FEEDBACK = "已对李某问题线索开展初步核实，核实情况另行书面报送。"


def _logout(page):
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url("**/login")


def _register_case(page) -> str:
    """Register a case through the UI; leaves the page on the new case; returns its number."""
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="登记信访事项").click()
    page.get_by_label("标题").fill("盈江县某村饮水工程款去向不明")
    page.get_by_label("信访内容").fill("村民反映饮水工程款去向不明，怀疑村干部截留。")
    page.get_by_label("所属县（市）").select_option("yingjiang")
    page.get_by_label("人数").fill("1")
    page.locator("#petitioners-0-name").fill("段某")
    page.locator("#petitioners-0-phone").fill("18812345678")
    page.get_by_role("button", name="登记", exact=True).click()
    page.wait_for_url(re.compile(r".*/cases/\d+$"))
    number = page.locator("h1 .muted").inner_text().strip()
    assert number.startswith("DH")
    return number


def test_jiwei_signs_and_answers_a_clue_from_xinfang(live_server, page):
    base = live_server
    flashes = page.get_by_role("status")
    state = page.get_by_test_id("handoff-state")

    # 1. 信访局's liaison hands the case to 纪委监委 as a 问题线索移送.
    login(page, base, "liaison.xinfang")
    number = _register_case(page)
    section = page.get_by_test_id("case-handoffs")
    expect(section).to_contain_text("尚无交办")
    section.get_by_role("link", name="交办给其他单位").click()
    expect(page.get_by_role("heading", name="新建交办")).to_be_visible()
    page.get_by_label("交办类型").select_option(label="问题线索移送（受限）")
    page.get_by_role("button", name="切换类型").click()
    page.wait_for_url(re.compile(r"kind=discipline\.clue"))
    expect(page.get_by_text("该类型为受限交办")).to_be_visible()
    expect(page.get_by_label(re.compile("^信访事项编号"))).to_have_value(number)
    page.get_by_label("接收单位").select_option(label="德宏州纪委监委")
    page.get_by_label("被反映人").fill(SUBJECT)
    page.get_by_label("反映的主要问题").fill(ALLEGATION)
    page.get_by_role("button", name="交办", exact=True).click()
    page.wait_for_url(re.compile(r".*/handoffs/\d+$"))
    handoff_id = page.url.rsplit("/", 1)[1]
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"交办 #{handoff_id} 问题线索移送")
    expect(flashes).to_contain_text("已交办，等待 德宏州纪委监委 签收")
    expect(state).to_contain_text("德宏州信访局 → 德宏州纪委监委 · 待签收")
    expect(page.get_by_role("definition").filter(has_text=SUBJECT)).to_be_visible()
    _logout(page)

    # 2. 纪委监委's liaison finds it among 待签收, signs for it and feeds back.
    login(page, base, "liaison.jiwei")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="交办", exact=True).click()
    expect(page.get_by_test_id("tab-sign")).to_have_attribute("aria-current", "page")
    row = page.get_by_test_id(f"handoff-{handoff_id}")
    expect(row).to_contain_text(number)
    expect(row.get_by_role("cell").nth(4)).to_contain_text("待签收")
    row.get_by_role("link", name=f"#{handoff_id} 问题线索移送").click()
    expect(state).to_contain_text("待签收")
    page.get_by_role("button", name="签收", exact=True).click()
    expect(flashes).to_have_text("已签收")
    expect(state).to_contain_text("办理中")

    work = page.get_by_role("region", name="办理与反馈")
    work.get_by_label(f"{number} 办理结果").select_option(label="初步核实")
    work.get_by_label("反馈意见").fill(FEEDBACK)
    work.get_by_role("button", name="提交反馈").click()
    expect(flashes).to_have_text("已提交反馈")
    expect(state).to_contain_text("已反馈待确认")
    expect(page.get_by_test_id("handoff-feedback")).to_have_text(FEEDBACK)
    expect(page.get_by_role("definition").filter(has_text=number)).to_contain_text("（初步核实）")
    expect(work).to_have_count(0)
    _logout(page)

    # 3. Back at 信访局: 我发出的 shows it awaiting confirmation; confirm it.
    login(page, base, "liaison.xinfang")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="交办", exact=True).click()
    page.get_by_test_id("tab-sent").click()
    expect(page.get_by_test_id("tab-sent")).to_have_attribute("aria-current", "page")
    row = page.get_by_test_id(f"handoff-{handoff_id}")
    expect(row.get_by_role("cell").nth(4)).to_contain_text("已反馈待确认")
    row.get_by_role("link", name=f"#{handoff_id} 问题线索移送").click()
    expect(page.get_by_test_id("handoff-feedback")).to_have_text(FEEDBACK)
    page.get_by_role("button", name="确认办结").click()
    expect(flashes).to_have_text("已确认办结")
    expect(state).to_contain_text("已确认办结")
    expect(page.get_by_role("button", name="确认办结")).to_have_count(0)
    # The record lists each step once, in order, with who took it.
    expect(page.locator("ol.timeline").get_by_role("listitem")).to_have_text([
        re.compile(r"liaison\.xinfang — 交办$"),
        re.compile(r"liaison\.jiwei — 签收$"),
        re.compile(r"liaison\.jiwei — 反馈$"),
        re.compile(r"liaison\.xinfang — 确认办结$"),
    ])

    # The case page lists the handoff with its final state.
    page.get_by_role("link", name=number).click()
    page.wait_for_url(re.compile(r".*/cases/\d+$"))
    expect(page.get_by_test_id("case-handoffs").get_by_role("listitem")).to_have_text(
        f"#{handoff_id} 问题线索移送 德宏州信访局 → 德宏州纪委监委 · 已确认办结")
