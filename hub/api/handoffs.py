"""/api/v1/handoffs."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("api_handoffs", __name__, url_prefix="/api/v1/handoffs")
