"""/api/v1/handoffs: 联合梳理交办 — the liaison's inbox, one handoff, sending, and each
step (签收, 异议, 进展, 反馈, 裁定, 确认, 退回重办) through the same services as the pages."""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from agencies import registry
from hub.agencies.models import Agency
from hub.api.schemas import INT_MAX, NEXT_AFTER, PageQuery, keyset_page, problems, service_error
from hub.auth.access import requires
from hub.auth.capabilities import Capability
from hub.auth.visibility import get_visible_or_404, visible
from hub.cases.models import Case
from hub.core.errors import ServiceError
from hub.deadlines.services import colour_of, local_today
from hub.extensions import db
from hub.handoffs import services
from hub.handoffs.models import STATE_LABELS, Handoff, State

blp = Blueprint("api_handoffs", __name__, url_prefix="/api/v1/handoffs",
                description="联合梳理交办（本单位发出和收到的交办；联席办、审计员可见非涉密交办）")

# The inbox tabs of the page (待签收, 待反馈, 已逾期, 已退回, 我发出的).
BOXES = ("sign", "feedback", "overdue", "returned", "sent")


class HandoffQuery(PageQuery):
    """The inbox tab, and the page: ``after`` is the last id of the previous page."""

    box = fields.String(validate=validate.OneOf(BOXES), metadata={
        "description": "sign 待签收, feedback 待反馈, overdue 已逾期, returned 已退回, "
                       "sent 我发出的; without it, every handoff the user may see"})


def _seen(item) -> bool:
    """Whether the user may see a case of the handoff (the page names the others by number
    only): one query for all the handoff's cases, or for a whole page (``_note_cases``)."""
    seen = g.setdefault("api_handoff_seen_cases", {})
    if item.case_id not in seen:
        _note_cases([i.case_id for i in item.handoff.items])
    return seen[item.case_id]


def _note_cases(case_ids) -> None:
    seen = g.setdefault("api_handoff_seen_cases", {})
    missing = set(case_ids) - seen.keys()
    if missing:
        found = set(db.session.scalars(visible(current_user, Case).with_only_columns(Case.id)
                                       .where(Case.id.in_(missing))))
        seen.update({c: c in found for c in missing})


class HandoffCaseOut(Schema):
    case_id = fields.Integer()
    number = fields.String(attribute="case.number")
    title = fields.Method("get_title", allow_none=True, metadata={
        "description": "the case's title, when the user may see the case"})
    outcome = fields.String(allow_none=True, metadata={
        "description": "the receiver's outcome (a code of the kind's vocabulary)"})
    outcome_label = fields.Method("get_outcome_label", allow_none=True)

    def get_title(self, item) -> str | None:
        return item.case.title if _seen(item) else None

    def get_outcome_label(self, item) -> str | None:
        if item.outcome is None:
            return None
        kind = registry.handoff_kind(item.handoff.kind)
        return kind.outcome_label(item.outcome) if kind else item.outcome


class HandoffNoteOut(Schema):
    id = fields.Integer()
    author_id = fields.Integer()
    author_name = fields.String(attribute="author.display_name")
    text = fields.String()
    created_at = fields.DateTime()


class HandoffOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    kind_name = fields.Method("get_kind_name")
    from_agency_id = fields.Integer()
    from_agency_name = fields.String(attribute="from_agency.name")
    to_agency_id = fields.Integer()
    to_agency_name = fields.String(attribute="to_agency.name")
    state = fields.String(metadata={
        "description": "sent, objected, in_hand, feedback, confirmed or returned"})
    state_label = fields.Method("get_state_label")
    restricted = fields.Boolean()
    sent_by_id = fields.Integer()
    sent_at = fields.DateTime()
    sign_due_on = fields.Date(attribute="sign_deadline.due_on", dump_default=None,
                              allow_none=True, metadata={"description": "签收 due date"})
    feedback_due_on = fields.Date(attribute="feedback_deadline.due_on", dump_default=None,
                                  allow_none=True, metadata={"description": "反馈 due date"})
    colour = fields.Method("get_colour", allow_none=True, metadata={
        "description": "red, yellow or green of the running clock; null when none runs"})
    sent_back_count = fields.Integer()
    cases = fields.List(fields.Nested(HandoffCaseOut), attribute="items")
    version = fields.Integer(metadata={"description": "pass back as ``version`` on a step"})

    def get_kind_name(self, handoff) -> str:
        return services.kind_label(handoff.kind)

    def get_state_label(self, handoff) -> str:
        return str(STATE_LABELS[State(handoff.state)])

    def get_colour(self, handoff) -> str | None:
        clock = services.open_clock(handoff)
        return colour_of(clock, local_today()).value if clock is not None else None


class HandoffDetail(HandoffOut):
    instructions = fields.String()
    details = fields.Dict(metadata={"description": "the kind's extra fields"})
    sent_by_name = fields.String(attribute="sent_by.display_name")
    signed_by_id = fields.Integer(allow_none=True)
    signed_by_name = fields.Function(
        lambda h: h.signed_by.display_name if h.signed_by else None, allow_none=True)
    signed_at = fields.DateTime(allow_none=True)
    objection_until = fields.Method("get_objection_until", allow_none=True, metadata={
        "description": "last day for an objection (ISO date), while it awaits 签收"})
    objection = fields.String(allow_none=True)
    objected_at = fields.DateTime(allow_none=True)
    ruling = fields.String(allow_none=True)
    feedback = fields.String(allow_none=True)
    feedback_at = fields.DateTime(allow_none=True)
    sent_back_reason = fields.String(allow_none=True)
    confirmed_by_id = fields.Integer(allow_none=True)
    confirmed_at = fields.DateTime(allow_none=True)
    notes = fields.List(fields.Nested(HandoffNoteOut))

    def get_objection_until(self, handoff) -> str | None:
        if handoff.state != State.SENT.value:
            return None
        return services.objection_deadline(handoff).isoformat()


class HandoffPage(Schema):
    items = fields.List(fields.Nested(HandoffOut))
    next_after = NEXT_AFTER


def _version():
    return fields.Integer(load_default=None, validate=validate.Range(min=0, max=INT_MAX),
                          metadata={"description": "the version the client saw (a stale one "
                                                   "is refused with 409)"})


class HandoffIn(Schema):
    """交办 one case (or, for a batch kind, several) to another agency, as the page does."""

    kind = fields.String(required=True, validate=validate.Length(min=1, max=40), metadata={
        "description": "a handoff kind of the plug-ins, e.g. discipline.clue"})
    to_agency_id = fields.Integer(required=True, validate=validate.Range(min=1, max=INT_MAX))
    case_ids = fields.List(fields.Integer(validate=validate.Range(min=1, max=INT_MAX)),
                           required=True, validate=validate.Length(min=1, max=200))
    instructions = fields.String(load_default="")
    details = fields.Dict(keys=fields.String(), load_default=dict, metadata={
        "description": "the kind's extra fields (e.g. subject_name and allegation of a clue)"})


class HandoffVersionIn(Schema):
    version = _version()


class HandoffReasonIn(Schema):
    reason = fields.String(required=True)
    version = _version()


class HandoffNoteIn(Schema):
    text = fields.String(required=True)


class HandoffFeedbackIn(Schema):
    feedback = fields.String(required=True)
    outcomes = fields.Dict(keys=fields.Integer(validate=validate.Range(min=1, max=INT_MAX)),
                           values=fields.String(validate=validate.Length(max=30)),
                           required=True, metadata={
                               "description": "case id → outcome of the kind's vocabulary, "
                                              "for every case of the handoff"})
    version = _version()


class HandoffRulingIn(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["uphold", "overrule"]),
                             metadata={"description": "uphold: 异议成立 (returned to the "
                                                      "sender); overrule: sign-for again"})
    ruling = fields.String(required=True)
    version = _version()


# The services name a field as the page's form does (one select per case).
FIELD_NAMES = {"outcome": "outcomes"}
SEND_FIELDS = {"kind", "to_agency_id", "case_ids", "instructions", "sent_on"}


def _stale(handoff_id: int):
    """Someone else's change committed first: tell who signed, as the page does."""
    db.session.rollback()
    fresh = db.session.get(Handoff, handoff_id)
    message = services.signed_message(fresh) if fresh is not None and fresh.signed_by_id \
        else _stale_message()
    return service_error(ServiceError(message))


def _stale_message() -> str:
    return _("该交办已被他人更新，请刷新页面后再操作")


def _step(handoff_id: int, change):
    """Run one step on a visible handoff (404 otherwise); a refusal is a 409/422 problem."""
    handoff = get_visible_or_404(current_user, Handoff, handoff_id)
    try:
        change(handoff)
    except ServiceError as exc:
        db.session.rollback()
        exc.field = FIELD_NAMES.get(exc.field, exc.field)
        return service_error(exc)
    except StaleDataError:
        return _stale(handoff_id)
    db.session.expire(handoff)  # flushed: read signer, notes and clocks as stored now
    return handoff


def _loaded(stmt):
    return stmt.options(selectinload(Handoff.sign_deadline),
                        selectinload(Handoff.feedback_deadline))


@blp.route("")
class Handoffs(MethodView):
    @blp.arguments(HandoffQuery, location="query", unknown=RAISE)
    @blp.response(200, HandoffPage)
    @problems(blp, 401, 403, 422)
    @requires(Capability.HANDOFFS_VIEW)
    def get(self, args):
        """List one inbox tab (as on the 交办 page), or every handoff the user may see,
        newest first (keyset pagination by id)."""
        stmt = services.inbox_query(current_user, args["box"], local_today()) if "box" in args \
            else visible(current_user, Handoff)
        page = keyset_page(_loaded(stmt), Handoff.id, args, unique=True)
        _note_cases([i.case_id for h in page["items"] for i in h.items])
        return page

    @blp.arguments(HandoffIn, location="json", unknown=RAISE)
    @blp.response(201, HandoffDetail)
    @problems(blp, 401, 403, 409, 413, 422)
    @requires(Capability.HANDOFFS_WORK)
    def post(self, data):
        """交办: the same checks as the page (kind, receiving agency, visible open cases,
        no open handoff of the same kind, the kind's extra fields)."""
        to_agency = db.session.get(Agency, data["to_agency_id"])
        try:
            handoff = services.send(current_user, data["kind"], to_agency, data["case_ids"],
                                    data["instructions"], data["details"])
        except ServiceError as exc:
            db.session.rollback()
            if exc.field and exc.field not in SEND_FIELDS:
                exc.field = f"details.{exc.field}"  # one of the kind's extra fields
            exc.field = FIELD_NAMES.get(exc.field, exc.field)
            return service_error(exc)
        except StaleDataError:  # a case changed under us
            db.session.rollback()
            return service_error(ServiceError(_stale_message()))
        return handoff


@blp.route("/<int:handoff_id>")
class HandoffItem(MethodView):
    @blp.response(200, HandoffDetail)
    @problems(blp, 401, 403, 404)
    @requires(Capability.HANDOFFS_VIEW)
    def get(self, handoff_id):
        """One handoff with its cases and outcomes, clocks, fields and notes (404 when the
        user may not see it, exactly as the pages)."""
        return get_visible_or_404(current_user, Handoff, handoff_id)


@blp.route("/<int:handoff_id>/sign")
class HandoffSign(MethodView):
    @blp.arguments(HandoffVersionIn, location="json", unknown=RAISE, required=False)
    @blp.response(200, HandoffDetail)
    @problems(blp, 401, 403, 404, 409, 413, 422)
    @requires(Capability.HANDOFFS_WORK)
    def post(self, data, handoff_id):
        """签收, by a liaison of the receiving agency (two at once: the second is told who
        signed)."""
        return _step(handoff_id, lambda h: services.sign(current_user, h, data["version"]))


@blp.route("/<int:handoff_id>/object")
class HandoffObject(MethodView):
    @blp.arguments(HandoffReasonIn, location="json", unknown=RAISE)
    @blp.response(200, HandoffDetail)
    @problems(blp, 401, 403, 404, 409, 413, 422)
    @requires(Capability.HANDOFFS_WORK)
    def post(self, data, handoff_id):
        """异议, with a reason, within 5 working days of receipt."""
        return _step(handoff_id, lambda h: services.object_(current_user, h, data["reason"],
                                                            data["version"]))


@blp.route("/<int:handoff_id>/notes")
class HandoffNotes(MethodView):
    @blp.arguments(HandoffNoteIn, location="json", unknown=RAISE)
    @blp.response(200, HandoffDetail)
    @problems(blp, 401, 403, 404, 409, 413, 422)
    @requires(Capability.HANDOFFS_WORK)
    def post(self, data, handoff_id):
        """Record progress while in hand (the receiving agency's liaisons)."""
        return _step(handoff_id, lambda h: services.add_note(current_user, h, data["text"]))


@blp.route("/<int:handoff_id>/feedback")
class HandoffFeedback(MethodView):
    @blp.arguments(HandoffFeedbackIn, location="json", unknown=RAISE)
    @blp.response(200, HandoffDetail)
    @problems(blp, 401, 403, 404, 409, 413, 422)
    @requires(Capability.HANDOFFS_WORK)
    def post(self, data, handoff_id):
        """反馈: the result, with an outcome for every case of the handoff."""
        def change(handoff):
            ids = {item.case_id for item in handoff.items}
            stray = sorted(set(data["outcomes"]) - ids)
            if stray:
                raise ServiceError(_("信访事项 %(id)d 不在该交办中", id=stray[0]), "outcomes")
            services.submit_feedback(current_user, handoff, data["feedback"], data["outcomes"],
                                     data["version"])

        return _step(handoff_id, change)


@blp.route("/<int:handoff_id>/ruling")
class HandoffRuling(MethodView):
    @blp.arguments(HandoffRulingIn, location="json", unknown=RAISE)
    @blp.response(200, HandoffDetail)
    @problems(blp, 401, 403, 404, 409, 413, 422)
    @requires(Capability.HANDOFFS_WORK)
    def post(self, data, handoff_id):
        """The sender rules on an objection: uphold (the case returns to be re-routed) or
        overrule (the sign-for clock starts again)."""
        return _step(handoff_id, lambda h: services.rule_objection(
            current_user, h, data["decision"] == "uphold", data["ruling"], data["version"]))


@blp.route("/<int:handoff_id>/confirm")
class HandoffConfirm(MethodView):
    @blp.arguments(HandoffVersionIn, location="json", unknown=RAISE, required=False)
    @blp.response(200, HandoffDetail)
    @problems(blp, 401, 403, 404, 409, 413, 422)
    @requires(Capability.HANDOFFS_WORK)
    def post(self, data, handoff_id):
        """The sender confirms the feedback (确认办结)."""
        return _step(handoff_id, lambda h: services.confirm(current_user, h, data["version"]))


@blp.route("/<int:handoff_id>/send-back")
class HandoffSendBack(MethodView):
    @blp.arguments(HandoffReasonIn, location="json", unknown=RAISE)
    @blp.response(200, HandoffDetail)
    @problems(blp, 401, 403, 404, 409, 413, 422)
    @requires(Capability.HANDOFFS_WORK)
    def post(self, data, handoff_id):
        """退回重办, with a reason: in hand again on a new feedback clock."""
        return _step(handoff_id, lambda h: services.send_back(current_user, h, data["reason"],
                                                              data["version"]))
