"""Browser fixtures: a live server on a fresh database copy, and a Chromium page."""

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server


def serve(app):
    """Serve ``app`` on a free loopback port in a thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def login(page, base, username):
    """Sign in through the login form and land on 我的工作台."""
    from tests.conftest import DEMO_PASSWORD

    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")


def _chromium() -> str:
    path = os.environ.get("HUB_CHROMIUM") or shutil.which("chromium")
    if not path:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing (Debian: apt-get install chromium)")
        pytest.skip("Chromium is not installed")
    return path


@pytest.fixture
def live_server(make_app):
    yield from serve(make_app())


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=_chromium(), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        yield page
        browser.close()
        assert errors == [], f"JavaScript errors: {errors}"
