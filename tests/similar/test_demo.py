"""The demo: two matters raised by many petitioners this month, found as clusters, and every
demo case indexed."""

from __future__ import annotations

from sqlalchemy import func, select

from hub.cases.models import Case
from hub.deadlines.services import local_today
from hub.extensions import db
from hub.similar import clusters
from hub.similar.models import CaseSignature, SimilarCluster, similar_cluster_cases
from tests.conftest import login


def test_the_demo_month_has_the_land_and_the_wages_clusters(app):
    from hub.demo import load_full_demo
    from hub.similar.demo import LAND, WAGES, load_demo_similar

    with app.test_request_context():
        result = load_full_demo()
        assert result["similar"] == len(LAND) + len(WAGES) == 11
        assert load_demo_similar() == 0  # idempotent
        # Every demo case is indexed (each has a text).
        assert db.session.scalar(select(func.count()).select_from(CaseSignature)) \
            == db.session.scalar(select(func.count()).select_from(Case))
        run = clusters.shown_run(*clusters.month_of(local_today()))
        assert run is not None and run.status == "done" and run.clusters >= 2
        m = similar_cluster_cases
        members: dict[int, set[int]] = {}
        for cluster_id, case_id in db.session.execute(
                select(m.c.cluster_id, m.c.case_id).join(
                    SimilarCluster, SimilarCluster.id == m.c.cluster_id)
                .where(SimilarCluster.run_id == run.id)):
            members.setdefault(cluster_id, set()).add(case_id)
        found = []
        for group in (LAND, WAGES):
            ids = set(db.session.scalars(select(Case.id).where(
                Case.title.in_([p.title for p in group]))))
            assert len(ids) == len(group)
            best = max(members, key=lambda c, ids=ids: len(members[c] & ids))
            assert members[best] >= ids and len(members[best]) <= len(ids) + 2, group[0].title
            found.append(db.session.get(SimilarCluster, best))
        land, wages = found
        assert land.id != wages.id
        assert land.counties[0][0] == "mangshi" and land.categories[0][0] == "land"
        assert wages.counties[0][0] == "ruili" and wages.categories[0][0] == "wages"
    db.session.commit()
    client = app.test_client()
    login(client, "secretariat")
    page = client.get("/similar/clusters").get_data(as_text=True)
    for cluster in (land, wages):
        assert f'data-testid="cluster-{cluster.id}"' in page
        assert "、".join(cluster.top_words) in page
    words = "".join(land.top_words + wages.top_words)
    assert "勐戛至芒海公路" in words and "商贸城二期" in words
