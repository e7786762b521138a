"""The error a service raises when it refuses a change, and the shared input checks."""

from flask_babel import gettext as _


class ServiceError(Exception):
    """A refused change; ``message`` is shown to the user as it is (already translated)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def required_text(value: str | None, field: str, message: str, limit: int | None = None) -> str:
    """``value`` stripped; refused with ``message`` on ``field`` when empty, and when longer
    than ``limit`` characters."""
    value = (value or "").strip()
    if not value:
        raise ServiceError(message, field)
    if limit and len(value) > limit:
        raise ServiceError(_("不能超过 %(n)d 个字", n=limit), field)
    return value
