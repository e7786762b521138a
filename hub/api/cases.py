"""/api/v1/cases: the cases the token's user may see, with keyset pagination."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate
from sqlalchemy import select

from hub.api.schemas import INT_MAX, NEXT_AFTER, PageQuery, keyset_page, problems, service_error
from hub.auth.access import requires
from hub.auth.capabilities import Capability
from hub.auth.visibility import visible
from hub.cases import intake, lifecycle
from hub.cases.intake import COUNTIES
from hub.cases.models import Case
from hub.cases.permissions import scoped
from hub.cases.vocab import CATEGORIES, FLAGS, Channel, Stage, Status
from hub.core.errors import ServiceError
from hub.extensions import db

blp = Blueprint("api_cases", __name__, url_prefix="/api/v1/cases",
                description="信访事项（按令牌用户的可见范围）")


class CaseQuery(PageQuery):
    """Filters of the board, and the page: ``after`` is the last id of the previous page."""

    stage = fields.String(validate=validate.OneOf([s.value for s in Stage]))
    status = fields.String(validate=validate.OneOf([s.value for s in Status]))
    county = fields.String(validate=validate.OneOf(list(COUNTIES)))
    flag = fields.String(validate=validate.OneOf(list(FLAGS)))
    q = fields.String(validate=validate.Length(min=1, max=50))


class CaseOut(Schema):
    id = fields.Integer()
    number = fields.String()
    title = fields.String()
    channel = fields.String()
    category = fields.String()
    county = fields.String()
    status = fields.String()
    stage = fields.String()
    registered_at = fields.DateTime()
    due_on = fields.Date(allow_none=True)
    lead_agency_id = fields.Integer(allow_none=True)
    restricted = fields.Boolean()
    flags = fields.Method("get_flags")

    def get_flags(self, case) -> list[str]:
        return case.flags()


class CasePage(Schema):
    items = fields.List(fields.Nested(CaseOut))
    next_after = NEXT_AFTER


class PetitionerIn(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    phone = fields.String(load_default=None, validate=validate.Length(max=20))
    id_number = fields.String(load_default=None, validate=validate.Length(max=18))


class CaseIn(Schema):
    """登记 a case, as the intake form does."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    content = fields.String(required=True, validate=validate.Length(min=1))
    channel = fields.String(required=True, validate=validate.OneOf([c.value for c in Channel]))
    category = fields.String(required=True, validate=validate.OneOf(list(CATEGORIES)))
    headcount = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10000))
    county = fields.String(required=True, validate=validate.OneOf(list(COUNTIES)))
    registered_on = fields.Date(required=True)
    petitioners = fields.List(fields.Nested(PetitionerIn), required=True,
                              validate=validate.Length(min=1, max=200))
    township_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=INT_MAX))
    village = fields.String(load_default=None, validate=validate.Length(max=100))
    public = fields.Boolean(load_default=False)
    flags = fields.List(fields.String(validate=validate.OneOf(list(FLAGS))), load_default=list)


class TransitionIn(Schema):
    """One step of the case (the values each step needs, as on the case page)."""

    action = fields.String(required=True, validate=validate.OneOf(sorted(lifecycle.ACTIONS)))
    version = fields.Integer(load_default=None, validate=validate.Range(min=0, max=INT_MAX))
    lead_agency_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=INT_MAX))
    assist_agency_ids = fields.List(fields.Integer(validate=validate.Range(min=1, max=INT_MAX)),
                                    load_default=list)
    reason = fields.String(load_default=None)
    days = fields.Integer(load_default=None, validate=validate.Range(min=1, max=30))
    approver = fields.String(load_default=None)
    text = fields.String(load_default=None)
    public = fields.Boolean(load_default=None)
    rating = fields.String(load_default=None)
    on = fields.Date(load_default=None)


@blp.route("")
class Cases(MethodView):
    @blp.arguments(CaseQuery, location="query", unknown=RAISE)
    @blp.response(200, CasePage)
    @problems(blp, 401, 403, 422)
    @requires(Capability.CASES_VIEW)
    def get(self, args):
        """List the cases the user may see, newest first (keyset pagination by id)."""
        # For an agency's own view, page by its participation rows (index agency, case):
        # the same cases in the same order, without sorting all of them for page 1.
        stmt, mine = scoped(current_user, select(Case))
        key = mine.case_id if mine is not None else Case.id
        for name in ("stage", "status", "county"):
            if name in args:
                stmt = stmt.where(getattr(Case, name) == args[name])
        if "flag" in args:
            stmt = stmt.where(getattr(Case, args["flag"]).is_(True))
        if "q" in args:
            stmt = stmt.where(Case.number.contains(args["q"]) | Case.title.contains(args["q"]))
        return keyset_page(stmt, key, args)

    @blp.arguments(CaseIn, location="json", unknown=RAISE)
    @blp.response(201, CaseOut)
    @problems(blp, 401, 403, 409, 413, 422)
    @requires(Capability.CASES_REGISTER)
    def post(self, data):
        """登记 a case (the same checks as the intake form; the repeat check links nothing)."""
        intake_data = intake.Intake(
            title=data["title"], content=data["content"], channel=data["channel"],
            category=data["category"], headcount=data["headcount"], county=data["county"],
            registered_on=data["registered_on"],
            petitioners=[intake.PetitionerData(p["name"], p["phone"], p["id_number"])
                         for p in data["petitioners"]],
            township_id=data["township_id"], village=data["village"], public=data["public"],
            flags=set(data["flags"]))
        try:
            return intake.register(current_user, intake_data)
        except ServiceError as exc:
            db.session.rollback()
            return service_error(exc)


@blp.route("/<int:case_id>")
class CaseItem(MethodView):
    @blp.response(200, CaseOut)
    @problems(blp, 401, 403, 404)
    @requires(Capability.CASES_VIEW)
    def get(self, case_id):
        """One case (404 when the user may not see it, exactly as the pages)."""
        from flask import abort

        case = db.session.scalar(visible(current_user, Case).where(Case.id == case_id))
        if case is None:
            abort(404)
        return case


FIELD_NAMES = {"reply_text": "text", "review_text": "text", "recheck_text": "text",
               "note": "reason", "requested_on": "on"}


@blp.route("/<int:case_id>/transitions")
class CaseTransitions(MethodView):
    @blp.arguments(TransitionIn, location="json", unknown=RAISE)
    @blp.response(200, CaseOut)
    @problems(blp, 401, 403, 404, 409, 413, 422)
    @requires(Capability.CASES_WORK)
    def post(self, data, case_id):
        """Take one step (forward, accept, reply, close, …): the same services as the page."""
        from flask import abort

        case = db.session.scalar(visible(current_user, Case).where(Case.id == case_id))
        if case is None:
            abort(404)
        action = data.pop("action")
        try:
            lifecycle.perform(current_user, case, action, **data)
        except ServiceError as exc:
            db.session.rollback()
            # Name the field as the API calls it (the services use the page's form names).
            exc.field = FIELD_NAMES.get(exc.field, exc.field)
            return service_error(exc)
        return case
