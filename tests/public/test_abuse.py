"""Bad input and abuse on the portal: each refused with a clear message, nothing internal
shown, guessing and flooding limited by address (and per query code) and audited."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from sqlalchemy import func, select

from hub.audit.models import AuditEvent
from hub.cases.models import Case
from hub.extensions import db
from hub.public.models import PublicAttempt, PublicSubmission
from tests.attachments.test_attachments import ELF, png
from tests.conftest import login
from tests.public.conftest import form_data, receipt_of, submit, ticket


def _cases() -> int:
    return db.session.scalar(select(func.count(Case.id)))


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                   .order_by(AuditEvent.seq)))


def _body(response) -> str:
    return response.get_data(as_text=True)


def test_empty_submission_lists_every_missing_field(client):
    before = _cases()
    response = client.post("/public/submit", data={"ticket": ticket(client)})
    body = _body(response)
    assert response.status_code == 200
    for message in ("请用一句话概括您反映的问题", "请填写反映的问题和诉求", "请填写您的姓名",
                    "请填写联系电话", "请选择所属县（市）"):
        assert message in body
    assert _cases() == before


@pytest.mark.parametrize(("overrides", "message"), [
    ({"content": "太短"}, "内容应在 10 到 5000 字之间"),
    ({"content": "很" * 5001}, "内容应在 10 到 5000 字之间"),
    ({"title": "长" * 101}, "标题不能超过 100 字"),
    ({"phone": "12345"}, "请填写 11 位手机号或带区号的固定电话"),
    ({"id_number": "1234"}, "身份证号应为 18 位"),
    ({"consent": None}, "请阅读并同意个人信息处理说明后再提交"),
    ({"county": "nowhere"}, "所属县（市）"),
    ({"township_id": "999999"}, "所选乡镇不属于所选县（市）"),
])
def test_bad_input_is_refused_with_its_reason(client, overrides, message):
    before = _cases()
    response = submit(client, **overrides)
    assert response.status_code == 200
    assert message in _body(response)
    assert 'data-testid="errors"' in _body(response)
    assert _cases() == before


def test_a_township_of_another_county_is_refused(client, ctx):
    from tests.conftest import agency_coded

    other = agency_coded("ruili.huyu")
    response = submit(client, township_id=str(other.id))
    assert "所选乡镇不属于所选县（市）" in _body(response)
    own = agency_coded("mangshi.xishan")
    code, _secret = receipt_of(submit(client, township_id=str(own.id)))
    case = db.session.scalar(select(Case).join(PublicSubmission).where(
        PublicSubmission.query_code == code.replace("-", "")))
    assert case.township_id == own.id


def test_scripts_in_text_fields_stay_inert_everywhere(app, client):
    script = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = submit(client, title=f"噪声{script}", content=f"夜间施工扰民严重。{script}",
                      name="段明华")
    assert response.status_code == 200
    assert "<script>alert" not in _body(response)
    code, secret = receipt_of(response)
    case = db.session.scalar(select(Case).join(PublicSubmission).where(
        PublicSubmission.query_code == code.replace("-", "")))
    staff = app.test_client()
    login(staff, "secretariat")
    inside = _body(staff.get(f"/cases/{case.id}"))
    assert "<script>alert" not in inside and "&lt;script&gt;" in inside
    assert "<img src=x" not in inside
    petitioner = app.test_client()
    petitioner.post("/public/track", data={"code": code, "secret": secret})
    status = _body(petitioner.get(f"/public/track/{code}"))
    assert "<script>alert" not in status and "&lt;script&gt;" in status


def test_honeypot_refuses_robots_and_is_audited(client):
    before = _cases()
    response = submit(client, website="http://spam.example")
    assert response.status_code == 400
    assert "请不要使用自动填表工具" in _body(response)
    assert _cases() == before
    assert _events("public.spam_refused")[-1].after == {"reason": "honeypot"}


def test_a_form_sent_faster_than_a_person_can_fill_it(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "HUB_PORTAL_MIN_FILL_SECONDS", 30)
    before = _cases()
    response = submit(client)
    assert "提交过快" in _body(response)
    assert _cases() == before
    assert _events("public.spam_refused")[-1].after == {"reason": "too_fast"}


def test_a_forged_or_missing_ticket_is_not_accepted(client):
    before = _cases()
    for forged in ("", "eyJjIjoicnVpbGkifQ.forged.signature"):
        response = submit(client, ticket=forged)
        assert "表单已过期" in _body(response)
    assert _cases() == before


def test_submissions_are_limited_per_address(app, client):
    limits = app.config["HUB_PORTAL_SUBMIT_LIMITS"]
    most = min(n for _seconds, n in limits)
    for _ in range(most):
        assert "提交成功" in _body(submit(client, address="198.51.100.7"))
    before = _cases()
    refused = submit(client, address="198.51.100.7")
    assert refused.status_code == 429
    body = _body(refused)
    assert "提交次数过多" in body and "之后再提交" in body
    assert "我的工作台" not in body
    assert _cases() == before
    assert _events("public.submit_rate_limited")
    # Another address is not affected.
    assert "提交成功" in _body(submit(client, address="198.51.100.8"))


def test_wrong_secrets_are_audited_and_limited_per_address(app, client):
    code, secret = receipt_of(submit(client))
    for attempt in range(10):
        wrong = client.post("/public/track", data={"code": code, "secret": f"WRONG{attempt}"},
                            environ_base={"REMOTE_ADDR": "203.0.113.5"})
        assert wrong.status_code == 200
        assert "查询码或查询密码不正确" in _body(wrong)
    failed = _events("public.secret_failed")
    assert len(failed) == 10 and failed[-1].address == "203.0.113.5"
    assert failed[0].after["reason"] == "wrong_secret"
    # The eleventh try from that address is refused, even with the right secret.
    blocked = client.post("/public/track", data={"code": code, "secret": secret},
                          environ_base={"REMOTE_ADDR": "203.0.113.5"})
    assert blocked.status_code == 429 and "输错次数过多" in _body(blocked)
    assert _events("public.track_rate_limited")


def test_guessed_codes_get_the_same_answer_as_wrong_secrets(client):
    response = client.post("/public/track", data={"code": "ABCDE-FGHJK-LMNPQ-RSTUV",
                                                   "secret": "ABCDEFGHJK"})
    assert "查询码或查询密码不正确" in _body(response)
    assert _events("public.secret_failed")[-1].after["reason"] == "unknown_code"
    assert db.session.scalar(select(func.count(PublicAttempt.id))
                             .where(PublicAttempt.kind == "secret")) == 1


def test_a_code_is_locked_after_wrong_secrets_from_many_addresses(app, client):
    code, secret = receipt_of(submit(client))
    for n in range(app.config["HUB_PORTAL_CODE_LOCK_FAILURES"]):
        client.post("/public/track", data={"code": code, "secret": "WRONGWRONG"},
                    environ_base={"REMOTE_ADDR": f"203.0.113.{n + 20}"})
    assert _events("public.secret_failed")[-1].after["reason"] == "locked_now"
    locked = client.post("/public/track", data={"code": code, "secret": secret},
                         environ_base={"REMOTE_ADDR": "203.0.113.99"})
    assert locked.status_code == 429 and "暂时锁定" in _body(locked)


def test_rating_an_unanswered_case_is_refused(app, client):
    code, secret = receipt_of(submit(client))
    client.post("/public/track", data={"code": code, "secret": secret})
    status = _body(client.get(f"/public/track/{code}"))
    assert "已收到" in status and 'data-testid="rate-form"' not in status
    refused = client.post(f"/public/track/{code}/rate", data={"rating": "satisfied"})
    assert refused.status_code == 200
    assert "该事项尚未答复，答复后才能评价" in _body(refused)
    case = db.session.scalar(select(Case).join(PublicSubmission).where(
        PublicSubmission.query_code == code.replace("-", "")))
    assert case.rating is None
    bad = client.post(f"/public/track/{code}/rate", data={"rating": "great"})
    assert "该事项尚未答复" in _body(bad)


def test_rating_without_opening_the_case_first(client):
    code, _secret = receipt_of(submit(client))
    other = client.application.test_client()
    response = other.post(f"/public/track/{code}/rate", data={"rating": "satisfied"})
    assert response.status_code == 302 and "/public/track?code=" in response.headers["Location"]


def test_leaving_closes_the_tracked_case(client):
    code, _secret = receipt_of(submit(client))
    assert client.get(f"/public/track/{code}").status_code == 200  # opened on submission
    client.post("/public/track/leave")
    assert client.get(f"/public/track/{code}").status_code == 302


@pytest.mark.parametrize(("files", "message"), [
    ([(BytesIO(ELF), "程序.exe")], "不支持的文件类型"),
    ([(BytesIO(b"just text"), "说明.txt")], "不支持的文件类型"),
    ([(BytesIO(png()), f"图{n}.png") for n in range(4)], "最多上传 3 个附件"),
])
def test_attachments_are_checked(client, files, message):
    before = _cases()
    response = submit(client, attachments=files)
    assert message in _body(response)
    assert _cases() == before


def test_an_oversized_attachment_is_refused_by_name(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "HUB_PORTAL_FILE_MAX_BYTES", 1024)
    big = png() + b"\x00" * 2048
    response = submit(client, attachments=[(BytesIO(big), "大图.png")])
    assert "大图.png" in _body(response) and "超过上限" in _body(response)


def test_errors_on_the_portal_use_its_own_layout(client):
    for path in ("/public/cases/999999", "/public/no/such", "/public/qr/atlantis",
                 "/public/codes/atlantis/qr.png"):
        response = client.get(path)
        body = _body(response)
        assert response.status_code == 404, path
        assert "网上信访" in body and "返回首页" in body
        assert "返回我的工作台" not in body and "Traceback" not in body


def test_the_csrf_check_applies_to_the_portal(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/public/submit", data=form_data())
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert "安全校验未通过" in _body(response) and "返回首页" in _body(response)


def test_correcting_a_mistake_is_not_too_fast(app, client, monkeypatch):
    """The fill time counts from when the form was first opened, not from when it was shown
    again with its problems."""
    import hub.public.views as views

    class Clock:
        now = 1_000_000.0

        def time(self):
            return self.now

    clock = Clock()
    monkeypatch.setattr(views, "time", clock)
    monkeypatch.setitem(app.config, "HUB_PORTAL_MIN_FILL_SECONDS", 30)
    opened = ticket(client)
    clock.now += 60
    shown_again = client.post("/public/submit", data=form_data(phone="123", ticket=opened))
    assert "请填写 11 位手机号" in _body(shown_again)
    again = re.search(r'name="ticket"[^>]*value="([^"]+)"', _body(shown_again)).group(1)
    clock.now += 2
    accepted = client.post("/public/submit", data=form_data(ticket=again))
    assert "提交成功" in _body(accepted)


def test_an_oversized_request_gets_the_portal_page(app, client, monkeypatch):
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import stream_encode_multipart

    monkeypatch.setitem(app.config, "HUB_PORTAL_REQUEST_MAX_BYTES", 1024)
    values = form_data(ticket=ticket(client))
    values["attachments"] = FileStorage(BytesIO(png() + bytes(2 * 1024 * 1024)), "大.png",
                                        content_type="image/png")
    # Encoded in memory (the test client would spool a large body to a temporary file that
    # the refused request never reads or closes).
    stream, _length, boundary = stream_encode_multipart(values, use_tempfile=False)
    response = client.post("/public/submit", data=stream.getvalue(),
                           content_type=f"multipart/form-data; boundary={boundary}")
    body = _body(response)
    assert response.status_code == 413
    assert "上传的文件总大小超过上限" in body and "返回首页" in body
