"""/api/v1/meetings: the meetings the user may see, answers, and meeting tasks."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import abort, g
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from hub.api.schemas import INT_MAX, NEXT_AFTER, PageQuery, keyset_page, problems, service_error
from hub.auth.access import requires
from hub.auth.capabilities import Capability
from hub.auth.models import User
from hub.auth.visibility import get_visible_or_404, visible
from hub.cases.models import Case
from hub.core.errors import ServiceError
from hub.deadlines.services import local_zone
from hub.extensions import db
from hub.meetings import services
from hub.meetings.models import Kind, Meeting, MeetingTask, State

blp = Blueprint("api_meetings", __name__, url_prefix="/api/v1/meetings",
                description="联席会议、联合会商研判、联合实地督办（按令牌用户的可见范围）")

# Dates a meeting filter can name (also keeps the local-midnight arithmetic in range).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)


class MeetingQuery(PageQuery):
    """Filters, and the page: ``after`` is the last id of the previous page; ``from`` and
    ``to`` are local (Asia/Shanghai) days of the start, both included."""

    kind = fields.String(validate=validate.OneOf([k.value for k in Kind]))
    state = fields.String(validate=validate.OneOf([s.value for s in State]))
    from_ = fields.Date(data_key="from", validate=validate.Range(min=FIRST_DAY, max=LAST_DAY))
    to = fields.Date(validate=validate.Range(min=FIRST_DAY, max=LAST_DAY))


class TaskQuery(Schema):
    mine = fields.Boolean(load_default=True, validate=validate.Equal(True), metadata={
        "description": "the user's own open tasks (the only list so far)"})


class MeetingOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    place = fields.String()
    state = fields.String()
    organizer_id = fields.Integer()
    organizer_name = fields.String(attribute="organizer.display_name")
    series_id = fields.Integer(allow_none=True)
    sequence = fields.Integer(metadata={"description": "the .ics SEQUENCE"})
    cancel_reason = fields.String(allow_none=True)
    my_answer = fields.Method("get_my_answer", allow_none=True, metadata={
        "description": "the user's answer when invited (pending, attend, decline, delegate)"})

    def get_my_answer(self, meeting) -> str | None:
        mine = next((i for i in meeting.invitees if i.user_id == current_user.id), None)
        return mine.answer if mine else None


class InviteeOut(Schema):
    user_id = fields.Integer()
    name = fields.String(attribute="user.display_name")
    agency_id = fields.Integer(attribute="user.agency_id")
    required = fields.Boolean()
    answer = fields.String(metadata={"description": "pending, attend, decline or delegate"})
    delegate_id = fields.Integer(allow_none=True)
    delegate_name = fields.Function(
        lambda i: i.delegate.display_name if i.delegate else None, allow_none=True)
    answered_at = fields.DateTime(allow_none=True)
    attended = fields.Boolean(allow_none=True)


class AgencyOut(Schema):
    id = fields.Integer(attribute="agency_id")
    name = fields.String(attribute="agency.name")


class OutcomeOut(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "info, decision or task"})
    text = fields.String()
    created_at = fields.DateTime()


def _seen_case_id(obj) -> int | None:
    """A case is named by id only when the user may see it (the page links it only then).
    ``_note_cases`` asks for a page's cases in one query; any other is asked here."""
    if obj.case_id is None:
        return None
    seen = g.setdefault("api_seen_cases", {})
    if obj.case_id not in seen:
        _note_cases([obj.case_id])
    return obj.case_id if seen[obj.case_id] else None


def _note_cases(case_ids) -> None:
    seen = g.setdefault("api_seen_cases", {})
    missing = {c for c in case_ids if c} - seen.keys()
    if missing:
        found = set(db.session.scalars(visible(current_user, Case).with_only_columns(Case.id)
                                       .where(Case.id.in_(missing))))
        seen.update({c: c in found for c in missing})


class AgendaItemOut(Schema):
    id = fields.Integer()
    position = fields.Integer()
    title = fields.String()
    case_id = fields.Method("get_case_id", allow_none=True, metadata={
        "description": "the case on the agenda, when the user may see it"})
    presenter_id = fields.Integer(allow_none=True)
    notes = fields.String()
    outcomes = fields.List(fields.Nested(OutcomeOut))

    def get_case_id(self, item) -> int | None:
        return _seen_case_id(item)


class TaskOut(Schema):
    id = fields.Integer()
    meeting_id = fields.Integer()
    text = fields.String()
    owner_id = fields.Integer()
    owner_name = fields.String(attribute="owner.display_name")
    owner_agency_id = fields.Integer()
    due_on = fields.Date()
    case_id = fields.Method("get_case_id", allow_none=True, metadata={
        "description": "the case of the task, when the user may see it"})
    status = fields.String(metadata={"description": "open or done"})
    result = fields.String(allow_none=True)
    done_by_id = fields.Integer(allow_none=True)
    done_at = fields.DateTime(allow_none=True)

    def get_case_id(self, task) -> int | None:
        return _seen_case_id(task)


class MeetingDetail(MeetingOut):
    agencies = fields.List(fields.Nested(AgencyOut))
    invitees = fields.List(fields.Nested(InviteeOut))
    items = fields.List(fields.Nested(AgendaItemOut), metadata={
        "description": "the agenda, in order, with each item's outcomes"})
    tasks = fields.List(fields.Nested(TaskOut))
    minutes_approved_at = fields.DateTime(allow_none=True)


class MeetingPage(Schema):
    items = fields.List(fields.Nested(MeetingOut))
    next_after = NEXT_AFTER


class TaskList(Schema):
    items = fields.List(fields.Nested(TaskOut))


class AnswerIn(Schema):
    answer = fields.String(required=True,
                           validate=validate.OneOf(["attend", "decline", "delegate"]))
    delegate_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=INT_MAX),
                                 metadata={"description": "a colleague of the same agency, "
                                                          "when the answer is delegate"})


class TaskDoneIn(Schema):
    result = fields.String(required=True, validate=validate.Length(min=1))


def _detail(meeting: Meeting) -> Meeting:
    """A meeting for ``MeetingDetail``: the cases its agenda and tasks name, checked in one
    query."""
    _note_cases([i.case_id for i in meeting.items] + [t.case_id for t in meeting.tasks])
    return meeting


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=local_zone())


@blp.route("")
class Meetings(MethodView):
    @blp.arguments(MeetingQuery, location="query", unknown=RAISE)
    @blp.response(200, MeetingPage)
    @problems(blp, 401, 403, 422)
    @requires(Capability.MEETINGS_VIEW)
    def get(self, args):
        """List the meetings the user may see, newest first (keyset pagination by id)."""
        stmt = visible(current_user, Meeting)
        for name in ("kind", "state"):
            if name in args:
                stmt = stmt.where(getattr(Meeting, name) == args[name])
        if "from_" in args:
            stmt = stmt.where(Meeting.starts_at >= _local_midnight(args["from_"]))
        if "to" in args:
            stmt = stmt.where(Meeting.starts_at < _local_midnight(args["to"] + timedelta(days=1)))
        return keyset_page(stmt, Meeting.id, args)


@blp.route("/<int:meeting_id>")
class MeetingItem(MethodView):
    @blp.response(200, MeetingDetail)
    @problems(blp, 401, 403, 404)
    @requires(Capability.MEETINGS_VIEW)
    def get(self, meeting_id):
        """One meeting with its invitees and answers, agenda and tasks (404 when the user
        may not see it, exactly as the pages)."""
        return _detail(get_visible_or_404(current_user, Meeting, meeting_id))


@blp.route("/<int:meeting_id>/answer")
class MeetingAnswer(MethodView):
    @blp.arguments(AnswerIn, location="json", unknown=RAISE)
    @blp.response(200, MeetingDetail)
    @problems(blp, 401, 403, 404, 409, 413, 422)
    @requires(Capability.MEETINGS_VIEW)
    def post(self, data, meeting_id):
        """An invitee answers: attend, decline, or delegate a colleague of their agency."""
        meeting = get_visible_or_404(current_user, Meeting, meeting_id)
        delegate = db.session.get(User, data["delegate_id"]) if data["delegate_id"] else None
        try:
            services.answer(current_user, meeting, data["answer"], delegate)
        except ServiceError as exc:
            db.session.rollback()
            return service_error(exc)
        return _detail(meeting)


@blp.route("/tasks")
class Tasks(MethodView):
    @blp.arguments(TaskQuery, location="query", unknown=RAISE)
    @blp.response(200, TaskList)
    @problems(blp, 401, 403, 422)
    @requires(Capability.MEETINGS_VIEW)
    def get(self, args):
        """The user's open meeting tasks, earliest due first (as on 我的工作台)."""
        tasks = services.open_tasks_of(current_user)
        _note_cases([t.case_id for t in tasks])
        return {"items": tasks}


@blp.route("/tasks/<int:task_id>/done")
class TaskDone(MethodView):
    @blp.arguments(TaskDoneIn, location="json", unknown=RAISE)
    @blp.response(200, TaskOut)
    @problems(blp, 401, 403, 404, 409, 413, 422)
    @requires(Capability.MEETINGS_VIEW)
    def post(self, data, task_id):
        """Complete a task with its result: its owner, a liaison of the owner's agency, or
        the secretariat (404 when the task's meeting is not the user's to see)."""
        task = db.session.get(MeetingTask, task_id)
        if task is None:
            abort(404)
        get_visible_or_404(current_user, Meeting, task.meeting_id)
        try:
            services.complete_task(current_user, task, data["result"])
        except ServiceError as exc:
            db.session.rollback()
            return service_error(exc)
        return task
