"""Uploading and downloading attachments; the list partial's helpers."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from hub.attachments import services
from hub.attachments.models import Attachment
from hub.auth.access import requires
from hub.auth.capabilities import Capability
from hub.core.errors import ServiceError
from hub.extensions import db

bp = Blueprint("attachments", __name__)


def _upload(object_type: str, object_id: int, back: str):
    """Store the form's file on a visible object, commit once, and go back to its page."""
    services.owner_or_404(current_user, object_type, object_id)
    try:
        attachment = services.store(current_user, object_type, object_id,
                                    request.files.get("file"))
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("已上传附件：%(name)s", name=attachment.filename), "success")
    return redirect(back)


@bp.post("/cases/<int:case_id>/attachments")
@requires(Capability.ATTACHMENTS_ADD)
def upload_case(case_id: int):
    return _upload("cases", case_id, url_for("cases.show", case_id=case_id,
                                             _anchor="attachments"))


@bp.post("/handoffs/<int:handoff_id>/attachments")
@requires(Capability.ATTACHMENTS_ADD)
def upload_handoff(handoff_id: int):
    """Feedback documents and the handoff letter."""
    return _upload("handoffs", handoff_id, url_for("handoffs.show", handoff_id=handoff_id,
                                                   _anchor="attachments"))


@bp.get("/attachments/<int:attachment_id>")
@requires(Capability.ATTACHMENTS_VIEW)
def download(attachment_id: int):
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        abort(404)
    # Visible exactly when the owning object is: check it first, 404 otherwise.
    services.owner_or_404(current_user, attachment.object_type, attachment.object_id)
    fh = services.open_for_download(attachment)
    try:
        services.record_download(current_user, attachment)
        db.session.commit()
    except BaseException:
        fh.close()
        raise
    response = send_file(fh, mimetype=attachment.content_type, as_attachment=True,
                         download_name=attachment.filename, etag=attachment.sha256,
                         last_modified=attachment.uploaded_at)
    response.content_length = attachment.size
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    # Never rendered as a page, even if a browser ignored the attachment disposition.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_exc):
    """A request far over the limit is cut off before the service sees it (Flask's
    MAX_CONTENT_LENGTH); say why in words instead of a bare 413."""
    limit = services.human_size(current_app.config["HUB_UPLOAD_MAX_BYTES"])
    return render_template(
        "errors/error.html", code=413, title=_("文件过大"),
        text=_("上传的文件超过 %(limit)s 的上限，未保存。请压缩或拆分后重新上传。", limit=limit),
    ), 413


@bp.app_template_global("attachments_for")
def attachments_for(object_type: str, object_id: int) -> list[Attachment]:
    """For the list partial, which is only included on pages of visible objects."""
    return services.list_for(object_type, object_id)


@bp.app_template_global("attachment_limit")
def attachment_limit() -> str:
    return services.human_size(current_app.config["HUB_UPLOAD_MAX_BYTES"])


@bp.app_template_filter("filesize")
def filesize(size: int) -> str:
    return services.human_size(size)
