"""Each lifecycle step's rule: allowed and refused paths, per role and agency."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from hub.audit.models import AuditEvent
from hub.cases import intake, lifecycle
from hub.cases.intake import PetitionerData
from hub.cases.models import CaseParticipant
from hub.core.errors import ServiceError
from hub.deadlines.models import Deadline
from hub.deadlines.services import local_today
from hub.extensions import db
from hub.notifications.models import Notification
from tests.cases.factories import forwarded, in_hand, intake_data, registered
from tests.conftest import agency_coded, user_named


def _actions(case):
    return list(db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "cases",
                                        AuditEvent.object_id == str(case.id))
        .order_by(AuditEvent.seq)))


def _deadline(case):
    return db.session.get(Deadline, case.current_deadline_id)


def test_register_starts_the_fifteen_day_forwarding_clock(ctx):
    day = local_today() - timedelta(days=3)
    case = registered(registered_on=day)
    d = _deadline(case)
    assert (d.kind, d.start_on, d.days) == ("case.forward", day, 15)
    assert case.number.startswith(f"DH{day.year}") and case.stage == "sort"
    assert case.due_on == d.due_on
    assert _actions(case) == ["cases.registered"]
    # The registering 信访局 participates (drives the procedure).
    assert [p.agency.code for p in case.participants] == ["dh.xfj"]


def test_five_or_more_people_is_a_collective_petition(ctx):
    assert registered(headcount=5).collective
    assert not registered(headcount=4).collective


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"headcount": 0}, "headcount", "人数至少为 1"),
    ({"registered_on": "tomorrow"}, "registered_on", "不能晚于今天"),
    ({"title": " "}, "title", "请填写标题"),
    ({"channel": "fax"}, "channel", "信访渠道"),
    ({"county": "kunming"}, "county", "县（市）"),
    ({"petitioners": [PetitionerData("张某", "12345")]}, "petitioner_phone", "电话"),
    ({"petitioners": [PetitionerData("张某", None, "5331")]}, "petitioner_id_number", "18 位"),
    ({"petitioners": [PetitionerData(" ")]}, "petitioner_name", "姓名"),
])
def test_bad_intake_is_refused_at_the_field_and_nothing_is_saved(ctx, overrides, field, message):
    from hub.cases.models import Case

    if overrides.get("registered_on") == "tomorrow":
        overrides = {"registered_on": local_today() + timedelta(days=1)}
    before = db.session.query(Case).count()
    with pytest.raises(ServiceError) as err:
        registered(**overrides)
    assert err.value.field == field and message in err.value.message
    assert db.session.query(Case).count() == before


def test_only_petition_bureau_staff_register(ctx):
    with pytest.raises(ServiceError, match="只有信访局"):
        intake.register(user_named("liaison.jiwei"), intake_data())


def test_threat_is_red_and_the_secretariat_is_told_at_once(ctx):
    case = registered(flags={"threat"})
    sec = user_named("secretariat")
    note = db.session.scalar(select(Notification).where(Notification.user_id == sec.id))
    assert note is not None and case.number in note.title and note.kind == "case.threat"
    from hub.boards.views import card_view

    assert card_view(case, local_today(), {})["colour"] == "red"


def test_forward_sets_lead_and_assist_and_starts_acceptance_clock(ctx):
    case = forwarded(lead="mangshi.xfj", assist=("dh.jw",))
    roles = {p.agency.code: p.role for p in case.participants}
    assert roles == {"dh.xfj": "supervise", "mangshi.xfj": "lead", "dh.jw": "assist"}
    assert _deadline(case).kind == "case.accept" and case.stage == "assigned"
    boards = {p.mechanism for p in case.participants if p.mechanism}
    assert boards == {"xf_discipline"}


def test_forward_rules(ctx):
    case = registered()
    with pytest.raises(ServiceError, match="只有登记的信访局"):
        lifecycle.forward(user_named("liaison.jiwei"), case, agency_coded("dh.jw"))
    lifecycle.forward(user_named("secretariat"), case, agency_coded("ruili.xfj"))
    with pytest.raises(ServiceError, match="不能转送或交办"):
        lifecycle.forward(user_named("secretariat"), case, agency_coded("ruili.xfj"))


def test_accept_only_by_the_lead_agency_or_secretariat(ctx):
    case = forwarded(lead="dh.jw", assist=())
    with pytest.raises(ServiceError, match="只有主办单位"):
        lifecycle.accept(user_named("liaison.zhengfa"), case)
    lifecycle.accept(user_named("liaison.jiwei"), case)
    d = _deadline(case)
    assert (d.kind, d.days, d.start_on) == ("case.handle", 60, local_today())
    assert case.stage == "handling"


def test_refusal_needs_a_reason_and_closes(ctx):
    case = forwarded()
    with pytest.raises(ServiceError, match="须说明理由") as err:
        lifecycle.refuse(user_named("secretariat"), case, "  ")
    assert err.value.field == "reason"
    lifecycle.refuse(user_named("secretariat"), case, "不属于信访事项，已告知通过诉讼解决")
    assert case.status == "not_accepted" and case.stage == "closed" and case.due_on is None


def test_extension_once_and_at_most_thirty_days(ctx):
    case = in_hand()
    sec = user_named("secretariat")
    due = case.due_on
    with pytest.raises(ServiceError, match="1 到 30"):
        lifecycle.extend(sec, case, 31, "复杂", "局长")
    lifecycle.extend(sec, case, 30, "需实地调查", "王局长")
    assert case.due_on >= due + timedelta(days=30) and case.extended
    with pytest.raises(ServiceError, match="只能延期一次"):
        lifecycle.extend(sec, case, 5, "再延", "王局长")


def test_reply_needs_the_written_opinion_and_opens_the_review_window(ctx):
    case = in_hand()
    sec = user_named("secretariat")
    with pytest.raises(ServiceError, match="书面答复意见"):
        lifecycle.reply(sec, case, "")
    lifecycle.reply(sec, case, "经核查，补偿款已于本月足额发放。", public=True)
    assert case.stage == "resolved" and _deadline(case).kind == "case.review_request"
    with pytest.raises(ServiceError, match="满意"):
        lifecycle.rate(sec, case, "great")
    lifecycle.rate(sec, case, "basically")
    assert case.rating == "basically"


def test_review_and_recheck_windows_hearing_and_finality(ctx):
    case = in_hand()
    sec = user_named("secretariat")
    lifecycle.reply(sec, case, "答复意见")
    window = _deadline(case)
    with pytest.raises(ServiceError, match="已超过 30 日"):
        # Simulate a request after the window (the window's end moved into the past).
        window.due_on = local_today() - timedelta(days=1)
        lifecycle.request_review(sec, case, local_today())
    window.due_on = local_today() + timedelta(days=29)
    lifecycle.request_review(sec, case, local_today())
    assert case.status == "review" and _deadline(case).kind == "case.review"
    lifecycle.review_opinion(sec, case, "维持原答复意见")
    lifecycle.request_recheck(sec, case, local_today())
    recheck = _deadline(case)
    assert recheck.kind == "case.recheck"
    lifecycle.hearing(sec, case, True, local_today(), "组织听证")
    assert case.paused
    with pytest.raises(ServiceError, match="听证尚未结束"):
        lifecycle.recheck_opinion(sec, case, "复核意见")
    lifecycle.hearing(sec, case, False, local_today())
    lifecycle.recheck_opinion(sec, case, "复核维持")
    assert case.status == "rechecked"
    # After 复核 the same matter is refused, with the reason.
    with pytest.raises(ServiceError, match="第三十六条"):
        registered(link_to=[case.id])
    lifecycle.close(sec, case)
    assert case.stage == "closed"
    assert _actions(case)[-1] == "cases.closed"


def test_a_stale_page_is_refused(ctx):
    case = forwarded()
    seen = case.version
    lifecycle.accept(user_named("secretariat"), case, version=seen)
    with pytest.raises(ServiceError, match="已被他人更新"):
        lifecycle.supervise(user_named("secretariat"), case, True, version=seen)


def test_only_the_secretariat_supervises_and_closes(ctx):
    case = in_hand(lead="dh.jw", assist=())
    with pytest.raises(ServiceError, match="只有联席办"):
        lifecycle.supervise(user_named("liaison.jiwei"), case, True)
    lifecycle.supervise(user_named("secretariat"), case, True)
    assert case.stage == "supervised"
    lifecycle.reply(user_named("liaison.jiwei"), case, "答复")
    with pytest.raises(ServiceError, match="只有联席办可以销号"):
        lifecycle.close(user_named("liaison.jiwei"), case)


def test_repeat_petitions_are_found_and_linked(ctx):
    first = registered()
    found = intake.find_repeats(user_named("liaison.xinfang"), id_number="533101198001011234",
                                phone=None)
    assert [c.id for c in found] == [first.id]
    by_phone = intake.find_repeats(user_named("liaison.xinfang"), id_number=None,
                                   phone="13812345678")
    assert first in by_phone
    # A partner agency that does not participate finds nothing.
    assert intake.find_repeats(user_named("liaison.zhengfa"), id_number="533101198001011234",
                               phone=None) == []
    second = registered(link_to=[first.id])
    assert second.repeat


def test_board_index_rows_follow_the_case(ctx):
    case = in_hand(lead="dh.jw", assist=("dh.zfw",))
    rows = db.session.scalars(select(CaseParticipant).where(CaseParticipant.case_id == case.id))
    assert {(r.stage, r.rank) for r in rows} == {("handling", case.rank)}
    # 扬言件 first, then the earliest due date; closed cards most recently closed first.
    from hub.cases.steps import board_rank

    assert case.rank == board_rank("handling", False, case.due_on, None)
    assert board_rank("handling", True, case.due_on, None) < case.rank
    assert board_rank("handling", False, case.due_on - timedelta(days=1), None) < case.rank
