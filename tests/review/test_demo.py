"""The demo has a 评查 round: 25 drawn cases, most scored by the two reviewers, findings
sent for 整改, and its report."""

import re

from sqlalchemy import select

from hub.extensions import db
from hub.review.models import ReviewFinding, ReviewRound
from tests.conftest import login


def test_the_demo_round_with_scores_findings_and_report(app):
    from hub.cases.demo import load_demo_cases
    from hub.review.demo import UNSCORED, load_demo_review

    with app.test_request_context():
        load_demo_cases(count=150)
        assert load_demo_review() == 25
        assert load_demo_review() == 0  # idempotent
        rnd = db.session.scalar(select(ReviewRound))
        scored = [c for c in rnd.cases if c.is_scored]
        assert len(scored) == 25 - UNSCORED
        assert {c.reviewer.username for c in rnd.cases} == {"secretariat", "reviewer"}
        findings = db.session.scalars(select(ReviewFinding)).all()
        assert len(findings) == 3
        assert {f.handoff.kind for f in findings} == {"petition.rectify"}
        assert rnd.sample_seed is not None and rnd.sample_size == 25
    db.session.commit()
    client = app.test_client()
    login(client, "auditor")
    page = client.get(f"/review/{rnd.id}/report").get_data(as_text=True)
    assert "近一年信访事项办理质量评查" in page
    assert re.search(r'data-testid="summary-scored">21<', page)
    assert re.search(r'data-testid="summary-average">\d+\.\d<', page)
    assert client.get(f"/review/{rnd.id}/report.xlsx").status_code == 200
    reviewer = app.test_client()
    login(reviewer, "reviewer")
    tasks = reviewer.get("/review/mine").get_data(as_text=True)
    assert "待评分" in tasks and "已评分" in tasks
