"""Who sees 评查 rounds and their cases, and who may score.

The secretariat and auditors see every round; anyone else sees only the rounds in which
they review a case.  A reviewed case is seen by the secretariat and auditors, or by its own
reviewer — and only while the case itself is visible to the user (a case that became
restricted disappears from the pages of whoever may not see it: 404).
"""

from __future__ import annotations

from sqlalchemy import Select, exists

from hub.auth.roles import Role
from hub.auth.visibility import rule, visible
from hub.cases.models import Case
from hub.cases.permissions import CASE_WIDE_ROLES
from hub.handoffs.services import register_choices
from hub.review.models import ReviewCase, ReviewRound

# Who may be assigned cases to score: the joint-meeting office's staff.  Auditors read the
# rounds and reports but change nothing (DESIGN §2), so they are not reviewers.
REVIEWER_ROLES = {Role.SECRETARIAT}


def is_reviewer(user) -> bool:
    return bool(user.roles & REVIEWER_ROLES) and user.active


def manages_rounds(user) -> bool:
    return Role.SECRETARIAT in user.roles


@rule(ReviewRound)
def _rounds(user, stmt: Select) -> Select:
    if user.roles & CASE_WIDE_ROLES:
        return stmt
    mine = exists().where(ReviewCase.round_id == ReviewRound.id,
                          ReviewCase.reviewer_id == user.id)
    return stmt.where(mine)


@rule(ReviewCase)
def _review_cases(user, stmt: Select) -> Select:
    seen = ReviewCase.case_id.in_(visible(user, Case).with_only_columns(Case.id)
                                  .scalar_subquery())
    if user.roles & CASE_WIDE_ROLES:
        return stmt.where(seen)
    return stmt.where(ReviewCase.reviewer_id == user.id, seen)


def _round_options():
    from sqlalchemy import select

    from hub.extensions import db

    return [(r.id, r.title) for r in db.session.scalars(
        select(ReviewRound).order_by(ReviewRound.created_at.desc()).limit(50))]


def _round_label(value) -> str:
    from hub.extensions import db

    try:
        rnd = db.session.get(ReviewRound, int(value))
    except (TypeError, ValueError):
        rnd = None
    return rnd.title if rnd else str(value)


# The 评查整改 handoff names its round: its page shows the round's title.
register_choices("review_rounds", _round_options, _round_label)
