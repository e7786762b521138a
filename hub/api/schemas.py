"""Schemas shared by the API's blueprints."""

from __future__ import annotations

from marshmallow import Schema, fields


class Problem(Schema):
    """RFC 9457 problem details (``application/problem+json``)."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    instance = fields.String()
    errors = fields.Dict(metadata={"description": "field → messages, for invalid input"})


def service_error(exc):
    """A refused service change (``ServiceError``) as a 409/422 problem: a field error is
    422 with that field, any other refusal 409 (the state does not allow it)."""
    from hub.api.setup import problem

    if exc.field:
        return problem(422, exc.message, {exc.field: [exc.message]})
    return problem(409, exc.message)
