"""/api/v1/notifications: the token user's own in-app inbox."""

from __future__ import annotations

from flask import abort
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields
from sqlalchemy import select

from hub.api.schemas import NEXT_AFTER, PageQuery, keyset_page, problems
from hub.auth.access import login_only
from hub.extensions import db
from hub.notifications import services
from hub.notifications.models import Notification

blp = Blueprint("api_notifications", __name__, url_prefix="/api/v1/notifications",
                description="站内消息（仅令牌用户本人的）")


class NotificationQuery(PageQuery):
    """``unread=true`` for the unread only; ``after`` is the last id of the previous page."""

    unread = fields.Boolean(load_default=False)


class NoBody(Schema):
    """No fields: the request needs no body (an unknown field is refused)."""


class NotificationOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    body = fields.String()
    link = fields.String(allow_none=True, metadata={"description": "the page it is about"})
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class NotificationPage(Schema):
    items = fields.List(fields.Nested(NotificationOut))
    next_after = NEXT_AFTER
    unread_count = fields.Integer(metadata={"description": "all the user's unread messages"})


class ReadAllOut(Schema):
    marked = fields.Integer(metadata={"description": "how many messages were unread"})
    unread_count = fields.Integer()


def _mine():
    return select(Notification).where(Notification.user_id == current_user.id)


@blp.route("")
class Notifications(MethodView):
    @blp.arguments(NotificationQuery, location="query", unknown=RAISE)
    @blp.response(200, NotificationPage)
    @problems(blp, 401, 422)
    @login_only
    def get(self, args):
        """The user's messages, newest first (keyset pagination by id)."""
        stmt = _mine()
        if args["unread"]:
            stmt = stmt.where(Notification.read_at.is_(None))
        return {**keyset_page(stmt, Notification.id, args),
                "unread_count": services.unread_count(current_user)}


@blp.route("/<int:notification_id>/read")
class NotificationRead(MethodView):
    @blp.arguments(NoBody, location="json", unknown=RAISE, required=False)
    @blp.response(200, NotificationOut)
    @problems(blp, 401, 404, 413, 422)
    @login_only
    def post(self, _data, notification_id):
        """Mark one of the user's messages read (404 for anyone else's; already read: no
        change)."""
        notification = db.session.scalar(_mine().where(Notification.id == notification_id))
        if notification is None:
            abort(404)
        services.mark_read(current_user, notification.id)
        db.session.refresh(notification)
        return notification


@blp.route("/read-all")
class NotificationsReadAll(MethodView):
    @blp.arguments(NoBody, location="json", unknown=RAISE, required=False)
    @blp.response(200, ReadAllOut)
    @problems(blp, 401, 413, 422)
    @login_only
    def post(self, _data):
        """Mark all the user's messages read."""
        marked = services.mark_read(current_user)
        return {"marked": marked, "unread_count": services.unread_count(current_user)}
