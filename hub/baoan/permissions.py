"""Who sees which 包案: its leader, and whoever may see the case."""

from __future__ import annotations

from sqlalchemy import Select, literal, or_

from hub.auth.visibility import rule, visible
from hub.baoan.models import Assignment, Duty
from hub.cases.models import Case


@rule(Assignment)
def _assignments(user, stmt: Select) -> Select:
    # Correlated (EXISTS … WHERE cases.id = assignments.case_id): a lookup per assignment,
    # not the list of every visible case.
    case = (visible(user, Case).with_only_columns(literal(1))
            .where(Case.id == Assignment.case_id).correlate(Assignment))
    return stmt.where(or_(Assignment.leader_id == user.id, case.exists()))


@rule(Duty)
def _duties(user, stmt: Select) -> Select:
    assignments = visible(user, Assignment).with_only_columns(Assignment.id)
    return stmt.where(Duty.assignment_id.in_(assignments))


