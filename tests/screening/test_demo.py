"""The demo screening: a month of lists for every county, some items closed."""

from sqlalchemy import func, select

from hub.extensions import db
from hub.screening.demo import load_demo_screening
from hub.screening.models import KeyPerson, ScreeningItem, ScreeningReport


def test_demo_has_a_month_of_lists_for_every_county_with_items_closed(ctx):
    assert load_demo_screening() == 10
    months = sorted(set(db.session.scalars(select(ScreeningReport.month))))
    last = db.session.scalars(select(ScreeningReport).where(
        ScreeningReport.month == months[0])).all()
    assert len(last) == 5 and all(r.status == "submitted" for r in last)
    assert [r.county.code for r in last if r.late] == ["longchuan.xfj"]
    closed = db.session.scalar(select(func.count()).select_from(ScreeningItem).where(
        ScreeningItem.status == "closed"))
    assert 0 < closed < db.session.scalar(select(func.count()).select_from(ScreeningItem))
    drafts = db.session.scalars(select(ScreeningReport).where(
        ScreeningReport.status == "draft")).all()
    assert [r.county.code for r in drafts] == ["longchuan.xfj"]
    assert db.session.scalar(select(func.count()).select_from(KeyPerson)) == 4
    assert load_demo_screening() == 0
