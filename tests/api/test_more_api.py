"""The API for 包案, meetings and notifications: lists and reads within the user's
visibility, the leader's duty record, answers and meeting tasks, the inbox, refused
unknown fields and read-only tokens."""

from datetime import timedelta

from sqlalchemy import select

from hub.api import tokens
from hub.baoan import services as baoan
from hub.baoan.models import Duty
from hub.deadlines.services import local_today
from hub.extensions import db
from hub.meetings import services as meetings
from hub.meetings.models import Invitee
from hub.notifications.models import Notification
from hub.notifications.services import notify
from tests.cases.factories import in_hand, registered
from tests.conftest import user_named
from tests.meetings.factories import plan as _plan


def _token(username, **kw):
    text, _row = tokens.create(user_named(username), user_named(username), "测试", **kw)
    return text


def _auth(text):
    return {"Authorization": f"Bearer {text}"}


def _assign(case=None, leader="leader.prefecture"):
    return baoan.assign(user_named("secretariat"), case or in_hand(), user_named(leader),
                        local_today() + timedelta(days=90))


# --- 包案 ----------------------------------------------------------------------------------

def test_baoan_lists_and_reads_within_visibility(app, client):
    with app.test_request_context():
        seen = _assign(in_hand(lead="mangshi.xfj", assist=()))
        hidden = _assign(in_hand(lead="dh.jw", assist=()))  # nothing of 芒市's
        leader = _token("leader.prefecture")
        mangshi = _token("leader.mangshi")
        auditor = _token("auditor")
        liaison = _token("liaison.jiwei")
    db.session.commit()
    body = client.get("/api/v1/baoan/assignments?rank=ting&active=true",
                      headers=_auth(leader)).get_json()
    ids = [a["id"] for a in body["items"]]
    assert {seen.id, hidden.id} <= set(ids) and ids == sorted(ids, reverse=True)
    first = next(a for a in body["items"] if a["id"] == hidden.id)
    assert first["leader_name"] == user_named("leader.prefecture").display_name
    assert first["case_number"] == hidden.case.number and first["colour"] in ("green", "yellow")
    page = client.get("/api/v1/baoan/assignments?limit=1", headers=_auth(leader)).get_json()
    assert len(page["items"]) == 1 and page["next_after"] == page["items"][0]["id"]
    rest = client.get(f"/api/v1/baoan/assignments?limit=1&after={page['next_after']}",
                      headers=_auth(leader)).get_json()
    assert rest["items"][0]["id"] < page["next_after"]
    assert client.get("/api/v1/baoan/assignments?rank=xiangke",
                      headers=_auth(leader)).get_json()["items"] == []
    # One 包案 with its duties: due dates, status and colour.
    one = client.get(f"/api/v1/baoan/assignments/{seen.id}", headers=_auth(leader)).get_json()
    duties = {d["template_code"]: d for d in one["duties"]}
    assert set(duties) == {"plan", "meet", "resolve", "assist", "screening", "progress",
                           "verify"}
    assert duties["verify"]["due_on"] == seen.target_on.isoformat()
    assert all(d["status"] == "open" and d["colour"] in ("green", "yellow")
               for d in one["duties"])
    # 芒市's leader sees the 包案 of 芒市's case, not the other; a 404, as on the pages.
    listed = client.get("/api/v1/baoan/assignments", headers=_auth(mangshi)).get_json()
    assert seen.id in [a["id"] for a in listed["items"]]
    assert hidden.id not in [a["id"] for a in listed["items"]]
    assert client.get(f"/api/v1/baoan/assignments/{seen.id}",
                      headers=_auth(mangshi)).status_code == 200
    missing = client.get(f"/api/v1/baoan/assignments/{hidden.id}", headers=_auth(mangshi))
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    assert client.get(f"/api/v1/baoan/assignments/{hidden.id}",
                      headers=_auth(auditor)).status_code == 200
    # A liaison has no 包案 pages: 403; unknown filters are refused.
    assert client.get("/api/v1/baoan/assignments", headers=_auth(liaison)).status_code == 403
    unknown = client.get("/api/v1/baoan/assignments?colour=red", headers=_auth(leader))
    assert unknown.status_code == 422 and "colour" in unknown.get_json()["errors"]


def test_the_leader_records_a_duty_and_the_secretariat_waives_over_the_api(app, client):
    with app.test_request_context():
        assignment = _assign(in_hand(lead="mangshi.xfj", assist=()))
        hidden = _assign(in_hand(lead="dh.jw", assist=()))
        leader = _token("leader.prefecture")
        mangshi = _token("leader.mangshi")
        secretariat = _token("secretariat")
        auditor = _token("auditor")
        read_only = _token("leader.prefecture", read_only=True)
    db.session.commit()
    by_code = {d.template_code: d for d in assignment.duties}
    meet, plan, assist = by_code["meet"], by_code["plan"], by_code["assist"]
    today = local_today().isoformat()
    url = f"/api/v1/baoan/duties/{meet.id}/record"
    body = {"evidence": "约访信访人并形成接访记录", "done_on": today}
    # Unknown fields, missing fields and a future date are refused with field messages.
    unknown = client.post(url, headers=_auth(leader), json={**body, "colour": "red"})
    assert unknown.status_code == 422 and "colour" in unknown.get_json()["errors"]
    missing = client.post(url, headers=_auth(leader), json={"evidence": "x"})
    assert missing.status_code == 422 and "done_on" in missing.get_json()["errors"]
    future = client.post(url, headers=_auth(leader), json={
        **body, "done_on": (local_today() + timedelta(days=1)).isoformat()})
    assert future.status_code == 422 and "done_on" in future.get_json()["errors"]
    assert client.post(url, headers=_auth(read_only), json=body).status_code == 403
    # Another leader: refused by the service when they see the case, 404 when they do not.
    other = client.post(url, headers=_auth(mangshi), json=body)
    assert other.status_code == 409 and "只能记录本人包案的职责" in other.get_json()["detail"]
    hidden_duty = hidden.duties[0]
    assert client.post(f"/api/v1/baoan/duties/{hidden_duty.id}/record", headers=_auth(mangshi),
                       json=body).status_code == 404
    assert client.post(url, headers=_auth(auditor), json=body).status_code == 403
    assert db.session.get(Duty, meet.id).status == "open"
    # The leader records it.
    done = client.post(url, headers=_auth(leader), json=body)
    assert done.status_code == 200, done.get_json()
    out = done.get_json()
    assert out["status"] == "done" and out["colour"] == "done" and out["evidence_on"] == today
    row = db.session.get(Duty, meet.id)
    assert row.status == "done" and row.done_by_id == user_named("leader.prefecture").id
    again = client.post(url, headers=_auth(leader), json=body)
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    # The secretariat records on the leader's behalf, and waives with a reason.
    behalf = client.post(f"/api/v1/baoan/duties/{plan.id}/record", headers=_auth(secretariat),
                         json={"evidence": "领导电话报告已制定化解方案", "done_on": today})
    assert behalf.get_json()["done_by_id"] == user_named("secretariat").id
    waive_url = f"/api/v1/baoan/duties/{assist.id}/waive"
    assert client.post(waive_url, headers=_auth(leader), json={"reason": "x"}).status_code == 403
    blank = client.post(waive_url, headers=_auth(secretariat), json={"reason": " "})
    assert blank.status_code == 422 and "reason" in blank.get_json()["errors"]
    waived = client.post(waive_url, headers=_auth(secretariat), json={"reason": "无需扶助"})
    assert waived.status_code == 200 and waived.get_json()["status"] == "waived"
    assert waived.get_json()["waiver_reason"] == "无需扶助"
    statuses = client.get(f"/api/v1/baoan/assignments/{assignment.id}",
                          headers=_auth(leader)).get_json()["duties"]
    assert {d["id"]: d["status"] for d in statuses}[meet.id] == "done"


# --- meetings ------------------------------------------------------------------------------

def test_a_liaison_answers_a_meeting_and_completes_its_task(app, client):
    sec = user_named("secretariat")
    with app.test_request_context():
        case = registered()  # the 信访局's case: 政法委 does not see it
        meeting = meetings.create(sec, _plan())
        meetings.schedule(sec, meeting)
        zhengfa = _token("liaison.zhengfa")
        zuzhi = _token("liaison.zuzhi")  # 组织部: not invited
        xinfang = _token("liaison.xinfang")  # 信访局 invited, but not this person
        secretariat = _token("secretariat")
        read_only = _token("liaison.zhengfa", read_only=True)
    db.session.commit()
    listed = client.get("/api/v1/meetings?kind=consult&state=scheduled",
                        headers=_auth(zhengfa)).get_json()
    mine = next(m for m in listed["items"] if m["id"] == meeting.id)
    assert mine["my_answer"] == "pending" and mine["title"] == "某村征地补偿会商"
    day = (local_today() + timedelta(days=3)).isoformat()
    later = (local_today() + timedelta(days=4)).isoformat()
    assert meeting.id in [m["id"] for m in client.get(
        f"/api/v1/meetings?from={day}&to={day}", headers=_auth(zhengfa)).get_json()["items"]]
    assert meeting.id not in [m["id"] for m in client.get(
        f"/api/v1/meetings?from={later}", headers=_auth(zhengfa)).get_json()["items"]]
    assert client.get("/api/v1/meetings?colour=red", headers=_auth(zhengfa)).status_code == 422
    # Another agency's liaison: not listed, 404.
    assert meeting.id not in [m["id"] for m in client.get(
        "/api/v1/meetings", headers=_auth(zuzhi)).get_json()["items"]]
    assert client.get(f"/api/v1/meetings/{meeting.id}", headers=_auth(zuzhi)).status_code == 404
    answer_url = f"/api/v1/meetings/{meeting.id}/answer"
    assert client.post(answer_url, headers=_auth(zuzhi),
                       json={"answer": "attend"}).status_code == 404
    not_invited = client.post(answer_url, headers=_auth(xinfang), json={"answer": "attend"})
    assert not_invited.status_code == 409 and "邀请名单" in not_invited.get_json()["detail"]
    # Bad answers.
    unknown = client.post(answer_url, headers=_auth(zhengfa), json={"answer": "attend", "x": 1})
    assert unknown.status_code == 422 and "x" in unknown.get_json()["errors"]
    wrong = client.post(answer_url, headers=_auth(zhengfa), json={"answer": "maybe"})
    assert wrong.status_code == 422 and "answer" in wrong.get_json()["errors"]
    no_delegate = client.post(answer_url, headers=_auth(zhengfa), json={"answer": "delegate"})
    assert no_delegate.status_code == 422 and "delegate_id" in no_delegate.get_json()["errors"]
    assert client.post(answer_url, headers=_auth(read_only),
                       json={"answer": "attend"}).status_code == 403
    answered = client.post(answer_url, headers=_auth(zhengfa), json={"answer": "attend"})
    assert answered.status_code == 200 and answered.get_json()["my_answer"] == "attend"
    invitee = db.session.scalar(select(Invitee).where(
        Invitee.meeting_id == meeting.id, Invitee.user_id == user_named("liaison.zhengfa").id))
    assert invitee.answer == "attend" and invitee.answered_at is not None
    # The meeting gives 政法委 a task about the case.
    with app.test_request_context():
        item = meetings.add_item(sec, meeting, case=case)
        meetings.start(sec, meeting)
        meetings.add_outcome(sec, item, "task", "导入诉讼程序", owner=user_named("liaison.zhengfa"),
                             due_on=local_today() + timedelta(days=10))
    db.session.commit()
    task = meeting.tasks[0]
    detail = client.get(f"/api/v1/meetings/{meeting.id}", headers=_auth(zhengfa)).get_json()
    answers = {i["user_id"]: i["answer"] for i in detail["invitees"]}
    assert answers[user_named("liaison.zhengfa").id] == "attend"
    assert answers[user_named("liaison.jiwei").id] == "pending"
    assert detail["items"][0]["outcomes"][0]["kind"] == "task"
    assert detail["items"][0]["case_id"] is None and detail["tasks"][0]["case_id"] is None
    full = client.get(f"/api/v1/meetings/{meeting.id}", headers=_auth(secretariat)).get_json()
    assert full["items"][0]["case_id"] == case.id and full["tasks"][0]["case_id"] == case.id
    tasks = client.get("/api/v1/meetings/tasks?mine=true", headers=_auth(zhengfa)).get_json()
    assert [t["id"] for t in tasks["items"]] == [task.id]
    assert tasks["items"][0]["due_on"] == task.due_on.isoformat()
    assert client.get("/api/v1/meetings/tasks?mine=true",
                      headers=_auth(zuzhi)).get_json()["items"] == []
    done_url = f"/api/v1/meetings/tasks/{task.id}/done"
    assert client.post(done_url, headers=_auth(zuzhi), json={"result": "x"}).status_code == 404
    assert client.post(done_url, headers=_auth(zhengfa), json={}).status_code == 422
    assert client.post(done_url, headers=_auth(zhengfa),
                       json={"result": "x", "extra": True}).status_code == 422
    done = client.post(done_url, headers=_auth(zhengfa), json={"result": "已引导当事人诉讼"})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == "done" and task.result == "已引导当事人诉讼"
    assert client.post(done_url, headers=_auth(zhengfa),
                       json={"result": "再次"}).status_code == 409
    assert client.get("/api/v1/meetings/tasks", headers=_auth(zhengfa)).get_json()["items"] == []


# --- notifications -------------------------------------------------------------------------

def _unread(username):
    return db.session.scalars(select(Notification).where(
        Notification.user_id == user_named(username).id, Notification.read_at.is_(None))
        .order_by(Notification.id)).all()


def test_the_user_reads_and_marks_only_their_own_notifications(app, client):
    with app.test_request_context():
        notify([user_named("liaison.zuzhi")], "test", "第一条")
        notify([user_named("liaison.zuzhi")], "test", "第二条", "正文", "/inbox")
        notify([user_named("liaison.zuzhi")], "test", "第三条")
        notify([user_named("liaison.jiwei")], "test", "别人的")
        zuzhi = _token("liaison.zuzhi")
        read_only = _token("liaison.zuzhi", read_only=True)
        admin = _token("admin")  # every logged-in user has an inbox
    db.session.commit()
    mine = {n.id for n in _unread("liaison.zuzhi")}
    theirs = _unread("liaison.jiwei")[-1]
    seen, after = [], None
    while True:
        url = "/api/v1/notifications?unread=true&limit=2" + (f"&after={after}" if after else "")
        page = client.get(url, headers=_auth(zuzhi)).get_json()
        seen += [n["id"] for n in page["items"]]
        after = page["next_after"]
        if after is None:
            break
    assert set(seen) == mine and seen == sorted(seen, reverse=True)
    assert page["unread_count"] == len(mine) and theirs.id not in seen
    second = next(n for n in client.get("/api/v1/notifications", headers=_auth(zuzhi))
                  .get_json()["items"] if n["title"] == "第二条")
    assert second["body"] == "正文" and second["link"] == "/inbox" and second["read_at"] is None
    # Mark one read; someone else's is a 404 and stays unread.
    read = client.post(f"/api/v1/notifications/{second['id']}/read", headers=_auth(zuzhi))
    assert read.status_code == 200 and read.get_json()["read_at"] is not None
    assert second["id"] not in [n["id"] for n in client.get(
        "/api/v1/notifications?unread=true", headers=_auth(zuzhi)).get_json()["items"]]
    other = client.post(f"/api/v1/notifications/{theirs.id}/read", headers=_auth(zuzhi))
    assert other.status_code == 404 and db.session.get(Notification, theirs.id).read_at is None
    unknown = client.post(f"/api/v1/notifications/{second['id']}/read", headers=_auth(zuzhi),
                          json={"all": True})
    assert unknown.status_code == 422 and "all" in unknown.get_json()["errors"]
    assert client.get("/api/v1/notifications?seen=1", headers=_auth(zuzhi)).status_code == 422
    assert client.post("/api/v1/notifications/read-all",
                       headers=_auth(read_only)).status_code == 403
    everything = client.post("/api/v1/notifications/read-all", headers=_auth(zuzhi))
    assert everything.get_json() == {"marked": len(mine) - 1, "unread_count": 0}
    assert _unread("liaison.zuzhi") == [] and _unread("liaison.jiwei") != []
    assert client.get("/api/v1/notifications", headers=_auth(admin)).status_code == 200


def test_the_openapi_document_lists_the_new_operations(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/baoan/assignments", "/api/v1/baoan/assignments/{assignment_id}",
            "/api/v1/baoan/duties/{duty_id}/record", "/api/v1/baoan/duties/{duty_id}/waive",
            "/api/v1/meetings", "/api/v1/meetings/{meeting_id}",
            "/api/v1/meetings/{meeting_id}/answer", "/api/v1/meetings/tasks",
            "/api/v1/meetings/tasks/{task_id}/done", "/api/v1/notifications",
            "/api/v1/notifications/{notification_id}/read",
            "/api/v1/notifications/read-all"} <= set(paths)
