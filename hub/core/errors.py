"""The error a service raises when it refuses a change."""


class ServiceError(Exception):
    """A refused change; ``message`` is shown to the user as it is (already translated)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
