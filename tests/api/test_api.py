"""The API: bearer tokens (create, use, revoke, expire, disabled user, read-only), the
cases list with keyset pagination and the same visibility as the pages, problem details,
the OpenAPI document and its docs page."""

from datetime import timedelta

from sqlalchemy import func, select

from hub.api import tokens
from hub.audit.models import AuditEvent
from hub.core.types import utcnow
from hub.extensions import db
from tests.cases.factories import forwarded
from tests.conftest import user_named


def _token(username="liaison.jiwei", **kw):
    text, row = tokens.create(user_named(username), user_named(username), "测试", **kw)
    return text, row


def _auth(text):
    return {"Authorization": f"Bearer {text}"}


def test_a_token_lists_only_what_its_user_sees_page_by_page(app, client):
    with app.test_request_context():
        mine = [forwarded(lead="dh.jw", assist=()) for _ in range(5)]
        hidden = forwarded(lead="mangshi.xfj", assist=())
        text, _row = _token()
    db.session.commit()
    first = client.get("/api/v1/cases?limit=2", headers=_auth(text))
    assert first.status_code == 200 and first.mimetype == "application/json"
    body = first.get_json()
    assert len(body["items"]) == 2 and body["next_after"] == body["items"][-1]["id"]
    seen, after = [], None
    while True:
        url = "/api/v1/cases?limit=2" + (f"&after={after}" if after else "")
        page = client.get(url, headers=_auth(text)).get_json()
        seen += [c["id"] for c in page["items"]]
        after = page["next_after"]
        if after is None:
            break
    assert set(seen) >= {c.id for c in mine} and hidden.id not in seen
    assert seen == sorted(seen, reverse=True) and len(seen) == len(set(seen))
    one = client.get(f"/api/v1/cases/{mine[0].id}", headers=_auth(text))
    assert one.get_json()["number"] == mine[0].number
    missing = client.get(f"/api/v1/cases/{hidden.id}", headers=_auth(text))
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    assert missing.get_json()["status"] == 404
    # Token use is audited.
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "api.request")) >= 3


def test_tokens_are_refused_when_missing_wrong_revoked_expired_or_the_user_is_disabled(
        app, client):
    from hub.auth.services import set_active

    with app.test_request_context():
        good, row = _token()
        revoked, revoked_row = _token()
        tokens.revoke(user_named("liaison.jiwei"), revoked_row)
        expired, expired_row = _token(expires_days=1)
        expired_row.expires_at = utcnow() - timedelta(minutes=1)
        other, _o = _token("liaison.zuzhi")
    db.session.commit()
    assert client.get("/api/v1/cases").status_code == 401
    bad = client.get("/api/v1/cases", headers=_auth("xfh_nonsense"))
    assert bad.status_code == 401 and bad.mimetype == "application/problem+json"
    assert "撤销" in client.get("/api/v1/cases", headers=_auth(revoked)).get_json()["detail"]
    assert "过期" in client.get("/api/v1/cases", headers=_auth(expired)).get_json()["detail"]
    assert client.get("/api/v1/cases", headers=_auth(good)).status_code == 200
    with app.test_request_context():
        set_active(user_named("admin"), user_named("liaison.zuzhi"), False)
    db.session.commit()
    assert "停用" in client.get("/api/v1/cases", headers=_auth(other)).get_json()["detail"]


def test_a_browser_session_does_not_open_the_api(login_as):
    client = login_as("liaison.jiwei")
    assert client.get("/api/v1/cases").status_code == 401


def test_unknown_and_wrong_query_fields_are_problems_with_field_messages(app, client):
    with app.test_request_context():
        text, _row = _token()
    db.session.commit()
    unknown = client.get("/api/v1/cases?colour=red", headers=_auth(text))
    assert unknown.status_code == 422 and "colour" in unknown.get_json()["errors"]
    wrong = client.get("/api/v1/cases?limit=abc&stage=nowhere", headers=_auth(text))
    errors = wrong.get_json()["errors"]
    assert wrong.status_code == 422 and {"limit", "stage"} <= set(errors)
    assert client.get("/api/v1/nothing-here", headers=_auth(text)).mimetype == \
        "application/problem+json"


def test_a_read_only_token_cannot_change_anything(app, client):
    with app.test_request_context():
        text, _row = _token(read_only=True)
    db.session.commit()
    resp = client.post("/api/v1/cases", headers=_auth(text), json={})
    assert resp.status_code == 403 and "只读" in resp.get_json()["detail"]


def test_openapi_document_and_docs_page_need_no_token(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/cases" in spec["paths"] and spec["components"]["securitySchemes"]["bearer"]
    docs = client.get("/api/v1/docs").get_data(as_text=True)
    assert "GET /api/v1/cases" in docs and "/api/v1/openapi.json" in docs


def test_tokens_page_shows_a_new_token_once_and_revokes(app, login_as):
    client = login_as("liaison.zuzhi")
    bad = client.post("/account/tokens", data={"name": "", "expires_days": ""})
    assert bad.status_code == 422 and "请填写令牌名称" in bad.get_data(as_text=True)
    page = client.post("/account/tokens", data={"name": "台账系统", "expires_days": "30"}
                       ).get_data(as_text=True)
    text = page.split('data-testid="new-token"')[1].split("<code>")[1].split("</code>")[0]
    assert text.startswith("xfh_")
    assert text not in client.get("/account/tokens").get_data(as_text=True)  # shown once
    assert client.get("/api/v1/cases", headers=_auth(text)).status_code == 200
    from hub.api.models import ApiToken

    row = db.session.scalar(select(ApiToken).where(ApiToken.name == "台账系统"))
    client.post(f"/account/tokens/{row.id}/revoke")
    assert client.get("/api/v1/cases", headers=_auth(text)).status_code == 401
    from tests.conftest import login

    other = app.test_client()
    login(other, "liaison.jiwei")
    assert other.post(f"/account/tokens/{row.id}/revoke").status_code == 404


def test_cli_issues_a_token_for_an_integration_account(app):
    runner = app.test_cli_runner()
    with app.app_context():
        out = runner.invoke(args=["hub", "token", "create", "liaison.xinfang", "--name", "国家信访系统",
                                  "--read-only", "--expires", "90"])
    text = out.output.strip()
    assert out.exit_code == 0 and text.startswith("xfh_")
    resp = app.test_client().get("/api/v1/cases", headers=_auth(text))
    assert resp.status_code == 200
    nobody = runner.invoke(args=["hub", "token", "create", "nobody", "--name", "x"])
    assert nobody.exit_code == 1 and "no user" in nobody.output


def _case_body(**overrides):
    body = {"title": "某村土地征收补偿款未到位", "content": "信访人反映补偿款未足额发放。",
            "channel": "letter", "category": "land", "county": "mangshi",
            "registered_on": "2026-11-20", "petitioners": [{"name": "王某", "phone": "13900001111"}]}
    body.update(overrides)
    return body


def test_register_and_step_a_case_over_the_api(app, client):
    from hub.cases.models import Case
    from tests.conftest import agency_coded

    with app.test_request_context():
        text, _row = _token("liaison.xinfang")
        lead_text, _l = _token("liaison.jiwei")
    db.session.commit()
    created = client.post("/api/v1/cases", headers=_auth(text), json=_case_body())
    assert created.status_code == 201, created.get_json()
    case_id = created.get_json()["id"]
    assert db.session.get(Case, case_id).registered_by_id == user_named("liaison.xinfang").id
    forward = client.post(f"/api/v1/cases/{case_id}/transitions", headers=_auth(text),
                          json={"action": "forward", "lead_agency_id": agency_coded("dh.jw").id})
    assert forward.status_code == 200 and forward.get_json()["status"] == "forwarded"
    # A step the state does not allow is a 409; a missing value a 422 naming the field.
    again = client.post(f"/api/v1/cases/{case_id}/transitions", headers=_auth(text),
                        json={"action": "forward", "lead_agency_id": agency_coded("dh.jw").id})
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    accepted = client.post(f"/api/v1/cases/{case_id}/transitions", headers=_auth(lead_text),
                           json={"action": "accept"})
    assert accepted.get_json()["status"] == "accepted"
    refused = client.post(f"/api/v1/cases/{case_id}/transitions", headers=_auth(lead_text),
                          json={"action": "reply"})
    assert refused.status_code == 422 and "text" in refused.get_json()["errors"]


def test_bad_bodies_are_problems(app, client):
    with app.test_request_context():
        text, _row = _token("liaison.xinfang")
    db.session.commit()
    headers = {**_auth(text), "Content-Type": "application/json"}
    malformed = client.post("/api/v1/cases", headers=headers, data="{not json")
    assert malformed.status_code in (400, 422)
    assert malformed.mimetype == "application/problem+json"
    unknown = client.post("/api/v1/cases", headers=_auth(text), json=_case_body(colour="red"))
    assert unknown.status_code == 422 and "colour" in unknown.get_json()["errors"]
    wrong = client.post("/api/v1/cases", headers=_auth(text),
                        json=_case_body(registered_on="20/11/2026", headcount="many"))
    assert {"registered_on", "headcount"} <= set(wrong.get_json()["errors"])
    big = client.post("/api/v1/cases", headers=headers, data="x" * (1024 * 1024 + 10))
    assert big.status_code == 413
