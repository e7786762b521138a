"""Schemas shared by the API's blueprints."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

INT_MAX = 2**31 - 1  # ids and counts are the database's 32-bit integers


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


PROBLEM_TYPE = "application/problem+json"
PROBLEM_TEXT = {
    400: "a malformed request (e.g. invalid JSON, or a NUL character in the input)",
    401: "missing, invalid, revoked or expired token, or its user is disabled",
    403: "the user's role may not do this, or the token is read-only",
    404: "no such object, or the user may not see it",
    409: "the object's state does not allow this now (or someone changed it first)",
    413: "the request body is too large",
    422: "invalid input: field → messages in `errors`",
}


def problems(blp, *codes: int):
    """Document the problem responses an operation can give (RFC 9457 media type); 400,
    401 and 403 can come from any operation."""

    def decorator(view):
        for code in sorted({400, 401, 403, *codes}):
            view = blp.alt_response(code, schema=Problem, content_type=PROBLEM_TYPE,
                                    description=PROBLEM_TEXT[code])(view)
        return view

    return decorator


class PageQuery(Schema):
    """Keyset pages, newest first: ``after`` is ``next_after`` of the previous page."""

    after = fields.Integer(validate=validate.Range(min=0, max=INT_MAX))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


NEXT_AFTER = fields.Integer(allow_none=True, metadata={
    "description": "pass as ?after= for the next page; null on the last page"})


def keyset_page(stmt, key, args, *, unique: bool = False) -> dict:
    """One page of ``stmt`` ordered by ``key`` descending, with the next page's cursor."""
    from hub.extensions import db

    if "after" in args:
        stmt = stmt.where(key < args["after"])
    limit = args["limit"]
    result = db.session.scalars(stmt.order_by(key.desc()).limit(limit + 1))
    rows = (result.unique() if unique else result).all()
    items = rows[:limit]
    return {"items": items, "next_after": items[-1].id if len(rows) > limit else None}
