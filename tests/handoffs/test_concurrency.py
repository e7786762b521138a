"""Two liaisons of the receiving agency sign the same handoff at the same moment: exactly
one succeeds, and the other is told who signed it (real concurrent requests)."""

import threading

from hub.auth.roles import Role
from hub.auth.services import create_user
from hub.extensions import db
from hub.handoffs import services
from hub.handoffs.models import Handoff, State
from tests.cases.factories import registered
from tests.conftest import DEMO_PASSWORD, agency_coded, login, user_named


def test_two_liaisons_sign_at_once_one_wins(make_app):
    app = make_app()
    with app.app_context(), app.test_request_context():
        create_user(user_named("admin"), username="liaison.jiwei2", display_name="纪委监委联络员 吴涛",
                    agency=agency_coded("dh.jw"), roles={Role.LIAISON}, password=DEMO_PASSWORD,
                    must_change_password=False)
        handoff = services.send(user_named("liaison.xinfang"), "discipline.clue",
                                agency_coded("dh.jw"), [registered().id], "",
                                {"subject_name": "某干部", "allegation": "问题线索"})
        handoff_id, version = handoff.id, handoff.version
        db.session.commit()
    clients = []
    for username in ("liaison.jiwei", "liaison.jiwei2"):
        client = app.test_client()
        login(client, username)
        clients.append(client)
    barrier = threading.Barrier(2)
    pages: dict[int, str] = {}

    def sign(k):
        barrier.wait()
        resp = clients[k].post(f"/handoffs/{handoff_id}/sign", data={"version": version},
                               follow_redirects=True)
        pages[k] = resp.get_data(as_text=True)

    threads = [threading.Thread(target=sign, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    with app.app_context():
        stored = db.session.get(Handoff, handoff_id)
        assert stored.state == State.IN_HAND.value and stored.version == version + 1
        winner = stored.signed_by
        loser_page = pages[1 if winner.username == "liaison.jiwei" else 0]
        winner_page = pages[0 if winner.username == "liaison.jiwei" else 1]
        assert "已签收" in winner_page
        assert f"该交办已由 {winner.display_name} 于" in loser_page
        from sqlalchemy import func, select

        from hub.audit.models import AuditEvent

        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "handoffs.signed",
            AuditEvent.object_id == str(handoff_id))) == 1
