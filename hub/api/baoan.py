"""/api/v1/baoan: 领导包案 and their 五包 duties, as on 我的包案 and the 包案 overview."""

from __future__ import annotations

from flask import abort
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate
from sqlalchemy.orm import selectinload

from hub.api.schemas import INT_MAX, NEXT_AFTER, PageQuery, keyset_page, problems, service_error
from hub.auth.access import requires
from hub.auth.capabilities import Capability, can
from hub.auth.roles import LeaderRank
from hub.auth.visibility import visible
from hub.baoan import services
from hub.baoan.models import Assignment, Duty
from hub.core.errors import ServiceError
from hub.deadlines.engine import Colour
from hub.extensions import db

blp = Blueprint("api_baoan", __name__, url_prefix="/api/v1/baoan",
                description="领导包案与五包职责（本人包案及可见信访事项的包案）")

SEVERITY = [Colour.RED, Colour.YELLOW, Colour.GREEN, Colour.DONE]


def _reads_baoan(user) -> bool:
    """我的包案 (a leader's own) or the overview (every 包案 the user may see)."""
    return can(user, Capability.BAOAN_OWN) or can(user, Capability.BAOAN_VIEW)


def _records_duties(user) -> bool:
    """The leader records their own duty; the secretariat records on the leader's behalf
    (the service refuses anyone else)."""
    return can(user, Capability.BAOAN_OWN) or can(user, Capability.BAOAN_MANAGE)


def _duty_or_404(duty_id: int) -> Duty:
    duty = db.session.scalar(visible(current_user, Duty).where(Duty.id == duty_id))
    if duty is None:
        abort(404)
    return duty


class AssignmentQuery(PageQuery):
    """Filters of the overview, and the page: ``after`` is the last id of the previous page."""

    leader_id = fields.Integer(validate=validate.Range(min=1, max=INT_MAX))
    rank = fields.String(validate=validate.OneOf([r.value for r in LeaderRank]))
    active = fields.Boolean()


class DutyOut(Schema):
    id = fields.Integer()
    assignment_id = fields.Integer()
    template_code = fields.String()
    element = fields.String(metadata={"description": "五包 element"})
    label = fields.String()
    occurrence = fields.Integer()
    start_on = fields.Date()
    due_on = fields.Date()
    status = fields.String(metadata={"description": "open, done, waived or closed"})
    colour = fields.Method("get_colour", metadata={
        "description": "red, yellow or green while open; done otherwise"})
    evidence = fields.String(allow_none=True)
    evidence_on = fields.Date(allow_none=True)
    done_by_id = fields.Integer(allow_none=True)
    done_at = fields.DateTime(allow_none=True)
    waiver_reason = fields.String(allow_none=True)

    def get_colour(self, duty) -> str:
        return services.duty_colour(duty).value


class AssignmentOut(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    case_number = fields.String(attribute="case.number")
    case_title = fields.String(attribute="case.title")
    leader_id = fields.Integer()
    leader_name = fields.String(attribute="leader.display_name")
    rank = fields.String()
    target_on = fields.Date()
    active = fields.Boolean()
    assigned_at = fields.DateTime()
    resolved_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    colour = fields.Method("get_colour", metadata={
        "description": "the worst colour of its open duties (done when none is open)"})

    def get_colour(self, assignment) -> str:
        open_colours = {services.duty_colour(d) for d in assignment.duties if d.status == "open"}
        return next((c for c in SEVERITY if c in open_colours), Colour.DONE).value


class AssignmentDetail(AssignmentOut):
    resolution_note = fields.String(allow_none=True)
    duties = fields.List(fields.Nested(DutyOut))


class AssignmentPage(Schema):
    items = fields.List(fields.Nested(AssignmentOut))
    next_after = NEXT_AFTER


class RecordIn(Schema):
    """What was done, and when (as on 我的包案)."""

    evidence = fields.String(required=True, validate=validate.Length(min=1))
    done_on = fields.Date(required=True)


class WaiveIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1))


def _loaded(stmt):
    return stmt.options(selectinload(Assignment.duties), selectinload(Assignment.case),
                        selectinload(Assignment.leader))


@blp.route("/assignments")
class Assignments(MethodView):
    @blp.arguments(AssignmentQuery, location="query", unknown=RAISE)
    @blp.response(200, AssignmentPage)
    @problems(blp, 401, 403, 422)
    @requires(check=_reads_baoan)
    def get(self, args):
        """List the 包案 the user may see (a leader's own, and those of the cases the user
        sees), newest first (keyset pagination by id)."""
        stmt = visible(current_user, Assignment)
        for name in ("leader_id", "rank", "active"):
            if name in args:
                stmt = stmt.where(getattr(Assignment, name) == args[name])
        return keyset_page(_loaded(stmt), Assignment.id, args)


@blp.route("/assignments/<int:assignment_id>")
class AssignmentItem(MethodView):
    @blp.response(200, AssignmentDetail)
    @problems(blp, 401, 403, 404)
    @requires(check=_reads_baoan)
    def get(self, assignment_id):
        """One 包案 with its duties (due dates, status, colour); 404 when not the user's to see."""
        assignment = db.session.scalar(
            _loaded(visible(current_user, Assignment)).where(Assignment.id == assignment_id))
        if assignment is None:
            abort(404)
        return assignment


@blp.route("/duties/<int:duty_id>/record")
class DutyRecord(MethodView):
    @blp.arguments(RecordIn, location="json", unknown=RAISE)
    @blp.response(200, DutyOut)
    @problems(blp, 401, 403, 404, 409, 413, 422)
    @requires(check=_records_duties)
    def post(self, data, duty_id):
        """Record a duty as done with evidence: the leader their own, the secretariat on a
        leader's behalf."""
        duty = _duty_or_404(duty_id)
        try:
            services.complete(current_user, duty, data["evidence"], data["done_on"])
        except ServiceError as exc:
            db.session.rollback()
            return service_error(exc)
        return duty


@blp.route("/duties/<int:duty_id>/waive")
class DutyWaive(MethodView):
    @blp.arguments(WaiveIn, location="json", unknown=RAISE)
    @blp.response(200, DutyOut)
    @problems(blp, 401, 403, 404, 409, 413, 422)
    @requires(Capability.BAOAN_MANAGE)
    def post(self, data, duty_id):
        """The secretariat waives a duty, with a reason."""
        duty = _duty_or_404(duty_id)
        try:
            services.waive(current_user, duty, data["reason"])
        except ServiceError as exc:
            db.session.rollback()
            return service_error(exc)
        return duty
