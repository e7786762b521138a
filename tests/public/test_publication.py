"""Publishing replies: who may, when, the check for personal data left in, withdrawal, and
the 公开 count kept in the indicator tallies."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from hub.audit.models import AuditEvent
from hub.cases import lifecycle
from hub.cases.intake import PetitionerData
from hub.core.errors import ServiceError
from hub.extensions import db
from hub.indicators import queries
from hub.indicators.queries import Period
from hub.public import publication, services
from hub.public.models import CasePublication
from tests.cases.factories import in_hand
from tests.conftest import user_named
from tests.indicators.test_tallies import assert_same

YEAR = date.today().year - 4  # a period no demo case falls in
MAY = Period(date(YEAR, 5, 1), date(YEAR, 5, 31))


def _replied(**overrides):
    overrides.setdefault("petitioners", [PetitionerData("杨建民", "13912345678",
                                                         "533102199001011237")])
    overrides.setdefault("content", "杨建民反映其住芒市某路6号1栋201室的房屋漏水，电话13912345678。")
    case = in_hand(assist=("dh.jw",), **overrides)
    lifecycle.reply(user_named("secretariat"), case, "杨建民：经核查，已安排维修。", public=True)
    return case


def _publish(case, user="secretariat", **texts):
    draft = publication.draft(case)
    return publication.publish(user_named(user), case, texts.get("title", draft.title),
                               texts.get("content", draft.content),
                               texts.get("reply", draft.reply))


def test_the_draft_removes_the_petitioners_data(ctx):
    case = _replied()
    draft = publication.draft(case)
    assert draft.content == "杨某反映其住芒市某路〔门牌号已隐去〕的房屋漏水，电话〔电话已隐去〕。"
    assert draft.reply == "杨某：经核查，已安排维修。"
    assert {f.kind for f in draft.findings} == {"name", "address", "phone"}


def test_personal_data_left_in_is_refused(ctx):
    case = _replied()
    with pytest.raises(ServiceError) as refused:
        _publish(case, reply="杨建民：经核查，已安排维修。")
    assert refused.value.field == "reply" and "姓名 1 处" in refused.value.message
    with pytest.raises(ServiceError) as refused:
        _publish(case, content="请回电 0692-2123456")
    assert refused.value.field == "content" and "电话" in refused.value.message
    with pytest.raises(ServiceError):
        _publish(case, title="")
    assert db.session.get(CasePublication, case.id) is None


def test_only_the_handling_agency_or_secretariat_publishes(ctx):
    case = _replied()
    with pytest.raises(ServiceError, match="只有主办单位或联席办"):
        _publish(case, user="liaison.jiwei")  # 协办, not the handling agency
    _publish(case, user="secretariat")
    assert publication.published_case(case.id) is not None


def test_what_cannot_be_published(ctx):
    open_case = in_hand(assist=())
    assert publication.refusal(open_case) == "答复后才能公开"
    restricted = _replied(restricted=True)
    assert "限制查看" in publication.refusal(restricted)
    with pytest.raises(ServiceError):
        _publish(restricted)


def test_the_petitioner_may_say_no(ctx):
    receipt = services.submit(services.Submission(
        title="某事项", content="不愿公开的信访内容", category="other", county="mangshi",
        name="赵六", phone="13800002222", consent=True, allow_publication=False), "192.0.2.50")
    case = receipt.submission.case
    secretariat = user_named("secretariat")
    lifecycle.forward(secretariat, case, case.registering_agency)
    lifecycle.accept(secretariat, case)
    lifecycle.reply(secretariat, case, "已处理。", public=True)
    assert publication.refusal(case) == "信访人提交时不同意公开，不能公开"


def test_withdraw_and_publish_again(ctx):
    case = _replied()
    _publish(case)
    publication.withdraw(user_named("secretariat"), case)
    assert publication.published_case(case.id) is None
    with pytest.raises(ServiceError, match="该事项未公开"):
        publication.withdraw(user_named("secretariat"), case)
    _publish(case, title="房屋漏水问题的答复")
    assert publication.published_case(case.id).title == "房屋漏水问题的答复"
    actions = list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "cases", AuditEvent.object_id == str(case.id),
        AuditEvent.action.like("cases.%published"))))
    assert actions == ["cases.published", "cases.unpublished", "cases.published"]


def test_the_published_count_is_kept_in_the_tallies(ctx):
    users = [None, user_named("secretariat"), user_named("liaison.jiwei"),
             user_named("leader.mangshi")]
    first = _replied(registered_on=date(YEAR, 5, 3))
    second = _replied(registered_on=date(YEAR, 5, 4))
    assert_same(users, MAY)
    _publish(first)
    assert_same(users, MAY)
    counts = queries.case_counts(user_named("secretariat"), MAY)["all"]
    assert (counts["published"], counts["replied"]) == (1, 2)
    assert queries.rates(counts)["disclosure_rate"] == 0.5
    _publish(second)
    publication.withdraw(user_named("secretariat"), first)
    assert_same(users, MAY)
    assert queries.case_counts(user_named("liaison.jiwei"), MAY)["all"]["published"] == 1


def test_staff_pages(app, login_as):
    with app.test_request_context():
        case = _replied()
        unreplied = in_hand(assist=("dh.jw",))
    db.session.commit()
    jiwei = login_as("liaison.jiwei")
    response = jiwei.get(f"/cases/{case.id}/publication")  # may see, may not publish
    assert response.status_code == 302
    assert "只有主办单位或联席办可以确认公开" in jiwei.get(response.headers["Location"]).get_data(
        as_text=True)
    staff = app.test_client()
    from tests.conftest import login

    login(staff, "secretariat")
    assert staff.get(f"/cases/{unreplied.id}/publication").status_code == 302
    refused = staff.post(f"/cases/{case.id}/publication",
                         data={"title": "房屋漏水", "content": "杨建民反映漏水", "reply": "已维修"})
    assert refused.status_code == 422
    assert "仍含有个人信息" in refused.get_data(as_text=True)
    page = staff.get(f"/cases/{case.id}")
    assert "预览去除个人信息后的公开内容" in page.get_data(as_text=True)
    assert staff.post(f"/cases/{case.id}/publication", data={
        "title": "房屋漏水", "content": "杨某反映漏水", "reply": "已维修"}).status_code == 302
    shown = staff.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "已公开" in shown and "撤回公开" in shown
    assert staff.post(f"/cases/{case.id}/publication/withdraw").status_code == 302
    assert app.test_client().get(f"/public/cases/{case.id}").status_code == 404


def test_rating_once_only(ctx):
    receipt = services.submit(services.Submission(
        title="某事项", content="需要评价的信访内容", category="other", county="mangshi",
        name="钱七", phone="13800003333", consent=True), "192.0.2.51")
    case = receipt.submission.case
    secretariat = user_named("secretariat")
    lifecycle.forward(secretariat, case, case.registering_agency)
    lifecycle.accept(secretariat, case)
    lifecycle.reply(secretariat, case, "已处理。")
    services.rate(receipt.submission, "basically")
    with pytest.raises(ServiceError, match="不能重复评价"):
        services.rate(receipt.submission, "satisfied")
    assert case.rating == "basically"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "cases.rated")
                              .order_by(AuditEvent.seq.desc()).limit(1))
    assert event.actor_id is None and event.actor_name == "信访人（网上提交）"
