"""Reporter protection: for a 纪委 clue, no page reachable by a user outside 纪委监委 other
than the sender shows the petitioner's name, phone or ID number."""

from sqlalchemy import func, select

from hub.audit.models import AuditEvent
from hub.auth.access import rule_for
from hub.auth.roles import Role
from hub.auth.services import create_user
from hub.extensions import db
from hub.handoffs import services
from tests.cases.factories import intake_data
from tests.conftest import DEMO_PASSWORD, agency_coded, login, user_named

NAME, PHONE, ID_NUMBER = "岳明远", "13987654321", "533102198502023456"


def _get_urls(app, sample):
    """Every GET page whose URL parameters we can fill with the sample objects."""
    values_for = {"case_id": sample["case"], "handoff_id": sample["handoff"],
                  "attachment_id": sample["attachment"],
                  "petitioner_id": sample["petitioner"], "event_id": sample["event"],
                  "code": "all", "stage": "sort", "year": 2026}
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        if not set(rule.arguments) <= set(values_for):
            continue
        urls.append(rule.build({a: values_for[a] for a in rule.arguments})[1])
    return urls


def _text_of(resp) -> str:
    """The text a user can read in a response: an .xlsx export's cells, else the body."""
    if resp.mimetype.endswith("spreadsheetml.sheet"):
        import io

        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(resp.data), read_only=True)
        return "\n".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True)
                         for v in row if v is not None)
    return resp.get_data(as_text=True)


def test_no_page_shows_the_reporter_to_others(app):
    from hub.cases import intake

    with app.test_request_context():
        from hub.cases.intake import PetitionerData

        case = intake.register(user_named("liaison.xinfang"), intake_data(
            title="反映某镇干部截留补偿款", petitioners=[PetitionerData(NAME, PHONE, ID_NUMBER)]))
        handoff = services.send(user_named("liaison.xinfang"), "discipline.clue",
                                agency_coded("dh.jw"), [case.id], "请核查",
                                {"subject_name": "某镇干部", "allegation": "截留征地补偿款"})
        services.sign(user_named("liaison.jiwei"), handoff)
        services.submit_feedback(user_named("liaison.jiwei"), handoff, "已初步核实",
                                 {case.id: "verify"})
        create_user(user_named("admin"), username="liaison.xinfang2", display_name="信访局联络员 马骏",
                    agency=agency_coded("dh.xfj"), roles={Role.LIAISON}, password=DEMO_PASSWORD,
                    must_change_password=False)
        from io import BytesIO

        from werkzeug.datastructures import FileStorage

        from hub.attachments.services import store

        letter = store(user_named("liaison.xinfang"), "cases", case.id, FileStorage(
            BytesIO(f"%PDF-1.4\n({NAME} {PHONE})\n%%EOF\n".encode()), filename="举报信.pdf"))
        sample = {"case": case.id, "handoff": handoff.id, "petitioner": case.petitioners[0].id,
                  "attachment": letter.id,
                  "event": db.session.scalar(select(func.max(AuditEvent.id)))}
        urls = _get_urls(app, sample)
    db.session.commit()
    assert {f"/cases/{case.id}", f"/handoffs/{handoff.id}", "/handoffs", "/inbox",
            "/audit"} <= set(urls)
    # Allowed: 纪委监委 and the sender (who registered it) see who the reporter is.
    allowed = app.test_client()
    login(allowed, "liaison.jiwei")
    assert NAME in allowed.get(f"/cases/{case.id}").get_data(as_text=True)
    download = allowed.get(f"/attachments/{letter.id}")
    assert NAME in download.get_data(as_text=True)
    download.close()
    checked = 0
    for username in ("liaison.xinfang2", "secretariat", "auditor", "liaison.zhengfa",
                     "liaison.zuzhi", "leader.prefecture", "admin"):
        client = app.test_client()
        login(client, username)
        for url in urls:
            with app.test_request_context():
                access = rule_for(app.url_map.bind("localhost").match(url)[0])
            if access is None:
                continue
            for page in (url, url + "?tab=sent", url + "?tab=feedback"):
                resp = client.get(page)
                body = _text_of(resp)
                resp.close()
                for secret in (NAME, PHONE, ID_NUMBER):
                    assert secret not in body, f"{secret} shown to {username} at {page}"
                checked += 1
        # The scanned letter is not there for them either.
        assert client.get(f"/attachments/{letter.id}").status_code in (403, 404)
        # The reveal form is refused as if the data did not exist.
        resp = client.post(f"/cases/{case.id}/petitioners/{sample['petitioner']}/reveal")
        assert resp.status_code in (403, 404)
        assert NAME not in resp.get_data(as_text=True)
    assert checked > 50
