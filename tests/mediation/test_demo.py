"""The demo disputes go through the services and show every 三·三制 level."""

from sqlalchemy import func, select

from hub.extensions import db
from hub.mediation.demo import load_demo_mediation
from hub.mediation.models import Dispute, Escalation


def test_demo_disputes_cover_every_level(ctx):
    made = load_demo_mediation()
    assert made == db.session.scalar(select(func.count()).select_from(Dispute)) >= 10
    resolved = set(db.session.scalars(select(Dispute.resolved_level).where(
        Dispute.status == "resolved")))
    assert resolved == {"group", "village", "township"}
    assert db.session.scalar(select(func.count()).where(Dispute.status == "case")) == 1
    open_levels = set(db.session.scalars(select(Dispute.level).where(Dispute.status == "open")))
    assert open_levels == {"group", "village", "township"}
    assert db.session.scalar(select(func.count()).where(Escalation.exception.is_(True))) == 1
    assert load_demo_mediation() == 0  # idempotent
