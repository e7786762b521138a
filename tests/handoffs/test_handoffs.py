"""Handoffs through the services and the pages: every plug-in's kinds end to end, objection,
send-back, bad input, the inbox tabs, visibility and the chase of their clocks."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from hub.cases.models import Case
from hub.chase import sweep
from hub.chase.models import InspectionNotice
from hub.core.errors import ServiceError
from hub.deadlines.services import local_today
from hub.extensions import db
from hub.handoffs import services
from hub.handoffs.models import Handoff, State
from hub.notifications.models import Notification
from tests.cases.factories import forwarded, registered
from tests.conftest import agency_coded, user_named

# kind, receiving agency, its liaison, extra fields, an outcome of the kind
KINDS = [
    ("discipline.clue", "dh.jw", "liaison.jiwei",
     {"subject_name": "某镇干部", "allegation": "截留征地补偿款"}, "verify"),
    ("inspection.issues", "dh.xc", "liaison.xuncha", "ROUND", "rectify"),
    ("organization.cadre", "dh.zzb", "liaison.zuzhi", {"cadre_name": "某局科长"}, "talk"),
    ("political_legal.route", "dh.zfw", "liaison.zhengfa", {}, "litigation"),
    ("petition.assign", "dh.zrzyj", "liaison.ziranziyuan", {}, "resolved"),
    ("petition.transfer", "dh.zrzyj", "liaison.ziranziyuan", {}, "transferred"),
    ("petition.assist", "dh.zrzyj", "liaison.ziranziyuan", {}, "explained"),
]


def _round():
    from hub.inspection.services import open_round

    return open_round(user_named("liaison.xuncha"), "芒市自然资源局", "州委第一巡察组",
                      local_today() - timedelta(days=10), local_today() + timedelta(days=50))


def _send(kind="discipline.clue", to="dh.jw", cases=None, details=None, sender="liaison.xinfang"):
    cases = cases or [registered()]
    if details is None:
        details = next(k[3] for k in KINDS if k[0] == kind)
    if details == "ROUND":
        details = {"round_id": str(_round().id)}
    return services.send(user_named(sender), kind, agency_coded(to), [c.id for c in cases],
                         "请依规处理并按期反馈", details)


def _inbox(user) -> list[str]:
    return db.session.scalars(select(Notification.kind).where(Notification.user_id == user.id)).all()


@pytest.mark.parametrize(("kind", "to", "liaison", "details", "outcome"), KINDS,
                         ids=[k[0] for k in KINDS])
def test_each_kind_send_sign_feedback_confirm(ctx, kind, to, liaison, details, outcome):
    case = registered()
    receiver = user_named(liaison)
    handoff = _send(kind, to, [case], details)
    assert handoff.state == State.SENT.value and case.stage == "assigned"  # card → 交办
    assert "handoff.sent" in _inbox(receiver)
    assert handoff.sign_deadline.unit == "working" and handoff.feedback_deadline.unit == "calendar"
    # The receiving agency now takes part, so its liaison sees the case.
    assert db.session.scalar(services.visible(receiver, Case).where(Case.id == case.id))
    # An objection, overruled: the sign-for clock starts again.
    services.object_(receiver, handoff, "认为不属本单位职责")
    services.rule_objection(user_named("liaison.xinfang"), handoff, False, "属于贵单位职责")
    assert handoff.state == State.SENT.value
    services.sign(receiver, handoff)
    assert handoff.state == State.IN_HAND.value and case.stage == "handling"  # card → 办理
    assert handoff.sign_deadline.done_at is not None
    services.add_note(receiver, handoff, "已约谈相关人员")
    services.submit_feedback(receiver, handoff, "已处理", {case.id: outcome})
    services.send_back(user_named("liaison.xinfang"), handoff, "请补充处理依据")
    assert handoff.state == State.IN_HAND.value and "handoff.sent_back" in _inbox(receiver)
    services.submit_feedback(receiver, handoff, "已核实，情况属实，已处理", {case.id: outcome})
    assert handoff.state == State.FEEDBACK.value and handoff.items[0].outcome == outcome
    assert "handoff.feedback" in _inbox(user_named("liaison.xinfang"))
    services.confirm(user_named("liaison.xinfang"), handoff)
    assert handoff.state == State.CONFIRMED.value and case.stage == "resolved"  # card → 化解
    from hub.audit.models import AuditEvent

    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "handoffs", AuditEvent.object_id == str(handoff.id))
        .order_by(AuditEvent.seq)).all()
    assert actions == ["handoffs.sent", "handoffs.objected", "handoffs.objection_overruled",
                       "handoffs.signed", "handoffs.progress", "handoffs.feedback",
                       "handoffs.sent_back", "handoffs.feedback", "handoffs.confirmed"]


def test_a_clue_makes_the_case_restricted(ctx):
    case = registered()
    handoff = _send("discipline.clue", "dh.jw", [case])
    assert handoff.restricted and case.restricted


def test_send_back_puts_it_in_hand_again_on_a_new_clock(ctx):
    case = registered()
    receiver = user_named("liaison.zuzhi")
    handoff = _send("organization.cadre", "dh.zzb", [case])
    services.sign(receiver, handoff)
    services.submit_feedback(receiver, handoff, "已谈话", {case.id: "talk"})
    first_clock = handoff.feedback_deadline_id
    with pytest.raises(ServiceError, match="退回重办的理由"):
        services.send_back(user_named("liaison.xinfang"), handoff, "  ")
    services.send_back(user_named("liaison.xinfang"), handoff, "反馈过于简单，请补充谈话记录")
    assert handoff.state == State.IN_HAND.value and handoff.sent_back_count == 1
    assert handoff.feedback_deadline_id != first_clock
    assert handoff.feedback_deadline.done_at is None
    assert handoff.items[0].outcome is None
    assert "handoff.sent_back" in _inbox(receiver)


def test_objection_upheld_returns_the_case_to_the_sender(ctx):
    case = registered()
    handoff = _send("political_legal.route", "dh.zfw", [case])
    zhengfa = user_named("liaison.zhengfa")
    with pytest.raises(ServiceError, match="异议理由"):
        services.object_(zhengfa, handoff, "")
    services.object_(zhengfa, handoff, "不属于涉法涉诉事项")
    assert handoff.state == State.OBJECTED.value and handoff.feedback_deadline.paused
    services.rule_objection(user_named("liaison.xinfang"), handoff, True, "同意，另行分办")
    assert handoff.state == State.RETURNED.value
    assert case.stage == "sort"
    assert all(p.agency_id != zhengfa.agency_id for p in case.participants)
    assert db.session.scalar(services.visible(zhengfa, Case).where(Case.id == case.id)) is None


def test_objection_overruled_restarts_the_sign_for_clock(ctx):
    case = registered()
    handoff = _send("organization.cadre", "dh.zzb", [case])
    first = handoff.sign_deadline_id
    services.object_(user_named("liaison.zuzhi"), handoff, "非干部问题")
    services.rule_objection(user_named("secretariat"), handoff, False, "反映的是干部作风问题")
    assert handoff.state == State.SENT.value
    assert handoff.sign_deadline_id != first and handoff.sign_deadline.done_at is None
    assert not handoff.feedback_deadline.paused
    services.sign(user_named("liaison.zuzhi"), handoff)
    assert handoff.state == State.IN_HAND.value


def test_an_objection_after_five_working_days_is_refused(ctx):
    handoff = _send("organization.cadre", "dh.zzb")
    handoff.sent_at = handoff.sent_at - timedelta(days=12)  # at least 5 working days ago
    db.session.flush()
    with pytest.raises(ServiceError, match="5 个工作日内"):
        services.object_(user_named("liaison.zuzhi"), handoff, "不属本单位职责")
    assert handoff.state == State.SENT.value


def test_feedback_needs_an_outcome_from_the_vocabulary(ctx):
    case = registered()
    jiwei = user_named("liaison.jiwei")
    handoff = _send("discipline.clue", "dh.jw", [case])
    services.sign(jiwei, handoff)
    with pytest.raises(ServiceError, match="选择办理结果"):
        services.submit_feedback(jiwei, handoff, "已处理", {})
    with pytest.raises(ServiceError, match="不是“问题线索移送”的办理结果"):
        services.submit_feedback(jiwei, handoff, "已处理", {case.id: "litigation"})
    with pytest.raises(ServiceError, match="反馈意见"):
        services.submit_feedback(jiwei, handoff, "", {case.id: "verify"})
    assert handoff.state == State.IN_HAND.value and handoff.items[0].outcome is None


def test_bad_sends_are_refused_with_a_clear_message(ctx):
    xinfang = user_named("liaison.xinfang")
    case = registered()
    with pytest.raises(ServiceError, match="被反映人"):
        _send("discipline.clue", "dh.jw", [case], details={"allegation": "x"})
    with pytest.raises(ServiceError, match="不能接收"):
        _send("discipline.clue", "dh.zzb", [case])
    with pytest.raises(ServiceError, match="一次只能交办一件"):
        _send("organization.cadre", "dh.zzb", [case, registered()])
    # A batch with a case the sender cannot see: refused without saying which.
    hidden = forwarded(lead="mangshi.xfj", assist=())
    zhengfa_only = registered()
    _send("political_legal.route", "dh.zfw", [zhengfa_only])
    with pytest.raises(ServiceError, match="不存在或无权查看"):
        services.send(user_named("liaison.zhengfa"), "inspection.issues", agency_coded("dh.xc"),
                      [zhengfa_only.id, hidden.id], "", {"unit": "某单位", "team": "第一组"})
    with pytest.raises(ServiceError, match="不能交办给本单位"):
        services.send(user_named("liaison.jiwei"), "discipline.clue", agency_coded("dh.jw"),
                      [case.id], "", KINDS[0][3])
    _send("organization.cadre", "dh.zzb", [case])
    with pytest.raises(ServiceError, match="已有未办结的同类交办"):
        _send("organization.cadre", "dh.zzb", [case])
    assert xinfang is not None


def test_a_batch_goes_to_the_inspection_team_with_feedback_per_case(ctx):
    cases = [registered(), registered(), registered()]
    xuncha = user_named("liaison.xuncha")
    handoff = _send("inspection.issues", "dh.xc", cases)
    assert len(handoff.items) == 3 and handoff.details["round_id"] > 0
    services.sign(xuncha, handoff)
    outcomes = {cases[0].id: "finding", cases[1].id: "rectify"}
    with pytest.raises(ServiceError, match=cases[2].number):
        services.submit_feedback(xuncha, handoff, "已纳入巡察反馈", outcomes)
    outcomes[cases[2].id] = "unfounded"
    services.submit_feedback(xuncha, handoff, "已纳入巡察反馈", outcomes)
    assert {i.case_id: i.outcome for i in handoff.items} == outcomes


def test_only_the_right_side_may_act(ctx):
    handoff = _send("organization.cadre", "dh.zzb")
    with pytest.raises(ServiceError, match="接收单位的联络员"):
        services.sign(user_named("liaison.jiwei"), handoff)
    with pytest.raises(ServiceError, match="接收单位的联络员"):
        services.sign(user_named("secretariat"), handoff)
    services.sign(user_named("liaison.zuzhi"), handoff)
    services.submit_feedback(user_named("liaison.zuzhi"), handoff, "已谈话",
                             {handoff.items[0].case_id: "talk"})
    with pytest.raises(ServiceError, match="交办单位的联络员或联席办"):
        services.confirm(user_named("liaison.zuzhi"), handoff)


def test_a_stale_page_is_refused(ctx):
    handoff = _send("organization.cadre", "dh.zzb")
    version = handoff.version
    services.object_(user_named("liaison.zuzhi"), handoff, "非本单位职责")
    services.rule_objection(user_named("secretariat"), handoff, False, "属于组织部职责")
    with pytest.raises(ServiceError, match="已被他人更新"):
        services.sign(user_named("liaison.zuzhi"), handoff, version)


# --- pages -------------------------------------------------------------------------------

def test_inbox_tabs_and_the_steps_through_the_pages(app, login_as):
    from tests.conftest import login

    with app.test_request_context():
        case = registered()
        handoff = _send("discipline.clue", "dh.jw", [case])
        late = _send("organization.cadre", "dh.zzb")
        late.sign_deadline.due_on = local_today() - timedelta(days=2)
    db.session.commit()
    jiwei = login_as("liaison.jiwei")
    page = jiwei.get("/handoffs?tab=sign").get_data(as_text=True)
    assert f'data-testid="handoff-{handoff.id}"' in page and "问题线索移送" in page
    assert f'data-testid="sign-{handoff.id}"' in page  # signed for from the inbox itself
    resp = jiwei.post(f"/handoffs/{handoff.id}/sign", data={"version": handoff.version},
                      follow_redirects=True)
    assert "已签收" in resp.get_data(as_text=True)
    feedback_tab = jiwei.get("/handoffs?tab=feedback").get_data(as_text=True)
    assert f'data-testid="handoff-{handoff.id}"' in feedback_tab
    bad = jiwei.post(f"/handoffs/{handoff.id}/feedback",
                     data={"feedback": "已初步核实", f"outcome-{case.id}": "nonsense"},
                     follow_redirects=True).get_data(as_text=True)
    assert "不是“问题线索移送”的办理结果" in bad
    jiwei.post(f"/handoffs/{handoff.id}/feedback",
               data={"feedback": "已初步核实", f"outcome-{case.id}": "verify"})
    db.session.refresh(handoff)
    assert handoff.state == State.FEEDBACK.value
    sender = app.test_client()
    login(sender, "liaison.xinfang")
    sent = sender.get("/handoffs?tab=sent").get_data(as_text=True)
    assert f'data-testid="handoff-{handoff.id}"' in sent and "已反馈待确认" in sent
    sender.post(f"/handoffs/{handoff.id}/send-back", data={"reason": "请补充核实材料"})
    db.session.refresh(handoff)
    assert handoff.state == State.IN_HAND.value
    assert f'data-testid="handoff-{handoff.id}"' in jiwei.get("/handoffs?tab=returned").get_data(
        as_text=True)
    zuzhi = app.test_client()
    login(zuzhi, "liaison.zuzhi")
    overdue = zuzhi.get("/handoffs?tab=overdue").get_data(as_text=True)
    assert f'data-testid="handoff-{late.id}"' in overdue and "已逾期 2 天" in overdue


def test_sending_from_the_page_with_bad_input(app, login_as):
    with app.test_request_context():
        case = registered()
    db.session.commit()
    client = login_as("liaison.xinfang")
    form = client.get(f"/handoffs/new?case={case.id}&kind=discipline.clue").get_data(as_text=True)
    assert case.number in form and "被反映人" in form
    resp = client.post("/handoffs/new", data={
        "kind": "discipline.clue", "to_agency_id": agency_coded("dh.jw").id,
        "cases": f"{case.number}\nXF-NOPE-1", "field-subject_name": "某干部",
        "field-allegation": "问题"})
    assert resp.status_code == 422 and "XF-NOPE-1" in resp.get_data(as_text=True)
    resp = client.post("/handoffs/new", data={
        "kind": "discipline.clue", "to_agency_id": agency_coded("dh.jw").id,
        "cases": case.number, "field-subject_name": "", "field-allegation": "问题"})
    assert resp.status_code == 422 and "被反映人" in resp.get_data(as_text=True)
    resp = client.post("/handoffs/new", data={
        "kind": "discipline.clue", "to_agency_id": agency_coded("dh.jw").id,
        "cases": case.number, "field-subject_name": "某干部", "field-allegation": "问题"})
    assert resp.status_code == 302
    handoff = db.session.scalar(select(Handoff).order_by(Handoff.id.desc()))
    assert handoff.items[0].case_id == case.id and handoff.details["subject_name"] == "某干部"
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f"/handoffs/{handoff.id}" in page


def test_a_handoff_is_404_outside_its_two_agencies(app, login_as):
    from tests.conftest import login

    with app.test_request_context():
        clue = _send("discipline.clue", "dh.jw")
        cadre = _send("organization.cadre", "dh.zzb")
        # A clue between two agencies that are not the auditor's: 政法委 → 纪委监委.
        case = registered()
        _send("political_legal.route", "dh.zfw", [case])
        between = _send("discipline.clue", "dh.jw", [case], sender="liaison.zhengfa")
    db.session.commit()
    zhengfa = login_as("liaison.zhengfa")
    assert zhengfa.get(f"/handoffs/{clue.id}").status_code == 404
    assert zhengfa.post(f"/handoffs/{clue.id}/sign").status_code == 404
    assert f"handoff-{clue.id}" not in zhengfa.get("/handoffs?tab=sent").get_data(as_text=True)
    auditor = app.test_client()
    login(auditor, "auditor")
    # The auditor sees every ordinary handoff, but a restricted clue only between its own
    # agency and another.
    assert auditor.get(f"/handoffs/{cadre.id}").status_code == 200
    assert auditor.get(f"/handoffs/{between.id}").status_code == 404
    assert zhengfa.get(f"/handoffs/{between.id}").status_code == 200


# --- chasing -----------------------------------------------------------------------------

def test_the_sign_for_clock_is_chased_up_to_a_notice(app, login_as):
    with app.test_request_context():
        handoff = _send("organization.cadre", "dh.zzb")
        due = handoff.sign_deadline.due_on
        zuzhi = user_named("liaison.zuzhi")
        assert sweep.run(today=due)["remind_due"] >= 1
        note = db.session.scalar(select(Notification).where(
            Notification.user_id == zuzhi.id, Notification.kind == "handoff.remind"))
        assert f"#{handoff.id}" in note.title and "签收" in note.title
        assert sweep.run(today=due + timedelta(days=1))["yellow"] >= 1
        assert not sweep.run(today=due + timedelta(days=1))  # once
        assert sweep.run(today=due + timedelta(days=5))["inspect"] >= 1
        notice = db.session.scalar(select(InspectionNotice).where(
            InspectionNotice.item_type == sweep.HANDOFF_ITEM))
        assert notice.agency_id == zuzhi.agency_id and notice.leader_id is None
    db.session.commit()
    client = login_as("liaison.zuzhi")
    assert f'data-testid="notice-{notice.id}"' in client.get("/handoffs").get_data(as_text=True)
    client.post(f"/handoffs/notices/{notice.id}/answer", data={"response": "已安排专人签收"})
    db.session.refresh(notice)
    assert notice.response == "已安排专人签收"


def test_a_signed_handoff_is_no_longer_chased_for_signing(ctx):
    handoff = _send("organization.cadre", "dh.zzb")
    due = handoff.sign_deadline.due_on
    services.sign(user_named("liaison.zuzhi"), handoff)
    assert not sweep.run(today=due + timedelta(days=1)).get("yellow")


def test_the_board_card_shows_the_open_handoff_and_its_colour(app, login_as):
    with app.test_request_context():
        case = registered()
        handoff = _send("organization.cadre", "dh.zzb", [case])
        handoff.sign_deadline.due_on = local_today() - timedelta(days=1)
    db.session.commit()
    page = login_as("secretariat").get("/boards/all").get_data(as_text=True)
    card = page[page.index(f'data-testid="card-{case.number}"'):]
    card = card[:card.index("</li>")]
    assert 'data-testid="card-handoff"' in card
    assert "干部问题线索移交 → 中共德宏州委组织部 · 待签收" in card
    assert "colour-red" in card[card.index("card-handoff") - 40:]


def test_admins_change_a_kinds_default_clocks(app, login_as):
    admin = login_as("admin")
    bad = admin.post("/admin/handoff-kinds/organization.cadre",
                     data={"sign_days": "x", "feedback_days": "20"}, follow_redirects=True)
    assert "请填写整数天数" in bad.get_data(as_text=True)
    bad = admin.post("/admin/handoff-kinds/organization.cadre",
                     data={"sign_days": "0", "feedback_days": "20"}, follow_redirects=True)
    assert "签收期限应为 1 至 30 个工作日" in bad.get_data(as_text=True)
    admin.post("/admin/handoff-kinds/organization.cadre", data={"sign_days": "5",
                                                               "feedback_days": "20"})
    assert admin.post("/admin/handoff-kinds/nonsense", data={}).status_code == 404
    with app.test_request_context():
        handoff = _send("organization.cadre", "dh.zzb")
        assert (handoff.sign_deadline.days, handoff.feedback_deadline.days) == (5, 20)


def test_feedback_documents_on_a_handoff_stay_between_its_agencies(app, login_as):
    import io

    from tests.conftest import login

    with app.test_request_context():
        handoff = _send("organization.cadre", "dh.zzb")
    db.session.commit()
    zuzhi = login_as("liaison.zuzhi")
    resp = zuzhi.post(f"/handoffs/{handoff.id}/attachments", data={
        "file": (io.BytesIO(b"%PDF-1.4\n1 0 obj\n%%EOF\n"), "谈话记录.pdf")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "谈话记录.pdf" in resp.get_data(as_text=True)
    from hub.attachments.models import Attachment

    stored = db.session.scalar(select(Attachment).where(Attachment.object_type == "handoffs"))
    download = zuzhi.get(f"/attachments/{stored.id}")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    download.close()
    other = app.test_client()
    login(other, "liaison.zhengfa")
    assert other.get(f"/attachments/{stored.id}").status_code == 404
    assert other.post(f"/handoffs/{handoff.id}/attachments", data={}).status_code == 404
