"""/api/v1/notifications."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("api_notifications", __name__, url_prefix="/api/v1/notifications")
