"""The demo: one proposal drawn from the land-acquisition cluster, sent and on an upcoming
joint meeting's agenda; one from the wage-arrears cluster, accepted with a measure and an
effect check."""

from __future__ import annotations

from sqlalchemy import select

from hub.extensions import db
from hub.meetings.models import AgendaItem, Meeting
from hub.proposals.models import PolicyProposal
from hub.similar.models import SimilarCluster
from tests.conftest import login


def test_the_demo_proposals_come_from_clusters_and_one_is_on_an_agenda(app):
    from hub.demo import load_full_demo
    from hub.proposals.demo import load_demo_proposals

    with app.test_request_context():
        result = load_full_demo()
        assert result["proposals"] == 2
        assert load_demo_proposals() == 0  # idempotent
        land, wages = db.session.scalars(select(PolicyProposal).order_by(PolicyProposal.id))
        for proposal, category in ((land, "land"), (wages, "wages")):
            cluster = db.session.get(SimilarCluster, proposal.cluster_id)
            assert cluster.status == "proposed" and cluster.categories[0][0] == category
            assert {c.id for c in proposal.cases} and proposal.status in ("sent", "accepted")
        item = db.session.scalar(select(AgendaItem).where(AgendaItem.proposal_id == land.id))
        meeting = db.session.get(Meeting, item.meeting_id)
        assert meeting.kind == "consult" and meeting.state in ("draft", "scheduled")
        assert wages.status == "accepted" and wages.measures and wages.checks
        db.session.commit()
    client = app.test_client()
    login(client, "liaison.ziranziyuan")  # 州自然资源局: not the land proposal's addressee
    assert client.get(f"/proposals/{land.id}").status_code == 404
    client = app.test_client()
    login(client, "secretariat")
    page = client.get(f"/proposals/{land.id}").get_data(as_text=True)
    assert f'href="/meetings/{meeting.id}"' in page and land.title in page
