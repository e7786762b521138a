"""The route × role matrix, 404 for invisible objects, CSRF and security headers."""

import pytest
from sqlalchemy import func, select

from hub.audit.models import AuditEvent
from hub.auth.access import rule_for
from hub.auth.capabilities import ROLE_CAPABILITIES, Capability
from hub.auth.roles import Role
from hub.extensions import db
from tests.conftest import agency_coded, login, user_named

ROLE_USERS = {
    Role.ADMIN: "admin",
    Role.SECRETARIAT: "secretariat",
    Role.LIAISON: "liaison.jiwei",
    Role.LEADER: "leader.mangshi",
    Role.AUDITOR: "auditor",
}


def _routes(app):
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((rule, method))
    return out


def test_every_route_declares_an_access_rule(app):
    with app.test_request_context():
        missing = [r.endpoint for r, _m in _routes(app) if rule_for(r.endpoint) is None]
    assert missing == [], f"routes without an access rule: {missing}"


def test_a_route_without_a_rule_is_refused(make_app):
    extra = make_app()

    @extra.get("/undeclared")
    def undeclared():
        return "should never be served"

    with extra.test_request_context():
        assert rule_for("undeclared") is None
    client = extra.test_client()
    login(client, "admin")
    assert client.get("/undeclared").status_code == 403


def _url_for(rule, username, sample):
    """Fill URL parameters with objects the acting user may see (their own agency, and a
    target user that is not the actor)."""
    values = {}
    for arg in rule.arguments:
        if arg == "agency_id":
            values[arg] = user_named(username).agency_id if username else 1
        elif arg == "user_id":
            values[arg] = user_named("liaison.xinfang").id
        elif arg == "year":
            values[arg] = 2026
        elif arg == "case_id" and rule.rule.startswith("/public/"):
            values[arg] = sample["published_case"].id  # the portal shows published cases
        elif arg == "case_id":
            values[arg] = sample["case"].id
        elif arg == "petitioner_id":
            values[arg] = sample["case"].petitioners[0].id
        elif arg == "duty_id":
            values[arg] = sample["assignment"].duties[0].id
        elif arg == "template_id":
            values[arg] = 1
        elif arg == "notice_id":
            values[arg] = sample["notice"].id
        elif arg == "assignment_id":
            values[arg] = sample["assignment"].id
        elif arg == "attachment_id":
            values[arg] = sample["attachment"].id
        elif arg == "handoff_id":
            values[arg] = sample["handoff"].id
        elif arg == "kind_code":
            values[arg] = "discipline.clue"
        elif arg == "round_id":
            values[arg] = sample["round"].id
        elif arg == "item_id":
            values[arg] = sample["item"].id
        elif arg == "meeting_id":
            values[arg] = sample["meeting"].id
        elif arg == "agenda_item_id":
            values[arg] = sample["agenda_item"].id
        elif arg == "task_id":
            values[arg] = sample["task"].id
        elif arg == "notification_id":
            values[arg] = sample["notification"].id
        elif arg == "token_id":
            values[arg] = sample["token"].id
        elif arg == "job_id":
            values[arg] = sample["export_job" if "/exports" in rule.rule else "import_job"].id
        elif arg == "kind":
            values[arg] = "imports"
        elif arg == "fmt":
            values[arg] = "xlsx"
        elif arg == "report_id":
            key = "screening_report" if rule.rule.startswith("/screening") else "report"
            values[arg] = sample[key].id
        elif arg == "action":
            values[arg] = "discuss"
        elif arg == "code":
            values[arg] = "all"
        elif arg == "stage":
            values[arg] = "handling"
        elif arg == "review_id":
            values[arg] = sample["review"].id
        elif arg == "review_case_id":
            values[arg] = sample["review_case"].id
        elif arg == "check_item_id":
            values[arg] = sample["check_item"].id
        elif arg == "county":
            values[arg] = "mangshi"
        elif arg == "department_id":
            values[arg] = sample["department"].id
        elif arg == "query_code":
            values[arg] = sample["query_code"]
        elif arg in ("dispute_id", "entry_id", "person_id", "source_id", "request_id"):
            values[arg] = sample[arg.removesuffix("_id")].id
        elif arg == "cluster_id":
            values[arg] = sample["cluster"].id
        elif arg == "proposal_id":
            values[arg] = sample["proposal"].id
        elif arg == "event_id":
            values[arg] = db.session.scalar(select(func.max(AuditEvent.id)))
        else:
            raise AssertionError(f"no sample value for URL parameter {arg!r} in {rule.rule}")
    return rule.build(values)[1]


def _expected_allowed(rule_obj, role, username):
    if rule_obj.kind in ("public", "login"):
        return True
    if not all(c in ROLE_CAPABILITIES[role] for c in rule_obj.capabilities):
        return False
    return rule_obj.check is None or rule_obj.check(user_named(username))


# Object-level rules below the route: the route is allowed, but this object is not the
# user's to see, so it answers 404 (personal data only for the lead agency and secretariat).
# A 督查 notice about a late handoff is answered only by the agency it is addressed to.
# 巡察 rounds are seen by the 巡察办 that runs them, the secretariat and auditors.
OBJECT_LEVEL_404 = {"cases.reveal", "handoffs.answer_notice", "inspection.show",
                    "inspection.add_item", "inspection.item_done",
                    # Key persons are seen by the county and the secretariat only; the sample
                    # notice is about a 包案 duty, not a late screening.
                    "screening.reveal_key_person", "screening.answer_notice",
                    "screening.close_notice",
                    # The proposal is addressed to 纪委监委 (leader.mangshi may not see it);
                    # the sample notice is about a 包案 duty, not a late answer.
                    "proposals.show", "proposals.answer_notice"}


# A step the sample object's state refuses (the API says so with a 409 problem): the route
# was allowed; the service refused the step itself.
OBJECT_LEVEL_409 = {"api_handoffs.HandoffSign", "api_handoffs.HandoffConfirm"}


def _proposal_sample(case) -> dict:
    """A 政策完善建议 sent to 德宏州纪委监委 (liaison.jiwei answers it) about the case."""
    from hub.proposals import services as proposals

    sec = user_named("secretariat")
    proposal = proposals.draft(sec, proposals.ProposalData(
        "矩阵建议", "多件信访反映同一问题", "建议完善制度", agency_coded("dh.jw").id,
        case_ids=[case.id]))
    proposals.send(sec, proposal)
    return {"proposal": proposal}


def _grassroots_sample() -> dict:
    """A dispute, a screening report with an item and a key person, a collection point with
    a request — all in 芒市, which the county's 信访局 (and leader.mangshi) sees."""
    from datetime import timedelta

    from hub.deadlines.services import local_today
    from hub.mediation import services as mediation
    from hub.screening import services as screening
    from hub.sources import services as sources

    today = local_today()
    dispute = mediation.register(user_named("village.yingpan"), mediation.DisputeData(
        "宅基地边界纠纷", "两户因宅基地边界发生争执", "land", "张某、李某",
        agency_coded("mangshi.xishan.yingjiang").id, "营盘村三组", today))
    county = user_named("liaison.mangshi")
    report = screening.open_report(county, county.agency, today)
    entry = screening.add_item(county, report, "土地流转纠纷", "medium", "西山乡", "杨勇",
                               "调解化解", today + timedelta(days=20))
    person = screening.add_key_person(county, report, "王某", "533103198001011234", "多次越级访")
    source = sources.create_source(county, "营盘村民情民意收集点", "point", county.agency_id,
                                   agency_coded("mangshi.xishan").id, "营盘村党群服务中心",
                                   "李春 13800000000")
    request = sources.record_request(county, source, today, "赵某", "反映灌溉水渠损坏")
    return {"dispute": dispute, "screening_report": report, "entry": entry, "person": person,
            "source": source, "request": request}


def _cluster_sample(case) -> dict:
    """A finished clustering run of this month with one open cluster holding the case."""
    from hub.deadlines.services import local_today
    from hub.similar.clusters import month_of
    from hub.similar.models import ClusterRun, SimilarCluster, similar_cluster_cases

    since, until = month_of(local_today())
    run = ClusterRun(since=since, until=until, status="done", cases=1, clusters=1, error="")
    db.session.add(run)
    db.session.flush()
    cluster = SimilarCluster(run_id=run.id, position=1, size=1, cohesion=0.5,
                             counties=[["mangshi", 1]], categories=[["land", 1]],
                             top_words=["征地补偿款"], status="open", dismissed_reason="")
    db.session.add(cluster)
    db.session.flush()
    db.session.execute(similar_cluster_cases.insert().values(cluster_id=cluster.id,
                                                             case_id=case.id))
    return {"cluster": cluster}


# Public to the role table but guarded by their own bearer token (HUB_METRICS_TOKEN); without
# it configured they answer 404 to everyone.
TOKEN_GUARDED = {"observability.metrics"}


MATRIX = [(role, name) for role, name in ROLE_USERS.items()] + [(None, None)]


def _portal_sample() -> dict:
    """The public portal's objects: a county department with its own 一县一码, a submission
    (its query code) and a published case."""
    from hub.cases import lifecycle
    from hub.public import publication, services
    from hub.public.models import PortalDepartment
    from tests.cases.factories import in_hand

    department = agency_coded("mangshi.zrzyj")
    db.session.add(PortalDepartment(agency_id=department.id))
    receipt = services.submit(services.Submission(
        title="矩阵", content="矩阵测试的信访内容", category="other", county="mangshi",
        name="矩阵", phone="13800000000", consent=True), "192.0.2.200")
    replied = in_hand(assist=())
    lifecycle.reply(user_named("secretariat"), replied, "经核查，已依法处理。", public=True)
    draft = publication.draft(replied)
    publication.publish(user_named("secretariat"), replied, draft.title, draft.content,
                        draft.reply)
    return {"department": department, "query_code": receipt.query_code,
            "published_case": replied}


@pytest.mark.parametrize(("role", "username"), MATRIX, ids=[r or "anonymous" for r, _ in MATRIX])
def test_route_role_matrix(app, role, username):
    from tests.cases.factories import forwarded

    with app.test_request_context():
        from datetime import timedelta

        from hub.baoan.services import assign
        from hub.deadlines.services import local_today

        case = forwarded(lead="mangshi.xfj", assist=("dh.jw",))
        assignment = assign(user_named("secretariat"), case, user_named("leader.mangshi"),
                            local_today() + timedelta(days=60))
        from hub.chase.models import ChaseStep, InspectionNotice

        step = ChaseStep(item_type="baoan_duty", item_id=assignment.duties[0].id, occurrence=1,
                         step="inspect", position=3, taken_on=local_today())
        db.session.add(step)
        db.session.flush()
        notice = InspectionNotice(chase_step_id=step.id, item_type="baoan_duty",
                                  item_id=assignment.duties[0].id, leader_id=assignment.leader_id,
                                  agency_id=assignment.leader.agency_id, case_id=case.id,
                                  subject="x", issued_on=local_today(),
                                  response_due_on=local_today() + timedelta(days=7))
        db.session.add(notice)
        db.session.flush()
        from io import BytesIO

        from werkzeug.datastructures import FileStorage

        from hub.attachments.services import store

        attachment = store(user_named("secretariat"), "cases", case.id,
                           FileStorage(BytesIO(b"%PDF-1.4\n%%EOF\n"), filename="matrix.pdf"))
        from hub.handoffs.services import send

        handoff = send(user_named("liaison.jiwei"), "organization.cadre", agency_coded("dh.zzb"),
                       [case.id], "", {"cadre_name": "某干部"})
        from hub.inspection.services import add_item, open_round

        rnd = open_round(user_named("secretariat"), "某单位", "第一巡察组", local_today(),
                         local_today() + timedelta(days=30))
        item = add_item(user_named("secretariat"), rnd, "问题", "某单位",
                        local_today() + timedelta(days=10))
        from datetime import UTC, datetime

        from hub.meetings import services as meetings

        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
        meeting = meetings.create(user_named("secretariat"), meetings.Plan(
            "consult", "会商", starts, starts + timedelta(hours=1), "会议室",
            [agency_coded("dh.jw").id, agency_coded("mangshi.xfj").id],
            [user_named("liaison.jiwei").id, user_named("leader.mangshi").id], []))
        meetings.schedule(user_named("secretariat"), meeting)
        agenda_item = meetings.add_item(user_named("secretariat"), meeting, "议题", case)
        meetings.start(user_named("secretariat"), meeting)
        meetings.add_outcome(user_named("secretariat"), agenda_item, "task", "核实情况",
                             owner=user_named("liaison.jiwei"),
                             due_on=local_today() + timedelta(days=5))
        from hub.api.tokens import create as create_token

        api_token = create_token(user_named(username), user_named(username), "matrix")[0] \
            if username else None
        spare = create_token(user_named(username or "admin"), user_named(username or "admin"),
                             "spare")[1]
        from hub.notifications.models import Notification
        from hub.notifications.services import notify

        notify([user_named(username or "admin")], "matrix", "矩阵")
        notification = db.session.scalar(select(Notification).order_by(Notification.id.desc()))
        from hub.transfers import services as transfers
        from hub.transfers.models import FileJob

        owner = user_named(username or "admin")
        import_job = FileJob(kind="import", user_id=owner.id, agency_id=owner.agency_id,
                             state="valid", source="csv", filename="x.csv",
                             result={"rows": 1, "duplicate_count": 0, "problem_count": 0},
                             stored_name=f"matrix-{owner.id}.csv", params={})
        export_job = FileJob(kind="export", user_id=owner.id, agency_id=owner.agency_id,
                             state="done", source="board", filename="x.xlsx", result={},
                             stored_name=f"matrix-{owner.id}.xlsx", params={"board": "all"})
        db.session.add_all([import_job, export_job])
        db.session.flush()
        transfers.problems_path(import_job).write_text("行,列,问题\n")
        transfers.stored_path(export_job).write_bytes(b"PK")
        from hub.indicators.reports import generate as generate_report

        report = generate_report("circular", local_today().replace(day=1))
        sample = {"import_job": import_job, "export_job": export_job, "report": report}
        from hub.review import checklist
        from hub.review import services as review

        review_round = review.open_round(user_named("secretariat"), "评查",
                                         local_today() - timedelta(days=30), local_today())
        review_case = review.add_cases(user_named("secretariat"), review_round, [case.number],
                                       user_named("secretariat").id)[0]
        # Scored, so that no request of the matrix can take it out of the round.
        review.score(user_named("secretariat"), review_case,
                     {i.id: (i.max_score, "") for i in review_round.items})
        sample |= {"review": review_round, "review_case": review_case,
                   "check_item": checklist.items()[0]}
        sample |= _portal_sample()
        sample |= _cluster_sample(case)
        sample |= _proposal_sample(case)
        sample |= _grassroots_sample()
        sample |= {"case": case, "assignment": assignment, "notice": notice,
                  "notification": notification,
                  "attachment": attachment, "handoff": handoff, "round": rnd, "item": item,
                  "meeting": meeting, "token": spare, "agenda_item": agenda_item, "task": meeting.tasks[0]}
    db.session.commit()
    failures = []
    for rule, method in _routes(app):
        client = app.test_client()
        if username:
            login(client, username)
        with app.test_request_context(method=method):  # class views: a rule per method
            access = rule_for(rule.endpoint)
            url = _url_for(rule, username, sample)
        # The API is reached with the user's bearer token (a browser session does not open it).
        api = rule.rule.startswith("/api/")
        headers = {"Authorization": f"Bearer {api_token}"} if api and api_token else {}
        resp = client.open(url, method=method, headers=headers)
        resp.close()  # as a WSGI server does (downloads hold an open file until then)
        status = resp.status_code
        location = resp.headers.get("Location", "")
        if rule.endpoint in TOKEN_GUARDED:
            ok = status == 404  # no token configured in the tests
        elif access.kind == "public":
            ok = status in (200, 302)
        elif username is None:
            ok = status == 401 if api else (status == 302 and location.startswith("/login"))
        elif _expected_allowed(access, role, username):
            logged_out = location.startswith("/login") and rule.endpoint != "auth.logout"
            ok = (status in (200, 302, 422) and not logged_out) or (
                status == 404 and rule.endpoint in OBJECT_LEVEL_404) or (
                status == 409 and rule.endpoint in OBJECT_LEVEL_409)
        else:
            ok = status == 403
        if not ok:
            failures.append(f"{method} {url} as {username}: {status} {location}")
        db.session.rollback()
    assert failures == []


def test_capability_table_covers_every_role():
    assert set(ROLE_CAPABILITIES) == set(Role)
    used = {c for caps in ROLE_CAPABILITIES.values() for c in caps}
    assert used == set(Capability)


def test_invisible_agency_answers_404_not_403(login_as):
    client = login_as("liaison.jiwei")  # 德宏州纪委监委
    foreign = agency_coded("dh.xfj")
    own_child = agency_coded("mangshi.jw")
    assert client.get(f"/agencies/{foreign.id}").status_code == 404
    assert client.get(f"/agencies/{own_child.id}").status_code == 200
    assert client.get("/agencies/999999").status_code == 404
    listing = client.get("/agencies").get_data(as_text=True)
    assert "芒市纪委监委" in listing and "德宏州信访局" not in listing


def test_colleague_list_on_agency_page_is_scoped(login_as):
    client = login_as("leader.mangshi")  # 芒市信访局
    page = client.get(f"/agencies/{agency_coded('mangshi.xfj').id}").get_data(as_text=True)
    assert "芒市领导" in page
    parent = client.get(f"/agencies/{agency_coded('dh.xfj').id}").get_data(as_text=True)
    assert "联席办 李文" not in parent  # members of other agencies are not listed


def test_missing_csrf_token_is_refused_in_chinese(app, login_as):
    client = login_as("secretariat")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        resp = client.post("/logout")
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert resp.status_code == 400
    assert "安全校验未通过" in resp.get_data(as_text=True)
    assert client.get("/").status_code == 200  # still logged in


def test_login_form_needs_csrf_too(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        resp = client.post("/login", data={"username": "admin", "password": "x"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert resp.status_code == 400


def test_security_headers_and_cookie_flags(client):
    resp = client.post("/login", data={"username": "secretariat", "password": "Demo-Pass-2026"})
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in page.get_data(as_text=True)  # no inline script


def test_error_pages_are_chinese_and_leak_nothing(login_as):
    client = login_as("liaison.jiwei")
    not_found = client.get("/no/such/page")
    assert not_found.status_code == 404 and "页面不存在" in not_found.get_data(as_text=True)
    forbidden = client.get("/audit")
    body = forbidden.get_data(as_text=True)
    assert forbidden.status_code == 403 and "没有权限" in body
    assert "Traceback" not in body and "werkzeug" not in body.lower()


def test_internal_error_page(make_app):
    extra = make_app()
    from hub.auth.access import public

    @extra.get("/boom")
    @public
    def boom():
        raise RuntimeError("secret detail")

    extra.config["PROPAGATE_EXCEPTIONS"] = False
    resp = extra.test_client().get("/boom")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 500 and "系统内部错误" in body and "secret detail" not in body


def test_auditor_cannot_change_anything(login_as):
    client = login_as("auditor")
    target = user_named("liaison.xinfang")
    assert client.post(f"/admin/users/{target.id}/disable").status_code == 403
    assert client.post(f"/admin/agencies/{target.agency_id}/deactivate").status_code == 403
    assert db.session.scalar(select(type(target).active).where(type(target).id == target.id))
