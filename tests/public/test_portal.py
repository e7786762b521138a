"""The public portal end to end: a petition submitted without login becomes a case in the
chosen county's queue, is replied to and published with personal data removed, shows on
the portal without any of it, and is rated by the petitioner with the query code."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from hub.attachments.models import Attachment
from hub.audit.models import AuditEvent
from hub.auth.visibility import visible
from hub.cases.models import Case
from hub.extensions import db
from hub.indicators import queries
from hub.indicators.queries import Period
from hub.public.models import CasePublication, PublicSubmission
from tests.attachments.test_attachments import PDF, png
from tests.conftest import agency_coded, login, user_named
from tests.public.conftest import ADDRESS, ID_NUMBER, NAME, PHONE, receipt_of, submit


def _case_of(code: str) -> Case:
    compact = code.replace("-", "")
    return db.session.scalar(select(Case).join(PublicSubmission).where(
        PublicSubmission.query_code == compact))


def _actions(case) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "cases", AuditEvent.object_id == str(case.id))
        .order_by(AuditEvent.seq)))


def _public_pages(client, case) -> str:
    """Every portal page a visitor can open about published cases, as one text."""
    pages = [client.get(path) for path in (
        "/public/", "/public/cases", f"/public/cases/{case.id}",
        "/public/cases?county=mangshi", "/public/cases?category=environment")]
    assert all(p.status_code == 200 for p in pages)
    return "".join(p.get_data(as_text=True) for p in pages)


def test_submission_to_published_reply_to_rating(app, client):
    # 1. The petitioner submits on the portal, no login.
    response = submit(client)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    code, secret = receipt_of(response)
    assert len(code.replace("-", "")) == 20 and len(secret.replace("-", "")) == 10
    case = _case_of(code)
    assert case.channel == "online" and case.county == "mangshi"
    # 2. It is registered at 芒市信访局: in that county's queue, and not in another's.
    assert case.registering_agency.code == "mangshi.xfj"
    assert case.registered_by_id is None
    assert [p.agency.code for p in case.participants] == ["mangshi.xfj"]
    mangshi = user_named("leader.mangshi")  # 芒市信访局
    assert db.session.scalar(visible(mangshi, Case).where(Case.id == case.id)) is not None
    assert db.session.scalar(visible(user_named("liaison.jiwei"), Case)
                             .where(Case.id == case.id)) is None
    assert [p.name for p in case.petitioners] == [NAME]
    assert case.petitioners[0].phone == PHONE and case.petitioners[0].id_number == ID_NUMBER
    submission = db.session.scalar(select(PublicSubmission).where(
        PublicSubmission.case_id == case.id))
    assert submission.secret_hash != secret.replace("-", "")  # only a keyed hash is kept
    assert submission.consent_at is not None and submission.allow_publication
    assert _actions(case)[0] == "cases.registered"
    registered = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "cases.registered", AuditEvent.object_id == str(case.id)))
    assert registered.actor_id is None and registered.actor_name == "信访人（网上提交）"

    # 3. The bureau forwards it, the handling agency replies and marks it publishable:
    # the reply page leads on to the redacted preview.
    staff = app.test_client()
    login(staff, "secretariat")
    assert staff.post(f"/cases/{case.id}/act/forward", data={
        "forward-version": case.version, "forward-lead_agency_id": agency_coded("mangshi.xfj").id
    }).status_code == 302
    db.session.refresh(case)
    assert staff.post(f"/cases/{case.id}/act/accept",
                      data={"accept-version": case.version}).status_code == 302
    db.session.refresh(case)
    reply_text = f"{NAME}：您反映的问题已收悉。经调查，已责令施工单位停止夜间施工。联系人电话 0692-2123456。"
    answer = staff.post(f"/cases/{case.id}/act/reply", data={
        "reply-version": case.version, "reply-text": reply_text, "reply-public": "y"})
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/cases/{case.id}/publication")
    preview = staff.get(f"/cases/{case.id}/publication").get_data(as_text=True)
    assert "自动隐去" in preview and "段某" in preview and "〔电话已隐去〕" in preview
    title = re.search(r'id="title"[^>]*value="([^"]*)"', preview).group(1)
    content = re.search(r'<textarea[^>]*id="content"[^>]*>\s*([^<]*)</textarea>', preview).group(1)
    reply = re.search(r'<textarea[^>]*id="reply"[^>]*>\s*([^<]*)</textarea>', preview).group(1)
    for personal in (NAME, PHONE, ID_NUMBER, ADDRESS, "0692-2123456"):
        assert personal not in content + reply + title
    # The officer confirms (unchanged here).
    confirmed = staff.post(f"/cases/{case.id}/publication",
                           data={"title": title, "content": content, "reply": reply})
    assert confirmed.status_code == 302
    publication = db.session.get(CasePublication, case.id)
    assert publication.published and publication.published_by_id == user_named("secretariat").id
    assert "cases.published" in _actions(case)

    # 4. Public pages: the case is listed and readable, without any personal data.
    visitor = app.test_client()
    html = _public_pages(visitor, case)
    assert "工地夜间施工噪声扰民" in html and "已责令施工单位停止夜间施工" in html
    for personal in (NAME, PHONE, ID_NUMBER, "18号", "402室", "0692-2123456",
                     "138-0000-1111", ID_NUMBER.lower()):
        assert personal not in html, personal
    assert "段某" in html
    assert "我的工作台" not in html and "退出登录" not in html  # nothing internal

    # 5. The petitioner tracks it with code and secret, reads the reply and rates it.
    petitioner = app.test_client()
    assert petitioner.get(f"/public/track/{code}").status_code == 302  # secret first
    opened = petitioner.post("/public/track", data={"code": code.lower(), "secret": secret},
                             environ_base={"REMOTE_ADDR": "192.0.2.11"})
    assert opened.status_code == 302
    status = petitioner.get(opened.headers["Location"]).get_data(as_text=True)
    assert "已答复" in status and "已责令施工单位停止夜间施工" in status
    rated = petitioner.post(f"/public/track/{code.replace('-', '')}/rate",
                            data={"rating": "satisfied"})
    assert rated.status_code == 302
    db.session.refresh(case)
    assert case.rating == "satisfied"
    assert "您的评价" in petitioner.get(rated.headers["Location"]).get_data(as_text=True)
    assert _actions(case)[-1] == "cases.rated"

    # 6. The indicators count it: published ÷ replied.
    year = date.today().year
    counts = queries.case_counts(user_named("secretariat"),
                                 Period(date(year, 1, 1), date.today()))["all"]
    assert counts["published"] >= 1 and counts["published"] <= counts["replied"]


def test_the_case_page_shows_where_it_came_from(app, client, login_as):
    code, _secret = receipt_of(submit(client, allow_publication=None))
    case = _case_of(code)
    page = login_as("secretariat").get(f"/cases/{case.id}").get_data(as_text=True)
    assert "通过网上信访平台提交" in page and "信访人不同意公开" in page
    assert code.replace("-", "") not in page  # only the code's start is shown inside


def test_attachments_are_kept_with_the_case(app, client, upload_dir):
    from io import BytesIO

    response = submit(client, attachments=[(BytesIO(png()), "现场照片.png"),
                                           (BytesIO(PDF), "材料.pdf")])
    assert response.status_code == 200
    case = _case_of(receipt_of(response)[0])
    rows = db.session.scalars(select(Attachment).where(
        Attachment.object_type == "cases", Attachment.object_id == case.id)).all()
    assert sorted(r.filename for r in rows) == ["材料.pdf", "现场照片.png"]
    assert all(r.uploaded_by_id is None for r in rows)


def test_a_county_code_records_its_channel_and_department(app, client, department):
    response = submit(client, path=f"/public/qr/mangshi/{department.id}", county="ruili")
    assert response.status_code == 200
    case = _case_of(receipt_of(response)[0])
    # The code decides the county, whatever the form says; the channel is 一县一码.
    assert case.county == "mangshi" and case.channel == "county_code"
    submission = db.session.scalar(select(PublicSubmission).where(
        PublicSubmission.case_id == case.id))
    assert submission.department_id == department.id
    plain = _case_of(receipt_of(submit(client, path="/public/qr/lianghe"))[0])
    assert (plain.county, plain.channel) == ("lianghe", "county_code")
    assert plain.registering_agency.code == "lianghe.xfj"


def test_large_text_mode_without_script(client):
    assert 'class="large-text"' not in client.get("/public/").get_data(as_text=True)
    response = client.post("/public/text-size", data={"size": "large", "next": "/public/cases"})
    assert response.status_code == 302 and response.headers["Location"] == "/public/cases"
    assert "HttpOnly" in response.headers["Set-Cookie"]
    assert 'class="large-text"' in client.get("/public/cases").get_data(as_text=True)
    client.post("/public/text-size", data={"size": "normal"})
    assert 'class="large-text"' not in client.get("/public/").get_data(as_text=True)
    # No open redirect through the toggle.
    away = client.post("/public/text-size", data={"size": "large", "next": "//evil.example"})
    assert away.headers["Location"] == "/public/"


def test_portal_pages_have_no_inline_script_and_the_csp(client):
    for path in ("/public/", "/public/submit", "/public/track", "/public/cases",
                 "/public/codes", "/public/codes/mangshi/poster"):
        response = client.get(path)
        body = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert "<script>" not in body and "unsafe-inline" not in \
            response.headers["Content-Security-Policy"]
