"""/api/v1/baoan."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("api_baoan", __name__, url_prefix="/api/v1/baoan")
