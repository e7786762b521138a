"""Browser: the public portal — a petitioner submits, the handling agency replies and
publishes, the public list shows the case without personal data, the petitioner rates
the reply; and every portal page passes axe-core with no serious or critical issue."""

import re
from pathlib import Path

import pytest

from tests.browser.conftest import login, serve

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
NAME, PHONE, ID_NUMBER = "段明华", "13800001111", "53310319800101003X"
CONTENT = (f"我叫{NAME}，家住芒市勇罕街道团结路18号2栋3单元402室。小区旁工地每天夜里施工到凌晨，"
           f"噪声扰民，请求依法查处。联系电话{PHONE}。")


@pytest.fixture
def portal(make_app):
    # The real CSRF check on; the form may be sent as fast as a script fills it.
    app = make_app(WTF_CSRF_ENABLED=True, HUB_PORTAL_MIN_FILL_SECONDS=0)
    for base in serve(app):
        yield app, base


def _case_id(app, code: str) -> int:
    from sqlalchemy import select

    from hub.extensions import db
    from hub.public.models import PublicSubmission

    with app.app_context():
        found = db.session.scalar(select(PublicSubmission.case_id).where(
            PublicSubmission.query_code == code.replace("-", "")))
        db.session.remove()
    return found


def test_submit_publish_and_rate(portal, page):
    app, base = portal
    # The petitioner, no login: from the portal's home to the form.
    page.goto(f"{base}/public/")
    page.get_by_test_id("go-submit").click()
    page.wait_for_url("**/public/submit")
    page.get_by_label("事项标题").fill("芒市某小区旁工地夜间施工噪声扰民")
    page.get_by_label("反映的问题和诉求").fill(CONTENT)
    page.get_by_label("问题类别").select_option("environment")
    page.get_by_label("所属县（市）").select_option("mangshi")
    # Only 芒市's townships are offered once 芒市 is chosen.
    assert page.locator('optgroup[data-county="ruili"]').get_attribute("hidden") is not None
    page.get_by_label("乡镇（可不选）").select_option(label="芒市西山乡")
    page.get_by_label("姓名", exact=True).fill(NAME)
    page.get_by_label("联系电话").fill(PHONE)
    page.get_by_label("身份证号（可不填）").fill(ID_NUMBER)
    page.get_by_label("我已阅读并同意上述个人信息处理说明").check()
    page.get_by_role("button", name="提交", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="提交成功").is_visible()
    code = page.get_by_test_id("query-code").inner_text().strip()
    secret = page.get_by_test_id("query-secret").inner_text().strip()
    page.get_by_test_id("see-status").click()
    assert page.get_by_test_id("public-status").inner_text() == "已收到"
    case_id = _case_id(app, code)

    # The handling side: forward, accept, reply "may be published", check the preview.
    staff = page.context.browser.new_context(locale="zh-CN").new_page()
    login(staff, base, "secretariat")
    staff.goto(f"{base}/cases/{case_id}")
    assert "网上信访" in staff.locator("main").inner_text()
    forward = staff.get_by_test_id("action-forward")
    forward.get_by_label("主办单位").select_option(label="芒市信访局")
    forward.get_by_role("button", name="转送/交办").click()
    staff.wait_for_url(f"**/cases/{case_id}")
    staff.get_by_test_id("action-accept").get_by_role("button", name="受理").click()
    staff.wait_for_url(f"**/cases/{case_id}")
    reply = staff.get_by_test_id("action-reply")
    reply.get_by_label("意见").fill(f"{NAME}：经查，已责令施工单位停止夜间施工，特此答复。")
    reply.get_by_label("答复可公开").check()
    reply.get_by_role("button", name="答复").click()
    staff.wait_for_url(f"**/cases/{case_id}/publication")
    assert "自动隐去" in staff.get_by_test_id("redaction-summary").inner_text()
    assert NAME not in staff.get_by_label("公开的信访内容").input_value()
    assert PHONE not in staff.get_by_label("公开的信访内容").input_value()
    staff.get_by_role("button", name="确认公开").click()
    staff.wait_for_url(f"**/cases/{case_id}#publication")
    assert "已公开" in staff.get_by_test_id("publication-state").inner_text()

    # The public list and page: the case, without the personal data.
    page.goto(f"{base}/public/cases")
    page.get_by_role("link", name="芒市某小区旁工地夜间施工噪声扰民").click()
    page.wait_for_url(f"**/public/cases/{case_id}")
    html = page.content()
    assert "已责令施工单位停止夜间施工" in html
    for personal in (NAME, PHONE, ID_NUMBER, "18号", "402室"):
        assert personal not in html

    # The petitioner comes back with code and secret and rates the reply.
    other = page.context.browser.new_context(locale="zh-CN").new_page()
    other.goto(f"{base}/public/track")
    other.get_by_label("查询码").fill(code)
    other.get_by_label("查询密码").fill(secret)
    other.get_by_role("button", name="查询").click()
    other.wait_for_url("**/public/track/*")
    assert other.get_by_test_id("public-status").inner_text() == "已答复"
    assert "已责令施工单位" in other.get_by_test_id("reply-text").inner_text()
    other.get_by_label("满意", exact=True).check()
    other.get_by_role("button", name="提交评价").click()
    other.wait_for_url("**/public/track/*")
    assert "满意" in other.get_by_test_id("rating").inner_text()

    # Large text for older users: a button, no script needed, kept on every page.
    other.get_by_test_id("text-size").click()
    other.wait_for_load_state()
    assert "large-text" in (other.locator("html").get_attribute("class") or "")
    other.goto(f"{base}/public/cases")
    assert "large-text" in (other.locator("html").get_attribute("class") or "")


# ---------------------------------------------------------------------------------------
# Accessibility: axe-core on every portal page
# ---------------------------------------------------------------------------------------

def _published_sample(app) -> tuple[int, str, str]:
    """A published, replied portal case; returns (case id, query code, secret)."""
    with app.app_context(), app.test_request_context():
        from hub.auth.models import User
        from hub.cases import lifecycle
        from hub.extensions import db
        from hub.public import publication, services

        secretariat = db.session.query(User).filter_by(username="secretariat").one()
        receipt = services.submit(services.Submission(
            title="芒市某村饮水工程停水", content=CONTENT, category="other", county="mangshi",
            name=NAME, phone=PHONE, consent=True), "192.0.2.90")
        case = receipt.submission.case
        lifecycle.forward(secretariat, case, case.registering_agency)
        lifecycle.accept(secretariat, case)
        lifecycle.reply(secretariat, case, f"{NAME}：已修复供水管道。", public=True)
        draft = publication.draft(case)
        publication.publish(secretariat, case, draft.title, draft.content, draft.reply)
        db.session.commit()
        result = case.id, receipt.query_code, receipt.secret
        db.session.remove()
    return result


def _axe(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                            nodes: v.nodes.map(n => n.target.join(' '))}));
    }""")


def _serious(page, where: str) -> list[str]:
    found = _axe(page)
    return [f"{where}: {v['id']} ({v['impact']}) {v['help']} {v['nodes'][:3]}"
            for v in found if v["impact"] in ("serious", "critical")]


def test_portal_pages_pass_axe(portal, page):
    if not AXE.exists():
        pytest.fail("axe-core is missing: run npm ci (package.json devDependencies)")
    app, base = portal
    case_id, code, secret = _published_sample(app)
    with app.app_context():
        from hub.extensions import db
        from hub.public.models import PortalDepartment
        from tests.conftest import agency_coded

        department = agency_coded("mangshi.zrzyj")
        db.session.add(PortalDepartment(agency_id=department.id))
        db.session.commit()
        department_id = department.id
        db.session.remove()
    # axe is injected as a script: a context that lets it past the page's CSP (the flow
    # above runs under the real CSP).
    context = page.context.browser.new_context(locale="zh-CN", bypass_csp=True)
    checker = context.new_page()
    problems: list[str] = []

    def check(path: str, where: str | None = None) -> None:
        checker.goto(f"{base}{path}")
        problems.extend(_serious(checker, where or path))

    for size in ("normal", "large"):
        if size == "large":
            checker.goto(f"{base}/public/")
            checker.get_by_test_id("text-size").click()
            checker.wait_for_load_state()
        for path in ("/public/", "/public/submit", "/public/qr/ruili",
                     f"/public/qr/mangshi/{department_id}", "/public/track", "/public/cases",
                     f"/public/cases/{case_id}", "/public/codes", "/public/codes/mangshi/poster",
                     "/public/no-such-page"):
            check(path, f"{path} ({size})")
        # A form sent empty shows its error summary.
        checker.goto(f"{base}/public/submit")
        checker.get_by_role("button", name="提交", exact=True).click()
        checker.wait_for_load_state()
        assert checker.get_by_test_id("errors").is_visible()
        problems.extend(_serious(checker, f"submit with errors ({size})"))
        # The petitioner's status page, with its rating form.
        checker.goto(f"{base}/public/track")
        checker.get_by_label("查询码").fill(code)
        checker.get_by_label("查询密码").fill(secret)
        checker.get_by_role("button", name="查询").click()
        checker.wait_for_url("**/public/track/*")
        assert checker.get_by_test_id("rate-form").is_visible()
        problems.extend(_serious(checker, f"status ({size})"))
    # The receipt after a submission.
    checker.goto(f"{base}/public/submit")
    checker.get_by_label("事项标题").fill("盈江县某路段路灯长期不亮")
    checker.get_by_label("反映的问题和诉求").fill("盈江县某路段路灯已经坏了三个月，夜间出行不安全。")
    checker.get_by_label("所属县（市）").select_option("yingjiang")
    checker.get_by_label("姓名", exact=True).fill("思永福")
    checker.get_by_label("联系电话").fill("13900002222")
    checker.get_by_label("我已阅读并同意上述个人信息处理说明").check()
    checker.get_by_role("button", name="提交", exact=True).click()
    checker.wait_for_load_state()
    assert re.search(r"[A-Z2-9]{5}-", checker.get_by_test_id("query-code").inner_text())
    problems.extend(_serious(checker, "receipt"))
    context.close()
    assert problems == []
