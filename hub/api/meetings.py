"""/api/v1/meetings."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("api_meetings", __name__, url_prefix="/api/v1/meetings")
