"""/api/v1/cases: the cases the token's user may see, with keyset pagination."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from hub.api.schemas import Problem
from hub.auth.access import requires
from hub.auth.capabilities import Capability
from hub.auth.visibility import visible
from hub.cases.intake import COUNTIES
from hub.cases.models import Case
from hub.cases.vocab import FLAGS, Stage, Status
from hub.extensions import db

blp = Blueprint("api_cases", __name__, url_prefix="/api/v1/cases",
                description="信访事项（按令牌用户的可见范围）")


class CaseQuery(Schema):
    """Filters of the board, and the page: ``after`` is the last id of the previous page."""

    stage = fields.String(validate=validate.OneOf([s.value for s in Stage]))
    status = fields.String(validate=validate.OneOf([s.value for s in Status]))
    county = fields.String(validate=validate.OneOf(list(COUNTIES)))
    flag = fields.String(validate=validate.OneOf(list(FLAGS)))
    q = fields.String(validate=validate.Length(min=1, max=50))
    after = fields.Integer(validate=validate.Range(min=0))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


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
    next_after = fields.Integer(allow_none=True, metadata={
        "description": "pass as ?after= for the next page; null on the last page"})


@blp.route("")
class Cases(MethodView):
    @blp.arguments(CaseQuery, location="query", unknown=RAISE)
    @blp.response(200, CasePage)
    @blp.alt_response(401, schema=Problem, description="missing, invalid or revoked token")
    @blp.alt_response(422, schema=Problem, description="invalid filters")
    @requires(Capability.CASES_VIEW)
    def get(self, args):
        """List the cases the user may see, newest first (keyset pagination by id)."""
        stmt = visible(current_user, Case)
        for name in ("stage", "status", "county"):
            if name in args:
                stmt = stmt.where(getattr(Case, name) == args[name])
        if "flag" in args:
            stmt = stmt.where(getattr(Case, args["flag"]).is_(True))
        if "q" in args:
            stmt = stmt.where(Case.number.contains(args["q"]) | Case.title.contains(args["q"]))
        if "after" in args:
            stmt = stmt.where(Case.id < args["after"])
        limit = args["limit"]
        rows = db.session.scalars(stmt.order_by(Case.id.desc()).limit(limit + 1)).all()
        items = rows[:limit]
        return {"items": items, "next_after": items[-1].id if len(rows) > limit else None}


@blp.route("/<int:case_id>")
class CaseItem(MethodView):
    @blp.response(200, CaseOut)
    @blp.alt_response(404, schema=Problem, description="no such case, or not visible")
    @requires(Capability.CASES_VIEW)
    def get(self, case_id):
        """One case (404 when the user may not see it, exactly as the pages)."""
        from flask import abort

        case = db.session.scalar(visible(current_user, Case).where(Case.id == case_id))
        if case is None:
            abort(404)
        return case
