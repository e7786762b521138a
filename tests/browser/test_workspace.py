"""A real Chromium (Debian's package, driven by Playwright): log in, see 我的工作台, switch
language, log out."""

import pytest

from tests.browser.conftest import login, serve

pytestmark = pytest.mark.browser


def test_login_workspace_language_logout(live_server, page):
    page.goto(f"{live_server}/")
    assert "/login" in page.url
    login(page, live_server, "secretariat")
    assert page.get_by_role("heading", name="我的工作台").is_visible()
    assert page.get_by_test_id("username").inner_text() == "secretariat"
    # The session deadline is on the page for the idle-timeout warning.
    assert page.locator("body").get_attribute("data-session-deadline")

    page.get_by_test_id("switch-locale").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="My workspace").is_visible()
    assert page.locator("html").get_attribute("lang") == "en"

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login")
    assert page.get_by_role("heading", name="Log in").is_visible()
    page.goto(f"{live_server}/")
    assert "/login" in page.url


@pytest.fixture
def short_idle_server(make_app):
    yield from serve(make_app(HUB_IDLE_TIMEOUT_SECONDS=6, HUB_IDLE_WARNING_SECONDS=5))


def test_idle_warning_offers_one_click_extension(short_idle_server, page):
    base = short_idle_server
    login(page, base, "auditor")
    dialog = page.locator("#session-warning")
    dialog.wait_for(state="visible", timeout=5000)
    assert "即将自动退出" in dialog.inner_text()
    page.get_by_role("button", name="继续使用（延长会话）").click()
    dialog.wait_for(state="hidden", timeout=3000)
    # The extension reached the server: the session is still alive past the first deadline.
    page.wait_for_timeout(2500)
    page.goto(f"{base}/account")
    assert page.url.endswith("/account")
    # Without another extension the page leaves for the login screen when time runs out.
    page.wait_for_url("**/login**", timeout=12000)
