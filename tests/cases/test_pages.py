"""Case and board pages over HTTP: intake, steps, reveal, boards, filters, visibility."""

from datetime import timedelta

from sqlalchemy import select

from hub.audit.models import AuditEvent
from hub.cases import intake, lifecycle
from hub.cases.models import Case
from hub.deadlines.services import local_today
from hub.extensions import db
from tests.cases.factories import forwarded, in_hand, intake_data
from tests.conftest import agency_coded, login, user_named


def _form(**over):
    data = {
        "title": "瑞丽市某工地拖欠农民工工资", "content": "十余名工人反映工资被拖欠半年。",
        "channel": "visit", "category": "wages", "headcount": "12", "county": "ruili",
        "township_id": "", "village": "", "registered_on": local_today().isoformat(),
        "petitioners-0-name": "赵某", "petitioners-0-phone": "15912345678",
        "petitioners-0-id_number": "53310219850505123X",
    }
    data.update(over)
    return data


def test_intake_form_registers_a_case(login_as):
    client = login_as("liaison.xinfang")
    assert client.get("/cases/new").status_code == 200
    resp = client.post("/cases/new", data=_form())
    assert resp.status_code == 302
    case = db.session.scalar(select(Case).order_by(Case.id.desc()).limit(1))
    assert case.collective and case.county == "ruili"
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert case.number in page and "集体访" in page
    # Personal data is masked on the page.
    assert "15912345678" not in page and "159****5678" in page
    assert "53310219850505123X" not in page


def test_intake_errors_are_shown_at_the_field(login_as):
    client = login_as("liaison.xinfang")
    future = (local_today() + timedelta(days=2)).isoformat()
    page = client.post("/cases/new", data=_form(registered_on=future)).get_data(as_text=True)
    assert "登记日期不能晚于今天" in page and 'href="#registered_on"' in page
    zero = client.post("/cases/new", data=_form(headcount="0")).get_data(as_text=True)
    assert "人数" in zero
    phone = client.post("/cases/new", data=_form(**{"petitioners-0-phone": "123"}))
    assert "联系电话格式不正确" in phone.get_data(as_text=True)
    assert db.session.scalar(select(Case).where(Case.title == "瑞丽市某工地拖欠农民工工资")) is None


def test_partner_liaison_cannot_open_intake(login_as):
    assert login_as("liaison.jiwei").get("/cases/new").status_code == 403


def test_steps_through_the_case_page(app, login_as):
    with app.test_request_context():
        case = forwarded(lead="dh.jw", assist=())
    db.session.commit()
    client = login_as("liaison.jiwei")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'data-testid="action-accept"' in page
    resp = client.post(f"/cases/{case.id}/act/accept", data={"accept-version": case.version})
    assert resp.status_code == 302
    db.session.refresh(case)
    assert case.status == "accepted"
    # A stale page: the version shown before the change.
    stale = client.post(f"/cases/{case.id}/act/reply", data={
        "reply-version": case.version - 1, "reply-text": "答复"})
    assert stale.status_code == 422 and "已被他人更新" in stale.get_data(as_text=True)
    empty = client.post(f"/cases/{case.id}/act/reply", data={
        "reply-version": case.version, "reply-text": ""})
    assert "书面答复意见" in empty.get_data(as_text=True)
    done = client.post(f"/cases/{case.id}/act/reply", data={
        "reply-version": case.version, "reply-text": "已答复"})
    assert done.status_code == 302
    timeline = client.get(f"/cases/{case.id}").get_data(as_text=True)
    for step in ("登记", "转送/交办", "受理", "答复"):
        assert step in timeline


def test_reveal_is_audited_and_only_for_lead_agency_and_secretariat(app, login_as):
    with app.test_request_context():
        case = forwarded(lead="mangshi.xfj", assist=("dh.jw",))
    db.session.commit()
    pid = case.petitioners[0].id
    jiwei = login_as("liaison.jiwei")
    assert "显示（将记录审计）" not in jiwei.get(f"/cases/{case.id}").get_data(as_text=True)
    assert jiwei.post(f"/cases/{case.id}/petitioners/{pid}/reveal").status_code == 404
    lead = app.test_client()
    login(lead, "leader.mangshi")  # a user of the lead agency
    page = lead.post(f"/cases/{case.id}/petitioners/{pid}/reveal").get_data(as_text=True)
    assert "13812345678" in page and "533101198001011234" in page
    event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
    assert event.action == "cases.personal_data_revealed" and event.actor_name == "leader.mangshi"


def _restricted_elsewhere(app):
    """A restricted 纪委 clue that 政法委 does not take part in."""
    with app.test_request_context():
        case = intake.register(user_named("liaison.xinfang"),
                               intake_data(title="举报某干部违纪线索", restricted=True))
        lifecycle.forward(user_named("liaison.xinfang"), case, agency_coded("dh.jw"))
        other = intake.register(user_named("liaison.xinfang"), intake_data(title="普通事项"))
        lifecycle.forward(user_named("liaison.xinfang"), other, agency_coded("dh.zfw"))
    db.session.commit()
    return case, other


def test_a_liaison_never_sees_a_restricted_case_of_another_agency(app, login_as):
    secret, ordinary = _restricted_elsewhere(app)
    zhengfa = login_as("liaison.zhengfa")
    assert zhengfa.get(f"/cases/{secret.id}").status_code == 404
    for url in ("/boards/all", "/boards/xf_discipline", "/boards/xf_political_legal",
                f"/boards/all?q={secret.number}", "/boards/all?q=举报",
                "/boards/all/columns/assigned?offset=0",
                "/boards/xf_discipline/columns/assigned?offset=0"):
        body = zhengfa.get(url).get_data(as_text=True)
        # (the searched number is echoed in the search box; no card or title may appear)
        assert f'card-{secret.number}"' not in body and "举报某干部" not in body, url
    assert ordinary.number in zhengfa.get("/boards/all").get_data(as_text=True)
    jiwei = app.test_client()
    login(jiwei, "liaison.jiwei")
    assert secret.number in jiwei.get("/boards/xf_discipline").get_data(as_text=True)


def test_board_columns_counts_filters_and_load_more(app, login_as):
    with app.test_request_context():
        cases = [in_hand(lead="dh.jw", assist=()) for _ in range(23)]
        threat = forwarded(lead="dh.jw", assist=(), flags={"threat"}, county="longchuan")
    db.session.commit()
    client = login_as("secretariat")
    page = client.get("/boards/xf_discipline").get_data(as_text=True)
    assert 'data-testid="column-handling"' in page and "加载更多" in page
    first_page = page.count("data-testid=\"card-")
    assert first_page >= 21  # 20 in 办理 + the 扬言件 in 交办
    more = client.get("/boards/xf_discipline/columns/handling?offset=20").get_data(as_text=True)
    assert more.count('data-testid="card-') == 3
    red = client.get("/boards/xf_discipline?colour=red").get_data(as_text=True)
    assert threat.number in red and cases[0].number not in red
    county = client.get("/boards/xf_discipline?county=longchuan").get_data(as_text=True)
    assert threat.number in county and cases[0].number not in county
    flag = client.get("/boards/all?flag=threat").get_data(as_text=True)
    assert threat.number in flag
    by_number = client.get(f"/boards/all?q={cases[5].number}").get_data(as_text=True)
    assert cases[5].number in by_number and cases[6].number not in by_number


def test_moving_a_card(app, login_as):
    with app.test_request_context():
        assigned = forwarded(lead="dh.jw", assist=())
        sorted_case = intake.register(user_named("liaison.xinfang"), intake_data())
    db.session.commit()
    client = login_as("secretariat")
    ok = client.post(f"/boards/xf_discipline/cards/{assigned.id}/move",
                     data={"to": "handling", "version": assigned.version},
                     follow_redirects=True)
    assert "已移到“办理”" in ok.get_data(as_text=True)
    db.session.refresh(assigned)
    assert assigned.stage == "handling"
    refused = client.post(f"/boards/all/cards/{sorted_case.id}/move",
                          data={"to": "assigned", "version": sorted_case.version},
                          follow_redirects=True)
    assert "交办需要选择主办单位" in refused.get_data(as_text=True)
    stale = client.post(f"/boards/all/cards/{assigned.id}/move",
                        data={"to": "supervised", "version": assigned.version - 1},
                        follow_redirects=True)
    assert "已被他人更新" in stale.get_data(as_text=True)


def _count_queries(app, fn):
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine
    seen = []

    def count(*_args, **_kw):
        seen.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_board_queries_do_not_grow_with_the_cards(app, login_as):
    """No N+1: the number of SQL statements for a board page is the same for 3 or 30 cards."""
    client = login_as("secretariat")
    with app.test_request_context():
        for _ in range(3):
            in_hand(lead="dh.jw", assist=())
    db.session.commit()
    client.get("/boards/xf_discipline")
    few = _count_queries(app, lambda: client.get("/boards/xf_discipline"))
    with app.test_request_context():
        for _ in range(27):
            in_hand(lead="dh.jw", assist=("dh.zfw",))
    db.session.commit()
    many = _count_queries(app, lambda: client.get("/boards/xf_discipline"))
    assert few > 0 and many == few, (few, many)


def test_repeat_lookup_fragment_lists_the_petitioners_recent_cases(app, login_as):
    with app.test_request_context():
        earlier = forwarded()
    db.session.commit()
    client = login_as("liaison.xinfang")
    frag = client.get("/cases/repeats?petitioners-0-id_number=533101198001011234").get_data(as_text=True)
    assert earlier.number in frag and f'value="{earlier.id}"' in frag
    none = client.get("/cases/repeats?phone=13900000000").get_data(as_text=True)
    assert "未发现" in none
    resp = client.post("/cases/new", data={
        "title": "再次反映补偿款问题", "content": "同一事项再次来访。", "channel": "visit",
        "category": "land", "headcount": "1", "county": "mangshi", "township_id": "",
        "registered_on": local_today().isoformat(), "petitioners-0-name": "李某",
        "petitioners-0-id_number": "533101198001011234", "link_to": str(earlier.id)})
    assert resp.status_code == 302
    case = db.session.scalar(select(Case).order_by(Case.id.desc()).limit(1))
    assert case.repeat


def test_board_filters_by_participating_agency(app, login_as):
    with app.test_request_context():
        jw = in_hand(lead="dh.jw", assist=())
        zf = in_hand(lead="dh.zfw", assist=())
    db.session.commit()
    client = login_as("secretariat")
    page = client.get(f"/boards/all?agency={agency_coded('dh.zfw').id}").get_data(as_text=True)
    assert f'card-{zf.number}"' in page and f'card-{jw.number}"' not in page


def test_a_liaisons_column_counts_are_their_visible_cases(app, login_as):
    import re

    with app.test_request_context():
        mine = [in_hand(lead="dh.jw", assist=()) for _ in range(3)]
        in_hand(lead="dh.zfw", assist=())  # not 纪委监委's
        secret = intake.register(user_named("liaison.xinfang"),
                                 intake_data(title="另一单位的限制件", restricted=True))
        lifecycle.forward(user_named("liaison.xinfang"), secret, agency_coded("dh.zfw"))
        lifecycle.accept(user_named("secretariat"), secret)
    db.session.commit()
    page = login_as("liaison.jiwei").get("/boards/xf_discipline").get_data(as_text=True)
    handling = re.search(r'id="col-handling">[^<]*<span class="count">(\d+)</span>', page)
    assert handling and int(handling.group(1)) == len(mine)
