"""The handoffs API: a 纪委 clue sent, signed, fed back and confirmed over the API; the
inbox tabs and pages; objection, ruling and send-back; refusals as problem details
(unknown fields, missing reason, the wrong side, stale versions, read-only tokens);
visibility (another agency's handoff is a 404 and never listed)."""

from datetime import date

from sqlalchemy import select

from hub.api import tokens
from hub.audit.models import AuditEvent
from hub.cases.models import Case
from hub.extensions import db
from hub.handoffs import services
from hub.handoffs.models import Handoff, State
from tests.cases.factories import forwarded, registered
from tests.conftest import agency_coded, user_named

CLUE = {"subject_name": "某镇干部", "allegation": "截留征地补偿款"}
BOXES = ("sign", "feedback", "overdue", "returned", "sent")


def _token(username, **kw):
    text, _row = tokens.create(user_named(username), user_named(username), "测试", **kw)
    return text


def _auth(text):
    return {"Authorization": f"Bearer {text}"}


def _send_clue(case, sender="liaison.xinfang"):
    """A clue sent through the service (for tests about what comes after)."""
    return services.send(user_named(sender), "discipline.clue", agency_coded("dh.jw"),
                         [case.id], "请依规处理", CLUE)


def _listed(client, text, **query) -> list[int]:
    """Every id of a listing, following ``next_after`` to the last page."""
    ids, after = [], None
    while True:
        params = {**query, "limit": 2, **({"after": after} if after else {})}
        url = "/api/v1/handoffs?" + "&".join(f"{k}={v}" for k, v in params.items())
        resp = client.get(url, headers=_auth(text))
        assert resp.status_code == 200, resp.get_json()
        page = resp.get_json()
        ids += [h["id"] for h in page["items"]]
        after = page["next_after"]
        if after is None:
            return ids


def test_a_clue_sent_signed_fed_back_and_confirmed_over_the_api(app, client):
    with app.test_request_context():
        case = registered()
        xinfang, jiwei, zhengfa = (_token(u) for u in
                                   ("liaison.xinfang", "liaison.jiwei", "liaison.zhengfa"))
        to_id = agency_coded("dh.jw").id
    db.session.commit()
    sent = client.post("/api/v1/handoffs", headers=_auth(xinfang), json={
        "kind": "discipline.clue", "to_agency_id": to_id, "case_ids": [case.id],
        "instructions": "请依规处理并按期反馈", "details": CLUE})
    assert sent.status_code == 201, sent.get_json()
    body = sent.get_json()
    handoff_id = body["id"]
    assert body["kind"] == "discipline.clue" and body["kind_name"] == "问题线索移送"
    assert body["state"] == "sent" and body["restricted"] is True
    assert body["to_agency_id"] == to_id and body["to_agency_name"] == "德宏州纪委监委"
    assert body["from_agency_name"] == "德宏州信访局"
    assert body["details"]["subject_name"] == "某镇干部"
    assert body["instructions"] == "请依规处理并按期反馈"
    assert [c["case_id"] for c in body["cases"]] == [case.id]
    assert body["cases"][0]["number"] == case.number and body["cases"][0]["outcome"] is None
    sign_due = date.fromisoformat(body["sign_due_on"])
    assert date.fromisoformat(body["feedback_due_on"]) > sign_due
    assert body["colour"] in ("green", "yellow") and date.fromisoformat(body["objection_until"])

    # The receiver finds it in 待签收 and signs it.
    assert handoff_id in _listed(client, jiwei, box="sign")
    assert handoff_id not in _listed(client, jiwei, box="sent")
    signed = client.post(f"/api/v1/handoffs/{handoff_id}/sign", headers=_auth(jiwei),
                         json={"version": body["version"]})
    assert signed.status_code == 200, signed.get_json()
    body = signed.get_json()
    assert body["state"] == "in_hand" and body["signed_by_name"] == "纪委监委联络员 杨帆"
    assert body["objection_until"] is None
    assert handoff_id in _listed(client, jiwei, box="feedback")
    noted = client.post(f"/api/v1/handoffs/{handoff_id}/notes", headers=_auth(jiwei),
                        json={"text": "已约谈相关人员"})
    assert noted.status_code == 200 and [n["text"] for n in noted.get_json()["notes"]] == [
        "已约谈相关人员"]
    fed = client.post(f"/api/v1/handoffs/{handoff_id}/feedback", headers=_auth(jiwei), json={
        "feedback": "已初步核实，情况基本属实", "outcomes": {str(case.id): "verify"},
        "version": noted.get_json()["version"]})
    assert fed.status_code == 200, fed.get_json()
    body = fed.get_json()
    assert body["state"] == "feedback" and body["feedback"] == "已初步核实，情况基本属实"
    assert body["cases"][0]["outcome"] == "verify"
    assert body["cases"][0]["outcome_label"] == "初步核实"

    # The sender confirms.
    assert handoff_id in _listed(client, xinfang, box="sent")
    done = client.post(f"/api/v1/handoffs/{handoff_id}/confirm", headers=_auth(xinfang),
                       json={"version": body["version"]})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["state"] == "confirmed" and done.get_json()["colour"] is None
    one = client.get(f"/api/v1/handoffs/{handoff_id}", headers=_auth(jiwei)).get_json()
    assert one["state"] == "confirmed" and one["version"] == done.get_json()["version"]
    db.session.expire_all()
    assert db.session.get(Handoff, handoff_id).state == State.CONFIRMED.value
    assert db.session.get(Case, case.id).stage == "resolved"  # card → 化解
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "handoffs", AuditEvent.object_id == str(handoff_id))
        .order_by(AuditEvent.seq)).all()
    assert actions == ["handoffs.sent", "handoffs.signed", "handoffs.progress",
                       "handoffs.feedback", "handoffs.confirmed"]

    # 政法委 never sees the clue: not in any box nor in the full list, and a 404 to read
    # or to act on.
    for box in BOXES:
        assert handoff_id not in _listed(client, zhengfa, box=box)
    assert handoff_id not in _listed(client, zhengfa)
    missing = client.get(f"/api/v1/handoffs/{handoff_id}", headers=_auth(zhengfa))
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    assert client.post(f"/api/v1/handoffs/{handoff_id}/send-back", headers=_auth(zhengfa),
                       json={"reason": "x"}).status_code == 404


def test_objection_ruling_and_send_back_over_the_api(app, client):
    with app.test_request_context():
        case = registered()
        handoff = services.send(user_named("liaison.xinfang"), "organization.cadre",
                                agency_coded("dh.zzb"), [case.id], "", {"cadre_name": "某局科长"})
        zuzhi, xinfang = _token("liaison.zuzhi"), _token("liaison.xinfang")
    db.session.commit()
    url = f"/api/v1/handoffs/{handoff.id}"
    objected = client.post(f"{url}/object", headers=_auth(zuzhi),
                           json={"reason": "认为不属本单位职责"})
    assert objected.status_code == 200 and objected.get_json()["state"] == "objected"
    assert objected.get_json()["objection"] == "认为不属本单位职责"
    bad = client.post(f"{url}/ruling", headers=_auth(xinfang),
                      json={"decision": "maybe", "ruling": "x"})
    assert bad.status_code == 422 and "decision" in bad.get_json()["errors"]
    ruled = client.post(f"{url}/ruling", headers=_auth(xinfang),
                        json={"decision": "overrule", "ruling": "属于贵单位职责"})
    assert ruled.status_code == 200 and ruled.get_json()["state"] == "sent"
    assert ruled.get_json()["ruling"] == "属于贵单位职责"
    assert client.post(f"{url}/sign", headers=_auth(zuzhi)).status_code == 200  # no body
    wrong = client.post(f"{url}/feedback", headers=_auth(zuzhi), json={
        "feedback": "已谈话", "outcomes": {str(case.id): "no-such-outcome"}})
    assert wrong.status_code == 422 and "outcomes" in wrong.get_json()["errors"]
    stray = client.post(f"{url}/feedback", headers=_auth(zuzhi), json={
        "feedback": "已谈话", "outcomes": {str(case.id): "talk", "999999": "talk"}})
    assert stray.status_code == 422 and "outcomes" in stray.get_json()["errors"]
    assert client.post(f"{url}/feedback", headers=_auth(zuzhi), json={
        "feedback": "已谈话", "outcomes": {str(case.id): "talk"}}).status_code == 200
    blank = client.post(f"{url}/send-back", headers=_auth(xinfang), json={"reason": "  "})
    assert blank.status_code == 422 and blank.get_json()["errors"] == {
        "reason": ["请填写退回重办的理由"]}
    back = client.post(f"{url}/send-back", headers=_auth(xinfang),
                       json={"reason": "请补充谈话记录"})
    body = back.get_json()
    assert back.status_code == 200 and body["state"] == "in_hand"
    assert body["sent_back_count"] == 1 and body["sent_back_reason"] == "请补充谈话记录"
    assert body["cases"][0]["outcome"] is None
    assert handoff.id in _listed(client, zuzhi, box="returned")
    assert handoff.id not in _listed(client, xinfang, box="returned")


def test_refusals_are_problem_details(app, client):
    with app.test_request_context():
        case = registered()
        clue = _send_clue(case)
        other = services.send(user_named("liaison.xinfang"), "organization.cadre",
                              agency_coded("dh.zzb"), [registered().id], "",
                              {"cadre_name": "某局科长"})
        xinfang, jiwei, zhengfa = (_token(u) for u in
                                   ("liaison.xinfang", "liaison.jiwei", "liaison.zhengfa"))
        read_only = _token("liaison.jiwei", read_only=True)
        fresh = registered()
    db.session.commit()
    url = f"/api/v1/handoffs/{clue.id}"
    # Unknown fields, in a body and in the query, are refused with the field named.
    unknown = client.post("/api/v1/handoffs", headers=_auth(xinfang), json={
        "kind": "discipline.clue", "to_agency_id": agency_coded("dh.jw").id,
        "case_ids": [fresh.id], "details": CLUE, "colour": "red"})
    assert unknown.status_code == 422 and unknown.mimetype == "application/problem+json"
    assert "colour" in unknown.get_json()["errors"]
    extra = client.post(f"{url}/sign", headers=_auth(jiwei), json={"version": 1, "who": "x"})
    assert extra.status_code == 422 and "who" in extra.get_json()["errors"]
    query = client.get("/api/v1/handoffs?box=inbox&state=sent", headers=_auth(jiwei))
    assert query.status_code == 422 and {"box", "state"} <= set(query.get_json()["errors"])
    # A missing reason (schema) and a blank one (service) name the field.
    missing = client.post(f"{url}/object", headers=_auth(jiwei), json={})
    assert missing.status_code == 422 and "reason" in missing.get_json()["errors"]
    blank = client.post(f"{url}/object", headers=_auth(jiwei), json={"reason": " "})
    assert blank.status_code == 422 and blank.get_json()["errors"] == {"reason": ["请填写异议理由"]}
    # The kind's extra fields are checked as on the page, named under details.
    fields = client.post("/api/v1/handoffs", headers=_auth(xinfang), json={
        "kind": "discipline.clue", "to_agency_id": agency_coded("dh.jw").id,
        "case_ids": [fresh.id], "details": {"allegation": "问题"}})
    assert fields.status_code == 422 and "details.subject_name" in fields.get_json()["errors"]
    wrong_receiver = client.post("/api/v1/handoffs", headers=_auth(xinfang), json={
        "kind": "discipline.clue", "to_agency_id": agency_coded("dh.zfw").id,
        "case_ids": [fresh.id], "details": CLUE})
    assert wrong_receiver.status_code == 422
    assert "to_agency_id" in wrong_receiver.get_json()["errors"]
    # The sending side may not sign; the receiving side may not confirm: 409 with the reason.
    wrong_side = client.post(f"{url}/sign", headers=_auth(xinfang), json={})
    assert wrong_side.status_code == 409 and wrong_side.mimetype == "application/problem+json"
    assert wrong_side.get_json()["detail"] == "只有接收单位的联络员可以签收"
    assert client.post(f"{url}/confirm", headers=_auth(jiwei), json={}).status_code == 409
    # A stale version is refused; the handoff is unchanged.
    stale = client.post(f"{url}/sign", headers=_auth(jiwei), json={"version": clue.version + 5})
    assert stale.status_code == 409 and "已被他人更新" in stale.get_json()["detail"]
    assert client.get(url, headers=_auth(jiwei)).get_json()["state"] == "sent"
    # Another agency's handoff (also a non-restricted one) is a 404, never listed.
    for target in (clue, other):
        assert client.get(f"/api/v1/handoffs/{target.id}",
                          headers=_auth(zhengfa)).status_code == 404
        assert client.post(f"/api/v1/handoffs/{target.id}/object", headers=_auth(zhengfa),
                           json={"reason": "x"}).status_code == 404
    assert client.get(f"/api/v1/handoffs/{other.id}", headers=_auth(jiwei)).status_code == 404
    assert {clue.id, other.id}.isdisjoint(_listed(client, zhengfa))
    assert client.get("/api/v1/handoffs/999999", headers=_auth(jiwei)).status_code == 404
    # A read-only token reads, but changes nothing.
    assert client.get(url, headers=_auth(read_only)).status_code == 200
    refused = client.post(f"{url}/sign", headers=_auth(read_only), json={})
    assert refused.status_code == 403 and "只读" in refused.get_json()["detail"]
    assert client.post("/api/v1/handoffs", headers=_auth(read_only), json={}).status_code == 403
    # A role without the capability: 403.
    leader = _token_in(app, "leader.mangshi")
    assert client.get("/api/v1/handoffs", headers=_auth(leader)).status_code == 403


def _token_in(app, username):
    with app.test_request_context():
        text = _token(username)
    db.session.commit()
    return text


def test_the_auditor_sees_other_agencies_handoffs_but_not_their_clues(app, client):
    with app.test_request_context():
        # 组织部 sends a clue to 纪委监委: restricted between those two agencies.
        clue = _send_clue(forwarded(lead="dh.zzb", assist=()), sender="liaison.zuzhi")
        # 政法委 to 组织部: neither is the auditor's agency, and it is not restricted.
        other = services.send(user_named("liaison.zhengfa"), "organization.cadre",
                              agency_coded("dh.zzb"), [forwarded(lead="dh.zfw", assist=()).id],
                              "", {"cadre_name": "某局科长"})
        auditor = _token("auditor")
    db.session.commit()
    listed = _listed(client, auditor)
    assert other.id in listed and clue.id not in listed
    assert client.get(f"/api/v1/handoffs/{clue.id}", headers=_auth(auditor)).status_code == 404
    one = client.get(f"/api/v1/handoffs/{other.id}", headers=_auth(auditor)).get_json()
    assert one["details"] == {"cadre_name": "某局科长", "cadre_post": ""}


def test_signing_second_is_told_who_signed_first(app, client, monkeypatch):
    """Two liaisons at once: the other one's signature committed between our read and our
    write (StaleDataError on flush), so the answer names who signed."""
    from sqlalchemy.orm.exc import StaleDataError

    with app.test_request_context():
        clue = _send_clue(registered())
        jiwei = _token("liaison.jiwei")
    db.session.commit()
    real_sign = services.sign

    def raced(actor, handoff, version=None):
        real_sign(actor, handoff, version)  # stands for the other liaison's committed sign
        db.session.commit()
        raise StaleDataError("UPDATE handoffs matched 0 rows")

    monkeypatch.setattr(services, "sign", raced)
    resp = client.post(f"/api/v1/handoffs/{clue.id}/sign", headers=_auth(jiwei), json={})
    assert resp.status_code == 409 and resp.mimetype == "application/problem+json"
    assert resp.get_json()["detail"].startswith("该交办已由 纪委监委联络员 杨帆 于 ")
    monkeypatch.setattr(services, "sign", real_sign)
    # Signed already: the service itself now tells who signed.
    again = client.post(f"/api/v1/handoffs/{clue.id}/sign", headers=_auth(jiwei), json={})
    assert again.status_code == 409 and "纪委监委联络员 杨帆" in again.get_json()["detail"]


def test_the_openapi_document_lists_the_handoff_routes(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/handoffs", "/api/v1/handoffs/{handoff_id}",
            "/api/v1/handoffs/{handoff_id}/sign", "/api/v1/handoffs/{handoff_id}/object",
            "/api/v1/handoffs/{handoff_id}/notes", "/api/v1/handoffs/{handoff_id}/feedback",
            "/api/v1/handoffs/{handoff_id}/ruling", "/api/v1/handoffs/{handoff_id}/confirm",
            "/api/v1/handoffs/{handoff_id}/send-back"} <= set(paths)
    assert "409" in paths["/api/v1/handoffs/{handoff_id}/sign"]["post"]["responses"]
