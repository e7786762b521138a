"""The demo collection points and work teams with their requests."""

from sqlalchemy import func, select

from hub.extensions import db
from hub.sources.demo import load_demo_sources
from hub.sources.models import CaseSource, IntakeSource, SourceRequest


def test_demo_sources_with_handled_open_and_converted_requests(ctx):
    assert load_demo_sources() == 4
    kinds = set(db.session.scalars(select(IntakeSource.kind)))
    assert kinds == {"point", "team"}
    statuses = set(db.session.scalars(select(SourceRequest.status)))
    assert statuses == {"open", "done", "case"}
    assert db.session.scalar(select(func.count()).select_from(CaseSource)) == 1
    assert load_demo_sources() == 0
