"""我的 API 令牌: create (shown once), list and revoke personal tokens."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hub.api import tokens
from hub.api.models import ApiToken
from hub.auth.access import login_only
from hub.core.errors import ServiceError
from hub.core.forms import commit_or_flash
from hub.extensions import db

bp = Blueprint("api_tokens", __name__, url_prefix="/account/tokens")


@bp.route("", methods=["GET", "POST"])
@login_only
def index():
    created, error = None, None
    if request.method == "POST":
        days = (request.form.get("expires_days") or "").strip()
        try:
            if days and not days.isdigit():
                raise ServiceError(_("有效期请填写天数"), "expires_days")
            created, _row = tokens.create(current_user, current_user, request.form.get("name", ""),
                                          read_only=request.form.get("read_only") == "on",
                                          expires_days=int(days) if days else None)
        except ServiceError as exc:
            db.session.rollback()
            error = exc
        else:
            db.session.commit()
    return render_template("api/tokens.html", rows=tokens.of_user(current_user), created=created,
                           error=error), (422 if error else 200)


@bp.post("/<int:token_id>/revoke")
@login_only
def revoke(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    commit_or_flash(lambda: tokens.revoke(current_user, token), _("令牌已撤销"))
    return redirect(url_for("api_tokens.index"))
