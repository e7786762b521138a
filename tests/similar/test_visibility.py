"""Similar cases respect case visibility: nobody gets, or is ranked against, a case they may
not see."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from hub.cases.models import Case
from hub.cases.permissions import scoped
from hub.extensions import db
from hub.similar import services
from tests.conftest import user_named
from tests.similar import corpus
from tests.similar.helpers import MARCH, add_cases

USERS = ("secretariat", "auditor", "liaison.jiwei", "liaison.xinfang", "liaison.zhengfa",
         "leader.mangshi", "admin")


@pytest.fixture
def family(ctx):
    """Seven accounts of one cause, registered with different agencies taking part, among
    unrelated petitions."""
    rng = random.Random(7)  # noqa: S311 - test data
    accounts = corpus.planted_groups(rng, 1, 7)
    noise = corpus.background(rng, 150)
    ids = {
        # 信访局 only: the secretariat and 信访局 see them, 纪委监委 does not.
        "bureau": add_cases(accounts[0:2]),
        # 信访局 with 纪委监委 assisting: both see it.
        "shared": add_cases(accounts[2:3], assist=("dh.jw",)),
        # A restricted 纪委 clue registered at the 纪委监委 window: only 纪委监委 sees it —
        # not the secretariat, whose agency does not take part.
        "clue": add_cases(accounts[3:5], agency="dh.jw", restricted=True),
        # A restricted case of 芒市: neither the secretariat nor 纪委监委.
        "county_clue": add_cases(accounts[5:7], agency="mangshi.xfj", restricted=True),
    }
    add_cases(noise)
    add_cases(noise[:40], agency="dh.jw")
    services.index_all(rebuild_vocabulary=True)
    return ids


def _visible(user) -> set[int]:
    return set(db.session.scalars(scoped(user, select(Case.id))[0]))


def test_nobody_gets_a_case_outside_their_visibility(family):
    every = sorted(set().union(*family.values()))
    for username in USERS:
        user = user_named(username)
        visible = _visible(user)
        for case_id in every:
            case = db.session.get(Case, case_id)
            matches = services.similar_to(user, case, 10)
            assert {m.case.id for m in matches} <= visible, username
            if case_id not in visible:
                # Asking about a case one may not see tells nothing.
                assert matches == [], username


def test_each_sees_exactly_their_part_of_the_family(family):
    bureau, shared = family["bureau"], family["shared"]
    clue, county_clue = family["clue"], family["county_clue"]
    probe = db.session.get(Case, shared[0])  # seen by both users below

    def got(username):
        return {m.case.id for m in services.similar_to(user_named(username), probe, 10)}

    secretariat = got("secretariat")
    assert set(bureau) <= secretariat
    assert not secretariat & (set(clue) | set(county_clue))
    jiwei = got("liaison.jiwei")
    assert set(clue) <= jiwei
    assert not jiwei & (set(bureau) | set(county_clue))


def test_hidden_cases_take_no_place_in_the_ranking(family):
    """The 纪委监委 liaison's best match is its own visible one, even with a limit of one
    and more similar cases hidden from it: hidden cases are filtered before ranking."""
    probe = db.session.get(Case, family["clue"][0])
    jiwei = user_named("liaison.jiwei")
    best = services.similar_to(jiwei, probe, 1)
    assert len(best) == 1
    assert best[0].case.id in _visible(jiwei)
    assert best[0].case.id in set(family["clue"]) | set(family["shared"])


def test_a_text_at_intake_finds_only_visible_cases(family):
    account = db.session.get(Case, family["bureau"][0])
    for username in USERS:
        user = user_named(username)
        matches = services.similar_to_text(user, account.title, account.content,
                                           account.county, account.category)
        assert {m.case.id for m in matches} <= _visible(user), username
    matches = services.similar_to_text(user_named("secretariat"), account.title,
                                       account.content, account.county, account.category)
    assert account.id in {m.case.id for m in matches}


def test_clusters_count_only_visible_cases(family):
    from datetime import timedelta

    for username in USERS:
        user = user_named(username)
        clusters = services.cluster_cases(user, MARCH - timedelta(days=1),
                                          MARCH + timedelta(days=1), min_size=2)
        visible = _visible(user)
        for c in clusters:
            assert set(c.ids) <= visible, username


def test_no_user_no_result(family):
    from flask_login import AnonymousUserMixin

    probe = db.session.get(Case, family["shared"][0])
    assert services.similar_to(None, probe) == []
    assert services.similar_to(AnonymousUserMixin(), probe) == []
    assert services.similar_to_text(None, probe.title, probe.content, None, None) == []
